"""Section 2 of the paper: the profile of migration flows towards Peru.

Every function returns a tidy table with a `source` column where the numbers come from more than
one place, so notebooks and figures can label each number with its origin.
"""

from __future__ import annotations

import pandas as pd

from perumig.data import places, schemas, tables
from perumig.errors import ParameterError
from perumig.sections import verdicts

IMS_LABEL = {2020: "UN DESA IMS 2020", 2024: "UN DESA IMS 2024"}
# Source part of values.json keys: the paper's revision is plain UNDESA, the newer one says so.
VALUE_SOURCE_KEYS = {2020: "UNDESA", 2024: "UNDESA2024"}
UNHCR_KEY = "UNHCR"
SERIES_LABELS = {
    "UNDESA": "UN DESA IMS 2020 (mid-year stock)",
    "UNDESA2024": "UN DESA IMS 2024 (mid-year stock)",
    UNHCR_KEY: "UNHCR (end-year, all Venezuelans under its mandate)",
}
BILATERAL_2024_DESTINATIONS = ("PER", "COL", "CHL", "ECU", "VEN")
OTHER = "Other"
OTHER_KEY = "OTHER"


def _check_revision(revision: int) -> int:
    if revision not in IMS_LABEL:
        raise ParameterError(f"ims_revision: {revision} is not available; choose 2020 or 2024")
    return revision


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
    if rows.empty:
        raise ParameterError(
            f"country: UN DESA data by origin for {destination} exist only in the 2020 revision here "
            f"(2024 by origin: {', '.join(BILATERAL_2024_DESTINATIONS)}); use ims_revision=2020"
        )
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
    return revision == 2020 or country in BILATERAL_2024_DESTINATIONS


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
        origin=stock["origin_iso3"].map(names).fillna(OTHER),
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
    """Venezuelans living in the country by source: UN DESA (both revisions), UNHCR and, for Peru, the seeds."""
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
    if country == "PER":
        counts = tables.load("paper_venezuelan_counts")
        venezuela_series.append(
            pd.DataFrame(
                {
                    "source": counts["seed_file"].map(schemas.seed_label) + ", " + counts["seed_section"],
                    "key": "SEED",
                    "year": counts["year"],
                    "venezuelans": counts["venezuelans"].astype(float),
                }
            )
        )
    frame = pd.concat(venezuela_series, ignore_index=True)
    frame = frame[frame["year"].between(start_year, end_year) & (frame["venezuelans"] > 0)]
    return frame.sort_values(["source", "year"], kind="stable").reset_index(drop=True)


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
    check_years(resolved, ims_years(resolved["ims_revision"]), IMS_LABEL[resolved["ims_revision"]])
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


def plot_migrant_share(share: pd.DataFrame, statements: pd.DataFrame | None = None):
    import seaborn as sns

    from perumig.present import plotting

    fig, ax = plotting.new_figure()
    sns.lineplot(data=share, x="year", y="migrant_share_pct", hue="area", style="area", markers=True, dashes=False, ax=ax)
    if statements is not None:
        ax.scatter(statements["year"], statements["paper_pct"], marker="x", s=70, color="black", zorder=5,
                   label="Paper, Sec. 2.4 (0.5 % in 2015; just over 3.5 % in 2020)")
    ax.set(xlabel="", ylabel="International migrants, % of population")
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


def plot_venezuelans(series: pd.DataFrame, country_name: str):
    import seaborn as sns

    from perumig.present import plotting

    fig, ax = plotting.new_figure(figsize=(9, 5.2))
    estimates = series[series["key"] != "SEED"]
    stated = series[series["key"] == "SEED"]
    legend_labels = estimates["key"].map(SERIES_LABELS)
    sns.lineplot(data=estimates.assign(series=legend_labels), x="year", y="venezuelans", hue="series", style="series",
                 markers=True, dashes=False, ax=ax)
    if not stated.empty:
        ax.scatter(stated["year"], stated["venezuelans"], marker="x", s=70, color="black", zorder=5,
                   label="Counts stated in the paper and the seeds")
    ax.set(xlabel="", ylabel="Venezuelans (persons)")
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


def share_summary(share: pd.DataFrame, country: str) -> str:
    """One paragraph, from the data, on the country's migrant share against its comparison regions."""
    own = share[share["key"] == country].set_index("year")
    first, last = own.index.min(), own.index.max()
    others = share[(share["key"] != country) & (share["year"] == last)]
    comparison = "; ".join(f"{row.area} {row.migrant_share_pct:.2f} %" for row in others.itertuples())
    text = (
        f"In {share['source'].iloc[0]}, migrants were {own.loc[first, 'migrant_share_pct']:.3f} % of "
        f"{own['area'].iloc[0]}'s population in {first} and {own.loc[last, 'migrant_share_pct']:.3f} % in {last} "
        f"(in {last}: {comparison})."
    )
    if country == "PER":
        checks = paper_statement_check(share, country).dropna(subset=["undesa_pct"])
        verdicts = [
            f"\"{row.wording} {row.paper_pct} percent\" in {row.year} against {row.undesa_pct:.3f} % "
            f"({row.verdict})"
            for row in checks.itertuples()
        ]
        if verdicts:
            text += " The paper's Sec. 2.4 statements: " + "; ".join(verdicts) + "."
    return text


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
