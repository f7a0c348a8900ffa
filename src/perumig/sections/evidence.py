"""The numbers behind the claims ledger's verdicts, computed from the processed tables through the section
functions: the values the reproduction report adds to the section runs' (both UN DESA revisions, UNHCR's
counts of Venezuelans, the legislation table, World Bank aggregates), the tested explanations of differences,
and the checks that confirm a registered source lacks the data a claim would need.

Every value function returns ``key, value, source`` rows for ``SectionReport.values_from``. Keys name their
source first: ``UNDESA`` and ``UNDESA2024`` (the IMS 2020 and 2024 revisions, as in ``flows``), ``UNHCR``,
``legislation``, ``WDI``.
"""

from __future__ import annotations

import math
from functools import cache

import pandas as pd

from perumig.data import places, sources, tables
from perumig.sections import flows, government
from perumig.sections.claims import CLOSE_BAND

COUNTRY = "PER"
ORIGIN = "VEN"
OTHER_ORIGIN = "XXX"  # UN DESA's "Other" origin in the bilateral table (as in data.build)
# The origins the seeds name for Peru's immigrants (paper Sec. 2.1-2.2, migration profile).
NAMED_ORIGINS = ("USA", "CHN", "ARG", "VEN", "COL", "ESP", "ECU", "CHL", "BRA", "BOL")
# The paper dates the change of government and of course to "mid-2018" (Sec. 3.1); read as 1 July 2018.
MID_2018 = pd.Timestamp("2018-07-01")


