"""Section 2 of the paper: the profile of migration flows towards Peru, and the same analysis for any
country or area in UN DESA's tables.

Every data function returns a tidy table with a `source` column where the numbers come from more than
one place, so notebooks and figures can label each number with its origin. The functions at the end write
the section's sentences from those tables (through `perumig.present.prose`), so the text follows the
country, the revision and the years of the run, and says in words where data are missing.
"""

from __future__ import annotations

import pandas as pd

from perumig.data import places, schemas, tables
from perumig.errors import ParameterError
from perumig.present import prose
from perumig.sections import verdicts

IMS_LABEL = {2020: "UN DESA IMS 2020", 2024: "UN DESA IMS 2024"}
# Source part of values.json keys: the paper's revision is plain UNDESA, the newer one says so.
VALUE_SOURCE_KEYS = {2020: "UNDESA", 2024: "UNDESA2024"}
UNHCR_KEY = "UNHCR"
SEED_KEY = "SEED"
SERIES_LABELS = {
    "UNDESA": "UN DESA IMS 2020 (mid-year stock)",
    "UNDESA2024": "UN DESA IMS 2024 (mid-year stock)",
    UNHCR_KEY: "UNHCR (end-year, all Venezuelans under its mandate)",
    SEED_KEY: "Counts stated in the paper and the seeds",
}
# Each UN DESA estimate is for 1 July of its year; each UNHCR count for 31 December of its year.
REFERENCE_DAY = {"UNDESA": "07-01", "UNDESA2024": "07-01", UNHCR_KEY: "12-31"}
PERU = "PER"
VENEZUELA = "VEN"
BILATERAL_2024_DESTINATIONS = ("PER", "COL", "CHL", "ECU", "VEN")
OTHER = "Other"
OTHER_KEY = "OTHER"


def _check_revision(revision: int) -> int:
    if revision not in IMS_LABEL:
        raise ParameterError(f"ims_revision: {revision} is not available; choose 2020 or 2024")
    return revision


def placement_date(date: str) -> pd.Timestamp:
    """Where a date stored as precisely as its seed gives it is drawn on a time axis.

    Full dates (yyyy-mm-dd) are drawn on that day. A month (yyyy-mm) is drawn on the 15th, the middle of the
    month; a year (yyyy) on 1 July, the middle of the year. The placement is only for drawing and ordering:
    tables keep the date as stored.
    """
    parts = date.split("-")
    if len(parts) == 3:
        return pd.Timestamp(date)
    if len(parts) == 2:
        return pd.Timestamp(f"{date}-15")
    return pd.Timestamp(f"{date}-07-01")


def ims_years(revision: int) -> list[int]:
    destination = tables.load("undesa_destination")
    return sorted(destination.loc[destination["revision"] == _check_revision(revision), "year"].unique().tolist())


def migrant_share(country: str, revision: int, start_year: int, end_year: int) -> pd.DataFrame:
    """Migrants as % of population (IMS Table 3) for the country and its comparison regions."""
    destination = tables.load("undesa_destination")
    codes = [places.m49(country), *places.comparators(country)]
    rows = destination[
        (destination["revision"] == _check_revision(revision))
        & destination["location_code"].isin(codes)
        & destination["year"].between(start_year, end_year)
    ].copy()
    rows["key"] = [country if code == codes[0] else places.region_key(code) for code in rows["location_code"]]
    # The 2020 workbook prints the world and some regions as capitalised headings ("WORLD").
    rows["area"] = rows["area"].where(~rows["area"].str.isupper(), rows["area"].str.title())
    rows["order"] = rows["location_code"].map({code: position for position, code in enumerate(codes)})
    rows["source"] = f"{IMS_LABEL[revision]}, by destination, Table 3"
    columns = ["key", "area", "year", "migrant_share_pct", "migrant_stock", "population_thousands", "source"]
    return rows.sort_values(["order", "year"])[columns].reset_index(drop=True)


def bilateral(destination: str, revision: int) -> pd.DataFrame:
    """Migrants in ``destination`` by origin; the 2024 revision is only available for five destinations."""
    frame = tables.load("undesa_bilateral")
    rows = frame[(frame["revision"] == _check_revision(revision)) & (frame["destination_iso3"] == destination)]
    if rows.empty and revision == 2024 and destination not in BILATERAL_2024_DESTINATIONS:
        raise ParameterError(
            f"country: UN DESA data by origin for {destination} exist only in the 2020 revision here "
            f"(2024 by origin: {', '.join(BILATERAL_2024_DESTINATIONS)}); use ims_revision=2020"
        )
    if rows.empty:
        raise ParameterError(f"country: UN DESA's {IMS_LABEL[revision]} has no estimate by origin for {destination}")
    return rows.reset_index(drop=True)


UNHCR_VENEZUELANS = "UNHCR population statistics (end-year; refugees + asylum seekers + other in need + others of concern)"


