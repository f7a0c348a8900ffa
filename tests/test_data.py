"""Processed and transcribed tables: rebuild equality, checksums, schemas, provenance, cross-source sums."""

import json

import pandas as pd
import pytest
from copies import copy_data

from perumig import paths, stamps
from perumig.data import build, tables
from perumig.errors import DataValidationError
from perumig.data.schemas import PROCESSED_TABLES, TRANSCRIBED_TABLES, all_tables


def test_committed_processed_data_equal_a_rebuild(tmp_path, monkeypatch, data_mirror):
    """`perumig build-data` from the raw files gives the committed bytes exactly.

    The raw files are fetched into the test's own folder: fetched into the repository's data/raw/, they
    appeared there while another test checked that building the website wrote nothing into the repository."""
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    assert build.differences_from_rebuild() == []
    assert any((tmp_path / "raw").rglob("*.xlsx")), "the rebuild read raw files fetched into the test's folder"


def test_every_table_loads_and_matches_its_schema():
    for name in all_tables():
        frame = tables.load(name)
        assert len(frame) > 0, name


def test_datapackage_describes_every_committed_csv():
    package = json.loads(paths.DATAPACKAGE.read_text())
    described = {resource["path"] for resource in package["resources"]}
    on_disk = {str(p.relative_to(paths.DATA)) for p in paths.DATA.glob("*/*.csv") if p.parent.name != "raw"}
    assert described == on_disk
    for resource in package["resources"]:
        assert resource["hash"] == "sha256:" + stamps.file_digest(paths.DATA / resource["path"])
        assert resource["sources"], resource["name"]
        assert all(field["description"] for field in resource["schema"]["fields"]), resource["name"]


