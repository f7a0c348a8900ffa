"""Sections 3-4 computations, checked against values read by hand from the tables.

Hand-read values: paper Table 2 (data/transcribed/paper_table2_refugee_applications.csv) 2017 submitted 34,179,
accepted 217; 2016-2019 submitted 4,406 + 34,179 + 171,364 + 268,939 and accepted 159 + 217 + 545 + 701.
UNHCR (data/processed/unhcr_asylum_*.csv, asylum Peru, persons): applications 2018, all origins, 192,484;
decisions 2019, all origins, recognised 698, rejected 250, total 3,617; Venezuelans: applications 2016-2019
3,602 + 33,149 + 190,469 + 258,636, recognised 64 + 102 + 390 + 578. unhcr_venezuelans, Peru, end 2019: total
861,665, asylum seekers 482,571, refugees 1,230.
"""

import json
import os
import platform
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from perumig import paths
from perumig.data import tables
from perumig.sections import flows, government
from perumig.pipeline import cli, params, runner
from perumig.errors import ParameterError

SECTION = runner.section("government_response")


def test_placement_rule_for_partial_dates():
    assert government.placement_date("2018-08-18") == pd.Timestamp("2018-08-18")
    assert government.placement_date("2017-07") == pd.Timestamp("2017-07-15")
    assert government.placement_date("2023") == pd.Timestamp("2023-07-01")


def test_figure3_rows_in_date_order_with_labels():
    rows = government.legislation(figure3_only=True)
    assert len(rows) == 16 and rows["placed"].is_monotonic_increasing
    assert rows.loc[rows["date"] == "2017-07", "placed"].iloc[0] == pd.Timestamp("2017-07-15")
    assert rows["label"].tolist()[-2:] == ["Supreme Decree 002-2021-IN (1/2)", "Supreme Decree 002-2021-IN (2/2)"]
    extended = government.legislation(figure3_only=False)
    assert len(extended) == 19
    assert extended["label"].tolist()[-2:] == ["State of emergency", "State of emergency"]
    assert extended["source"].str.len().gt(0).all()


def test_date_contradictions():
    contradictions = government.date_contradictions()
    assert contradictions["instrument_id"].tolist() == ["ds_023_2017_in", "court_ruling_2018_10_05_lima"]
    assert contradictions["date_in_text"].iloc[0] == "2017-07"


def test_administrations_meet_at_mid_2018():
    spans = government.administration_spans().set_index("administration")
    kuczynski, vizcarra = spans.loc["Kuczynski Administration (2016–2018)"], spans.loc["Vizcarra Administration (2018–2020)"]
    assert kuczynski["start"] == pd.Timestamp("2016-01-01")
    assert kuczynski["end"] == vizcarra["start"] == pd.Timestamp("2018-07-01")
    assert vizcarra["end"] == pd.Timestamp("2021-01-01")
    assert "Jerí Administration" not in spans.index


def test_policy_direction_and_counts():
    rows = government.legislation(figure3_only=True)
    direction = government.policy_direction(rows)
    assert direction["net_direction"].iloc[-1] == 12 - 4
    assert direction["net_direction"].max() == 8 and direction["source"].str.contains("compendium").all()
    counts = government.direction_counts(rows).set_index("direction")["instruments"]
    assert counts.to_dict() == {"opening": 12, "restrictive": 4, "neutral": 0}
    by_period = government.direction_by_period(rows, government.administration_spans()).set_index("period")
    assert by_period.loc["Kuczynski Administration (2016–2018)", "opening"] == 8
    assert by_period.loc["Vizcarra Administration (2018–2020)", "restrictive"] == 4
    text = government.timeline_summary(rows, government.administration_spans(), 2017, 2022)
    assert "8 instruments, 5.4 a year (8 opening, 0 restrictive)" in text


def test_table2_rates_and_unhcr():
    table2 = government.table2_comparison("PER").set_index("year")
    assert table2.loc[2017, "acceptance_rate_pct"] == pytest.approx(217 / 34179 * 100)
    assert table2.loc[2018, "unhcr_applications"] == 192484
    assert table2.loc[2018, "applications_diff"] == 192484 - 171364
    assert table2.loc[2019, "unhcr_recognized"] == 698
    assert table2.loc[2019, "unhcr_recognition_rate_all_pct"] == pytest.approx(698 / 3617 * 100)
    assert table2.loc[2019, "unhcr_recognition_rate_substantive_pct"] == pytest.approx(698 / (698 + 250) * 100)
    assert table2.loc[2019, "recognized_diff_pct"] == pytest.approx((698 - 701) / 701 * 100)
    assert "January–July" in table2.loc[2022, "known_reasons"]
    assert "January–July" not in table2.loc[2021, "known_reasons"]


