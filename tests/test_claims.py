"""The claims ledger and the reproduction report's verdicts."""

import json
import math
import re

import pandas as pd
import pytest

from perumig import paths
from perumig.data import seeds, tables
from perumig.sections import claims, evidence


@pytest.mark.parametrize("printed, in_table, value, tolerance", [
    ("around 1.3 million", False, 1_300_000, 50_000),
    ("approximately 1 million", False, 1_000_000, 500_000),
    ("12.4 percent", False, 12.4, 0.05),
    ("(2.3)%", False, 2.3, 0.05),
    ("8,000", False, 8000, 500),
    ("110,000", False, 110_000, 5000),
    ("More than 482,500", False, 482_500, 50),
    ("200", True, 200, 0.5),  # in a table every digit counts
    ("200", False, 200, 0.5),  # below a thousand a number is exact to the unit
    ("PEN41.90", False, 41.90, 0.005),
    ("7 out of 10", False, 70, 5),
    ("500 thousand", False, 500_000, 50_000),
    ("$20.5 billion", False, 20.5e9, 0.05e9),
    ("200th", False, 200, 0.5),
    ("two decades", False, 20, 5),
    ("second-largest", False, 2, 0),
    ("millions", False, 1_000_000, 0),
    ("dozens", False, 12, 0),
    ("over half", False, 50, 0),
])
def test_printed_value_reads_the_rounding(printed, in_table, value, tolerance):
    assert claims.printed_value(printed, in_table) == (pytest.approx(value), pytest.approx(tolerance))


@pytest.mark.parametrize("published, qualifier, value, tolerance, unit, expected", [
    (1.3e6, "around", 1.327e6, 5e4, "persons", claims.REPRODUCED),
    (1.3e6, "around", 1.402e6, 5e4, "persons", claims.CLOSE),  # 52,000 beyond the rounding: within 10 % of 1.3 M
    (1.3e6, "around", 1.506e6, 5e4, "persons", claims.DIFFERS),
    (530_000, "more_than", 656_274, 0, "persons", claims.REPRODUCED),
    (92, "more_than", 61.8, 0, "percent", claims.DIFFERS),
    (92, "more_than", 85, 0, "percent", claims.CLOSE),
    (0.3, "less_than", 0.25, 0, "percent", claims.REPRODUCED),
    (3.5, "just_over", 3.71, 0, "percent", claims.REPRODUCED),
    (3.5, "just_over", 3.4, 0, "percent", claims.CLOSE),
    (200, "almost", 199, 0, "years", claims.REPRODUCED),
    (200, "almost", 201, 0, "years", claims.CLOSE),
    (2, "exact", 3, 0, "rank", claims.CONTRADICTED),
])
def test_grades(published, qualifier, value, tolerance, unit, expected):
    assert claims.grade(published, qualifier, value, tolerance, unit) == expected


def test_the_tolerances_are_explained_with_the_numbers_the_grading_uses():
    text = claims.verdicts.tolerance_text()
    value, tolerance = claims.printed_value("1.3 million")
    assert f"\"1.3 million\" ± {tolerance:,.0f}" in text and "\"12.4 percent\" ± 0.05" in text
    assert "close band reaches 10 % of the published number beyond the rounding" in text and "at least 2 times" in text and "more than 50 %" in text
    # the band the text states is the one grade applies: just inside it is close, just outside differs
    assert claims.grade(value, "around", value + tolerance + 0.099 * value, tolerance, "persons") == claims.CLOSE
    assert claims.grade(value, "around", value + tolerance + 0.101 * value, tolerance, "persons") == claims.DIFFERS
    assert "close band reaches 20 %" in claims.verdicts.tolerance_text(2) and "reaches 20 %" in claims.method_text(2)


def test_rules_are_arithmetic_over_references_only():
    lookup = {"a": 200.0, "b.2019": 159.0}
    assert claims.evaluate("{a} + {b.$year}", lookup, {"year": "2019"}) == 359.0
    with pytest.raises(KeyError):
        claims.evaluate("{a} + {missing}", lookup)
    with pytest.raises(ValueError):
        claims.evaluate("__import__('os').system('true')", lookup)
    assert claims.numeric_cases("end-2021 = {a} ; {b.2019}") == [("end-2021", "{a}"), ("{b.2019}", "{b.2019}")]