def venezuelan_host_ranking(year: int | None = None) -> pd.DataFrame:
    """Latin American and Caribbean countries ranked by Venezuelans under UNHCR's mandate (latest year by default).

    Venezuela itself is left out: it is the origin, not a host. Sections 3-5 take their default peers from it.
    """
    population = tables.load("unhcr_venezuelans")
    region = places.members(places.LATIN_AMERICA_AND_CARIBBEAN) - {"VEN"}
    year = int(population["year"].max()) if year is None else year
    rows = population[(population["year"] == year) & population["asylum_iso3"].isin(region)]
    rows = rows.sort_values(["total", "asylum_iso3"], ascending=[False, True])
    return pd.DataFrame(
        {
            "rank": range(1, len(rows) + 1),
            "iso3": rows["asylum_iso3"].to_numpy(),
            "country": [places.name(code) for code in rows["asylum_iso3"]],
            "year": year,
            "venezuelans": rows["total"].to_numpy(),
            "source": f"{UNHCR_VENEZUELANS}; region: UN DESA SDG region Latin America and the Caribbean",
        }
    )


def host_rank(country: str, measure: str = "total") -> pd.DataFrame:
    """The country's rank, worldwide, among countries hosting Venezuelans, by year (1 = most).

    ``measure`` is a column of `unhcr_venezuelans`: ``total`` (everyone under UNHCR's mandate) or
    ``asylum_seekers``. Venezuela itself is left out.
    """
    population = tables.load("unhcr_venezuelans")
    population = population[population["asylum_iso3"] != "VEN"]
    ranks = population.groupby("year")[measure].rank(ascending=False, method="min")
    rows = population.assign(rank=ranks)[population["asylum_iso3"] == country]
    return pd.DataFrame({"year": rows["year"].to_numpy(), "rank": rows["rank"].astype(int).to_numpy(),
                         measure: rows[measure].to_numpy(), "source": f"{UNHCR_VENEZUELANS}; column {measure}"})


def has_origin_data(country: str, revision: int) -> bool:
    """Whether UN DESA's revision estimates the country's migrants by origin (2024: five destinations only)."""
    frame = tables.load("undesa_bilateral")
    return bool(((frame["revision"] == _check_revision(revision)) & (frame["destination_iso3"] == country)).any())


def origin_composition(country: str, revision: int, start_year: int, end_year: int, top_n: int) -> pd.DataFrame:
    """Figure 1: migrants by origin as % of the destination's population, top ``top_n`` origins + Other.

    The top origins are those with the largest stock in the last year shown; the rest, and UN DESA's
    unknown origins, are grouped as Other.
    """
    stock = bilateral(country, revision)
    stock = stock[stock["year"].between(start_year, end_year)]
    last_year = stock["year"].max()
    latest = stock[(stock["year"] == last_year) & (stock["origin_iso3"] != "XXX")]
    top = latest.nlargest(top_n, "migrant_stock")["origin_iso3"].tolist()
    names = {code: places.name(code) for code in top}
    stock = stock.assign(
        origin=[names.get(code, OTHER) for code in stock["origin_iso3"]],
        origin_iso3=stock["origin_iso3"].where(stock["origin_iso3"].isin(top), OTHER_KEY),
    )
    grouped = stock.groupby(["year", "origin_iso3", "origin"], as_index=False, sort=False)["migrant_stock"].sum()
    population = migrant_share(country, revision, start_year, end_year)
    population = population.loc[population["key"] == country, ["year", "population_thousands", "migrant_stock"]]
    merged = grouped.merge(population.rename(columns={"migrant_stock": "total_migrants"}), on="year")
    merged["pct_of_population"] = merged["migrant_stock"] / (merged["population_thousands"] * 1000) * 100
    merged["pct_of_migrants"] = merged["migrant_stock"] / merged["total_migrants"] * 100
    merged["origin"] = pd.Categorical(merged["origin"], categories=[names[c] for c in top] + [OTHER], ordered=True)
    merged["source"] = f"{IMS_LABEL[revision]}, by destination and origin (population: by destination, Table 2)"
    return merged.sort_values(["year", "origin"]).reset_index(drop=True)


