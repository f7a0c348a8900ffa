"""The atlas of a Section 2 sweep: one row per country, the paper's Sec. 2 measures side by side.

For every country or area swept: its migrant share of the population in each UN DESA revision (Table 3),
the change from 2015 to 2020 (IMS 2020, the paper's revision) and from 2015 to 2024 (IMS 2024), the
Venezuelans living there by source (UN DESA mid-year stocks by origin; UNHCR's end-year count), and its
rank among the hosts of Venezuelans in UNHCR's latest year. Missing values stay missing (a country
without a 2024 estimate, or without Venezuelans); nothing is filled in.
"""

from __future__ import annotations

import pandas as pd

from perumig.data import places, tables

SHARE_YEARS = {2020: (1990, 2000, 2010, 2015, 2020), 2024: (2015, 2020, 2024)}
SOURCES = {
    "migrant_share": "UN DESA International Migrant Stock {revision}, by destination, Table 3",
    "venezuelans_undesa": "UN DESA International Migrant Stock {revision}, by destination and origin (mid-year)",
    "venezuelans_unhcr": "UNHCR Refugee Population Statistics: Venezuelans under UNHCR's mandate (end-year)",
}


def _shares(countries: list[str]) -> pd.DataFrame:
    destination = tables.load("undesa_destination")
    codes = {places.m49(country): country for country in countries}
    rows = destination[destination["location_code"].isin(codes)]
    wide = rows.assign(iso3=rows["location_code"].map(codes)).pivot_table(
        index="iso3", columns=["revision", "year"], values="migrant_share_pct", aggfunc="first")
    frame = pd.DataFrame(index=pd.Index(countries, name="iso3"))
    for revision, years in SHARE_YEARS.items():
        for year in years:
            column = (revision, year)
            frame[f"share_{year}_ims{revision}"] = wide[column] if column in wide.columns else float("nan")
    frame["change_2015_2020_ims2020_pp"] = frame["share_2020_ims2020"] - frame["share_2015_ims2020"]
    frame["change_2015_2024_ims2024_pp"] = frame["share_2024_ims2024"] - frame["share_2015_ims2024"]
    return frame


def _venezuelans(countries: list[str]) -> pd.DataFrame:
    bilateral = tables.load("undesa_bilateral")
    from_venezuela = bilateral[(bilateral["origin_iso3"] == "VEN") & bilateral["destination_iso3"].isin(countries)]
    frame = pd.DataFrame(index=pd.Index(countries, name="iso3"))
    for revision, year in ((2020, 2020), (2024, 2024)):
        stock = from_venezuela[(from_venezuela["revision"] == revision) & (from_venezuela["year"] == year)]
        frame[f"venezuelans_undesa_ims{revision}_{year}"] = stock.set_index("destination_iso3")["migrant_stock"]
    unhcr = tables.load("unhcr_venezuelans")
    latest = int(unhcr["year"].max())
    hosts = unhcr[(unhcr["year"] == latest) & (unhcr["asylum_iso3"] != "VEN")].set_index("asylum_iso3")["total"]
    frame[f"venezuelans_unhcr_{latest}"] = hosts.reindex(countries)
    ranks = hosts.rank(ascending=False, method="min")
    frame[f"rank_among_hosts_unhcr_{latest}"] = ranks.reindex(countries).astype("Int64")
    return frame


def atlas(countries: list[str], runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per country; ``runs`` (country, status, reason, run) adds how each country's run ended."""
    frame = _shares(countries).join(_venezuelans(countries)).reset_index()
    frame.insert(1, "country", [places.name(code) for code in frame["iso3"]])
    if runs is not None:
        frame = frame.merge(runs[["country", "status", "reason", "run"]].rename(columns={"country": "iso3"}),
                            on="iso3", how="left")
    return frame


def sources() -> pd.DataFrame:
    """Where each atlas column comes from."""
    latest = int(tables.load("unhcr_venezuelans")["year"].max())
    rows = [(f"share_{year}_ims{revision}", SOURCES["migrant_share"].format(revision=revision))
            for revision, years in SHARE_YEARS.items() for year in years]
    rows += [("change_2015_2020_ims2020_pp", SOURCES["migrant_share"].format(revision=2020) + "; the compendium's difference"),
             ("change_2015_2024_ims2024_pp", SOURCES["migrant_share"].format(revision=2024) + "; the compendium's difference"),
             ("venezuelans_undesa_ims2020_2020", SOURCES["venezuelans_undesa"].format(revision=2020)),
             ("venezuelans_undesa_ims2024_2024", SOURCES["venezuelans_undesa"].format(revision=2024)
              + " (available here for five destinations only)"),
             (f"venezuelans_unhcr_{latest}", SOURCES["venezuelans_unhcr"]),
             (f"rank_among_hosts_unhcr_{latest}", SOURCES["venezuelans_unhcr"] + "; 1 = most, Venezuela excluded")]
    return pd.DataFrame(rows, columns=["column", "source"])
