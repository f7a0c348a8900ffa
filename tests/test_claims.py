"""The claims ledger and the reproduction report's verdicts."""

import json
import math

import pandas as pd
import pytest

from perumig import paths
from perumig.data import tables
from perumig.sections import claims


@pytest.mark.parametrize(
    "published, reproduced, qualifier, tolerance, expected",
    [
        (0.5, 0.508, "exact", 0.05, True),
        (0.5, 0.56, "exact", 0.05, False),
        (3.5, 3.714, "just_over", 0.5, True),
        (3.5, 3.4, "just_over", 0.5, False),
        (530000, 656274, "more_than", 0, True),
        (530000, 500000, "more_than", 0, False),
        (0.3, 0.25, "less_than", 0, True),
        (0.3, 0.36, "less_than", 0, False),
        (3.0, 2.9, "almost", 0.5, True),
        (3.0, 3.1, "almost", 0.5, False),
        (1300000, 1327362, "around", 50000, True),
    ],
)
def test_within_reads_the_wording(published, reproduced, qualifier, tolerance, expected):
    assert claims.within(published, reproduced, qualifier, tolerance) is expected


def test_rules_are_arithmetic_over_claims_only():
    published = {"a": 200.0, "b": 159.0}
    assert claims._evaluate_rule("{a} + {b}", published) == 359.0
    assert claims._evaluate_rule("{b} / {a} * 100", published) == pytest.approx(79.5)
    with pytest.raises(KeyError):
        claims._evaluate_rule("{a} + {missing}", published)
    with pytest.raises(ValueError):
        claims._evaluate_rule("__import__('os').system('true')", published)


def _ledger(**overrides):
    row = {"claim_id": "x", "seed_file": "undp_policy_paper_peru_migration.txt", "seed_section": "Sec. 2.4",
           "sentence": "s", "published_value": 0.5, "qualifier": "exact", "unit": "percent", "year": 2015,
           "check": "recomputed", "values_key": "share", "dataset": "UN DESA", "consistency_rule": None,
           "tolerance": 0.05, "reason": None, "cited_source": None, "note": None}
    row.update(overrides)
    return pd.DataFrame([row])


def test_reproduce_statuses_and_reasons():
    reproduced = claims.reproduce(_ledger(), {"share": 0.508}).iloc[0]
    assert reproduced["status"] == claims.REPRODUCED and reproduced["abs_difference"] == pytest.approx(0.008)
    differs = claims.reproduce(_ledger(note="registers vs census"), {"share": 0.9}).iloc[0]
    assert differs["status"] == claims.DIFFERS and "registers vs census" in differs["reason"]
    missing = claims.reproduce(_ledger(), {}).iloc[0]
    assert missing["status"] == claims.DIFFERS and "no section run reports share" in missing["reason"]
    closed = claims.reproduce(_ledger(check="transcribed", reason="ENAHO microdata"), {}).iloc[0]
    assert closed["status"] == claims.NOT_RECOMPUTABLE and closed["reason"] == "ENAHO microdata"
    assert math.isnan(closed["reproduced_value"])


def test_ledger_is_complete_and_its_checks_resolve():
    ledger = claims.load_ledger()
    assert len(ledger) >= 200 and set(ledger["seed_file"]) == {
        "undp_policy_paper_peru_migration.txt", "migration_profile_peru_2020.txt",
        "news_2025-04-08_peru_us_border_trade.txt", "news_2025-09-30_peru_migration_policy_study.txt",
        "news_2025-11-30_tacna_state_of_emergency.txt"}
    values = claims.section_values()
    recomputed = ledger[ledger["check"] == "recomputed"]
    assert set(recomputed["values_key"]) <= set(values), "every recomputed claim names a key a section reports"
    assert recomputed["tolerance"].notna().all()
    transcribed = ledger[ledger["check"] == "transcribed"]
    assert transcribed["reason"].str.len().gt(0).all()
    result = claims.reproduce(ledger, values)
    assert not result["reason"].str.startswith("rule cannot be evaluated").any()


def test_every_table_cell_of_the_paper_is_a_claim():
    ledger = claims.load_ledger()
    table1 = tables.load("paper_table1_enaho2020")
    table2 = tables.load("paper_table2_refugee_applications")
    assert ledger["seed_section"].str.contains("Table 1").sum() >= 2 * len(table1)
    assert ledger["seed_section"].str.contains("Table 2").sum() >= 2 * len(table2)


def test_published_claims_report_matches_the_ledger():
    report = pd.read_csv(paths.CLAIMS_REPORT, keep_default_na=False)
    assert list(report["claim_id"]) == list(claims.load_ledger()["claim_id"])
    assert set(report["status"]) <= {claims.REPRODUCED, claims.DIFFERS, claims.NOT_RECOMPUTABLE}
    assert report.loc[report["status"] == claims.DIFFERS, "reason"].str.len().gt(0).all()
    headline = json.loads((paths.REPORTS / "reproduction_report" / "values.json").read_text())
    assert sum(v for k, v in headline.items() if k.startswith("claims.count.")) == len(report)


def test_tolerance_scale_changes_verdicts_and_is_checked(capsys):
    from perumig.pipeline import cli

    strict = claims.reproduce(_ledger(), {"share": 0.53}, tolerance_scale=0.1).iloc[0]
    lenient = claims.reproduce(_ledger(), {"share": 0.53}, tolerance_scale=2).iloc[0]
    assert strict["status"] == claims.DIFFERS and lenient["status"] == claims.REPRODUCED
    assert lenient["tolerance"] == pytest.approx(0.1)
    assert cli.main(["run", "reproduction_report", "-p", "tolerance_scale=0"]) == 2
    assert "tolerance_scale: 0.0 must be above 0" in capsys.readouterr().err