def venezuelans_over_time(country: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Venezuelans living in the country by source: UN DESA (both revisions), UNHCR and, for Peru, the seeds.

    ``reference_date`` is the date each count is for: 1 July for UN DESA's mid-year stocks, 31 December for
    UNHCR's end-year counts, and for the seeds' counts the date they state (placed by `placement_date`).
    """
    venezuela_series = []
    for revision in IMS_LABEL:
        if has_origin_data(country, revision):
            rows = bilateral(country, revision)
            rows = rows[rows["origin_iso3"] == "VEN"]
            venezuela_series.append(
                pd.DataFrame(
                    {
                        "source": f"{IMS_LABEL[revision]} (mid-year stock, by destination and origin)",
                        "key": VALUE_SOURCE_KEYS[revision],
                        "year": rows["year"],
                        "venezuelans": rows["migrant_stock"],
                    }
                )
            )
    unhcr = tables.load("unhcr_venezuelans")
    unhcr = unhcr[unhcr["asylum_iso3"] == country]
    venezuela_series.append(
        pd.DataFrame(
            {
                "source": UNHCR_VENEZUELANS,
                "key": UNHCR_KEY,
                "year": unhcr["year"],
                "venezuelans": unhcr["total"],
            }
        )
    )
    if country == PERU:
        counts = tables.load("paper_venezuelan_counts")
        venezuela_series.append(
            pd.DataFrame(
                {
                    "source": counts["seed_file"].map(schemas.seed_label) + ", " + counts["seed_section"],
                    "key": SEED_KEY,
                    "year": counts["year"],
                    "venezuelans": counts["venezuelans"].astype(float),
                    "reference_date": counts["reference_date"].map(placement_date),
                }
            )
        )
    frame = pd.concat(venezuela_series, ignore_index=True)
    frame = frame[frame["year"].between(start_year, end_year) & (frame["venezuelans"] > 0)]
    estimated = frame["key"] != SEED_KEY
    frame.loc[estimated, "reference_date"] = pd.to_datetime(
        frame.loc[estimated, "year"].astype(str) + "-" + frame.loc[estimated, "key"].map(REFERENCE_DAY))
    frame["series"] = frame["key"].map(SERIES_LABELS)
    frame["reference_date"] = pd.to_datetime(frame["reference_date"])
    columns = ["source", "key", "series", "year", "reference_date", "venezuelans"]
    return frame.sort_values(["source", "year"], kind="stable")[columns].reset_index(drop=True)


def paper_share_statements() -> pd.DataFrame:
    """The paper's own statements of Peru's migrant share (Sec. 2.4), for plotting beside UN DESA."""
    facts = tables.load("seed_scalar_facts").set_index("fact_id")
    rows = facts.loc[["migrant_share_population_2015", "migrant_share_population_2020"]]
    return pd.DataFrame(
        {
            "year": rows["year"].astype(int).to_numpy(),
            "paper_pct": rows["value"].to_numpy(),
            "wording": rows["qualifier"].str.replace("_", " ").to_numpy(),
            "source": "UNDP paper, " + rows["seed_section"].to_numpy(),
        }
    )


def origin_profiles(country: str, revision: int) -> pd.DataFrame:
    """The paper's 2010 and 2017 origin shares beside UN DESA's shares of the migrant stock.

    UN DESA estimates every five years: 2010 is set beside the paper's 2010, and both 2015 and 2020
    bracket the paper's 2017 (whose source, INEI-IOM 2018, counts foreigners registered by the
    migration authority rather than a census-based stock).
    """
    profiles = tables.load("paper_origin_profiles")
    profiles = profiles[profiles["profile"].isin(["paper_2010", "paper_2017"])]
    stock = bilateral(country, revision)
    totals = stock.groupby("year")["migrant_stock"].sum()
    comparisons = [(2010, "paper_2010", 2010), (2017, "paper_2017", 2015), (2017, "paper_2017", 2020)]
    rows = []
    for paper_year, profile, ims_year in comparisons:
        for origin in profiles.loc[profiles["profile"] == profile, "origin_iso3"]:
            paper_share = profiles.loc[(profiles["profile"] == profile) & (profiles["origin_iso3"] == origin), "share_pct"]
            ims_stock = stock.loc[(stock["year"] == ims_year) & (stock["origin_iso3"] == origin), "migrant_stock"].sum()
            rows.append(
                {
                    "paper_year": paper_year,
                    "origin_iso3": origin,
                    "origin": places.name(origin),
                    "paper_share_pct": float(paper_share.iloc[0]),
                    "ims_year": ims_year,
                    "ims_share_pct": ims_stock / totals[ims_year] * 100,
                }
            )
    frame = pd.DataFrame(rows)
    frame["difference_pp"] = frame["ims_share_pct"] - frame["paper_share_pct"]
    frame["source"] = f"UNDP paper Sec. 2.1-2.2; {IMS_LABEL[revision]} by destination and origin"
    return frame


def emigrants_by_destination(country: str, year: int, top_n: int) -> pd.DataFrame:
    """People from ``country`` living abroad by destination (IMS 2020, the revision with all destinations).

    For Peru the migration profile's shares are set beside UN DESA's.
    """
    stock = tables.load("undesa_bilateral")
    abroad = stock[(stock["revision"] == 2020) & (stock["origin_iso3"] == country) & (stock["year"] == year)]
    total = abroad["migrant_stock"].sum()
    top = abroad.nlargest(top_n, "migrant_stock")
    frame = pd.DataFrame(
        {
            "destination_iso3": top["destination_iso3"].to_numpy(),
            "destination": [places.name(code) for code in top["destination_iso3"]],
            "ims_stock": top["migrant_stock"].to_numpy(),
            "ims_share_pct": (top["migrant_stock"] / total * 100).to_numpy(),
        }
    )
    if country == "PER":
        profile = tables.load("profile_emigrant_destinations").set_index("destination_iso3")["share_pct"]
        frame = frame.merge(profile.rename("profile_share_pct"), left_on="destination_iso3", right_index=True, how="outer")
        frame["destination"] = frame["destination"].fillna(frame["destination_iso3"].map(places.name))
        frame = frame.sort_values("ims_share_pct", ascending=False, na_position="last").reset_index(drop=True)
    frame["source"] = f"UN DESA IMS 2020 by destination and origin, {year}" + (
        "; migration profile (2020), 'Sending country'" if country == "PER" else ""
    )
    return frame


def emigrant_year(end_year: int) -> int:
    """The year of the emigrant part: the latest estimate of IMS 2020 (the revision with every destination) up to
    ``end_year``."""
    years = ims_years(2020)
    return max((year for year in years if year <= end_year), default=years[0])


def emigrant_totals(country: str, year: int) -> pd.DataFrame:
    """Total people from the country living abroad: UN DESA (both revisions) and, for Peru, the profile."""
    origin = tables.load("undesa_origin")
    rows = origin[(origin["location_code"] == places.m49(country)) & (origin["year"] == year)]
    frame = pd.DataFrame(
        {
            "source": [f"{IMS_LABEL[r]}, by origin, Table 1 ({year})" for r in rows["revision"]],
            "key": [VALUE_SOURCE_KEYS[r] for r in rows["revision"]],
            "emigrants": rows["emigrant_stock"].to_numpy(),
        }
    )
    if country == "PER":
        facts = tables.load("seed_scalar_facts").set_index("fact_id")
        fact = facts.loc["peruvians_abroad_total"]
        stated = pd.DataFrame({"source": [f"Migration profile (2020), {fact['seed_section']} ({fact['qualifier']})"],
                               "key": ["PROFILE"], "emigrants": [fact["value"]]})
        frame = pd.concat([frame, stated], ignore_index=True)
    return frame


def check_parameters(resolved: dict) -> None:
    """Section 2's parameter rules (called by the runner before any kernel starts)."""
    from perumig.sections import check_choice, check_country, check_int_range, check_years

    check_country(resolved)
    check_choice(resolved, "ims_revision", list(IMS_LABEL))
    years = ims_years(resolved["ims_revision"])
    check_years(resolved, years, IMS_LABEL[resolved["ims_revision"]])
    if not any(resolved["start_year"] <= year <= resolved["end_year"] for year in years):
        raise ParameterError(
            f"start_year-end_year: {resolved['start_year']}-{resolved['end_year']} holds no year of "
            f"{IMS_LABEL[resolved['ims_revision']]} (it estimates {', '.join(map(str, years))}); widen the years"
        )
    check_int_range(resolved, "top_n_origins", 1, 15)


