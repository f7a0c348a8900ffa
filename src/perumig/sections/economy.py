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

from perumig import statistics
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


# Statements that are evidence: what a cited study found or projected. Restatements, the paper's own synthesis,
# expectations, claims about the literature in general and uncited statements are shown but not counted.
EVIDENCE_STATEMENTS = ("finding", "projection")
STATEMENT_ORDER = ["finding", "projection", "restatement", "synthesis", "expectation", "literature", "uncited"]
STATEMENT_WORDS = {  # (one, several)
    "restatement": ("restatement of an earlier finding", "restatements of earlier findings"),
    "synthesis": ("sentence of the paper's own synthesis", "sentences of the paper's own synthesis"),
    "expectation": ("expectation", "expectations"),
    "literature": ("claim about the literature in general", "claims about the literature in general"),
    "uncited": ("statement citing no study", "statements citing no study"),
}
# The paper's synthesis speaks of employment and security (Sec. 5); wages are the other labour-market outcome.
FOCUS_OUTCOMES = ("employment", "wages", "crime")


def evidence() -> pd.DataFrame:
    """Every statement with who makes it (the paper, or an opinion piece reported with attribution), the study it
    reports and whether it counts as evidence (`EVIDENCE_STATEMENTS`)."""
    frame = tables.load("evidence_section5")
    frame["seed"] = np.where(frame["seed_file"] == schemas.PAPER, "paper", "news")
    frame["source"] = frame["seed_file"].map(schemas.seed_label) + ", " + frame["seed_section"]
    frame["evidence"] = frame["statement"].isin(EVIDENCE_STATEMENTS) & frame["study"].notna()
    return frame


def _counted(count: int, words: tuple[str, str]) -> str:
    return f"{count} {words[0] if count == 1 else words[1]}"


