"""Section 5 of the paper: the impact of the migrant population on Peru.

The paper's evidence comes from studies whose microdata are not public; the compendium lays that
evidence out as data (``evidence_section5``) and adds what open macro data can show: Peru's WDI
series beside the Venezuelan population, and a two-way fixed-effects panel across the main Latin
American hosts of Venezuelans. The panel is associational; the notebook says why.

Every function returns a tidy table with a `source` column where the numbers come from more than
one place, so notebooks and figures can label each number with its origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perumig.data import places, schemas, tables
from perumig.sections import flows
from perumig.errors import ParameterError
from perumig.present import prose

WDI_SOURCE = "World Bank WDI (datahub copy, 2026-07-01 update)"
UNHCR_SOURCE = flows.UNHCR_VENEZUELANS
SHARE_SOURCE = f"{UNHCR_SOURCE} / {WDI_SOURCE} SP.POP.TOTL"
EVIDENCE_SOURCE = "evidence_section5 (UNDP paper Sec. 2.3, 4, 5, 6; news of 30 Sep 2025), transcribed"
ORIGIN = "VEN"  # Venezuela is the origin of the flows, not a host: it is never in the panel
HOME = "PER"
DEFAULT_HOSTS = 8  # few enough to stay the main hosts, enough clusters to fit country and year effects
MACRO_START = 2010


@dataclass(frozen=True)
class Series:
    indicator: str
    key: str  # values.json key part
    label: str
    unit: str
    noun: str = ""  # how the text names it; only outcomes need one


OUTCOMES = {
    "unemployment": Series("SL.UEM.TOTL.ZS", "unemployment_pct", "Unemployment, % of labour force (modelled ILO)", "percent",
                           "the unemployment rate"),
    "gdp_per_capita_growth": Series("NY.GDP.PCAP.KD.ZG", "gdp_per_capita_growth_pct", "GDP per capita growth, annual %",
                                    "percent", "GDP per capita growth"),
}
MACRO = [
    Series("NY.GDP.MKTP.KD.ZG", "gdp_growth_pct", "GDP growth, annual %", "percent"),
    Series("NY.GDP.PCAP.CD", "gdp_per_capita_usd", "GDP per capita, current US$", "current US$"),
    OUTCOMES["unemployment"],
    Series("SP.POP.TOTL", "population", "Population, total", "persons"),
]
POPULATION = "SP.POP.TOTL"

OUTCOME_ORDER = ["employment", "labour_participation", "wages", "gdp_growth", "productivity", "fiscal_balance",
                 "human_capital", "crime", "other"]
DIRECTION_ORDER = ["positive", "none", "mixed", "negative", "descriptive"]



# Evidence (the paper's Sec. 5 and the later news), as data.


def evidence() -> pd.DataFrame:
    """Every finding with who states it: the paper, or an opinion piece whose facts are reported with attribution."""
    frame = tables.load("evidence_section5")
    frame["seed"] = np.where(frame["seed_file"] == schemas.PAPER, "paper", "news")
    frame["source"] = frame["seed_file"].map(schemas.seed_label) + ", " + frame["seed_section"]
    return frame


def evidence_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per seed, outcome and direction, zeros included so the grid is complete."""
    grid = pd.MultiIndex.from_product([["paper", "news"], OUTCOME_ORDER, DIRECTION_ORDER],
                                      names=["seed", "outcome", "direction"])
    counts = findings.groupby(["seed", "outcome", "direction"]).size().reindex(grid, fill_value=0)
    frame = counts.rename("findings").reset_index()
    frame["source"] = EVIDENCE_SOURCE
    return frame


def evidence_table(findings: pd.DataFrame) -> pd.DataFrame:
    columns = ["seed", "outcome", "population", "cited_source", "estimate_text", "direction", "seed_section"]
    order = findings["outcome"].map({name: i for i, name in enumerate(OUTCOME_ORDER)})
    return findings.assign(order=order).sort_values(["seed", "order", "finding_id"], ascending=[False, True, True],
                                                    kind="stable")[columns].reset_index(drop=True)