def paper_statement_check(share: pd.DataFrame, country: str) -> pd.DataFrame:
    """The paper's Sec. 2.4 statements of Peru's migrant share against UN DESA Table 3."""
    statements = paper_share_statements()
    ims = share[share["key"] == country].set_index("year")["migrant_share_pct"]
    statements["undesa_pct"] = statements["year"].map(ims)
    # The claims ledger's verdicts and tolerances (sections.verdicts), so the notebook and the ledger agree.
    statements["verdict"] = [
        verdicts.grade(paper, wording.replace(" ", "_"), value, verdicts.printed_value(f"{paper:g}")[1], "percent")
        if pd.notna(value) else None
        for wording, paper, value in zip(statements["wording"], statements["paper_pct"], statements["undesa_pct"])
    ]
    return statements[["year", "wording", "paper_pct", "undesa_pct", "verdict", "source"]]


# Figures. Each returns the matplotlib figure; the notebook hands it to SectionReport.figure.


# Figure 2's lines: the country solid and black, each region its own Okabe-Ito colour, marker and dash,
# so that no two lines are told apart by colour alone.
SHARE_STYLES = [
    {"color": "black", "marker": "o", "linestyle": "-", "linewidth": 2.4},
    {"color": "#0072B2", "marker": "s", "linestyle": "--", "linewidth": 1.6},
    {"color": "#009E73", "marker": "^", "linestyle": "-.", "linewidth": 1.6},
    {"color": "#E69F00", "marker": "D", "linestyle": ":", "linewidth": 2.0},
]
PAPER_MARKER = {"marker": "X", "s": 110, "color": "#CC79A7", "edgecolor": "black", "linewidth": 0.6, "zorder": 5}