def test_approval_verdicts_are_computed():
    check = government.approval_check(government.table2_comparison("PER"), *government.CLAIM_YEARS)
    found = government.approval_verdict(check).set_index("measure")
    assert found["direction"].iloc[0] == "decreased every year" and found["verdict"].iloc[0] == "reproduced"
    # UNHCR 166/946 in 2017, 698/3617 in 2019: up to 2018, down to 2019 - some years fall, so it differs
    assert found["direction"].iloc[1] == "did not decrease" and found["verdict"].iloc[1] == "differs"
    made_up = pd.DataFrame({"measure": "m", "year": [1, 2, 3], "rate_pct": [5.0, 6.0, 4.0], "source": "s"})
    assert government.approval_verdict(made_up)["direction"].iloc[0] == "lower at the end, not every year"
    rising = made_up.assign(rate_pct=[4.0, 5.0, 6.0])
    assert government.approval_verdict(rising)["verdict"].iloc[0] == "contradicted"
    assert "for Table 2 the sentence is reproduced" in government.approval_summary(government.approval_verdict(check))


def test_the_approval_check_grades_as_the_ledger_does():
    """The notebook's verdict on "decreased" and the ledger's claim on UNHCR's rate are one verdict."""
    check = government.approval_check(government.table2_comparison("PER"), *government.CLAIM_YEARS)
    notebook = government.approval_verdict(check).set_index("measure")["verdict"]
    report = pd.read_csv(paths.CLAIMS_REPORT).set_index("claim_id")["verdict"]
    assert notebook.iloc[0] == report["paper.s3_1.approval_decreased_table2"]
    assert notebook.iloc[1] == report["paper.s3_1.approval_decreased_unhcr"]


def test_default_peers_follow_the_ranking_and_never_hold_the_country():
    """`peers` left empty (the parameters cell's default) means the largest Latin American hosts of Venezuelans that
    decided a Venezuelan's claim in the years, never the country itself."""
    assert params.declared(SECTION.path)["peers"].default == []
    ranking = flows.venezuelan_host_ranking()
    assert ranking["year"].iloc[0] == tables.load("unhcr_venezuelans")["year"].max()
    assert "VEN" not in set(ranking["iso3"]) and ranking["venezuelans"].is_monotonic_decreasing
    hosts = ranking["iso3"].tolist()
    assert government.default_peers("PER") == [code for code in hosts if code != "PER"][: government.DEFAULT_PEER_COUNT]
    decisions = tables.load("unhcr_asylum_decisions")
    venezuelan = decisions[(decisions["persons_or_cases"] == "P") & (decisions["origin_iso3"] == "VEN")]
    for country, (start, end) in [("COL", (2015, 2022)), ("PER", (2015, 2016)), ("ALB", (2015, 2022))]:
        window = venezuelan[venezuelan["year"].between(start, end)].groupby("asylum_iso3")["total_decisions"].sum()
        expected = [code for code in hosts if code != country and window.get(code, 0) > 0][:4]
        assert government.default_peers(country, start, end) == expected
        assert country not in expected and len(expected) == 4
    assert {"CHL", "ECU"}.isdisjoint(government.default_peers("PER", 2015, 2016)), "no decisions in 2015-2016"


def test_default_peers_let_any_host_run():
    """`-p country=COL` alone used to fail: the literal default peers held Colombia."""
    assert check(country="COL")["peers"] == []
    assert check(country="col", peers="")["country"] == "COL"


def test_venezuelan_decisions_and_dropped_years():
    decisions = government.venezuelan_decisions(["PER", "CHL"], 2015, 2022)
    peru_2019 = decisions[(decisions["asylum_iso3"] == "PER") & (decisions["year"] == 2019)].iloc[0]
    assert peru_2019["recognized"] == 578 and peru_2019["total_decisions"] == 3390
    assert peru_2019["recognition_rate_all_pct"] == pytest.approx(578 / 3390 * 100)
    dropped = government.without_decisions(["PER", "CHL"], decisions, 2015, 2022)
    assert list(zip(dropped["asylum_iso3"], dropped["year"])) == [("CHL", 2015), ("CHL", 2016)]