def test_comparisons_run_over_every_case_and_say_which_the_data_miss():
    lookup = {f"x.{rev}.{year}": value for rev, series in {"A": (1, 2, 3), "B": (1, 3, 2)}.items()
              for year, value in zip((2015, 2016, 2017), series)}
    cases, uncovered = claims.comparison_cases("rising({x.$rev.$year}) for year in 2015..2018; rev in A, B", lookup)
    assert [(c["case"], c["holds"]) for c in cases] == [
        ("2015→2016, A", True), ("2016→2017, A", True), ("2015→2016, B", True), ("2016→2017, B", False)]
    assert uncovered == ["2018, A", "2018, B"]
    cases, _ = claims.comparison_cases("less({x.A.$year}, {x.B.$year}) for year in 2016, 2017", lookup)
    assert [c["holds"] for c in cases] == [True, False]
    cases, _ = claims.comparison_cases("on_par({x.A.2017}, {x.B.2016})", lookup)
    assert cases[0]["holds"] and not claims.comparison_cases("on_par({x.A.2016}, {x.B.2016})", lookup)[0][0]["holds"]


def _ledger(**overrides):
    row = dict.fromkeys(claims.load_ledger().columns)
    row.update(claim_id="x", seed_file="undp_policy_paper_peru_migration.txt", seed_section="Sec. 2.4", sentence="s",
               printed="0.5 percent", published_value=0.5, qualifier="exact", value_source="printed", unit="percent",
               year=2015, check="recomputed", rule="IMS 2020 = {share} ; IMS 2024 = {share2024}")
    row.update(overrides)
    return pd.DataFrame([row])


def _verdict(ledger, values, scale=1.0):
    report, cases = claims.check_ledger(ledger, values, scale)
    return report.iloc[0], cases


def test_verdicts_of_recomputed_claims():
    row, cases = _verdict(_ledger(), {"share": 0.508, "share2024": 0.9})
    assert row["verdict"] == claims.REPRODUCED and row["rel_difference_pct"] == pytest.approx(1.6)
    assert list(cases["role"]) == ["statement", "context"] and list(cases["verdict"]) == [claims.REPRODUCED, claims.DIFFERS]
    row, _ = _verdict(_ledger(), {"share": 0.57, "share2024": 0.5})
    assert row["verdict"] == claims.CLOSE and "IMS 2024" in row["reason"], "the other revision is named beside it"
    row, _ = _verdict(_ledger(comparator="proxy"), {"share": 0.5, "share2024": 0.5})
    assert row["verdict"] == claims.CLOSE, "a related quantity is not a reproduction"
    row, _ = _verdict(_ledger(), {})
    assert row["verdict"] == claims.NOT_RECOMPUTABLE and "no value for share" in row["reason"]


def test_bounds_from_the_data_are_not_reproductions():
    row, _ = _verdict(_ledger(comparator="lower_bound", printed="8,000", published_value=8000.0), {"share": 3700})
    assert row["verdict"] == claims.NOT_RECOMPUTABLE and "consistent" in row["reason"]
    row, _ = _verdict(_ledger(comparator="lower_bound", printed="8,000", published_value=8000.0), {"share": 9000})
    assert row["verdict"] == claims.DIFFERS and "below it" in row["reason"]
    row, _ = _verdict(_ledger(comparator="upper_bound", printed="320", published_value=320.0), {"share": 1428})
    assert row["verdict"] == claims.NOT_RECOMPUTABLE


def test_verdicts_of_comparisons():
    values = {"a.2015": 1.0, "a.2016": 2.0, "a.2017": 1.5}
    rule = "rising({a.$year}) for year in 2015..2017"
    row, _ = _verdict(_ledger(check="comparison", rule=rule, value_source="relation", published_value=None), values)
    assert row["verdict"] == claims.DIFFERS and "2016→2017" in row["reason"]
    row, _ = _verdict(_ledger(check="comparison", rule="falling({a.$year}) for year in 2015, 2016"), values)
    assert row["verdict"] == claims.CONTRADICTED
    row, _ = _verdict(_ledger(check="comparison", rule="far_greater({a.2016}, {a.2017})"), values)
    assert row["verdict"] == claims.DIFFERS, "missing a matter of degree everywhere differs; it does not contradict"
    row, _ = _verdict(_ledger(check="comparison", rule="majority({a.2016})"), values)
    assert row["verdict"] == claims.CONTRADICTED