def evidence_summary(counts: pd.DataFrame) -> prose.Markdown:
    """What the evidence map shows, in words, from the counts."""
    def tally(rows: pd.DataFrame) -> prose.Markdown:
        by_direction = rows.groupby("direction")["findings"].sum()
        return prose.Markdown(", ").join(prose.fill("{count} {direction}", count=by_direction[d], direction=d)
                                         for d in DIRECTION_ORDER if by_direction.get(d, 0)) or prose.trusted("none")

    paper, news = counts[counts["seed"] == "paper"], counts[counts["seed"] == "news"]
    focus = prose.Markdown("; ").join(prose.fill("{outcome}: {tally}", outcome=outcome,
                                                 tally=tally(paper[paper["outcome"] == outcome]))
                                      for outcome in ("employment", "wages", "crime"))
    return prose.fill("Of the paper's {paper_total} findings, by direction: {paper}. On the outcomes the public debate is "
                      "about — {focus}. The opinion piece of 30 Sep 2025 states {news_total} findings ({news}), without "
                      "naming a study beyond \"A new study\" ({source}).", paper_total=paper["findings"].sum(),
                      paper=tally(paper), focus=focus, news_total=news["findings"].sum(), news=tally(news),
                      source=EVIDENCE_SOURCE)


# Data: WDI, UNHCR and UN DESA.


def wdi(indicators: list[str], countries: list[str], start_year: int, end_year: int) -> pd.DataFrame:
    frame = tables.load("wdi_indicators")
    rows = frame[frame["indicator"].isin(indicators) & frame["iso3"].isin(countries)
                 & frame["year"].between(start_year, end_year)]
    return rows[["indicator", "iso3", "year", "value"]].reset_index(drop=True)


def macro_series(country: str, start_year: int = MACRO_START) -> pd.DataFrame:
    """The country's WDI series beside the Venezuelan population (UNHCR yearly, UN DESA five-yearly) and its share."""
    parts = []
    values = wdi([s.indicator for s in MACRO], [country], start_year, 9999)
    for series in MACRO:
        rows = values[values["indicator"] == series.indicator]
        parts.append(pd.DataFrame({"series": series.label, "key": series.key, "year": rows["year"], "value": rows["value"],
                                   "unit": series.unit, "source": f"{WDI_SOURCE}, {series.indicator}"}))
    venezuelans = flows.venezuelans_over_time(country, start_year, 9999)
    venezuelans = venezuelans[venezuelans["key"] != "SEED"]
    for key, rows in venezuelans.groupby("key", sort=True):
        parts.append(pd.DataFrame({"series": f"Venezuelans: {flows.SERIES_LABELS[key]}", "key": f"venezuelans.{key}",
                                   "year": rows["year"], "value": rows["venezuelans"], "unit": "persons",
                                   "source": rows["source"]}))
    share = venezuelan_share([country], start_year, values["year"].max()).dropna(subset=["venezuelan_share_pct"])
    parts.append(pd.DataFrame({"series": "Venezuelans (UNHCR), % of population (WDI)", "key": "venezuelan_share_pct",
                               "year": share["year"], "value": share["venezuelan_share_pct"], "unit": "percent",
                               "source": SHARE_SOURCE}))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["series", "key", "year", "value", "unit", "source"]].sort_values(["key", "year"]).reset_index(drop=True)


def largest_hosts(n: int = DEFAULT_HOSTS) -> pd.DataFrame:
    """The ``n`` largest Latin American hosts of Venezuelans: the panel's default countries."""
    return flows.venezuelan_host_ranking().head(n).reset_index(drop=True)


def _country_year_grid(countries: list[str], start_year: int, end_year: int) -> pd.DataFrame:
    years = range(start_year, end_year + 1)
    return pd.DataFrame([(code, year) for code in countries for year in years], columns=["iso3", "year"])