def plot_migrant_share(share: pd.DataFrame, statements: pd.DataFrame | None = None):
    """Figure 2: the country's migrant share beside its regions'. Years without an estimate break the line
    (they are not bridged as if the share had been measured)."""
    from perumig.present import plotting

    fig, ax = plotting.new_figure()
    for style, (_, rows) in zip(SHARE_STYLES, share.groupby("key", sort=False)):
        gaps = rows.loc[rows["migrant_share_pct"].isna(), "year"]
        label = rows["area"].iloc[0] + (f" (no estimate: {prose.years(gaps)})" if len(gaps) else "")
        ax.plot(rows["year"], rows["migrant_share_pct"], label=label, markersize=6, **style)
    if statements is not None:
        ax.scatter(statements["year"], statements["paper_pct"], **PAPER_MARKER,
                   label="The paper, Sec. 2.4, of Peru (0.5 % in 2015; just over 3.5 % in 2020)")
    ax.set(xlabel="", ylabel="International migrants, % of population")
    ax.set_xticks(sorted(share["year"].unique()))
    ax.set_title(f"Immigrant population as % of total population: {share['area'].iloc[0]} and world regions")
    ax.legend(title=None, bbox_to_anchor=(1.01, 1), loc="upper left")
    return fig


def plot_origin_composition(composition: pd.DataFrame, country_name: str):
    from perumig.present import plotting

    fig, ax = plotting.new_figure()
    wide = composition.pivot_table(index="year", columns="origin", values="pct_of_population", observed=False, aggfunc="sum")
    wide.plot(kind="bar", stacked=True, ax=ax, width=0.75, colormap=None)
    ax.set(xlabel="", ylabel="% of total population")
    ax.set_title(f"Immigrant population by country of origin in {country_name} (% of total population)")
    ax.tick_params(axis="x", rotation=0)
    ax.legend(title="Country of origin", bbox_to_anchor=(1.01, 1), loc="upper left")
    return fig


VENEZUELAN_STYLES = {
    "UNDESA": {"color": "#0072B2", "marker": "o", "linestyle": "-"},
    "UNDESA2024": {"color": "#56B4E9", "marker": "s", "linestyle": "--"},
    UNHCR_KEY: {"color": "#D55E00", "marker": "^", "linestyle": "-"},
}
VENEZUELAN_LEGEND = {
    "UNDESA": "UN DESA IMS 2020: born in Venezuela, mid-year (drawn on 1 July)",
    "UNDESA2024": "UN DESA IMS 2024: born in Venezuela, mid-year (drawn on 1 July)",
    UNHCR_KEY: "UNHCR: Venezuelans under its mandate, end of year (drawn on 31 December)",
    SEED_KEY: "Counts stated in the paper and the seeds (drawn on the date they give)",
}


def plot_venezuelans(series: pd.DataFrame, country_name: str):
    """Each source's count drawn at its own reference date (`venezuelans_over_time`): a UNHCR count for the
    end of 2020 sits half a year to the right of UN DESA's estimate for mid-2020."""
    import matplotlib.dates as mdates

    from perumig.present import plotting

    fig, ax = plotting.new_figure(figsize=(9, 5.2))
    for key, style in VENEZUELAN_STYLES.items():
        rows = series[series["key"] == key]
        if not rows.empty:
            ax.plot(rows["reference_date"], rows["venezuelans"], label=VENEZUELAN_LEGEND[key], markersize=5, **style)
    stated = series[series["key"] == SEED_KEY]
    if not stated.empty:
        ax.scatter(stated["reference_date"], stated["venezuelans"], marker="x", s=70, color="black", zorder=5,
                   label=VENEZUELAN_LEGEND[SEED_KEY])
    ax.set(xlabel="Date each count refers to", ylabel="Venezuelans (persons)")
    ax.xaxis.set_major_locator(mdates.YearLocator(base=5))
    ax.xaxis.set_minor_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.yaxis.set_major_formatter(lambda value, _: f"{value / 1e6:g} M" if value >= 1e6 else f"{value:,.0f}")
    ax.set_title(f"Venezuelans in {country_name}, by source")
    ax.legend(title=None, fontsize=8, loc="upper left")
    return fig


def plot_table1(table1: pd.DataFrame):
    from perumig.present import plotting

    long = table1.melt(id_vars="label", value_vars=["native_born_pct", "migrant_pct"], var_name="population", value_name="pct")
    long["population"] = long["population"].map({"native_born_pct": "Native-born", "migrant_pct": "Migrant"})
    fig, ax = plotting.new_figure(figsize=(9, 4.8))
    import seaborn as sns

    sns.barplot(data=long, y="label", x="pct", hue="population", ax=ax, orient="h")
    ax.set(xlabel="%", ylabel="", xlim=(0, 100))
    ax.set_title("Native-born and migrant populations in Peru, 2020 (paper Table 1)")
    ax.legend(title=None)
    return fig