def test_a_comparison_case_by_case_is_reproduced_only_when_every_case_holds():
    assert claims.verdicts.combined([True, True]) == claims.REPRODUCED
    assert claims.verdicts.combined([True, False]) == claims.DIFFERS
    assert claims.verdicts.combined([False, False]) == claims.CONTRADICTED
    assert claims.verdicts.combined([False], degree=True) == claims.DIFFERS, "missing 'on par' is not its opposite"


def test_a_bound_from_the_data_names_the_data_that_would_settle_it():
    bound = _ledger(comparator="lower_bound", printed="8,000", published_value=8000.0,
                    data_needed="a count of all Venezuelans in Peru in 2016", missing="year:undesa_bilateral:2016")
    row, _ = _verdict(bound, {"share": 3700})
    assert row["verdict"] == claims.NOT_RECOMPUTABLE
    assert "needs a count of all Venezuelans in Peru in 2016" in row["reason"] and "has no 2016" in row["reason"]


def test_every_claim_not_recomputable_says_which_data_it_needs_and_that_no_source_has_them():
    report = pd.read_csv(paths.CLAIMS_REPORT, keep_default_na=False)
    unsettled = report[report["verdict"] == claims.NOT_RECOMPUTABLE]
    assert len(unsettled) > 0
    for row in unsettled.itertuples():
        assert "needs " in row.reason, row.claim_id
        assert "a registered source may now hold the data" not in row.reason, row.claim_id


def test_transcribed_claims_name_the_data_and_the_checks_that_they_are_missing():
    row, _ = _verdict(_ledger(check="transcribed", rule=None, data_needed="INEI's ENAHO 2020 microdata",
                              missing="publisher:INEI; year:undesa_destination:2007"), {})
    assert row["verdict"] == claims.NOT_RECOMPUTABLE
    assert "needs INEI's ENAHO 2020 microdata" in row["reason"] and "no registered source names INEI" in row["reason"]
    assert "has no 2007" in row["reason"]
    row, _ = _verdict(_ledger(check="transcribed", rule=None, data_needed="UN DESA data", missing="publisher:UN DESA"), {})
    assert row["reason"].startswith("a registered source may now hold the data")


def test_tolerance_scale_changes_verdicts_and_is_checked(capsys):
    from perumig.pipeline import cli

    strict, _ = _verdict(_ledger(), {"share": 0.53, "share2024": 0.5}, scale=0.1)
    lenient, _ = _verdict(_ledger(), {"share": 0.53, "share2024": 0.5}, scale=2)
    assert strict["verdict"] == claims.DIFFERS and lenient["verdict"] == claims.REPRODUCED
    assert lenient["tolerance"] == pytest.approx(0.1)
    assert cli.main(["run", "reproduction_report", "-p", "tolerance_scale=0"]) == 2
    assert "tolerance_scale: 0.0 must be above 0" in capsys.readouterr().err
    # Finite but huge: the tolerances overflowed to infinity and the report printed "± inf".
    assert cli.main(["run", "reproduction_report", "-p", "tolerance_scale=1e308"]) == 2
    assert "tolerance_scale: 1e+308 must be above 0 and at most 1000" in capsys.readouterr().err


# The committed ledger.


@pytest.fixture(scope="module")
def ledger():
    return claims.load_ledger()


def test_every_claim_quotes_its_statement_and_its_printed_words(ledger):
    statements = set(zip(seeds.statements()["seed_file"], seeds.statements()["text"]))
    for claim in ledger.itertuples():
        assert (claim.seed_file, claim.sentence) in statements, claim.claim_id
        assert claim.printed in claim.sentence, claim.claim_id


def test_published_values_are_what_the_words_print(ledger):
    printed = ledger[ledger["value_source"] == "printed"]
    for claim in printed.itertuples():
        value, _ = claims.printed_value(claim.printed, "Table" in claim.seed_section)
        assert value == pytest.approx(claim.published_value), claim.claim_id
    vague = ledger[ledger["value_source"] == "vague_word"]
    assert set(vague["qualifier"]) <= claims.LOWER_BOUNDS, "a vague word is read as the bound it implies"


