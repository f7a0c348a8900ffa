"""Raw -> processed: the one place that reads raw files and writes ``data/processed/``.

``build_data()`` rebuilds every processed table and ``data/datapackage.json``; the committed files
must equal a rebuild byte for byte (tested). Each builder reads top-down: read the raw file,
reshape it to one row per observation, keep what the compendium uses.
"""

from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path

import pandas as pd
import pyreadr

from perumig import paths, publish, stamps
from perumig.data import sources, tables
from perumig.errors import DataSourceError, write_failed
from perumig.data.schemas import PROCESSED_TABLES

IMS_HEADER_ROWS = 10  # the IMS workbooks put their column header on Excel row 11
OTHER_ORIGIN = "XXX"  # gdiviz's code for UN DESA's "Other" origin (M49 2003)
OTHER_ORIGIN_M49 = 2003


def _read_rdata(source_id: str) -> pd.DataFrame:
    path = sources.fetch(source_id)
    try:
        (frame,) = pyreadr.read_r(path).values()
    except Exception as exc:
        raise DataSourceError(
            f"cannot read R data file '{path.name}' ({type(exc).__name__}): delete it and run `perumig fetch`"
        ) from None
    return frame


def _read_ims_sheet(source_id: str, sheet: str) -> pd.DataFrame:
    """One IMS table, both sexes, as long rows (index, area, location_code, year, value).

    The workbooks repeat the years in three blocks (both sexes, male, female); the first block is kept.
    The 2024 edition's Table 2 has no real location code column, so callers join its rows on `index`.
    """
    raw = pd.read_excel(sources.fetch(source_id), sheet_name=sheet, skiprows=IMS_HEADER_ROWS, header=None)
    header = [str(h).strip() for h in raw.iloc[0]]
    body = raw.iloc[1:]
    year_columns = []
    for position, label in enumerate(header):
        try:
            year = int(float(label))
        except ValueError:
            continue
        if year in (y for _, y in year_columns):
            break
        year_columns.append((position, year))
    code_position = header.index("Location code")
    wide = pd.DataFrame(
        {
            "index": body.iloc[:, 0].astype(int),
            # Names are indented with spaces and carry '*' when a note applies; keep the bare name.
            "area": body.iloc[:, 1].astype(str).str.strip().str.rstrip("*"),
            "location_code": pd.to_numeric(body.iloc[:, code_position], errors="coerce"),
        }
    )
    for position, year in year_columns:
        wide[year] = pd.to_numeric(body.iloc[:, position], errors="coerce")
    return wide.melt(id_vars=["index", "area", "location_code"], var_name="year", value_name="value")


def build_undesa_locations() -> pd.DataFrame:
    """M49 codes, names, ISO3 and regions from the correspondence table's `Annex` sheet."""
    raw = pd.read_excel(sources.fetch("undesa_ims2020_correspondence"), sheet_name="Annex", skiprows=11, header=None)
    frame = pd.DataFrame(
        {
            "location_code": raw[3].astype(int),
            "name": raw[1].astype(str).str.strip().str.rstrip("*"),
            "location_type": raw[6].fillna("World").astype(str),
            # Regions carry blanks instead of an ISO3 code.
            "iso3": raw[4].astype("str").str.strip().replace({"": None, "nan": None}),
            "subregion_code": pd.to_numeric(raw[9], errors="coerce").astype("Int64"),
            "sdg_region_code": pd.to_numeric(raw[13], errors="coerce").astype("Int64"),
        }
    )
    # Australia/New Zealand (927) is listed both as a subregion and as an SDG region.
    frame = frame.drop_duplicates("location_code")
    return frame.sort_values("location_code", kind="stable").reset_index(drop=True)


def build_undesa_destination() -> pd.DataFrame:
    """Stock (Table 1), population (Table 2) and share (Table 3) by destination, both revisions."""
    revisions = []
    for revision in (2020, 2024):
        source_id = f"undesa_ims{revision}_destination"
        stock = _read_ims_sheet(source_id, "Table 1").rename(columns={"value": "migrant_stock"})
        population = _read_ims_sheet(source_id, "Table 2")[["index", "year", "value"]]
        share = _read_ims_sheet(source_id, "Table 3")[["index", "year", "value"]]
        merged = (
            stock.merge(population.rename(columns={"value": "population_thousands"}), on=["index", "year"], how="left")
            .merge(share.rename(columns={"value": "migrant_share_pct"}), on=["index", "year"], how="left")
            .assign(revision=revision)
        )
        revisions.append(merged)
    frame = pd.concat(revisions, ignore_index=True)
    frame["location_code"] = frame["location_code"].astype(int)
    frame["year"] = frame["year"].astype(int)
    # Regions appear twice (SDG and geographic groupings share names and values): keep one row per code.
    frame = frame.drop_duplicates(["revision", "location_code", "year"])
    columns = ["revision", "location_code", "area", "year", "migrant_stock", "population_thousands", "migrant_share_pct"]
    return frame[columns].sort_values(["revision", "location_code", "year"]).reset_index(drop=True)