def _rows(rows: list[tuple[str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["key", "value", "source"])
    return frame[frame["value"].notna()].reset_index(drop=True)


def _increments(series: pd.Series) -> list[tuple[str, float]]:
    """(``y0-y1``, change) for consecutive years of a series indexed by year."""
    series = series.sort_index()
    return [(f"{a}-{b}", series[b] - series[a]) for a, b in zip(series.index, series.index[1:])]


# UN DESA.


def undesa_shares() -> pd.DataFrame:
    """Migrant share of the population (Peru and its comparison regions), Peru's migrant stock and the change of its
    share between estimates, for every year of both IMS revisions."""
    rows = []
    for revision, prefix in flows.VALUE_SOURCE_KEYS.items():
        years = flows.ims_years(revision)
        share = flows.migrant_share(COUNTRY, revision, min(years), max(years))
        source = share["source"].iloc[0]
        for row in share.itertuples():
            rows.append((f"{prefix}.migrant_share_pct.{row.key}.{row.year}", row.migrant_share_pct, source))
        own = share[share["key"] == COUNTRY].set_index("year")
        rows += [(f"{prefix}.migrant_stock.{COUNTRY}.{year}", stock, source) for year, stock in own["migrant_stock"].items()]
        rows += [(f"{prefix}.migrant_share_change_pp.{COUNTRY}.{span}", change, source)
                 for span, change in _increments(own["migrant_share_pct"])]
    return _rows(rows)


def undesa_emigrants() -> pd.DataFrame:
    """People born in Peru and in Venezuela living abroad, every year of both revisions, and their change."""
    rows = []
    for country in (COUNTRY, ORIGIN):
        totals = pd.concat([flows.emigrant_totals(country, year).assign(year=year)
                            for year in sorted(set(flows.ims_years(2020)) | set(flows.ims_years(2024)))])
        totals = totals[totals["key"] != "PROFILE"]
        for key, series in totals.groupby("key"):
            series = series.set_index("year")
            rows += [(f"{key}.emigrants.{country}.{year}", row.emigrants, row.source) for year, row in series.iterrows()]
            rows += [(f"{key}.emigrants_change.{country}.{span}", change, series["source"].iloc[-1])
                     for span, change in _increments(series["emigrants"])]
    return _rows(rows)


def undesa_origins() -> pd.DataFrame:
    """Immigrants in Peru by origin, both revisions: each named origin's stock, share and rank; the largest origin
    other than Venezuela; and how much of each period's increase Venezuelans account for."""
    rows = []
    for revision, prefix in flows.VALUE_SOURCE_KEYS.items():
        stock = flows.bilateral(COUNTRY, revision)
        stock = stock[stock["origin_iso3"] != OTHER_ORIGIN]
        source = f"{flows.IMS_LABEL[revision]}, by destination and origin (origin 'Other' left out of ranks)"
        wide = stock.pivot_table(index="year", columns="origin_iso3", values="migrant_stock", aggfunc="sum").fillna(0)
        totals = flows.bilateral(COUNTRY, revision).groupby("year")["migrant_stock"].sum()
        ranks = wide.rank(axis=1, ascending=False, method="min")
        for year in wide.index:
            for origin in (o for o in NAMED_ORIGINS if o in wide.columns):
                rows.append((f"{prefix}.origin_stock.{COUNTRY}.{origin}.{year}", wide.loc[year, origin], source))
                rows.append((f"{prefix}.origin_share_pct.{COUNTRY}.{origin}.{year}", wide.loc[year, origin] / totals[year] * 100, source))
                rows.append((f"{prefix}.origin_rank.{COUNTRY}.{origin}.{year}", ranks.loc[year, origin], source))
            others = wide.loc[year].drop(ORIGIN)
            rows.append((f"{prefix}.largest_other_origin_stock.{COUNTRY}.{ORIGIN}.{year}", others.max(), source))
        for (a, b) in zip(wide.index, wide.index[1:]):
            increase = wide.loc[b] - wide.loc[a]
            span = f"{a}-{b}"
            rows.append((f"{prefix}.origin_increase.{COUNTRY}.{ORIGIN}.{span}", increase[ORIGIN], source))
            rows.append((f"{prefix}.largest_other_origin_increase.{COUNTRY}.{ORIGIN}.{span}", increase.drop(ORIGIN).max(), source))
            total_increase = totals[b] - totals[a]
            if total_increase > 0:
                rows.append((f"{prefix}.venezuelan_share_of_increase_pct.{COUNTRY}.{span}",
                             increase[ORIGIN] / total_increase * 100, source))
    return _rows(rows)


def undesa_destinations() -> pd.DataFrame:
    """Where Venezuelans and Peruvians abroad live (IMS 2020, the revision with every destination): Peru's rank among
    the destinations of Venezuelans, Venezuelans in Latin America and the Caribbean, and the rank of each destination
    the migration profile names among those of Peruvians."""
    stock = tables.load("undesa_bilateral")
    stock = stock[stock["revision"] == 2020]
    source = "UN DESA IMS 2020, by destination and origin"
    region = places.members(places.LATIN_AMERICA_AND_CARIBBEAN) - {ORIGIN}
    rows = []
    venezuelans = stock[stock["origin_iso3"] == ORIGIN]
    for year, group in venezuelans.groupby("year"):
        ranks = group.set_index("destination_iso3")["migrant_stock"].rank(ascending=False, method="min")
        rows.append((f"UNDESA.destination_rank.{ORIGIN}.{COUNTRY}.{year}", ranks.get(COUNTRY, math.nan), source))
        rows.append((f"UNDESA.venezuelans_in_lac.{year}", group.loc[group["destination_iso3"].isin(region), "migrant_stock"].sum(),
                     f"{source}; region: UN DESA SDG region Latin America and the Caribbean, Venezuela left out"))
    named = tables.load("profile_emigrant_destinations")["destination_iso3"]
    peruvians = stock[stock["origin_iso3"] == COUNTRY]
    for year, group in peruvians.groupby("year"):
        ranks = group.set_index("destination_iso3")["migrant_stock"].rank(ascending=False, method="min")
        rows += [(f"UNDESA.emigrant_destination_rank.{COUNTRY}.{code}.{year}", ranks.get(code, math.nan), source) for code in named]
    return _rows(rows)


# UNHCR.


def unhcr_venezuelans() -> pd.DataFrame:
    """Venezuelans under UNHCR's mandate abroad and in Latin America and the Caribbean (Venezuela left out); in Peru,
    the refugees among them, their recognitions (persons, all decision levels) and their applications to date."""
    population = tables.load("unhcr_venezuelans")
    abroad = population[population["asylum_iso3"] != ORIGIN]
    region = places.members(places.LATIN_AMERICA_AND_CARIBBEAN) - {ORIGIN}
    source = flows.UNHCR_VENEZUELANS
    rows = [(f"UNHCR.venezuelans_abroad.{year}", total, source) for year, total in abroad.groupby("year")["total"].sum().items()]
    rows += [(f"UNHCR.venezuelans_in_lac.{year}", total, f"{source}; region: UN DESA SDG region Latin America and the Caribbean")
             for year, total in abroad[abroad["asylum_iso3"].isin(region)].groupby("year")["total"].sum().items()]
    peru = population[population["asylum_iso3"] == COUNTRY].set_index("year")
    rows += [(f"UNHCR.venezuelan_refugees.{COUNTRY}.{year}", refugees, f"{source}; column refugees") for year, refugees in peru["refugees"].items()]
    decided = government.unhcr_asylum_by_year(COUNTRY, ORIGIN).set_index("year")
    rows += [(f"UNHCR.venezuelan_recognized.{COUNTRY}.{year}", count, government.UNHCR_DECISIONS)
             for year, count in decided["recognized"].items()]
    applied = decided["applications"].cumsum()
    rows += [(f"UNHCR.venezuelan_applications_to_date.{COUNTRY}.{year}", count,
              f"{government.UNHCR_APPLICATIONS}, origin Venezuela, every year up to this one")
             for year, count in applied.items()]
    return _rows(rows)


# The legislation table (the paper's footnotes; compendium's direction of change).


LEGISLATION_WINDOWS = {  # name: (first day, day after the last), as the paper's sentences bound them
    "2018-H1": ("2018-01-01", "2018-07-01"),
    "2018-H2": ("2018-07-01", "2019-01-01"),
    "2019": ("2019-01-01", "2020-01-01"),
    "2021": ("2021-01-01", "2022-01-01"),
}


def _figure3() -> pd.DataFrame:
    """The Figure 3 instruments in date order, with whom each covers."""
    covers = tables.load("legislation")[["instrument_id", "covers"]]
    return government.legislation(figure3_only=True).merge(covers, on="instrument_id", how="left")


def legislation_values() -> pd.DataFrame:
    """Counts of the Figure 3 instruments by window and direction, the rate of instruments a year before and after
    mid-2018, the share of opening instruments on each side, and the share that concern Venezuelans only."""
    rows_table = _figure3()
    source = "legislation table (UNDP paper Sec. 3.1, footnotes 8-23; Figure 3 rows)"
    rows = []
    for name, (start, end) in LEGISLATION_WINDOWS.items():
        inside = rows_table[(rows_table["placed"] >= pd.Timestamp(start)) & (rows_table["placed"] < pd.Timestamp(end))]
        rows.append((f"legislation.instruments.{name}", len(inside), source))
        for direction in government.DIRECTION_COLOURS:
            rows.append((f"legislation.{direction}.{name}", int((inside["direction"] == direction).sum()), source))
    first, last = government.FIGURE3_YEARS
    sides = {"before_mid2018": (pd.Timestamp(f"{first}-01-01"), MID_2018),
             "after_mid2018": (MID_2018, pd.Timestamp(f"{last + 1}-01-01"))}
    for side, (start, end) in sides.items():
        inside = rows_table[(rows_table["placed"] >= start) & (rows_table["placed"] < end)]
        years = (end - start).days / 365.25
        rows.append((f"legislation.per_year.{side}", len(inside) / years, source))
        rows.append((f"legislation.opening_share_pct.{side}", (inside["direction"] == "opening").mean() * 100, source))
        rows.append((f"legislation.venezuelan_share_pct.{side}", _venezuelan(inside).mean() * 100, source))
    rows.append(("legislation.venezuelan_share_pct.figure3", _venezuelan(rows_table).mean() * 100, source))
    return _rows(rows)


def _venezuelan(rows: pd.DataFrame) -> pd.Series:
    """Whether an instrument concerns Venezuelans only (its `covers`, from the footnote's title)."""
    return rows["covers"].str.contains("Venezuelan", case=False)


# World Bank.


AMERICAS = ("LCN", "NAC")  # WDI's Latin America & Caribbean and North America: together, the Americas


def wdi_americas_growth() -> pd.DataFrame:
    """GDP growth of the Americas: WDI's two aggregates weighted by their GDP in current US$ that year."""
    wdi = tables.load("wdi_indicators")
    wdi = wdi[wdi["iso3"].isin(AMERICAS)]
    growth = wdi[wdi["indicator"] == "NY.GDP.MKTP.KD.ZG"].pivot_table(index="year", columns="iso3", values="value")
    weight = wdi[wdi["indicator"] == "NY.GDP.MKTP.CD"].pivot_table(index="year", columns="iso3", values="value")
    both = growth.dropna().index.intersection(weight.dropna().index)
    combined = (growth.loc[both] * weight.loc[both]).sum(axis=1) / weight.loc[both].sum(axis=1)
    source = "World Bank WDI NY.GDP.MKTP.KD.ZG, weighted by NY.GDP.MKTP.CD (aggregates LCN and NAC)"
    rows = [(f"WDI.gdp_growth_pct.AMERICAS.{year}", value, source) for year, value in combined.items()]
    rows += [(f"WDI.gdp_growth_pct.{code}.{year}", value, "World Bank WDI NY.GDP.MKTP.KD.ZG")
             for code in AMERICAS for year, value in growth[code].dropna().items()]
    return _rows(rows)


# Tested explanations of differences: each recomputes its numbers from the tables.


# The explanations share these frames; each is built once per process (read only).


@cache
def _peru_rows(name: str) -> pd.DataFrame:
    frame = tables.load(name)
    return frame[frame["asylum_iso3"] == COUNTRY]


@cache
def _peru_by_year() -> pd.DataFrame:
    return government.unhcr_asylum_by_year(COUNTRY).set_index("year")


@cache
def _peruvians_abroad_shares() -> pd.DataFrame:
    """Shares (%) of Peruvians abroad by destination (columns) and year (rows), IMS 2020."""
    stock = tables.load("undesa_bilateral")
    abroad = stock[(stock["revision"] == 2020) & (stock["origin_iso3"] == COUNTRY)]
    shares = abroad.pivot_table(index="year", columns="destination_iso3", values="migrant_stock", aggfunc="sum")
    return shares.div(shares.sum(axis=1), axis=0) * 100


def _unhcr_persons(name: str, year: int) -> pd.DataFrame:
    frame = _peru_rows(name)
    return frame[frame["year"] == year]


def table2_gap(claim, measure: str) -> str:
    """What can and cannot explain Table 2's gap to UNHCR in one year (``measure``: submitted or accepted)."""
    year = int(claim.year)
    paper = tables.load("paper_table2_refugee_applications").set_index("year")
    unhcr = _peru_by_year()
    column = "applications" if measure == "submitted" else "recognized"
    name = "unhcr_asylum_applications" if measure == "submitted" else "unhcr_asylum_decisions"
    rows = _unhcr_persons(name, year)
    keys = ["procedure_type", "decision_level"] + (["application_type"] if measure == "submitted" else []) + ["persons_or_cases"]
    kinds = sorted({tuple(r) for r in rows[keys].itertuples(index=False)})
    same = kinds == [("G", "FI", "N", "P")] if measure == "submitted" else kinds == [("G", "FI", "P")]
    parts = [("UNHCR's rows for Peru that year are all the government's first-instance procedure"
              + (" for new applications" if measure == "submitted" else "") + ", in persons: the procedure the Ministry "
              "runs (it processes refugee applications, Sec. 3.2), so procedure and unit do not explain it") if same
             else f"UNHCR's rows for Peru that year mix {kinds}"]
    neighbours = {y: unhcr[column].get(y) for y in (year - 1, year + 1)}
    stated = paper.loc[year, measure]
    near = [y for y, v in neighbours.items() if v is not None and abs(v - stated) <= 0.01 * stated]
    parts.append(f"UNHCR's {year - 1} and {year + 1} counts are "
                 f"{', '.join(_count(neighbours[y]) for y in sorted(neighbours))}: "
                 + (f"{near[0]}'s is within 1 %, so the two may date the same files differently" if near
                    else "no shift by a year matches"))
    full_years = paper.index[paper["period"] == "January–December"]
    paper_total, unhcr_total = paper.loc[full_years, measure].sum(), unhcr[column].reindex(full_years).sum()
    parts.append(f"over {full_years.min()}–{full_years.max()} Table 2 sums to {_count(paper_total)} and UNHCR to "
                 f"{_count(unhcr_total)} ({(unhcr_total - paper_total) / paper_total * 100:+.1f} %), so the gaps do not "
                 "cancel out over the years")
    if measure == "accepted":
        complementary = rows["complementary_protection"].sum()
        parts.append(f"UNHCR records {_count(complementary)} complementary-protection decisions in Peru that year, so "
                     "'accepted' adding them would change nothing" if complementary == 0
                     else f"UNHCR records {_count(complementary)} complementary-protection decisions that year")
    release = sources.source("unhcr_asylum_applications").citation
    parts.append(f"both are counts to the unit, so rounding cannot make a gap of {_count(abs(unhcr[column][year] - stated))}; "
                 f"one UNHCR release is registered ({release.rstrip('.')}), so a revision since the Ministry's answer "
                 f"({claim.cited_source}) cannot be tested: unexplained")
    return "; ".join(parts)


def unhcr_before_2018(claim) -> str:
    """Why UNHCR's count of Venezuelans in Peru before 2018 is not a count of all Venezuelans there."""
    population = tables.load("unhcr_venezuelans")
    year = int(claim.year)
    row = population[(population["asylum_iso3"] == COUNTRY) & (population["year"] == year)].iloc[0]
    first = int(population.loc[population["other_in_need"] > 0, "year"].min())
    first_row = population[(population["asylum_iso3"] == COUNTRY) & (population["year"] == first)].iloc[0]
    parts = [f"UNHCR's end-{year} count for Peru is {_count(row.refugees)} refugees + {_count(row.asylum_seekers)} asylum "
             f"seekers + {_count(row.others_of_concern)} others of concern = {_count(row.total)}"]
    parts.append(f"its category 'other people in need of international protection' starts in {first} (no country has any "
                 f"before), and at end-{first} it holds {_count(first_row.other_in_need)} of the {_count(first_row.total)} "
                 f"Venezuelans UNHCR counts in Peru ({first_row.other_in_need / first_row.total * 100:.0f} %)")
    others = f" (and, in {year}, {_count(row.others_of_concern)} others of concern)" if row.others_of_concern > 0 else ""
    parts.append(f"so before {first} UNHCR counts only Venezuelans in the asylum system{others}: a lower bound")
    return "; ".join(parts)


def destination_shares(claim, destination: str) -> str:
    """Whether any UN DESA year gives the migration profile's share of Peruvians abroad living in one destination."""
    from perumig.sections.claims import printed_value

    profile = tables.load("profile_emigrant_destinations").set_index("destination_iso3")["share_pct"]
    shares = _peruvians_abroad_shares()
    named_2020 = shares.loc[2020, profile.index].sum()
    tolerance = printed_value(claim.printed)[1]
    matching = [year for year, share in shares[destination].items() if abs(share - profile[destination]) <= tolerance]
    nearest = (shares[destination] - profile[destination]).abs().idxmin()
    years = (f"only UN DESA's {', '.join(str(y) for y in matching)} share{'s' if len(matching) > 1 else ''} "
             f"({', '.join(f'{shares.loc[y, destination]:.2f} %' for y in matching)}) round{'' if len(matching) > 1 else 's'} "
             f"to {profile[destination]:g} % for {places.name(destination)}, far from 2020's "
             f"{shares.loc[2020, destination]:.1f} %" if matching else
             f"no UN DESA year (1990–2020) gives {profile[destination]:g} % for {places.name(destination)}, the nearest "
             f"being {shares.loc[nearest, destination]:.1f} % in {nearest}")
    return (f"the profile's {len(profile)} shares sum to {profile.sum():.1f} %, leaving {100 - profile.sum():.1f} % for "
            f"every other country, while UN DESA puts {100 - named_2020:.1f} % of Peruvians abroad elsewhere in 2020 (IMS "
            f"2020): the profile's shares are not of all Peruvians abroad as UN DESA counts them; {years}; the profile "
            "names no source or year: unexplained")


def origin_shares(claim, origin: str) -> str:
    """The paper's 2010 share of an origin against both UN DESA revisions."""
    found = {}
    for revision in flows.IMS_LABEL:
        stock = flows.bilateral(COUNTRY, revision)
        year = stock[stock["year"] == int(claim.year)]
        found[revision] = year.loc[year["origin_iso3"] == origin, "migrant_stock"].sum() / year["migrant_stock"].sum() * 100
    within = [f"IMS {r}" for r, v in found.items() if abs(v - claim.published_value) <= CLOSE_BAND * claim.published_value]
    return (f"IMS 2020 gives {found[2020]:.1f} % and IMS 2024 {found[2024]:.1f} % for {int(claim.year)} ("
            + (f"within the close band: {' and '.join(within)}" if within else "neither within the close band")
            + "); the paper's figures are IOM (2012)'s, which footnote 5 says draws on censuses, household surveys and "
              "Ministry of the Interior records, not UN DESA's: unexplained by the data")


def emigrant_total(claim) -> str:
    """Whether any UN DESA year or revision gives the migration profile's count of Peruvians abroad."""
    origin = tables.load("undesa_origin")
    rows = origin[origin["location_code"] == places.m49(COUNTRY)]
    same_year = rows[rows["year"] == int(claim.year)].set_index("revision")["emigrant_stock"]
    nearest = rows.loc[(rows["emigrant_stock"] - claim.published_value).abs().idxmin()]
    return (f"no {int(claim.year)} estimate reaches it (IMS 2020: {_count(same_year[2020])}; IMS 2024: "
            f"{_count(same_year[2024])}); the nearest UN DESA figure is IMS {nearest.revision}'s for mid-{nearest.year}, "
            f"{_count(nearest.emigrant_stock)} ({(nearest.emigrant_stock - claim.published_value) / claim.published_value * 100:+.1f} %); "
            "the profile names no source or year")


def labour_force_coverage(claim) -> str:
    """Whether the population WDI covers (everyone) can explain its gap to Table 1's native-born unemployment rate."""
    table1 = tables.load("paper_table1_enaho2020").set_index("variable")
    native, migrant = table1.loc["unemployed", "native_born_pct"], table1.loc["unemployed", "migrant_pct"]
    wdi = tables.load("wdi_indicators")
    rate = wdi[(wdi["indicator"] == "SL.UEM.TOTL.ZS") & (wdi["iso3"] == COUNTRY) & (wdi["year"] == int(claim.year))]["value"].iloc[0]
    low, high = min(native, migrant), max(native, migrant)
    inside = low <= rate <= high
    return (f"WDI's rate covers the whole labour force; Table 1 gives {native} % for the native-born and {migrant} % for "
            f"migrants, so any mix of the two lies within {low}–{high} %, and WDI's {rate:.2f} % is "
            + ("inside it: the population covered can explain the gap" if inside else
               "outside it: the population covered does not explain the gap")
            + f" ({sources.source('wdi_sl_uem_totl_zs').description.split(';')[0]}; Table 1 is ENAHO 2020)")


def immigrant_count(claim) -> str:
    """The profile's count of immigrants in Peru against every UN DESA estimate, and the year its bullet implies."""
    destination = tables.load("undesa_destination")
    rows = destination[destination["location_code"] == places.m49(COUNTRY)]
    within = rows[(rows["migrant_stock"] - claim.published_value).abs() <= CLOSE_BAND * claim.published_value]
    origins = tables.load("paper_origin_profiles")
    profile = origins[origins["profile"] == "migration_profile_2020"].set_index("origin_iso3")["share_pct"]
    paper = origins[origins["profile"] == "paper_2017"].set_index("origin_iso3")["share_pct"]
    shared = profile.index.intersection(paper.index)
    equal = bool((profile[shared] == paper[shared]).all())
    return (f"the same bullet's origin shares {'equal' if equal else 'differ from'} the paper's 2017 figures (INEI-IOM 2018) "
            f"for the {len(shared)} origins both give, and UN DESA has no 2017 estimate; UN DESA estimates within 10 % of "
            f"{_count(claim.published_value)}: "
            + (", ".join(f"IMS {r.revision} mid-{r.year} {_count(r.migrant_stock)}" for r in within.itertuples()) or "none")
            + f"; every later estimate is far above it (IMS 2020 mid-2020: "
              f"{_count(rows[(rows['revision'] == 2020) & (rows['year'] == 2020)]['migrant_stock'].iloc[0])})")


def legislation_window(claim, window: str) -> str:
    """The instruments of the legislation table inside one of :data:`LEGISLATION_WINDOWS`."""
    start, end = LEGISLATION_WINDOWS[window]
    rows = _figure3()
    inside = rows[(rows["placed"] >= pd.Timestamp(start)) & (rows["placed"] < pd.Timestamp(end))]
    listed = "; ".join(f"{r.label} of {r.date}, {r.direction} ({r.source.split(', ')[-1]})" for r in inside.itertuples())
    return f"the legislation table has {len(inside)} instruments dated {start} to before {end}: {listed}"


EXPLANATIONS = {
    "table2_gap": table2_gap,
    "unhcr_before_2018": unhcr_before_2018,
    "destination_shares": destination_shares,
    "origin_shares": origin_shares,
    "emigrant_total": emigrant_total,
    "labour_force_coverage": labour_force_coverage,
    "immigrant_count": immigrant_count,
    "legislation_window": legislation_window,
}


def explain_difference(spec: str, claim) -> str:
    """The tested explanation ``name`` or ``name:argument`` of :data:`EXPLANATIONS` for one claim."""
    name, _, argument = spec.partition(":")
    function = EXPLANATIONS[name]
    return function(claim, argument) if argument else function(claim)


def _count(value) -> str:
    return f"{value:,.0f}"


# The checks that a registered source lacks the data a claim would need.


REGISTERED_KINDS = ("undesa_", "unhcr_", "wdi_")
PLACE_COLUMNS = ("city", "department", "province", "district", "municipality")


def confirm_missing(spec: str) -> tuple[bool, str]:
    """Check one ``missing`` spec of the ledger: (whether it holds, what it found).

    ``publisher:NAME`` no registry entry names NAME; ``year:TABLE:YEAR`` the processed table has no such year;
    ``annual:TABLE`` the table has no month or date; ``country_level`` no processed table is below country level;
    ``statistics_only`` the registry holds only UN DESA, UNHCR and World Bank WDI tables.
    """
    from perumig.data.schemas import PROCESSED_TABLES

    kind, _, argument = spec.strip().partition(":")
    if kind == "publisher":
        named = [e.id for e in sources.registry().values()
                 if argument.lower() in " ".join([e.id, e.url, e.citation, e.description, e.provenance, e.official_page]).lower()]
        return not named, (f"no registered source names {argument}" if not named else f"{', '.join(named)} name {argument}")
    if kind == "year":
        table, year = argument.split(":")
        years = sorted(tables.load(table)["year"].unique())
        absent = int(year) not in years
        return absent, (f"data/processed/{table}.csv has no {year} (its years near it: "
                        f"{', '.join(str(y) for y in years if abs(y - int(year)) <= 5)})" if absent else f"{table} has {year}")
    if kind == "annual":
        columns = tables.spec(argument).schema.columns
        annual = not any(word in name for name in columns for word in ("month", "date", "quarter"))
        return annual, f"data/processed/{argument}.csv counts by calendar year only" if annual else f"{argument} has sub-annual data"
    if kind == "country_level":
        below = [t.name for t in PROCESSED_TABLES if any(w in c for c in t.schema.columns for w in PLACE_COLUMNS)]
        return not below, ("every registered table is by country or larger region (none by city, department or province)"
                           if not below else f"{', '.join(below)} go below country level")
    if kind == "statistics_only":
        others = [e.id for e in sources.registry().values() if not e.id.startswith(REGISTERED_KINDS)]
        return not others, ("the registry holds only UN DESA, UNHCR and World Bank WDI statistical tables (no legal texts, "
                            "surveys, registers or studies)" if not others else f"the registry also holds {', '.join(others)}")
    raise ValueError(f"unknown missing-data check {spec!r}")