def _made_up_decisions(rates: dict[str, list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"asylum_iso3": code, "country": code, "year": 2015 + position, "recognized": float(recognized), "total_decisions": 100.0}
         for code, values in rates.items() for position, recognized in enumerate(values)]
    )


# The hand-made data fit the model exactly, which statsmodels reports as perfect prediction.
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_glm_recovers_a_known_odds_ratio():
    """10/100 and 20/100 recognised in every year: OR = (20/80) / (10/90) = 2.25."""
    decisions = _made_up_decisions({"AAA": [20, 20, 20], "BBB": [10, 10, 10]})
    glm = government.recognition_glm(decisions, "AAA").set_index("variant")
    assert glm.loc["binomial", "odds_ratio"] == pytest.approx(2.25)
    assert glm.loc["binomial", "ci_low"] < 2.25 < glm.loc["binomial", "ci_high"]
    assert glm.loc["binomial", "pearson_chi2_per_df"] == pytest.approx(0, abs=1e-9)
    by_peer = government.odds_ratios_by_peer(decisions, "AAA")
    assert by_peer["peer_iso3"].tolist() == ["BBB"] and by_peer["quasi_odds_ratio"].iloc[0] == pytest.approx(2.25)
    # No overdispersion here (the rates are exact): the beta-binomial's precision goes to its bound, where it is the
    # binomial up to a finite-precision term and the optimiser's tolerance.
    assert by_peer["odds_ratio"].iloc[0] == pytest.approx(2.25, rel=1e-3)
    assert glm.loc["beta-binomial", "odds_ratio"] == pytest.approx(2.25, rel=1e-3)


def test_glm_quasi_binomial_widens_intervals_by_the_dispersion():
    decisions = _made_up_decisions({"AAA": [30, 10, 25, 5], "BBB": [10, 20, 5, 15], "CCC": [12, 8, 20, 2]})
    glm = government.recognition_glm(decisions, "AAA").set_index("variant")
    binomial, quasi = glm.loc["binomial"], glm.loc["quasi-binomial"]
    assert quasi["scale"] == pytest.approx(binomial["pearson_chi2_per_df"]) and quasi["scale"] > 1
    assert quasi["odds_ratio"] == pytest.approx(binomial["odds_ratio"])
    assert quasi["ci_low"] < binomial["ci_low"] and quasi["ci_high"] > binomial["ci_high"]
    text = government.glm_summary(glm.reset_index(), government.odds_ratios_by_peer(decisions, "AAA"), "A")
    assert "too narrow" in text and "beta-binomial" in text and "nan" not in text.lower()


def _beta_binomial_sample(rng, odds_ratio: float, precision: float, countries: int = 12, years: int = 10):
    """Country-years whose rate is Beta(mu phi, (1 - mu) phi) around logit(mu) = -1 + log(OR) [country 0] + year
    effect, with 50 to 20,000 decisions each (as different as UNHCR's)."""
    from scipy import special

    grid = pd.DataFrame([(c, t) for c in range(countries) for t in range(years)], columns=["country", "year"])
    year_effect = np.linspace(-0.5, 0.5, years)[grid["year"]]
    mean = special.expit(-1 + np.log(odds_ratio) * (grid["country"] == 0) + year_effect)
    rate = rng.beta(mean * precision, (1 - mean) * precision)
    trials = rng.integers(50, 20000, len(grid)).astype(float)
    grid["trials"], grid["successes"] = trials, rng.binomial(trials.astype(int), rate).astype(float)
    exog = pd.concat([pd.Series(1.0, index=grid.index, name="const"),
                      (grid["country"] == 0).astype(float).rename("country"),
                      pd.get_dummies(grid["year"].astype(str), prefix="year", drop_first=True, dtype=float)], axis=1)
    return grid, exog