def venezuelan_share(countries: list[str], start_year: int, end_year: int) -> pd.DataFrame:
    """Venezuelans under UNHCR's mandate as % of WDI population, for every country-year; missing inputs stay empty."""
    unhcr = tables.load("unhcr_venezuelans").rename(columns={"asylum_iso3": "iso3", "total": "venezuelans"})
    population = wdi([POPULATION], countries, start_year, end_year).rename(columns={"value": "population"})
    frame = (_country_year_grid(countries, start_year, end_year)
             .merge(unhcr[["iso3", "year", "venezuelans"]], on=["iso3", "year"], how="left")
             .merge(population[["iso3", "year", "population"]], on=["iso3", "year"], how="left"))
    frame["venezuelan_share_pct"] = frame["venezuelans"] / frame["population"] * 100
    frame["source"] = SHARE_SOURCE
    return frame


def build_panel(countries: list[str], outcome: str, start_year: int, end_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regression panel and, separately, every country-year left out with the inputs it lacks.

    Nothing is imputed: a year with no UNHCR count is not a year with zero Venezuelans.
    """
    series = OUTCOMES[outcome]
    frame = venezuelan_share(countries, start_year, end_year)
    values = wdi([series.indicator], countries, start_year, end_year).rename(columns={"value": "outcome"})
    frame = frame.merge(values[["iso3", "year", "outcome"]], on=["iso3", "year"], how="left")
    missing = pd.DataFrame({
        "no UNHCR count": frame["venezuelans"].isna(),
        f"no WDI {POPULATION}": frame["population"].isna(),
        f"no WDI {series.indicator}": frame["outcome"].isna(),
    })
    reasons = missing.apply(lambda row: "; ".join(row.index[row]), axis=1)
    dropped = frame.loc[missing.any(axis=1), ["iso3", "year"]].assign(missing=reasons[missing.any(axis=1)])
    panel = frame.loc[~missing.any(axis=1), ["iso3", "year", "venezuelans", "population", "venezuelan_share_pct", "outcome"]]
    panel = panel.rename(columns={"venezuelan_share_pct": "share"}).assign(
        source=f"{SHARE_SOURCE}; outcome: {WDI_SOURCE}, {series.indicator}")
    return panel.reset_index(drop=True), dropped.reset_index(drop=True)


def countries_with_data(panel: pd.DataFrame) -> list[str]:
    """Countries with at least two years in the panel: a single year adds nothing once country effects are in."""
    years = panel.groupby("iso3")["year"].nunique()
    return sorted(years[years >= 2].index)


def latest_complete_year(countries: list[str], outcome: str) -> int:
    """The latest year in which every country has the outcome, the population and a UNHCR count."""
    years = share_years()
    panel, _ = build_panel(countries, outcome, years[0], years[-1])
    per_year = panel.groupby("year")["iso3"].nunique()
    return int(per_year[per_year == len(set(countries))].index.max())


def share_years() -> list[int]:
    """Years in which the Venezuelan share can be computed at all (UNHCR and WDI population both exist)."""
    unhcr = set(tables.load("unhcr_venezuelans")["year"])
    population = tables.load("wdi_indicators")
    return sorted(unhcr & set(population.loc[population["indicator"] == POPULATION, "year"]))


# The model.

FORMULA = "outcome ~ share + C(iso3) + C(year)"
ESTIMATORS = {"cluster": "cluster-robust by country", "hc1": "heteroskedasticity-robust (HC1)",
              "jackknife": "country-block jackknife"}


def _fit(panel: pd.DataFrame, cov_type: str):
    import statsmodels.formula.api as smf

    model = smf.ols(FORMULA, data=panel)
    if cov_type == "cluster":
        # use_t: with G clusters the reference distribution is t with G-1 degrees of freedom, not the normal.
        return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["iso3"])[0]}, use_t=True)
    return model.fit(cov_type=cov_type, use_t=True)


def _row(estimator: str, coef: float, se: float, df: float, panel: pd.DataFrame, p_value: float | None = None) -> dict:
    from scipy import stats

    half_width = stats.t.ppf(0.975, df) * se
    if p_value is None:
        p_value = float(2 * stats.t.sf(abs(coef / se), df)) if se > 0 else float("nan")
    return {"estimator": estimator, "label": ESTIMATORS[estimator], "coef": coef, "se": se,
            "ci_low": coef - half_width, "ci_high": coef + half_width, "p_value": p_value, "df": df,
            "n_obs": len(panel), "n_countries": panel["iso3"].nunique(), "n_years": panel["year"].nunique()}


def leave_one_out(panel: pd.DataFrame) -> pd.DataFrame:
    """The model refitted without each country in turn (cluster-robust CI)."""
    rows = []
    for code in sorted(panel["iso3"].unique()):
        rest = panel[panel["iso3"] != code]
        result = _fit(rest, "cluster")
        low, high = result.conf_int().loc["share"]
        rows.append({"dropped": code, "country": places.name(code), "coef": result.params["share"],
                     "ci_low": low, "ci_high": high, "n_obs": int(result.nobs), "n_countries": rest["iso3"].nunique()})
    return pd.DataFrame(rows)


def fit_panel(panel: pd.DataFrame, loo: pd.DataFrame | None = None) -> pd.DataFrame:
    """Coefficient on the Venezuelan share with three standard errors, one row each.

    The jackknife uses the leave-one-country-out coefficients: SE² = (G-1)/G · Σ(b₋ᵢ − mean b₋ᵢ)², t with G-1 df.
    """
    rows = []
    for estimator in ("cluster", "hc1"):
        result = _fit(panel, "HC1" if estimator == "hc1" else "cluster")
        df = result.df_resid_inference if estimator == "cluster" else result.df_resid
        rows.append(_row(estimator, float(result.params["share"]), float(result.bse["share"]), float(df), panel,
                         float(result.pvalues["share"])))
    loo = leave_one_out(panel) if loo is None else loo
    clusters = len(loo)
    jackknife_se = float(np.sqrt((clusters - 1) / clusters * ((loo["coef"] - loo["coef"].mean()) ** 2).sum()))
    rows.append(_row("jackknife", rows[0]["coef"], jackknife_se, clusters - 1, panel))
    return pd.DataFrame(rows).assign(formula=FORMULA)


def partial_residuals(panel: pd.DataFrame) -> pd.DataFrame:
    """Outcome and share net of country and year effects (Frisch-Waugh-Lovell): their slope is the panel coefficient."""
    import statsmodels.formula.api as smf

    frame = panel[["iso3", "year"]].copy()
    for column in ("share", "outcome"):
        frame[f"{column}_residual"] = smf.ols(f"{column} ~ C(iso3) + C(year)", data=panel).fit().resid.to_numpy()
    return frame


# Words that depend on the numbers.


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def panel_summary(fit: pd.DataFrame, loo: pd.DataFrame, outcome: str, dropped: pd.DataFrame,
                  requested: list[str]) -> str:
    """Plain-language reading of the panel, from its numbers."""
    series = OUTCOMES[outcome]
    main = fit.set_index("estimator")
    cluster = main.loc["cluster"]
    included = loo["dropped"].tolist()
    left_out = [code for code in requested if code not in included]
    text = [
        f"**Result.** Across {int(cluster.n_countries)} countries ({', '.join(included)}) and {int(cluster.n_years)} years "
        f"(N = {int(cluster.n_obs)} country-years), one percentage point more Venezuelans in the population is associated "
        f"with a change of **{_fmt(cluster.coef)} percentage points** in {series.noun} ({WDI_SOURCE}, "
        f"{series.indicator}), "
        f"net of everything constant within a country and of shocks common to all countries in a year."
    ]
    intervals = "; ".join(f"{row.label}: [{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]" for row in main.itertuples())
    spans_zero = [row.label for row in main.itertuples() if row.ci_low <= 0 <= row.ci_high]
    if len(spans_zero) == len(main):
        zero = "All three intervals include zero."
    elif spans_zero:
        zero = f"Only the {', '.join(spans_zero)} interval includes zero."
    else:
        zero = "No interval includes zero."
    text.append(f"95 % confidence intervals — {intervals}. {zero}")
    text.append(
        f"**Few clusters.** With {int(cluster.n_countries)} countries, cluster-robust standard errors rest on "
        f"{int(cluster.df)} degrees of freedom and are unreliable: their justification assumes many clusters, and with "
        "few they tend to be too small. The HC1 interval ignores that the years of one country are correlated. The "
        "country-block jackknife (built from the leave-one-out fits below) is usually the more conservative; read all "
        "three as rough."
    )
    signs = int((np.sign(loo["coef"]) == np.sign(cluster.coef)).sum())
    biggest = loo.loc[(loo["coef"] - cluster.coef).abs().idxmax()]
    text.append(
        f"**Leave one country out.** The coefficient keeps its sign in {signs} of {len(loo)} refits and ranges from "
        f"{_fmt(loo['coef'].min())} to {_fmt(loo['coef'].max())}; dropping {biggest.country} moves it most "
        f"(to {_fmt(biggest.coef)})."
    )
    if not dropped.empty or left_out:
        text.append(f"**Left out.** {len(dropped)} country-years lacked an input and were dropped (listed above)"
                    + (f"; {', '.join(left_out)} had fewer than two usable years and add nothing with country effects"
                       if left_out else "") + ".")
    text.append(_relation_to_paper(outcome, cluster, main.loc["jackknife"]))
    if HOME not in included:
        text.append(f"**Peru is not in this panel** (countries: {', '.join(requested)}); the result says nothing "
                    "about Peru in particular.")
    return "\n\n".join(text)


CLAIMS = {
    "unemployment": (
        "The paper concludes: \"The limited available evidence on the impact of migration in Peru strongly suggests "
        "that Venezuelan migration does not have negative effects on employment or security\" and reports that \"the "
        "impact of migration from Venezuela on both formal and informal employment in Peru is insignificant\" (Sec. 5)."
    ),
    "gdp_per_capita_growth": (
        "The paper reports a World Bank projection that Venezuelan migration \"will boost aggregate economic growth and "
        "contract per capita growth in the short term, but will increase both slightly in the medium term\" (Sec. 5, "
        "citing Banco Mundial, 2019)."
    ),
}
# What each side of zero means for the paper's statement on that outcome.
VERDICTS = {
    ("unemployment", 1): "Both the cluster and the jackknife intervals lie above zero: across countries, more "
                         "Venezuelans went with higher unemployment. That runs against the paper's reading, but it "
                         "does not show that migration caused it.",
    ("unemployment", -1): "Both the cluster and the jackknife intervals lie below zero: across countries, more "
                          "Venezuelans went with lower unemployment, the same way as the paper's reading, without "
                          "showing that migration caused it.",
    ("gdp_per_capita_growth", 1): "Both the cluster and the jackknife intervals lie above zero: more Venezuelans went "
                                  "with faster per-capita growth, as in the projection's medium term, without showing "
                                  "that migration caused it.",
    ("gdp_per_capita_growth", -1): "Both the cluster and the jackknife intervals lie below zero: more Venezuelans went "
                                   "with slower per-capita growth, as in the projection's short term, without showing "
                                   "that migration caused it.",
}


def _relation_to_paper(outcome: str, cluster: pd.Series, jackknife: pd.Series) -> str:
    """How the association relates to the paper's Sec. 5 statements (associational evidence either way)."""
    sides = {1 if row.ci_low > 0 else -1 if row.ci_high < 0 else 0 for row in (cluster, jackknife)}
    side = sides.pop() if len(sides) == 1 else 0
    verdict = VERDICTS.get((outcome, side), "The data cannot tell this association apart from zero: they neither "
                           "confirm nor contradict the paper's reading, and an absence of evidence here is not "
                           "evidence of absence.")
    scope = ("The paper's evidence comes from studies of people and cities within Peru; a cross-country association "
             "of national rates is a different and weaker kind of evidence, not a test of those studies.")
    return f"**Against the paper.** {CLAIMS[outcome]} {verdict} {scope}"


def macro_summary(macro: pd.DataFrame, table1: pd.DataFrame, year: int) -> prose.Markdown:
    """Peru's year ``year`` in WDI beside the paper's Table 1 (ENAHO) shares of unemployed, from the data."""
    values = macro[macro["year"] == year].set_index("key")["value"]
    unemployed = table1.set_index("variable").loc["unemployed"]
    unhcr = macro[macro["key"] == "venezuelans.UNHCR"].set_index("year")["value"].diff()
    return prose.fill(
        "UNHCR's count of Venezuelans in Peru rose most in {peak} (by {rise}; {unhcr}). In {year}, Peru's GDP changed by "
        "{growth} and unemployment was {unemployment} of the labour force ({wdi}, NY.GDP.MKTP.KD.ZG and SL.UEM.TOTL.ZS, "
        "modelled ILO estimate), while Venezuelans under UNHCR's mandate were {share} of the population ({share_source}). "
        "The paper's Table 1 (ENAHO {year}, Sec. 2.3) puts the unemployed at {native} % of the native-born and "
        "{migrant} % of migrants. A single country's series cannot separate migration from the pandemic and the business "
        "cycle; the panel below at least nets out shocks common to the region.",
        peak=unhcr.idxmax(), rise=prose.number(unhcr.max()), unhcr=UNHCR_SOURCE, year=year,
        growth=prose.percent(values.get("gdp_growth_pct"), 2), unemployment=prose.percent(values.get("unemployment_pct"), 2),
        wdi=WDI_SOURCE, share=prose.percent(values.get("venezuelan_share_pct"), 2), share_source=SHARE_SOURCE,
        native=unemployed["native_born_pct"], migrant=unemployed["migrant_pct"])


def run_heading(countries: list[str], outcome: str, start_year: int, end_year: int) -> prose.Markdown:
    """What the run shows: Peru's own parts always, and the panel of the chosen countries and outcome."""
    series = OUTCOMES[outcome]
    return prose.fill("**Panel countries:** {countries} · **outcome:** {label} ({indicator}) · **years:** {start}–{end} · "
                      "the parts about Peru (the evidence, Peru's series, education) always show Peru.",
                      countries=prose.join(places.name(code) for code in countries), label=series.label,
                      indicator=series.indicator, start=start_year, end=end_year)


# Human capital.


def education_numeric() -> pd.DataFrame:
    """Education facts with a number, labelled with where the seed states them."""
    facts = tables.load("education_facts")
    facts = facts[facts["value"].notna()].copy()
    cited = facts["cited_source"].fillna("no source cited")
    facts["source"] = facts["seed_file"].map(schemas.seed_label) + ", " + facts["seed_section"].str.split(" \\(").str[0]
    year = facts["reference_year"].astype("string")
    # Add the year only where the population's wording does not already say it.
    shown_year = [f" ({y})" if pd.notna(y) and y not in who else "" for y, who in zip(year, facts["population"])]
    facts["label"] = facts["population"] + shown_year + "\n" + facts["source"] + "; cited: " + cited
    columns = ["fact_id", "indicator", "population", "reference_year", "value", "unit", "qualifier", "label", "source",
               "cited_source"]
    return facts[columns].reset_index(drop=True)


def education_qualitative() -> pd.DataFrame:
    facts = tables.load("education_facts")
    facts = facts[facts["value"].isna()]
    return facts[["population", "indicator", "qualifier", "quote", "seed_section", "cited_source"]].reset_index(drop=True)


# Parameters.


def check_parameters(resolved: dict) -> None:
    """Section 5's parameter rules (called by the runner before any kernel starts)."""
    from perumig.sections import check_choice, check_countries, check_years

    check_countries(resolved, "countries", minimum=3)
    if ORIGIN in resolved["countries"]:
        raise ParameterError(f"countries: {ORIGIN} is the origin of the flows, not a host; leave it out")
    check_choice(resolved, "outcome", list(OUTCOMES))
    check_years(resolved, share_years(), "UNHCR and WDI population")
    panel, _ = build_panel(resolved["countries"], resolved["outcome"], resolved["start_year"], resolved["end_year"])
    usable = countries_with_data(panel)
    if len(usable) < 3:
        raise ParameterError(
            f"countries: only {len(usable)} of {', '.join(resolved['countries'])} have two or more years with "
            f"{resolved['outcome']} and Venezuelan-share data in {resolved['start_year']}-{resolved['end_year']}; "
            "the panel needs at least 3 (WDI covers Latin America and the Caribbean only)"
        )


# Figures. Each returns the matplotlib figure; the notebook hands it to SectionReport.figure.


def plot_evidence_map(counts: pd.DataFrame):
    import seaborn as sns

    from perumig.present import plotting

    fig, axes = plotting.new_figure(ncols=2, figsize=(11, 5.4), sharey=True, width_ratios=[1, 1])
    titles = {"paper": "UNDP paper (Sec. 2.3, 4, 5, 6)", "news": "News of 30 Sep 2025 (opinion piece)"}
    high = counts["findings"].max()
    for ax, (seed, title) in zip(axes, titles.items()):
        grid = counts[counts["seed"] == seed].pivot(index="outcome", columns="direction", values="findings")
        grid = grid.loc[OUTCOME_ORDER, DIRECTION_ORDER].astype(int)
        sns.heatmap(grid, annot=True, fmt="d", cmap="Blues", vmin=0, vmax=high, cbar=False, linewidths=0.5,
                    linecolor="white", ax=ax, annot_kws={"fontsize": 10})
        ax.set_title(f"{title}: {int(grid.to_numpy().sum())} findings", fontsize=11)
        ax.set(xlabel="Direction of the effect on Peru", ylabel="")
        ax.tick_params(axis="x", rotation=30)
        ax.tick_params(axis="y", rotation=0)
    axes[0].set_yticklabels([label.get_text().replace("_", " ") for label in axes[0].get_yticklabels()])
    fig.suptitle("Evidence on the impact of migration on Peru: findings by outcome and direction", fontweight="bold")
    return fig


def plot_macro(macro: pd.DataFrame, country_name: str):
    from perumig.present import plotting

    fig, axes = plotting.new_figure(nrows=3, ncols=2, figsize=(11, 10), sharex=True)
    panels = [("gdp_growth_pct", "GDP growth, annual %"), ("gdp_per_capita_usd", "GDP per capita, current US$"),
              ("unemployment_pct", "Unemployment, % of labour force"), ("population", "Population, millions"),
              ("venezuelans", "Venezuelans living in the country"), ("venezuelan_share_pct", "Venezuelans (UNHCR), % of population")]
    colours = {"venezuelans.UNHCR": plotting.SOURCE_COLOURS["UNHCR"], "venezuelans.UNDESA": plotting.SOURCE_COLOURS["UN DESA"],
               "venezuelans.UNDESA2024": "#56B4E9"}
    for ax, (key, title) in zip(axes.flat, panels):
        if key == "venezuelans":
            for series_key, rows in macro[macro["key"].str.startswith("venezuelans.")].groupby("key", sort=True):
                ax.plot(rows["year"], rows["value"] / 1e6, marker="o", color=colours[series_key],
                        linestyle="-" if series_key.endswith("UNHCR") else "--",
                        label=flows.SERIES_LABELS[series_key.split(".")[1]].split(" (")[0]
                        + (" (end-year)" if series_key.endswith("UNHCR") else " (mid-year)"))
            ax.set_ylabel("millions")
            ax.legend(fontsize=8, loc="upper left")
        else:
            rows = macro[macro["key"] == key]
            scale = 1e6 if key == "population" else 1
            if key == "gdp_growth_pct":
                ax.bar(rows["year"], rows["value"], color=np.where(rows["value"] < 0, "#D55E00", "#0072B2"))
                ax.axhline(0, color="black", linewidth=0.8)
            else:
                ax.plot(rows["year"], rows["value"] / scale, marker="o", color="#0072B2")
        ax.set_title(title, fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("")
        ax.tick_params(axis="x", labelbottom=True)
    fig.suptitle(f"{country_name}: the economy and the Venezuelan population, {int(macro['year'].min())}–"
                 f"{int(macro['year'].max())}", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_panel(panel: pd.DataFrame, residuals: pd.DataFrame, coef: float, outcome: str):
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    from perumig.present import plotting

    series = OUTCOMES[outcome]
    fig, axes = plotting.new_figure(ncols=3, figsize=(14, 4.8))
    codes = sorted(panel["iso3"].unique())
    palette = dict(zip(codes, sns.color_palette(plotting.PALETTE, len(codes))))
    palette[HOME] = "black"  # Peru is the paper's subject: always the same, strongest colour
    for code, rows in panel.groupby("iso3", sort=True):
        style = {"color": palette[code], "linewidth": 2.6 if code == HOME else 1.4}
        axes[0].plot(rows["year"], rows["share"], marker="o", markersize=3, label=places.name(code), **style)
        axes[1].plot(rows["year"], rows["outcome"], marker="o", markersize=3, **style)
        own = residuals[residuals["iso3"] == code]
        axes[2].scatter(own["share_residual"], own["outcome_residual"], color=palette[code], s=22)
    span = np.linspace(residuals["share_residual"].min(), residuals["share_residual"].max(), 2)
    axes[2].plot(span, coef * span, color="black", linewidth=1.2, linestyle="--", label=f"fitted slope {coef:.3f}")
    axes[0].set(title="Venezuelans (UNHCR), % of population", xlabel="", ylabel="%")
    axes[1].set(title=series.label, xlabel="", ylabel="%")
    axes[2].set(title="Net of country and year effects", xlabel="share residual (pp)", ylabel="outcome residual (pp)")
    for ax in axes[:2]:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes[2].legend(title=None, fontsize=8, loc="upper left")
    fig.suptitle(f"Venezuelan share and {series.noun} across host countries", fontweight="bold")
    fig.tight_layout()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    return fig


def plot_leave_one_out(loo: pd.DataFrame, fit: pd.DataFrame, outcome: str):
    from perumig.present import plotting

    main = fit.set_index("estimator").loc["cluster"]
    rows = pd.concat([pd.DataFrame([{"country": "All countries", "coef": main.coef, "ci_low": main.ci_low,
                                     "ci_high": main.ci_high, "n_obs": main.n_obs}]),
                      loo.assign(country="without " + loo["country"])], ignore_index=True)
    fig, ax = plotting.new_figure(figsize=(9, 0.45 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    ax.errorbar(rows["coef"], y, xerr=[rows["coef"] - rows["ci_low"], rows["ci_high"] - rows["coef"]], fmt="o",
                color="#0072B2", ecolor="#0072B2", capsize=3)
    ax.plot(rows["coef"].iloc[0], y[0], "o", color="black")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{c} (N={int(n)})" for c, n in zip(rows["country"], rows["n_obs"])])
    ax.set(xlabel=f"Coefficient on Venezuelan share (pp) — {OUTCOMES[outcome].label}", ylabel="")
    ax.set_title("Leave one country out: coefficient and 95 % CI (cluster-robust)")
    return fig


def plot_education(facts: pd.DataFrame):
    """Bars with their seed section and cited source written above each bar, so long labels keep the bars readable."""
    from matplotlib.ticker import StrMethodFormatter

    from perumig.present import plotting

    percent = facts[facts["unit"] == "percent"]
    counts = facts[facts["unit"] != "percent"]
    fig, axes = plotting.new_figure(nrows=2, figsize=(11, 0.8 * len(facts) + 2.4),
                                    height_ratios=[len(percent), len(counts)])
    for ax, rows, xlabel in zip(axes, (percent, counts), ("% of the population described", "persons")):
        y = np.arange(len(rows))[::-1]
        ax.barh(y, rows["value"], height=0.4, color="#0072B2")
        for position, row in zip(y, rows.itertuples()):
            ax.text(0, position + 0.27, f"{row.indicator.replace('_', ' ')} — {row.label}", va="bottom", fontsize=8)
            shown = f" {row.value:g} %" if row.unit == "percent" else f" {row.value:,.0f}"
            ax.text(row.value, position, shown, va="center", fontsize=9, fontweight="bold")
        ax.set_yticks([])
        ax.set_ylim(-0.5, len(rows) - 0.1)
        ax.set_xlim(0, rows["value"].max() * 1.12)
        ax.set_xlabel(xlabel)
    axes[1].xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes[0].set_title("Education of migrants in Peru: figures stated in the seeds")
    fig.tight_layout()
    return fig