def test_every_rule_is_checkable(ledger):
    for claim in ledger.itertuples():
        if isinstance(claim.missing, str):  # a transcribed claim, or one the data only bound
            assert claim.data_needed, claim.claim_id
            for spec in claim.missing.split(";"):
                holds, found = evidence.confirm_missing(spec)
                assert holds, f"{claim.claim_id}: {found}"
        if claim.check == "transcribed":
            assert claim.data_needed and claim.missing, claim.claim_id
        else:
            assert claim.rule, claim.claim_id
            if claims.is_relation(claim.rule):
                claims.comparison_parts(claim.rule)
            else:
                assert claims.numeric_cases(claim.rule), claim.claim_id
        if isinstance(claim.explanation, str):
            assert claim.explanation.partition(":")[0] in evidence.EXPLANATIONS, claim.claim_id


def test_every_candidate_statement_is_a_claim_or_an_exclusion(ledger):
    covered = claims.coverage(ledger, claims.load_exclusions(), seeds.candidates())
    assert not (covered["status"] == "uncovered").any(), covered.loc[covered["status"] == "uncovered", "statement"].tolist()
    assert not covered["status"].str.startswith("stale").any(), covered.loc[covered["status"].str.startswith("stale")]
    both = set(zip(ledger["seed_file"], ledger["sentence"])) & set(
        zip(claims.load_exclusions()["seed_file"], claims.load_exclusions()["sentence"]))
    assert not both, f"statements both claimed and excluded: {both}"


def test_an_uncovered_candidate_is_reported(ledger):
    exclusions = claims.load_exclusions().iloc[1:]
    covered = claims.coverage(ledger, exclusions, seeds.candidates())
    assert covered.loc[covered["status"] == "uncovered", "statement"].tolist() == [claims.load_exclusions()["sentence"].iloc[0]]


def test_no_number_from_outside_the_seeds_and_data_in_the_notes(ledger):
    """Notes, data needed and exclusion details only repeat numbers a seed or a processed table has (values keys, file
    names and row ids aside)."""
    seed_numbers = set()
    for seed_file in seeds.seed_files():
        seed_numbers |= set(re.findall(r"\d+", (paths.SEEDS / seed_file).read_text(encoding="utf-8")))
    years = {str(y) for name in ("undesa_destination", "unhcr_venezuelans", "wdi_indicators") for y in tables.load(name)["year"]}
    defined = {str(int(claims.CLOSE_BAND * 100)), f"{claims.FAR_RATIO:g}", f"{claims.MAJORITY_PCT:g}"}
    allowed = seed_numbers | years | defined | {str(n) for n in range(13)} | {"100"}  # months, shares of a whole
    texts = [*ledger["note"].dropna(), *ledger["data_needed"].dropna(), *claims.load_exclusions()["detail"]]
    foreign = {number for text in texts for number in re.findall(r"\d+", re.sub(r"\{[^}]*\}|[\w.]+\.\w+|\w*_\w*", "", text))} - allowed
    assert not foreign, f"numbers typed from outside the seeds and data: {sorted(foreign)}"


def test_published_claims_report_matches_the_ledger():
    report = pd.read_csv(paths.CLAIMS_REPORT, keep_default_na=False)
    assert list(report["claim_id"]) == list(claims.load_ledger()["claim_id"])
    assert set(report["verdict"]) <= set(claims.VERDICTS)
    assert report.loc[report["verdict"] != claims.REPRODUCED, "reason"].str.len().gt(0).all()
    headline = json.loads((paths.REPORTS / "reproduction_report" / "values.json").read_text())
    assert sum(v for k, v in headline.items() if k.startswith("claims.verdict.")) == len(report)
    for column in ("trail_keys", "trail_cells", "trail_functions", "trail_tables", "trail_sources"):
        assert column in report.columns
    assert not math.isnan(report["rel_difference_pct"].replace("", math.nan).astype(float).abs().max())


def test_the_readme_describes_the_verdicts_as_the_ledger_defines_them():
    readme = " ".join((paths.ROOT / "README.md").read_text(encoding="utf-8").split())
    for verdict, meaning in claims.VERDICT_DEFINITIONS.items():
        assert f"**{verdict}**: {meaning}." in readme, f"the README's '{verdict}' is not the ledger's"