def test_beta_binomial_recovers_known_parameters():
    """Simulated with OR = 2.5 and precision 20 (intra-class correlation 1/21): over 20 samples the 95 % intervals
    of the OR hold the truth about 95 % of the time and the precision is found within a quarter of its value;
    the binomial intervals on the same samples are far too narrow to hold it as often."""
    from perumig import statistics

    rng = np.random.default_rng(5)
    covered, binomial_covered, precisions = [], [], []
    for _ in range(20):
        grid, exog = _beta_binomial_sample(rng, odds_ratio=2.5, precision=20.0)
        fit = statistics.beta_binomial(grid["successes"], grid["trials"], exog)
        assert fit.converged
        low, high = np.exp(fit.conf_int.loc["country"])
        covered.append(low < 2.5 < high)
        precisions.append(fit.precision)
        import statsmodels.api as sm
        binomial = sm.GLM(grid["successes"] / grid["trials"], exog, family=sm.families.Binomial(),
                          var_weights=grid["trials"]).fit()
        b_low, b_high = np.exp(binomial.conf_int().loc["country"])
        binomial_covered.append(b_low < 2.5 < b_high)
    assert np.mean(covered) >= 0.8
    assert np.mean(binomial_covered) <= 0.5
    assert np.median(precisions) == pytest.approx(20.0, rel=0.25)
    assert fit.intraclass_correlation == pytest.approx(1 / (1 + fit.precision))


def test_beta_binomial_fit_is_the_optimum_and_its_intervals_its_curvature():
    """Checked against the log-likelihood written out here with scipy: no ascent direction is left at the fit (the
    optimizer's own stopping point was 1e-4 away on Peru's data), and the intervals are those of a numerical
    Hessian of that log-likelihood."""
    from scipy import special, stats
    from statsmodels.tools.numdiff import approx_hess

    from perumig import statistics

    grid, exog = _beta_binomial_sample(np.random.default_rng(11), odds_ratio=2.0, precision=15.0, countries=6, years=6)
    fit = statistics.beta_binomial(grid["successes"], grid["trials"], exog)

    def loglike(theta):
        mean, precision = special.expit(exog.to_numpy() @ theta[:-1]), np.exp(theta[-1])
        return stats.betabinom.logpmf(grid["successes"], grid["trials"], mean * precision, (1 - mean) * precision).sum()

    optimum = np.append(fit.params.to_numpy(), np.log(fit.precision))
    assert fit.loglike == pytest.approx(loglike(optimum), abs=1e-9)
    # Central differences with a step large enough to rise above the rounding of the sum (the optimizer's own
    # stopping point had a slope of 3e-4 here).
    slopes = [(loglike(optimum + 1e-4 * axis) - loglike(optimum - 1e-4 * axis)) / 2e-4 for axis in np.eye(len(optimum))]
    assert np.abs(slopes).max() < 1e-5, slopes
    errors = np.sqrt(np.diag(np.linalg.inv(-approx_hess(optimum, loglike, epsilon=1e-3))))[:-1]
    half_widths = (fit.conf_int["high"] - fit.conf_int["low"]).to_numpy() / 2
    assert half_widths == pytest.approx(stats.norm.ppf(0.975) * errors, rel=1e-5)