def evidence_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Per seed, outcome and direction: all statements, and the distinct studies whose findings or projections
    (the statements counted as evidence) are in that cell. Zeros included so the grid is complete.

    A study can be in several cells (one study, several outcomes); the counts are the compendium's, not the paper's.
    """
    grid = pd.MultiIndex.from_product([["paper", "news"], OUTCOME_ORDER, DIRECTION_ORDER],
                                      names=["seed", "outcome", "direction"])
    keys = ["seed", "outcome", "direction"]
    statements = findings.groupby(keys).size().reindex(grid, fill_value=0)
    studies = findings[findings["evidence"]].groupby(keys)["study"].nunique().reindex(grid, fill_value=0)
    frame = pd.DataFrame({"statements": statements, "studies": studies}).reset_index()
    frame["source"] = EVIDENCE_SOURCE + "; studies counted by the compendium"
    return frame


def statement_kinds(findings: pd.DataFrame) -> pd.DataFrame:
    """Statements per seed and kind, with the distinct studies behind the ones counted as evidence."""
    table = pd.crosstab(findings["statement"], findings["seed"]).reindex(STATEMENT_ORDER, fill_value=0)
    table = table.reindex(columns=["paper", "news"], fill_value=0)
    table["counted_as_evidence"] = table.index.isin(EVIDENCE_STATEMENTS)
    return table.rename_axis(columns=None).reset_index()


def evidence_table(findings: pd.DataFrame) -> pd.DataFrame:
    columns = ["seed", "outcome", "population", "study", "statement", "evidence", "estimate_text", "direction",
               "seed_section"]
    order = findings["outcome"].map({name: i for i, name in enumerate(OUTCOME_ORDER)})
    return findings.assign(order=order).sort_values(["seed", "order", "finding_id"], ascending=[False, True, True],
                                                    kind="stable")[columns].reset_index(drop=True)


def evidence_summary(findings: pd.DataFrame) -> str:
    """What the evidence shows, in words: studies, not statements, and what is not counted."""
    paper, news = findings[findings["seed"] == "paper"], findings[findings["seed"] == "news"]
    counted = paper[paper["evidence"]]
    kinds = paper["statement"].value_counts()
    not_counted = [_counted(int(kinds[kind]), STATEMENT_WORDS[kind]) for kind in STATEMENT_WORDS if kinds.get(kind, 0)]

    def studies_on(outcome: str) -> str:
        rows = counted[counted["outcome"] == outcome]
        if rows.empty:
            return f"{outcome.replace('_', ' ')}: no study"
        by_study = rows.groupby("study", sort=True)["direction"].agg(lambda d: "/".join(sorted(set(d))))
        return f"{outcome.replace('_', ' ')}: " + ", ".join(f"{study} {direction}" for study, direction in by_study.items())

    text = (f"The evidence table holds {_counted(len(paper), ('statement', 'statements'))} of the paper (Sec. 5, with "
            f"related ones from Sec. 2.3, 4 and 6). The compendium counts as evidence "
            f"{_counted(len(counted), ('finding or projection', 'findings and projections'))} of "
            f"{_counted(counted['study'].nunique(), ('study', 'distinct studies'))} the paper cites")
    text += (f"; not counted: {', '.join(not_counted)}." if not_counted else ".")
    text += (" By study and direction — "
             + "; ".join(studies_on(outcome) for outcome in FOCUS_OUTCOMES) + ".")
    named = news.loc[news["evidence"], "study"].dropna().unique()
    news_kinds = news["direction"].value_counts()
    text += (f" The opinion piece of 30 Sep 2025 makes {_counted(len(news), ('statement', 'statements'))} ("
             + ", ".join(f"{news_kinds[d]} {d}" for d in DIRECTION_ORDER if news_kinds.get(d, 0)) + ")"
             + (f"; the only study it refers to is {', '.join(named)}" if len(named) else "; it cites no study")
             + f" ({EVIDENCE_SOURCE}). These counts are the compendium's, not the paper's.")
    return text


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
    return _share_of_population(unhcr[["iso3", "year", "venezuelans"]], countries, start_year, end_year, SHARE_SOURCE)


def _share_of_population(counts: pd.DataFrame, countries: list[str], start_year: int, end_year: int,
                         source: str) -> pd.DataFrame:
    population = wdi([POPULATION], countries, start_year, end_year).rename(columns={"value": "population"})
    frame = (_country_year_grid(countries, start_year, end_year)
             .merge(counts, on=["iso3", "year"], how="left")
             .merge(population[["iso3", "year", "population"]], on=["iso3", "year"], how="left"))
    frame["venezuelan_share_pct"] = frame["venezuelans"] / frame["population"] * 100
    frame["source"] = source
    return frame


def undesa_share(countries: list[str], start_year: int, end_year: int, revision: int) -> pd.DataFrame:
    """Venezuelans by UN DESA (IMS ``revision``, mid-year stock by origin) as % of WDI population.

    UN DESA estimates the stock every five years (and for the revision's last year); the years between are the
    compendium's linear interpolation, never UN DESA's figures, and the `interpolated` column says which they are.
    Nothing is extrapolated beyond the first and last estimate.
    """
    stock = tables.load("undesa_bilateral")
    stock = stock[(stock["revision"] == revision) & (stock["origin_iso3"] == ORIGIN)
                  & stock["destination_iso3"].isin(countries)]
    rows = []
    for code, estimates in stock.groupby("destination_iso3", sort=True):
        years = np.arange(estimates["year"].min(), estimates["year"].max() + 1)
        values = np.interp(years, estimates["year"], estimates["migrant_stock"])
        rows.append(pd.DataFrame({"iso3": code, "year": years, "venezuelans": values,
                                  "interpolated": ~np.isin(years, estimates["year"])}))
    counts = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["iso3", "year", "venezuelans", "interpolated"])
    frame = _share_of_population(counts, countries, start_year, end_year, undesa_share_source(revision))
    frame["interpolated"] = frame["interpolated"].astype("boolean")
    return frame


def undesa_share_source(revision: int) -> str:
    return (f"{flows.IMS_LABEL[revision]}, mid-year stock of Venezuelans by destination (years between its estimates: "
            f"the compendium's linear interpolation) / {WDI_SOURCE} SP.POP.TOTL")


def unhcr_category_break() -> int:
    """The first year in which UNHCR counts 'other people in need of international protection' anywhere.

    Before it, most Venezuelans abroad are in no UNHCR category, so the UNHCR share jumps at this year by
    definition as well as by arrivals.
    """
    population = tables.load("unhcr_venezuelans")
    return int(population.loc[population["other_in_need"] > 0, "year"].min())


UNHCR_CATEGORIES = {"refugees": "refugees", "asylum_seekers": "asylum seekers",
                    "other_in_need": "other people in need of international protection",
                    "others_of_concern": "others of concern"}


def unhcr_categories(countries: list[str], start_year: int, end_year: int) -> pd.DataFrame:
    """UNHCR's count of Venezuelans in ``countries`` by category and year, summed: where the share's series breaks."""
    population = tables.load("unhcr_venezuelans")
    rows = population[population["asylum_iso3"].isin(countries) & population["year"].between(start_year, end_year)]
    frame = rows.groupby("year")[list(UNHCR_CATEGORIES)].sum().rename(columns=UNHCR_CATEGORIES)
    frame["total"] = frame.sum(axis=1)
    return frame.reset_index().assign(source=f"{UNHCR_SOURCE}; countries: {', '.join(countries)}")


# Where the Venezuelan share comes from: UNHCR's yearly count (the main estimate) or a UN DESA revision, by the
# source part of values.json keys (flows.VALUE_SOURCE_KEYS).
SHARE_UNHCR = flows.UNHCR_KEY
UNDESA_REVISIONS = {key: revision for revision, key in flows.VALUE_SOURCE_KEYS.items()}


def _share(countries: list[str], start_year: int, end_year: int, share_source: str) -> pd.DataFrame:
    if share_source == SHARE_UNHCR:
        return venezuelan_share(countries, start_year, end_year)
    return undesa_share(countries, start_year, end_year, UNDESA_REVISIONS[share_source])


def build_panel(countries: list[str], outcome: str, start_year: int, end_year: int,
                share_source: str = SHARE_UNHCR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regression panel and, separately, every country-year left out with the inputs it lacks.

    Nothing is imputed: a year with no UNHCR count is not a year with zero Venezuelans. (The UN DESA shares
    interpolate between UN DESA's own estimates, see `undesa_share`, and are labelled so.)
    """
    series = OUTCOMES[outcome]
    frame = _share(countries, start_year, end_year, share_source)
    values = wdi([series.indicator], countries, start_year, end_year).rename(columns={"value": "outcome"})
    frame = frame.merge(values[["iso3", "year", "outcome"]], on=["iso3", "year"], how="left")
    no_count = "no UNHCR count" if share_source == SHARE_UNHCR else \
        f"no {flows.IMS_LABEL[UNDESA_REVISIONS[share_source]]} stock"
    missing = pd.DataFrame({
        no_count: frame["venezuelans"].isna(),
        f"no WDI {POPULATION}": frame["population"].isna(),
        f"no WDI {series.indicator}": frame["outcome"].isna(),
    })
    reasons = missing.apply(lambda row: "; ".join(row.index[row]), axis=1)
    dropped = frame.loc[missing.any(axis=1), ["iso3", "year"]].assign(missing=reasons[missing.any(axis=1)])
    panel = frame.loc[~missing.any(axis=1), ["iso3", "year", "venezuelans", "population", "venezuelan_share_pct", "outcome"]]
    panel = panel.rename(columns={"venezuelan_share_pct": "share"}).assign(
        source=f"{frame['source'].iloc[0]}; outcome: {WDI_SOURCE}, {series.indicator}")
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


def wild_bootstrap(panel: pd.DataFrame) -> statistics.WildBootstrap:
    """The wild cluster bootstrap (null imposed, Webb weights, clusters = countries) of the share's coefficient."""
    effects = pd.get_dummies(panel[["iso3", "year"]].astype(str), drop_first=True, dtype=float)
    controls = np.column_stack([np.ones(len(panel)), effects.to_numpy()])
    return statistics.wild_cluster_bootstrap(panel["outcome"], panel["share"], controls, panel["iso3"])


# Robustness: the same model on other years and with the share from a source whose definition does not change.

# The Covid-19 pandemic's first two years (the paper, Sec. 4: a climate "compounded by the Covid-19 pandemic"):
# unemployment jumps everywhere in them, so a few such years can drive a panel coefficient.
PANDEMIC_YEARS = (2020, 2021)
MIN_COUNTRIES = 3  # countries with two or more years: fewer leave no variation across countries to compare
ALPHA = 0.05  # significance level of the robustness verdicts (wild bootstrap p-value)


@dataclass(frozen=True)
class Variant:
    key: str  # values.json key part
    label: str
    share_source: str = SHARE_UNHCR
    first_year: int | None = None
    last_year: int | None = None
    excluded_years: tuple[int, ...] = ()

    def select(self, panel: pd.DataFrame) -> pd.DataFrame:
        keep = panel["year"].between(self.first_year or -9999, self.last_year or 9999)
        return panel[keep & ~panel["year"].isin(self.excluded_years)].reset_index(drop=True)


def robustness_variants() -> list[Variant]:
    """The main estimate first, then each check the audit of the panel asked for."""
    category = unhcr_category_break()
    first, last = PANDEMIC_YEARS[0], PANDEMIC_YEARS[-1]
    return [
        Variant("all_years", "all years, UNHCR share (main estimate)"),
        Variant("from_category_break", f"{category} on (one UNHCR definition throughout)", first_year=category),
        Variant("before_pandemic", f"before {first} (no pandemic year)", last_year=first - 1),
        Variant("from_pandemic", f"{first} on", first_year=first),
        Variant("without_pandemic", f"without {first}–{last}", excluded_years=tuple(range(first, last + 1))),
        *[Variant(f"share_{key.lower()}", f"share from {flows.IMS_LABEL[revision]}, interpolated", share_source=key)
          for key, revision in UNDESA_REVISIONS.items()],
    ]


def robustness_source(outcome: str) -> str:
    shares = "; ".join([SHARE_SOURCE, *(undesa_share_source(revision) for revision in UNDESA_REVISIONS.values())])
    return f"shares: {shares}; outcome: {WDI_SOURCE}, {OUTCOMES[outcome].indicator}"


def _not_estimable(panel: pd.DataFrame) -> str:
    """Why the model cannot be fitted on ``panel``, or '' when it can."""
    if panel["year"].nunique() < 2:
        return "no year" if panel.empty else "a single year: year effects leave nothing to compare"
    usable = countries_with_data(panel)
    if len(usable) < MIN_COUNTRIES:
        return f"{len(usable)} countries with two or more years (the model needs {MIN_COUNTRIES})"
    return ""


def robustness(countries: list[str], outcome: str, start_year: int, end_year: int) -> pd.DataFrame:
    """One row per variant: coefficient, cluster-robust 95 % CI (t, G-1 df) and wild cluster bootstrap p-value.

    A variant the data cannot fit keeps its row, with the reason in `not_estimable` and no numbers. `finding`
    reads the row at level ALPHA by the bootstrap p-value: positive, negative or none.
    """
    rows = []
    for variant in robustness_variants():
        panel, _ = build_panel(countries, outcome, start_year, end_year, variant.share_source)
        panel = variant.select(panel)
        row = {"variant": variant.key, "label": variant.label, "share_source": variant.share_source,
               "years": _years_text(panel["year"]) if len(panel) else "none",
               "countries": ", ".join(sorted(panel["iso3"].unique())), "n_obs": len(panel),
               "n_countries": panel["iso3"].nunique(), "n_years": panel["year"].nunique(),
               "not_estimable": _not_estimable(panel),
               "source": panel["source"].iloc[0] if len(panel) else SHARE_SOURCE}
        if not row["not_estimable"]:
            result = _fit(panel, "cluster")
            low, high = result.conf_int().loc["share"]
            bootstrap = wild_bootstrap(panel)
            row |= {"coef": float(result.params["share"]), "ci_low": float(low), "ci_high": float(high),
                    "cluster_p": float(result.pvalues["share"]), "wild_p": bootstrap.p_value,
                    "wild_draws": bootstrap.draws, "wild_exact": bootstrap.enumerated}
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("coef", "ci_low", "ci_high", "cluster_p", "wild_p", "wild_draws", "wild_exact"):
        if column not in frame:
            frame[column] = np.nan
    significant = frame["wild_p"] < ALPHA
    frame["finding"] = np.where(frame["not_estimable"] != "", "not estimable",
                                np.where(significant, np.where(frame["coef"] > 0, "positive", "negative"), "none"))
    columns = ["variant", "label", "years", "share_source", "countries", "n_obs", "n_countries", "n_years", "coef",
               "ci_low", "ci_high", "cluster_p", "wild_p", "wild_draws", "wild_exact", "finding", "not_estimable",
               "source"]
    return frame[columns]


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


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def _years_text(years: pd.Series) -> str:
    first, last = int(years.min()), int(years.max())
    return str(first) if first == last else f"{first}–{last}"


def _bootstrap_text(row) -> str:
    draws = (f"all {int(row.wild_draws):,} weight combinations" if row.wild_exact
             else f"{int(row.wild_draws):,} seeded draws")
    return f"wild cluster bootstrap p {_p(row.wild_p)} (null imposed, Webb weights, {draws})"


def robust_finding(table: pd.DataFrame) -> str:
    """'positive' or 'negative' when the main estimate and every variant that can be fitted find that sign at
    level ALPHA (wild bootstrap), otherwise 'none': a sign only some variants find is not reported as a finding."""
    findings = set(table.loc[table["finding"] != "not estimable", "finding"])
    main = table.set_index("variant").loc["all_years", "finding"]
    return main if main in ("positive", "negative") and findings == {main} else "none"


def robustness_summary(table: pd.DataFrame, outcome: str) -> str:
    """Which variants find the association and which do not, in words, from the table."""
    series = OUTCOMES[outcome]
    rows = table.set_index("variant")
    main = rows.loc["all_years"]
    checks = table[table["variant"] != "all_years"]

    def listed(frame: pd.DataFrame) -> str:
        return "; ".join(f"{row.label} ({row.years}, {row.n_countries} countries: {_fmt(row.coef)}, p {_p(row.wild_p)})"
                         for row in frame.itertuples())

    found = checks[checks["finding"] == main["finding"]] if main["finding"] in ("positive", "negative") else checks[:0]
    other = checks[(checks["finding"] != "not estimable") & ~checks.index.isin(found.index)]
    skipped = checks[checks["finding"] == "not estimable"]
    parts = [f"**Robustness.** The same model in {len(checks)} variants, read by the wild bootstrap at the "
             f"{ALPHA:.0%} level (table above)."]
    if main["finding"] == "not estimable":
        parts.append(f"The main estimate cannot be fitted: {main['not_estimable']}.")
    elif main["finding"] == "none":
        parts.append(f"The main estimate is not distinguishable from zero (p {_p(main['wild_p'])}), so there is no "
                     "association for the variants to confirm" + (f"; for the record: {listed(other)}" if len(other) else "")
                     + ".")
    else:
        if len(found):
            parts.append(f"The {main['finding']} association is found again in: {listed(found)}.")
        if len(other):
            parts.append(f"It is **not** found in: {listed(other)}.")
    if len(skipped):
        parts.append("Not estimable with these parameters: "
                     + "; ".join(f"{row.label} ({row.not_estimable})" for row in skipped.itertuples()) + ".")
    verdict = robust_finding(table)
    if verdict != "none":
        parts.append(f"The {verdict} association between the Venezuelan share and {series.noun} survives every variant "
                     "that can be fitted.")
    elif main["finding"] in ("positive", "negative"):
        parts.append(f"**The main estimate does not survive:** the compendium reports no association between the "
                     f"Venezuelan share and {series.noun} across these countries.")
    return " ".join(parts)


def panel_summary(fit: pd.DataFrame, loo: pd.DataFrame, outcome: str, dropped: pd.DataFrame,
                  requested: list[str], checks: pd.DataFrame) -> str:
    """Plain-language reading of the panel, from its numbers; the robustness table ``checks`` decides the reading."""
    series = OUTCOMES[outcome]
    main = fit.set_index("estimator")
    cluster = main.loc["cluster"]
    headline = checks.set_index("variant").loc["all_years"]
    verdict = robust_finding(checks)
    fragile = headline["finding"] in ("positive", "negative") and verdict == "none"
    included = loo["dropped"].tolist()
    left_out = [code for code in requested if code not in included]
    text = [
        f"**Result{' of the main estimate, before the robustness checks' if fragile else ''}.** Across "
        f"{int(cluster.n_countries)} countries ({', '.join(included)}) and {int(cluster.n_years)} years "
        f"(N = {int(cluster.n_obs)} country-years), one percentage point more Venezuelans in the population goes with "
        f"a change of {_fmt(cluster.coef)} percentage points in {series.noun} ({WDI_SOURCE}, {series.indicator}), "
        f"net of everything constant within a country and of shocks common to all countries in a year; "
        f"{_bootstrap_text(headline)}."
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
        f"{int(cluster.df)} degrees of freedom and tend to be too small; the HC1 interval ignores that the years of one "
        "country are correlated; the country-block jackknife (built from the leave-one-out fits below) is usually the "
        "more conservative. The wild cluster bootstrap with the null imposed keeps close to its nominal level with few "
        "clusters, so the compendium reads significance from its p-value."
    )
    text.append(robustness_summary(checks, outcome))
    signs = int((np.sign(loo["coef"]) == np.sign(cluster.coef)).sum())
    biggest = loo.loc[(loo["coef"] - cluster.coef).abs().idxmax()]
    text.append(
        f"**Leave one country out.** The coefficient keeps its sign in {signs} of {len(loo)} refits and ranges from "
        f"{_fmt(loo['coef'].min())} to {_fmt(loo['coef'].max())}; dropping {biggest.country} moves it most "
        f"(to {_fmt(biggest.coef)})."
    )
    if not dropped.empty or left_out:
        text.append(f"**Left out.** {len(dropped)} country-year{'s' if len(dropped) != 1 else ''} lacked an input and "
                    f"{'were' if len(dropped) != 1 else 'was'} dropped (listed above)"
                    + (f"; {', '.join(left_out)} had fewer than two usable years and add nothing with country effects"
                       if left_out else "") + ".")
    text.append(_relation_to_paper(outcome, verdict))
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
ROBUST = f"The association holds in every variant of the robustness table (wild bootstrap p < {ALPHA}): "
# What a robust sign means for the paper's statement on that outcome.
VERDICTS = {
    ("unemployment", "positive"): ROBUST + "across countries, more Venezuelans went with higher unemployment. That "
                                  "runs against the paper's reading, but it does not show that migration caused it.",
    ("unemployment", "negative"): ROBUST + "across countries, more Venezuelans went with lower unemployment, the same "
                                  "way as the paper's reading, without showing that migration caused it.",
    ("gdp_per_capita_growth", "positive"): ROBUST + "more Venezuelans went with faster per-capita growth, as in the "
                                           "projection's medium term, without showing that migration caused it.",
    ("gdp_per_capita_growth", "negative"): ROBUST + "more Venezuelans went with slower per-capita growth, as in the "
                                           "projection's short term, without showing that migration caused it.",
}


def _relation_to_paper(outcome: str, verdict: str) -> str:
    """How the association relates to the paper's Sec. 5 statements (associational evidence either way)."""
    reading = VERDICTS.get((outcome, verdict), "The data show no association that survives the robustness checks: "
                           "they neither confirm nor contradict the paper's reading, and an absence of evidence here is "
                           "not evidence of absence.")
    scope = ("The paper's evidence comes from studies of people and cities within Peru; a cross-country association "
             "of national rates is a different and weaker kind of evidence, not a test of those studies.")
    return f"**Against the paper.** {CLAIMS[outcome]} {reading} {scope}"


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

    check_countries(resolved, "countries", minimum=MIN_COUNTRIES)
    if ORIGIN in resolved["countries"]:
        raise ParameterError(f"countries: {ORIGIN} is the origin of the flows, not a host; leave it out")
    check_choice(resolved, "outcome", list(OUTCOMES))
    check_years(resolved, share_years(), "UNHCR and WDI population")
    panel, _ = build_panel(resolved["countries"], resolved["outcome"], resolved["start_year"], resolved["end_year"])
    usable = countries_with_data(panel)
    if len(usable) < MIN_COUNTRIES:
        raise ParameterError(
            f"countries: only {len(usable)} of {', '.join(resolved['countries'])} have two or more years with "
            f"{resolved['outcome']} and Venezuelan-share data in {resolved['start_year']}-{resolved['end_year']}; "
            f"the panel needs at least {MIN_COUNTRIES} (WDI covers Latin America and the Caribbean only)"
        )


# Figures. Each returns the matplotlib figure; the notebook hands it to SectionReport.figure.


def plot_evidence_map(counts: pd.DataFrame):
    """Left: distinct studies the paper cites, by outcome and direction; right: the opinion piece's statements."""
    import seaborn as sns

    from perumig.present import plotting

    fig, axes = plotting.new_figure(ncols=2, figsize=(11, 5.4), sharey=True, width_ratios=[1, 1])
    panels = {"paper": ("studies", "UNDP paper: distinct studies cited\n(findings and projections; compendium's count)"),
              "news": ("statements", "News of 30 Sep 2025 (opinion piece):\nstatements")}
    for ax, (seed, (column, title)) in zip(axes, panels.items()):
        grid = counts[counts["seed"] == seed].pivot(index="outcome", columns="direction", values=column)
        grid = grid.loc[OUTCOME_ORDER, DIRECTION_ORDER].astype(int)
        sns.heatmap(grid, annot=True, fmt="d", cmap="Blues", vmin=0, vmax=max(int(grid.to_numpy().max()), 1),
                    cbar=False, linewidths=0.5, linecolor="white", ax=ax, annot_kws={"fontsize": 10})
        ax.set_title(title, fontsize=11)
        ax.set(xlabel="Direction of the effect on Peru", ylabel="")
        ax.tick_params(axis="x", rotation=30)
        ax.tick_params(axis="y", rotation=0)
    axes[0].set_yticklabels([label.get_text().replace("_", " ") for label in axes[0].get_yticklabels()])
    fig.suptitle("Evidence on the impact of migration on Peru, by outcome and direction", fontweight="bold", y=1.04)
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
    category = unhcr_category_break()
    if panel["year"].min() < category <= panel["year"].max():
        axes[0].axvline(category - 0.5, color="#777777", linestyle=":", linewidth=1.2)
        axes[0].annotate(f"UNHCR adds 'other people in need\nof international protection' ({category})",
                         (category - 0.4, 0.97), xycoords=("data", "axes fraction"), va="top", fontsize=7,
                         color="#555555")
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


def plot_robustness(table: pd.DataFrame, outcome: str):
    """Each variant's coefficient with its cluster-robust 95 % CI; the wild bootstrap p-value written beside it.
    A variant that cannot be fitted keeps its line, with the reason instead of a point."""
    from perumig.present import plotting

    fig, ax = plotting.new_figure(figsize=(10, 0.55 * len(table) + 1.6))
    y = np.arange(len(table))[::-1]
    fitted = table["finding"] != "not estimable"
    for position, row in zip(y, table.itertuples()):
        if row.finding == "not estimable":
            ax.text(0.5, position, f"not estimable: {row.not_estimable}", transform=ax.get_yaxis_transform(),
                    ha="center", va="center", fontsize=8, color="#555555")
            continue
        found = row.finding != "none"
        colour = "black" if row.variant == "all_years" else "#0072B2"
        ax.errorbar(row.coef, position, xerr=[[row.coef - row.ci_low], [row.ci_high - row.coef]], fmt="o",
                    color=colour, ecolor=colour, capsize=3, markerfacecolor=colour if found else "white")
        ax.annotate(f"p {_p(row.wild_p)}", (row.ci_high, position), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{row.label}\n{row.years}, {row.n_countries} countries, N={row.n_obs}" for row in table.itertuples()],
                  fontsize=8)
    if fitted.any():
        low, high = table.loc[fitted, "ci_low"].min(), table.loc[fitted, "ci_high"].max()
        ax.set_xlim(low - 0.05 * (high - low), high + 0.25 * (high - low))
    ax.set(xlabel=f"Coefficient on Venezuelan share (pp) — {OUTCOMES[outcome].label}", ylabel="")
    ax.set_title("Robustness: coefficient, 95 % CI (cluster-robust) and wild bootstrap p\n"
                 f"(filled: p < {ALPHA}; hollow: not distinguishable from zero)", fontsize=11)
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