def build_undesa_origin() -> pd.DataFrame:
    """Migrants abroad by country of origin (Table 1 of the by-origin workbooks), both revisions."""
    frames = [
        _read_ims_sheet(f"undesa_ims{revision}_origin", "Table 1").assign(revision=revision)
        for revision in (2020, 2024)
    ]
    frame = pd.concat(frames, ignore_index=True).rename(columns={"value": "emigrant_stock"})
    frame = frame.dropna(subset=["location_code"])
    frame["location_code"] = frame["location_code"].astype(int)
    frame["year"] = frame["year"].astype(int)
    frame = frame.drop_duplicates(["revision", "location_code", "year"])
    columns = ["revision", "location_code", "area", "year", "emigrant_stock"]
    return frame[columns].sort_values(["revision", "location_code", "year"]).reset_index(drop=True)


def _bilateral_2020() -> pd.DataFrame:
    """gdiviz keeps male and female rows only; both sexes is their sum."""
    stocks = _read_rdata("undesa_ims2020_bilateral_gdiviz")
    both = stocks.groupby(["to", "from", "t"], as_index=False)["v"].sum()
    return pd.DataFrame(
        {
            "revision": 2020,
            "destination_iso3": both["to"].astype(str),
            "origin_iso3": both["from"].astype(str),
            "year": both["t"].astype(int),
            "migrant_stock": both["v"].astype(float),
        }
    )