PERU_ODDS_RATIOS = """
from perumig.sections import government
countries = ["PER", *government.default_peers("PER", 2015, 2022)]
decisions = government.venezuelan_decisions(countries, 2015, 2022)
print(government.odds_ratios_by_peer(decisions, "PER", countries).drop(columns="source").to_csv(float_format="%.10g"))
print(government.recognition_glm(decisions, "PER").drop(columns="source").to_csv(float_format="%.10g"))
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="OpenBLAS names these x86-64 code paths")
def test_model_outputs_do_not_depend_on_the_processors_code_paths():
    """OpenBLAS picks its kernels by processor; a reviewer's machine must print the digits the compendium
    published (the finite-difference intervals once differed in the tenth digit between machines)."""
    runs = [subprocess.Popen([sys.executable, "-c", PERU_ODDS_RATIOS], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "OPENBLAS_CORETYPE": code_path, "OPENBLAS_NUM_THREADS": "1"})
            for code_path in ("", "Haswell", "Prescott")]  # this machine's own, AVX2, plain SSE3
    printed = set()
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        printed.add(out)
    assert len(printed) == 1, printed


def test_thin_countries_get_no_rate_no_interval_and_no_model():
    """Honduras decided 26 Venezuelan claims (persons) in 2015-2022, fewer than MIN_DECISIONS."""
    countries = ["PER", "COL", "BRA", "HND"]
    decisions = government.venezuelan_decisions(countries, 2015, 2022)
    by_country = government.recognition_by_country(decisions, countries, "PER").set_index("iso3")
    assert by_country.loc["HND", "total_decisions"] == 26 < government.MIN_DECISIONS
    assert by_country.loc["HND", ["recognition_rate_all_pct", "rate_ci_low_pct", "rate_ci_high_pct"]].isna().all()
    assert by_country.loc[["PER", "COL", "BRA"], "rate_ci_low_pct"].notna().all()
    assert by_country["share_of_peer_decisions_pct"].sum() == pytest.approx(100)
    assert government.thin_countries(by_country.reset_index()) == ["HND"]
    by_peer = government.odds_ratios_by_peer(decisions, "PER", countries).set_index("peer_iso3")
    assert np.isnan(by_peer.loc["HND", "odds_ratio"]) and "not modelled" in by_peer.loc["HND", "note"]
    assert by_peer.loc[["COL", "BRA"], "ci_low"].notna().all()
    assert "HND" not in set(government._glm_data(decisions)["asylum_iso3"])
    text = government.recognition_summary(by_country.reset_index(), "PER", 2015, 2022)
    assert "Honduras decided 26" in text and "no interval" in text and "nan" not in text.lower()
    assert "mostly a comparison with Brazil" in text  # Brazil: 85,043 of the peers' 109,692 decisions


def test_rate_figure_draws_no_thin_country_and_no_line_through_a_missing_year():
    """Brazil decided no Venezuelan claim (persons) in 2017: its line must break there."""
    import matplotlib

    matplotlib.use("agg")
    countries = ["PER", "BRA", "HND"]
    decisions = government.venezuelan_decisions(countries, 2015, 2022)
    by_country = government.recognition_by_country(decisions, countries, "PER")
    lines = government.rate_lines(decisions, by_country, 2015, 2022)
    assert set(lines["asylum_iso3"]) == {"PER", "BRA"}
    fig = government.plot_recognition_rates(lines, by_country, "PER")
    drawn = {container.get_label(): container.lines[0] for container in fig.axes[0].containers}
    assert set(drawn) == {"Peru", "Brazil"}
    brazil = pd.Series(drawn["Brazil"].get_ydata(), index=drawn["Brazil"].get_xdata())
    assert np.isnan(brazil[2017]) and brazil.drop(2017).notna().all()
    assert any("Honduras (26)" in text.get_text() for text in fig.axes[0].texts)
    colours = [line.get_color() for line in drawn.values()]
    assert len(set(colours)) == len(colours)


def test_summaries_differ_with_the_data():
    even = _made_up_decisions({"AAA": [20, 20, 20], "BBB": [20, 20, 20], "CCC": [20, 20, 20]})
    apart = _made_up_decisions({"AAA": [60, 55, 65], "BBB": [10, 12, 8], "CCC": [11, 9, 10]})
    texts = []
    for decisions in (even, apart):
        glm = government.recognition_glm(decisions, "AAA")
        texts.append(government.glm_summary(glm, government.odds_ratios_by_peer(decisions, "AAA"), "A"))
    assert "includes 1: the data do not separate" in texts[0] and "every interval includes 1" in texts[0]
    assert "excludes 1." in texts[1] and "every interval excludes 1" in texts[1]


def test_flows_and_applications():
    flows = government.flows_and_applications("PER", 2015, 2022).set_index("year")
    assert flows.loc[2019, "venezuelans"] == 861665 and flows.loc[2019, "applications"] == 258636


def test_agreement_rule():
    # "1,200" is rounded to the fifty: 1,230 is within it; 1,134 misses it by 16, within the close band (10 %).
    assert government.agreement(1200, "exact", 1230) == (pytest.approx(0.025), "reproduced")
    assert government.agreement(1200, "exact", 1134) == (pytest.approx(-0.055), "close")
    assert government.agreement(1200, "exact", 1622)[1] == "differs"
    assert government.agreement(482500, "more_than", 478888)[1] == "close"  # a bound missed by 0.75 %


def test_seed_consistency_checks():
    checks = government.seed_consistency(government.table2_comparison("PER"), "PER").set_index("check")
    assert checks.loc["table2_submitted", "value"] == 4406 + 34179 + 171364 + 268939
    assert checks.loc["unhcr_applications", "value"] == 3602 + 33149 + 190469 + 258636
    assert checks.loc["unhcr_asylum_seekers", "value"] == 482571
    assert checks.loc["table2_accepted", "value"] == 159 + 217 + 545 + 701
    assert checks.loc["unhcr_recognitions", "value"] == 64 + 102 + 390 + 578
    assert checks.loc["unhcr_refugees", "value"] == 1230
    assert checks["verdict"].to_dict() == {
        "table2_submitted": "close", "unhcr_applications": "reproduced", "unhcr_asylum_seekers": "reproduced",
        "table2_accepted": "differs", "unhcr_recognitions": "close", "unhcr_refugees": "reproduced",
        "permits": "not recomputable",
    }
    assert "not recomputable" in government.consistency_summary(checks.reset_index())


def test_cases_are_left_out():
    assert government.excluded_cases(["PER"], 2015, 2022).empty
    panama = government.excluded_cases(["PAN"], 2015, 2022)
    assert set(panama["year"]) == {2022} and set(panama["table"]) == {"unhcr_asylum_applications", "unhcr_asylum_decisions"}


def check(**given):
    return runner.validated_parameters(SECTION, given)


def test_parameters_resolve():
    assert check(peers="ecu,col") == {"country": "PER", "peers": ["ECU", "COL"], "start_year": 2015, "end_year": 2022}


@pytest.mark.parametrize(
    "given, message",
    [
        ({"peers": "XXX"}, "peers: 'XXX' is not an ISO3 code"),
        ({"peers": "COL,col"}, "peers: COL is listed twice"),
        ({"peers": "COL,PER"}, "peers: PER is the country itself; leave it out of peers (or give no peers"),
        ({"peers": "COL,JPN"}, "peers: UNHCR has no decision on Venezuelans' asylum claims (persons) in JPN"),
        ({"country": "JPN"}, "country: UNHCR has no decision"),
        ({"end_year": "2030"}, "end_year: 2030 is outside the years of UNHCR asylum decisions"),
        ({"start_year": "2022", "end_year": "2015"}, "must be before end_year"),
    ],
)
def test_bad_parameters_are_one_line(given, message):
    with pytest.raises(ParameterError) as raised:
        check(**given)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_bad_peers_from_the_command_line(capsys):
    assert cli.main(["run", "government_response", "-p", "peers=XXX"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "peers: 'XXX' is not an ISO3 code" in lines[0]


def test_run_for_another_country_skips_the_peru_only_parts(tmp_path):
    out = tmp_path / "col"
    result = run_cli("run", "government_response", "-p", "country=COL", "-p", "peers=PER,ECU", "--output", str(out),
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    values = json.loads((out / "values.json").read_text())
    assert {"glm.odds_ratio.COL", "glm.odds_ratio_ci_low.COL", "glm.odds_ratio_ci_high.COL"} <= set(values)
    assert values["unhcr.venezuelans.COL.2019"] == tables.load("unhcr_venezuelans").set_index(["asylum_iso3", "year"]).loc[("COL", 2019), "total"]
    assert not any(key.startswith(("table2.", "legislation.", "seed_check.")) for key in values)
    assert (out / "figures" / "venezuelan_recognition_rates.png").is_file()
    assert not (out / "figures" / "fig3_legislation_timeline.png").exists()
    executed = nbformat.read(out / "02_government_response.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    notes = [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert any("only for Peru" in note for note in notes) and any("Peru's only" in note for note in notes)
    assert not any(o.get("output_type") == "error" for o in outputs)


def test_legislation_overlay_is_peru_only_and_within_the_years():
    overlay = government.legislation_overlay("PER", 2018, 2019)
    assert len(overlay) > 0 and overlay["placed"].dt.year.between(2018, 2019).all()
    assert government.legislation_overlay("COL", 2015, 2022) is None


def test_fifty_three_peers_run_and_stay_readable(tmp_path):
    """Any valid list of peers runs: 53 of them give a bounded folder name, a figure with the largest peers
    styled and the rest grey under one legend entry."""
    from perumig.pipeline import sweep

    valid = []
    for code in sweep.countries(["all"], "government_response"):
        try:
            runner.validated_parameters(SECTION, {"peers": [code]})
        except ParameterError:
            continue
        valid.append(code)
    peers = [code for code in valid if code != "PER"][:53]
    assert len(peers) == 53
    result = run_cli("run", "government_response", "-p", f"peers={','.join(peers)}", "--no-progress",
                     "--output", str(tmp_path / "peers53"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "peers53" / "manifest.json").read_text())
    assert "venezuelan_recognition_rates" in [output["name"] for output in manifest["outputs"]]
    lines = pd.read_csv(tmp_path / "peers53" / "data" / "venezuelan_recognition_rates.csv")
    assert lines["asylum_iso3"].nunique() > len(government.PEER_STYLES) + 1, "more peers drawn than there are styles"