def plot_origin_profiles(profiles: pd.DataFrame):
    from perumig.present import plotting

    fig, axes = plotting.new_figure(nrows=2, figsize=(9, 6.5), layout="constrained")
    for ax, paper_year in zip(axes, (2010, 2017)):
        rows = profiles[profiles["paper_year"] == paper_year]
        wide = rows.pivot_table(index="origin", columns="ims_year", values="ims_share_pct", sort=False)
        wide.columns = [f"UN DESA {year}" for year in wide.columns]
        wide.insert(0, f"Paper {paper_year}", rows.drop_duplicates("origin").set_index("origin")["paper_share_pct"])
        wide.plot(kind="barh", ax=ax, width=0.8, color=["black", "#0072B2", "#56B4E9"][: wide.shape[1]])
        ax.set(xlabel="% of immigrant population", ylabel="")
        ax.set_title(f"Origins of immigrants: paper {paper_year}", fontsize=11)
        ax.legend(title=None, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return fig


def plot_emigrants(emigrants: pd.DataFrame, country_name: str):
    from perumig.present import plotting

    fig, ax = plotting.new_figure()
    columns = {"ims_share_pct": "UN DESA IMS 2020"}
    if "profile_share_pct" in emigrants:
        columns["profile_share_pct"] = "Migration profile (2020)"
    wide = emigrants.set_index("destination")[list(columns)].rename(columns=columns).iloc[::-1]
    wide.plot(kind="barh", ax=ax, width=0.8, color=["#0072B2", "black"][: wide.shape[1]])
    ax.set(ylabel="", xlabel=f"% of people from {country_name} living abroad")
    ax.set_title(f"Where people from {country_name} live abroad, 2020")
    ax.legend(title=None, loc="lower right")
    return fig


def seed_counts_vs_estimates(series: pd.DataFrame) -> pd.DataFrame:
    """Each count stated in the seeds beside UNHCR's count for the same year and UN DESA's nearest estimate."""
    stated = series[series["key"] == "SEED"]
    estimates = {key: rows.set_index("year")["venezuelans"] for key, rows in series[series["key"] != "SEED"].groupby("key")}
    rows = []
    for row in stated.itertuples():
        record = {"year": row.year, "stated": row.venezuelans, "stated_in": row.source}
        for key, values in estimates.items():
            nearest = min(values.index, key=lambda year: (abs(year - row.year), year))
            record[f"{key} ({'same year' if key == UNHCR_KEY else 'nearest year'})"] = values[nearest]
            if key != UNHCR_KEY:
                record[f"{key} year"] = nearest
        rows.append(record)
    frame = pd.DataFrame(rows)
    if UNHCR_KEY in estimates:
        unhcr = estimates[UNHCR_KEY]
        frame[f"{UNHCR_KEY} (same year)"] = frame["year"].map(unhcr)
    return frame


# Sentences. Each is written from the tables above through `prose`, so it follows the run's parameters,
# says in words what is missing, and shows data values only escaped.


def run_heading(country: str, revision: int, start_year: int, end_year: int) -> prose.Markdown:
    """The run's title (the country, the years, the revision) and what the run does with the paper's Peru."""
    name = places.name(country)
    heading = prose.fill("## Migration flows towards {name}, {start}–{end}\n\n"
                         "**Host country:** {name} ({code}) · **data:** {ims} · **years:** {start}–{end}",
                         name=name, code=country, ims=IMS_LABEL[revision], start=start_year, end=end_year)
    if country != PERU:
        return heading + prose.fill(
            "\n\nThe paper's Section 2 describes Peru. This run applies its analysis to {name}: what the paper "
            "states about Peru is quoted as the paper's, and the parts that exist for Peru only are left out, "
            "each with a note.", name=name)
    if revision != min(IMS_LABEL):
        return heading + prose.fill("\n\nThe paper used {paper}; this run uses {ims}.",
                                    paper=IMS_LABEL[min(IMS_LABEL)], ims=IMS_LABEL[revision])
    return heading


def profiles_note(country: str, revision: int) -> prose.Markdown:
    """Why the paper's 2010 and 2017 origin profiles are skipped, and where this run shows origins instead."""
    where = (" {name}'s migrants by origin are in Figure 1 (Sec. 2.4 below)." if has_origin_data(country, revision)
             else "")
    return prose.note("The paper's 2010 and 2017 profiles describe Peru only." + where, name=places.name(country))


def origin_data_note(country: str, revision: int) -> prose.Markdown:
    """Why Figure 1 is skipped: the revision's estimates by origin do not cover the country."""
    if revision == 2024 and country not in BILATERAL_2024_DESTINATIONS:
        return prose.note("Figure 1 is skipped: {ims} data by origin exist here only for {covered}. Run with "
                          "`ims_revision=2020` for {name}.", ims=IMS_LABEL[revision],
                          covered=prose.join(places.name(code) for code in BILATERAL_2024_DESTINATIONS),
                          name=places.name(country))
    return prose.note("Figure 1 is skipped: {ims} gives no estimate of {name}'s migrants by country of origin.",
                      ims=IMS_LABEL[revision], name=places.name(country))


def share_notes(share: pd.DataFrame, country: str, revision: int) -> prose.Markdown:
    """What Figure 2 lacks for this country, in words: a comparison region UN DESA does not give it, and the
    years without an estimate (left blank, not drawn)."""
    name = places.name(country)
    own = share[share["key"] == country]
    notes = []
    missing_regions = places.missing_comparators(country)
    if missing_regions:
        regions = share.drop_duplicates("key").set_index("key")["area"]
        kept = regions.drop([country, places.region_key(places.WORLD)], errors="ignore")
        notes.append(prose.note("UN DESA assigns {name} no {missing}; it is set beside {kept}the world only.",
                                name=name, missing=prose.join(missing_regions),
                                kept=prose.fill("its SDG region, {area}, and ", area=kept.iloc[0]) if len(kept) else ""))
    gaps = own.loc[own["migrant_share_pct"].isna(), "year"]
    if len(gaps) == len(own):
        notes.append(prose.note("{ims} gives no migrant share for {name} in any year shown; the figure shows its "
                                "regions only.", ims=IMS_LABEL[revision], name=name))
    elif len(gaps):
        notes.append(prose.note("{ims} gives no migrant stock, hence no share, for {name} in {years}; those years are "
                                "left blank in the figure, not drawn.", ims=IMS_LABEL[revision], name=name,
                                years=prose.years(gaps)))
    return prose.Markdown(" ").join(notes)


def share_summary(share: pd.DataFrame, country: str) -> prose.Markdown:
    """One paragraph, from the data, on the country's migrant share against its comparison regions."""
    name = places.name(country)
    own = share[share["key"] == country].dropna(subset=["migrant_share_pct"]).set_index("year")
    source = share["source"].iloc[0]
    if own.empty:
        years = share["year"]
        text = prose.fill("{source} gives no migrant share for {name} in {first}–{last}", source=source, name=name,
                          first=years.min(), last=years.max())
        last = years.max()
    else:
        first, last = own.index.min(), own.index.max()
        text = prose.fill("In {source}, migrants were {first_pct} of {name}'s population in {first}", source=source,
                          first_pct=prose.percent(own.loc[first, "migrant_share_pct"], 3), name=name, first=first)
        if last != first:
            text += prose.fill(" and {last_pct} in {last}", last_pct=prose.percent(own.loc[last, "migrant_share_pct"], 3),
                               last=last)
    others = share[(share["key"] != country) & (share["year"] == last)].dropna(subset=["migrant_share_pct"])
    comparison = prose.Markdown("; ").join(prose.fill("{area} {pct}", area=row.area, pct=prose.percent(row.migrant_share_pct, 2))
                                           for row in others.itertuples())
    text += prose.fill(" (in {last}: {comparison}).", last=last, comparison=comparison) if len(others) else prose.trusted(".")
    if country == PERU:
        checks = paper_statement_check(share, country).dropna(subset=["undesa_pct"])
        readings = [
            prose.fill('"{wording}{paper} percent" in {year} against {ims} ({verdict})',
                       wording="" if row.wording == "exact" else f"{row.wording} ", paper=row.paper_pct, year=row.year,
                       ims=prose.percent(row.undesa_pct, 3), verdict=row.verdict)
            for row in checks.itertuples()
        ]
        if readings:
            text += prose.trusted(" The paper's statements of Peru's share (Sec. 2.4): ") + prose.join(readings) + "."
    return text


def composition_summary(composition: pd.DataFrame, country: str, revision: int) -> prose.Markdown:
    """The largest origins of the country's migrants in the last year of Figure 1."""
    last_year = composition["year"].max()
    last = composition[composition["year"] == last_year].dropna(subset=["pct_of_migrants"])
    named = last[last["origin_iso3"] != OTHER_KEY].sort_values("migrant_stock", ascending=False)
    if named.empty:
        return prose.note("UN DESA's estimates by origin list no migrant in {name} in {year}.", name=places.name(country),
                          year=last_year)
    origins = prose.Markdown("; ").join(prose.fill("{origin}, {pct}", origin=str(row.origin),
                                                   pct=prose.percent(row.pct_of_migrants, 1))
                                        for row in named.head(3).itertuples())
    return prose.fill("In {ims}'s estimates by origin, migrants were {total} of {name}'s population in mid-{year}. The "
                      "largest countries of origin, as shares of all migrants: {origins}.", ims=IMS_LABEL[revision],
                      total=prose.percent(last["pct_of_population"].sum(), 2), name=places.name(country),
                      year=last_year, origins=origins)


def origin_profiles_reading(profiles: pd.DataFrame) -> prose.Markdown:
    """How the paper's register-based origin shares for Peru compare with UN DESA's, from the numbers."""
    sentences = []
    for (paper_year, ims_year), rows in profiles.groupby(["paper_year", "ims_year"], sort=True):
        pairs = prose.join(prose.fill("{origin} {paper} against {ims}", origin=row.origin,
                                      paper=prose.percent(row.paper_share_pct, 1), ims=prose.percent(row.ims_share_pct, 1))
                           for row in rows.itertuples())
        sentences.append(prose.fill("the paper's {paper_year} shares against UN DESA's {ims_year}: {pairs}",
                                    paper_year=paper_year, ims_year=ims_year, pairs=pairs))
    return (prose.trusted("**Reading.** Of Peru's migrants, ") + prose.Markdown("; ").join(sentences)
            + prose.trusted(". The registers the paper cites count foreign residents registered with the migration "
                            "authority; UN DESA's stock counts everyone born abroad, long-settled migrants included, "
                            "and its 2015 estimate predates most Venezuelan arrivals, whose share dominates by 2020."))


def venezuelans_summary(series: pd.DataFrame, country: str, start_year: int, end_year: int) -> prose.Markdown:
    """Each source's latest count of Venezuelans in the country, and the years it covers, in words."""
    name = places.name(country)
    estimates = series[series["key"] != SEED_KEY]
    if estimates.empty:
        return prose.note("No source here counts Venezuelans in {name} in {start}–{end}: neither UN DESA's estimates by "
                          "origin nor UNHCR's population statistics list any; nothing is drawn.", name=name,
                          start=start_year, end=end_year)
    sentences = []
    for key, rows in estimates.groupby("key", sort=True):
        latest = rows.loc[rows["year"].idxmax()]
        when = f"the end of {latest['year']}" if key == UNHCR_KEY else f"mid-{latest['year']}"
        sentence = prose.fill("{series}: {count} at {when}", series=SERIES_LABELS[key],
                              count=prose.number(latest["venezuelans"]), when=when)
        if key == UNHCR_KEY:
            span = range(start_year, end_year + 1)
            missing = sorted(set(span) - set(rows["year"]))
            if missing:
                sentence += prose.fill(" (no count, or none above zero, for {missing})", missing=prose.years(missing))
        sentences.append(sentence)
    lacking = [SERIES_LABELS[key] for key in ("UNDESA", "UNDESA2024", UNHCR_KEY) if key not in set(estimates["key"])]
    text = prose.fill("Venezuelans in {name}, the latest count of each source: ", name=name) + prose.Markdown("; ").join(sentences) + prose.trusted(".")
    if lacking:
        text += prose.fill(" No count from {lacking}.", lacking=prose.join(lacking, "or"))
    return text


def rank_summary(ranks: pd.DataFrame, country: str) -> prose.Markdown:
    """The country's latest rank among hosts of Venezuelans (UNHCR), or that it has none."""
    name = places.name(country)
    if ranks.empty:
        return prose.note("UNHCR reports no Venezuelans in {name} in these years, so it has no rank among their hosts.",
                          name=name)
    latest = ranks.loc[ranks["year"].idxmax()]
    text = prose.fill("At the end of {year}, {name} ranked {rank} among the countries hosting Venezuelans in UNHCR's "
                      "counts ({total} under its mandate)", year=latest["year"], name=name,
                      rank=prose.ordinal(latest["rank"]), total=prose.number(latest["total"]))
    if latest["asylum_seekers"] > 0:
        return text + prose.fill(" and {rank} by asylum seekers ({seekers}).",
                                 rank=prose.ordinal(latest["rank_seekers"]), seekers=prose.number(latest["asylum_seekers"]))
    return text + prose.trusted("; UNHCR counts no Venezuelan asylum seeker there.")


def emigrants_intro(country: str, revision_year: int) -> prose.Markdown:
    """What the seeds say of Peru's emigrants (for Peru), or what UN DESA's estimates by origin count."""
    if country != PERU:
        return prose.fill("UN DESA's estimates **by origin** count the people born in {name} who live in another country "
                          "(UN DESA IMS 2020, mid-{year}, the revision with every destination). The paper and the "
                          "migration profile describe Peru's emigrants only.", name=places.name(country),
                          year=revision_year)
    profile = tables.load("profile_emigrant_destinations")
    return prose.fill(
        'Of Peru, the paper notes that "historically, Peru was a migrant-sending country" (Sec. 1), and the 2020 '
        'migration profile (a seed of this compendium) states: "{quote}" ({section}). UN DESA\'s estimates **by origin** '
        "give the same picture for {year}. The profile names no source; its total is higher than UN DESA's, which "
        "counts people by country of birth and cannot see Peruvians born abroad or not captured by destination "
        "censuses.", quote=profile["quote"].iloc[0], section=profile["seed_section"].iloc[0], year=revision_year)


def emigrants_summary(emigrants: pd.DataFrame, country: str, year: int) -> prose.Markdown:
    """The largest destinations of the country's emigrants, or that UN DESA lists none."""
    name = places.name(country)
    listed = emigrants.dropna(subset=["ims_share_pct"])
    if listed.empty:
        return prose.note("UN DESA IMS 2020's estimates by origin list no one born in {name} living abroad in {year}; "
                          "nothing is drawn.", name=name, year=year)
    destinations = prose.Markdown("; ").join(prose.fill("{destination}, {pct}", destination=row.destination,
                                                        pct=prose.percent(row.ims_share_pct, 1))
                                             for row in listed.head(3).itertuples())
    return prose.fill("In UN DESA IMS 2020's estimates by destination and origin, the largest shares of the people born "
                      "in {name} and living abroad in mid-{year} lived in: {destinations}.", name=name, year=year,
                      destinations=destinations)