def _bilateral_2024() -> pd.DataFrame:
    """migrantstock files: all ages, both sexes, country origins (codes >= 900 are regions; 0 is the total)."""
    locations = _read_rdata("undesa_locations_andreev")
    iso3_by_code = dict(zip(locations["LocID"].astype(int), locations["ISO3"].astype(str)))
    iso3_by_code[OTHER_ORIGIN_M49] = OTHER_ORIGIN
    frames = []
    for code in (604, 170, 152, 218, 862):
        source_id = f"undesa_by_origin_{code}_rev2023"
        raw = _read_rdata(source_id)
        rows = raw[(raw["sex"] == 0) & (raw["age"] == 0) & (raw["agelength"] == 0)]
        origin = rows["LocIDorg"].astype(int)
        rows = rows[(origin > 0) & ((origin < 900) | (origin == OTHER_ORIGIN_M49))]
        frames.append(
            pd.DataFrame(
                {
                    "revision": 2024,
                    "destination_iso3": iso3_by_code[code],
                    "origin_iso3": rows["LocIDorg"].astype(int).map(iso3_by_code),
                    "year": rows["yearref"].astype(float).astype(int),
                    "migrant_stock": rows["value"].astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def build_undesa_bilateral() -> pd.DataFrame:
    frame = pd.concat([_bilateral_2020(), _bilateral_2024()], ignore_index=True)
    keys = ["revision", "destination_iso3", "origin_iso3", "year"]
    return frame.sort_values(keys).reset_index(drop=True)


def build_unhcr_venezuelans() -> pd.DataFrame:
    """Venezuelans by country of asylum; UNHCR counts them under four headings, summed into `total`."""
    population = _read_rdata("unhcr_population")
    rows = population[population["coo_iso"] == "VEN"]
    columns = {"refugees": "refugees", "asylum_seekers": "asylum_seekers", "oip": "other_in_need", "ooc": "others_of_concern"}
    frame = pd.DataFrame(
        {
            "year": rows["year"].astype(int),
            "asylum_iso3": rows["coa_iso"].astype(str),
            "asylum_name": rows["coa_name"].astype(str),
            **{new: rows[old].fillna(0.0).astype(float) for old, new in columns.items()},
        }
    )
    frame["total"] = frame[list(columns.values())].sum(axis=1)
    return frame.sort_values(["year", "asylum_iso3"]).reset_index(drop=True)


def _asylum_scope(frame: pd.DataFrame) -> pd.DataFrame:
    """The compendium needs every origin for Peru and every asylum country for Venezuelans."""
    return frame[(frame["coa_iso"] == "PER") | (frame["coo_iso"] == "VEN")]


ASYLUM_KEYS = {"year": "year", "coo_iso": "origin_iso3", "coa_iso": "asylum_iso3", "coa_name": "asylum_name",
               "procedure_type": "procedure_type", "dec_level": "decision_level"}


def build_unhcr_asylum_applications() -> pd.DataFrame:
    """Asylum applications lodged in Peru (all origins) and by Venezuelans (all countries)."""
    raw = _asylum_scope(_read_rdata("unhcr_asylum_applications"))
    keys = {**ASYLUM_KEYS, "app_type": "application_type", "app_pc": "persons_or_cases"}
    frame = raw.rename(columns=keys)[[*keys.values(), "applied"]].copy()
    frame["year"] = frame["year"].astype(int)
    frame["applied"] = frame["applied"].astype(float)
    return frame.sort_values(list(keys.values())).reset_index(drop=True)


def build_unhcr_asylum_decisions() -> pd.DataFrame:
    """Asylum decisions in Peru (all origins) and on Venezuelans (all countries)."""
    raw = _asylum_scope(_read_rdata("unhcr_asylum_decisions"))
    keys = {**ASYLUM_KEYS, "dec_pc": "persons_or_cases"}
    counts = {"dec_recognized": "recognized", "dec_other": "complementary_protection", "dec_rejected": "rejected",
              "dec_closed": "otherwise_closed", "dec_total": "total_decisions"}
    frame = raw.rename(columns={**keys, **counts})[[*keys.values(), *counts.values()]].copy()
    frame["year"] = frame["year"].astype(int)
    return frame.sort_values(list(keys.values())).reset_index(drop=True)


WDI_INDICATORS = {
    "SP.POP.TOTL": "wdi_sp_pop_totl",
    "SM.POP.TOTL": "wdi_sm_pop_totl",
    "SM.POP.NETM": "wdi_sm_pop_netm",
    "NY.GDP.MKTP.KD.ZG": "wdi_ny_gdp_mktp_kd_zg",
    "NY.GDP.MKTP.CD": "wdi_ny_gdp_mktp_cd",
    "NY.GDP.PCAP.CD": "wdi_ny_gdp_pcap_cd",
    "NY.GDP.PCAP.KD.ZG": "wdi_ny_gdp_pcap_kd_zg",
    "NY.GDP.PCAP.PP.CD": "wdi_ny_gdp_pcap_pp_cd",
    "SL.UEM.TOTL.ZS": "wdi_sl_uem_totl_zs",
}
WDI_AGGREGATES = ("WLD", "LCN", "NAC")  # World; Latin America & Caribbean (all income levels); North America


def build_wdi_indicators() -> pd.DataFrame:
    """WDI series for Latin America and the Caribbean (UN DESA's SDG region 1830) and three aggregates, 1990 on."""
    locations = build_undesa_locations()
    countries = set(locations.loc[locations["sdg_region_code"] == 1830, "iso3"].dropna())
    frames = []
    for code, source_id in WDI_INDICATORS.items():
        raw = pd.read_csv(sources.fetch(source_id))
        rows = raw[raw["Country Code"].isin(countries | set(WDI_AGGREGATES)) & (raw["Year"] >= 1990)]
        frames.append(pd.DataFrame({"indicator": code, "iso3": rows["Country Code"], "country": rows["Country Name"],
                                    "year": rows["Year"].astype(int), "value": rows["Value"].astype(float)}))
    frame = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    return frame.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)


BUILDERS = {
    "undesa_locations": build_undesa_locations,
    "undesa_destination": build_undesa_destination,
    "undesa_origin": build_undesa_origin,
    "undesa_bilateral": build_undesa_bilateral,
    "unhcr_venezuelans": build_unhcr_venezuelans,
    "unhcr_asylum_applications": build_unhcr_asylum_applications,
    "unhcr_asylum_decisions": build_unhcr_asylum_decisions,
    "wdi_indicators": build_wdi_indicators,
}


PROCESSED_IDENTITY = {"kind": "processed-data"}


def _build_into(data_dir: Path) -> list[Path]:
    """Every processed table and the data package descriptor, written under ``data_dir``."""
    written = []
    for spec in PROCESSED_TABLES:
        frame = spec.schema.validate(BUILDERS[spec.name]())
        written.append(tables.write_csv(frame, data_dir / spec.relative_path))
    written.append(tables.write_datapackage(data_dir))
    return written


def _scratch_data_dir(scratch: Path) -> Path:
    """A data folder to build into: the transcribed tables are linked in (the descriptor covers them)."""
    (scratch / "transcribed").symlink_to(paths.TRANSCRIBED, target_is_directory=True)
    return scratch


def build_data() -> list[Path]:
    """Rebuild data/processed/ and data/datapackage.json; returns the files written.

    Everything is built in a scratch folder first, so a failure (a corrupted raw file, a schema
    error) leaves the committed data as they were.
    """
    try:
        with publish.scratch_beside(paths.DATA / "processed-build") as scratch:
            _build_into(_scratch_data_dir(scratch))
            with publish.signals_held():  # the tables and their descriptor, or neither
                publish.publish_folder(scratch / "processed", paths.PROCESSED, PROCESSED_IDENTITY)
                publish.replace_file(scratch / "datapackage.json", paths.DATAPACKAGE)
    except OSError as exc:
        raise write_failed("data/processed/", "perumig build-data", exc) from None
    tables.forget_loaded()
    stamps.record_processed_data()
    return [paths.PROCESSED / f"{spec.name}.csv" for spec in PROCESSED_TABLES] + [paths.DATAPACKAGE]


def differences_from_rebuild() -> list[str]:
    """Committed files that differ from a fresh rebuild (empty when the committed data are current)."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = _scratch_data_dir(Path(scratch))
        rebuilt = _build_into(scratch_dir)
        return [
            str(path.relative_to(scratch_dir))
            for path in rebuilt
            if not (paths.DATA / path.relative_to(scratch_dir)).is_file()
            or not filecmp.cmp(path, paths.DATA / path.relative_to(scratch_dir), shallow=False)
        ]