def test_datapackage_is_valid_frictionless():
    from frictionless import Package

    report = Package(str(paths.DATAPACKAGE)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_transcribed_tables_cite_their_seed():
    seeds = {p.name for p in paths.SEEDS.glob("*.txt")}
    for spec in TRANSCRIBED_TABLES:
        frame = tables.load(spec.name)
        column = "quote" if "quote" in frame else "sentence"
        assert frame[column].str.len().gt(0).all(), spec.name
        assert set(frame["seed_file"]) <= seeds, spec.name


def test_transcribed_quotes_are_verbatim():
    """Every quote appears word for word in its seed (whitespace collapsed); a ledger sentence is one statement of
    its seed as data.seeds rebuilds it (footnotes and page breaks taken out)."""
    from perumig.data import seeds

    collapse = lambda text: " ".join(text.split())  # noqa: E731
    texts = {p.name: collapse(p.read_text(encoding="utf-8")) for p in paths.SEEDS.glob("*.txt")}
    statements = set(zip(seeds.statements()["seed_file"], seeds.statements()["text"]))
    for spec in TRANSCRIBED_TABLES:
        if "quote" in spec.schema.columns:
            for seed_file, quote in tables.load(spec.name)[["seed_file", "quote"]].itertuples(index=False):
                assert collapse(quote) in texts[seed_file], (spec.name, quote[:60])
        else:
            for seed_file, sentence in tables.load(spec.name)[["seed_file", "sentence"]].itertuples(index=False):
                assert (seed_file, sentence) in statements, (spec.name, sentence[:60])


@pytest.fixture
def copied_data(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    copy_data(copy)
    monkeypatch.setattr(paths, "DATA", copy)
    monkeypatch.setattr(paths, "DATAPACKAGE", copy / "datapackage.json")
    tables._load_cached.cache_clear()
    tables._recorded_hashes.cache_clear()
    yield copy
    tables._load_cached.cache_clear()
    tables._recorded_hashes.cache_clear()


def test_edited_processed_table_is_refused_with_the_fix(copied_data):
    target = copied_data / "processed" / "unhcr_venezuelans.csv"
    target.write_text(target.read_text().replace("Peru", "Perú", 1))
    with pytest.raises(DataValidationError, match="perumig build-data"):
        tables.load("unhcr_venezuelans")


def test_schema_violation_is_one_clear_message(copied_data):
    target = copied_data / "transcribed" / "paper_table1_enaho2020.csv"
    frame = pd.read_csv(target)
    frame.loc[0, "migrant_pct"] = 151
    frame.to_csv(target, index=False, lineterminator="\n")
    tables.write_datapackage(copied_data)  # recorded as an intended edit: the schema must still catch it
    tables._recorded_hashes.cache_clear()
    with pytest.raises(DataValidationError, match="does not match its schema") as error:
        tables.load("paper_table1_enaho2020")
    assert "\n" not in str(error.value)


def test_missing_table_names_the_fix(copied_data):
    (copied_data / "processed" / "undesa_origin.csv").unlink()
    with pytest.raises(DataValidationError, match="perumig build-data"):
        tables.load("undesa_origin")


def test_a_table_that_is_not_a_file_is_never_recorded(copied_data):
    """A pipe in place of a transcribed table was recorded in data/datapackage.json as "sha256:None"."""
    import os

    target = copied_data / "transcribed" / "claims.csv"
    target.unlink()
    os.mkfifo(target)
    before = (copied_data / "datapackage.json").read_bytes()
    with pytest.raises(DataValidationError, match="data/transcribed/claims.csv is missing or is not a regular file"):
        tables.write_datapackage(copied_data)
    assert (copied_data / "datapackage.json").read_bytes() == before


def _official_totals(revision):
    destination = tables.load("undesa_destination")
    locations = tables.load("undesa_locations").dropna(subset=["iso3"]).set_index("location_code")["iso3"]
    rows = destination[destination["revision"] == revision].dropna(subset=["migrant_stock"])
    rows = rows.assign(iso3=rows["location_code"].map(locations)).dropna(subset=["iso3"])
    return rows.set_index(["iso3", "year"])["migrant_stock"]


@pytest.mark.parametrize("revision", [2020, 2024])
def test_bilateral_sums_equal_official_destination_totals(revision):
    """The reshaped origin x destination copies add up to UN DESA's official Table 1 by destination."""
    bilateral = tables.load("undesa_bilateral")
    sums = (
        bilateral[bilateral["revision"] == revision]
        .rename(columns={"destination_iso3": "iso3"})
        .groupby(["iso3", "year"])["migrant_stock"].sum()
    )
    official = _official_totals(revision).reindex(sums.index)
    assert official.notna().all()
    pd.testing.assert_series_equal(sums, official, check_names=False)
    assert {"PER", "COL", "CHL", "ECU"} <= set(sums.index.get_level_values("iso3"))
    if revision == 2020:
        assert len(sums) > 1600  # every destination country-year with an official total


def test_venezuelans_in_peru_hand_read_from_sources():
    """Cells read by hand: gdiviz male 475,119 + female 466,770 (2020); migrantstock 604_Rev2023 1,596,667 (2024)."""
    bilateral = tables.load("undesa_bilateral").set_index(["revision", "destination_iso3", "origin_iso3", "year"])
    assert bilateral.loc[(2020, "PER", "VEN", 2020), "migrant_stock"] == 475119 + 466770
    assert bilateral.loc[(2024, "PER", "VEN", 2024), "migrant_stock"] == 1596667


def test_unhcr_total_is_the_sum_of_its_parts():
    frame = tables.load("unhcr_venezuelans").set_index(["year", "asylum_iso3"])
    parts = frame[["refugees", "asylum_seekers", "other_in_need", "others_of_concern"]].sum(axis=1)
    pd.testing.assert_series_equal(parts, frame["total"], check_names=False)
    # hand-read from population.rda, Peru 2019: refugees 1,230, asylum seekers 482,571, oip 377,864
    assert frame.loc[(2019, "PER"), "total"] == 1230 + 482571 + 377864


def test_processed_tables_are_small():
    for spec in PROCESSED_TABLES:
        assert (paths.DATA / spec.relative_path).stat().st_size < 5_000_000, spec.name
