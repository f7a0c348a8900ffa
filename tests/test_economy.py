"""Section 5 computations: evidence counts, the Venezuelan share, the panel and its model, parameters.

Hand-read cells: UNHCR population statistics, Peru, origin Venezuela, end-2019: refugees 1,230, asylum
seekers 482,571, other people in need of international protection 377,864 (total 861,665).
"""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from perumig import statistics
from perumig.data import tables
from perumig.sections import economy
from perumig.pipeline import cli, params, runner
from perumig.errors import ParameterError

SECTION = runner.section("economic_impact")


@pytest.fixture(scope="module")
def defaults():
    return {name: p.default for name, p in params.declared(SECTION.path).items()}


@pytest.fixture(scope="module")
def default_panel(defaults):
    return economy.build_panel(defaults["countries"], defaults["outcome"], defaults["start_year"], defaults["end_year"])


def _wdi(indicator, iso3, year):
    wdi = tables.load("wdi_indicators")
    return wdi.loc[(wdi["indicator"] == indicator) & (wdi["iso3"] == iso3) & (wdi["year"] == year), "value"].item()


def test_share_is_unhcr_total_over_wdi_population():
    share = economy.venezuelan_share(["PER"], 2019, 2019).iloc[0]
    population = _wdi("SP.POP.TOTL", "PER", 2019)
    assert share["venezuelans"] == 1230 + 482571 + 377864 == 861665
    assert share["population"] == population
    assert share["venezuelan_share_pct"] == pytest.approx(861665 / population * 100, rel=1e-12)


def test_default_countries_are_the_largest_latin_american_hosts(defaults):
    """The notebook's literal default must equal the ranking computed from UNHCR, so it cannot drift."""
    hosts = economy.largest_hosts()
    assert defaults["countries"] == hosts["iso3"].tolist()
    assert "PER" in defaults["countries"] and economy.ORIGIN not in defaults["countries"]
    assert hosts["year"].iloc[0] == tables.load("unhcr_venezuelans")["year"].max()
    assert hosts["venezuelans"].is_monotonic_decreasing
    assert defaults["end_year"] == economy.latest_complete_year(defaults["countries"], defaults["outcome"])
    assert defaults["start_year"] == 2015 and defaults["outcome"] == "unemployment"


def test_panel_drops_missing_country_years_explicitly(defaults, default_panel):
    panel, dropped = default_panel
    years = defaults["end_year"] - defaults["start_year"] + 1
    assert len(panel) + len(dropped) == len(defaults["countries"]) * years
    assert not panel[["share", "outcome", "population", "venezuelans"]].isna().any().any()
    assert set(zip(dropped["iso3"], dropped["year"])).isdisjoint(zip(panel["iso3"], panel["year"]))
    ecuador = dropped[(dropped["iso3"] == "ECU") & (dropped["year"] == 2016)]
    assert ecuador["missing"].tolist() == ["no UNHCR count"]
    growth, growth_dropped = economy.build_panel(["PER", "COL", "ECU"], "gdp_per_capita_growth", 2015, 2025)
    assert "no WDI NY.GDP.PCAP.KD.ZG" in set(growth_dropped.loc[growth_dropped["year"] == 2025, "missing"])
    assert growth["year"].max() == 2024
    _, spain = economy.build_panel(["ESP"], "unemployment", 2015, 2016)
    assert spain["missing"].tolist() == ["no WDI SP.POP.TOTL; no WDI SL.UEM.TOTL.ZS"] * 2


def _synthetic_panel(noise: float = 0.0, countries: int = 6, years: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(20240611)
    codes = ["ARG", "BOL", "BRA", "CHL", "COL", "ECU", "PER", "URY"][:countries]
    grid = pd.DataFrame([(c, 2010 + t) for c in codes for t in range(years)], columns=["iso3", "year"])
    code, period = pd.factorize(grid["iso3"])[0], grid["year"] - 2010
    grid["share"] = rng.uniform(0, 5, len(grid))
    grid["outcome"] = 2.0 * grid["share"] + 3.0 * code - 0.5 * period + noise * rng.normal(size=len(grid))
    return grid


def test_model_recovers_an_exact_coefficient():
    fit = economy.fit_panel(_synthetic_panel()).set_index("estimator")
    assert fit.loc["cluster", "coef"] == pytest.approx(2.0, abs=1e-9)
    assert fit.loc["cluster", "n_obs"] == 48 and fit.loc["cluster", "n_countries"] == 6
    assert list(fit.index) == ["cluster", "hc1", "jackknife"]


def test_model_recovers_a_noisy_coefficient_and_reports_its_uncertainty():
    panel = _synthetic_panel(noise=0.5, countries=8, years=10)
    fit = economy.fit_panel(panel).set_index("estimator")
    assert fit.loc["cluster", "coef"] == pytest.approx(2.0, abs=0.1)
    for estimator in fit.index:
        assert fit.loc[estimator, "ci_low"] < 2.0 < fit.loc[estimator, "ci_high"]
    assert fit.loc["cluster", "df"] == 7 and fit.loc["jackknife", "df"] == 7
    loo = economy.leave_one_out(panel)
    expected = np.sqrt(7 / 8 * ((loo["coef"] - loo["coef"].mean()) ** 2).sum())
    assert fit.loc["jackknife", "se"] == pytest.approx(expected)
    residuals = economy.partial_residuals(panel)
    slope = (residuals["share_residual"] * residuals["outcome_residual"]).sum() / (residuals["share_residual"] ** 2).sum()
    assert slope == pytest.approx(fit.loc["cluster", "coef"], abs=1e-9)  # Frisch-Waugh-Lovell


def test_leave_one_out_has_one_fit_per_country(default_panel):
    panel, _ = default_panel
    loo = economy.leave_one_out(panel)
    rows = panel.groupby("iso3").size()
    assert loo["dropped"].tolist() == sorted(rows.index)
    assert (loo["n_obs"] == len(panel) - loo["dropped"].map(rows)).all()
    assert (loo["n_countries"] == len(rows) - 1).all()
    assert (loo["ci_low"] < loo["coef"]).all() and (loo["coef"] < loo["ci_high"]).all()


def test_summary_follows_the_numbers_and_says_when_peru_is_missing():
    countries = ["COL", "ECU", "CHL", "BRA"]
    panel, dropped = economy.build_panel(countries, "unemployment", 2015, 2024)
    loo = economy.leave_one_out(panel)
    checks = economy.robustness(countries, "unemployment", 2015, 2024)
    text = economy.panel_summary(economy.fit_panel(panel, loo), loo, "unemployment", dropped, countries, checks)
    assert "Peru is not in this panel" in text and "N = " in text
    assert "does not have negative effects on employment" in text
    assert "nan" not in text.lower()


def test_evidence_counts_studies_not_restatements():
    """Hand count from the paper's Sec. 5: on employment with no effect there are three statements (the IOM/ILO/MTPE/UARM
    study, its "In other words" restatement, and the synthesis sentence) but one study; on the Lima GDP contribution,
    the World Bank projections and the synthesis, gdp growth has two studies (Asencios and Castellares; World Bank)."""
    findings = economy.evidence()
    counts = economy.evidence_counts(findings).set_index(["seed", "outcome", "direction"])
    assert counts["statements"].sum() == len(findings) == 35
    assert counts.groupby("seed")["statements"].sum().to_dict() == {"news": 3, "paper": 32}
    assert len(counts) == 2 * len(economy.OUTCOME_ORDER) * len(economy.DIRECTION_ORDER)
    assert counts.loc[("paper", "employment", "none"), "statements"] == 3
    assert counts.loc[("paper", "employment", "none"), "studies"] == 1
    assert counts.loc[("paper", "gdp_growth", "positive"), "studies"] == 2
    # "can also be expected": productivity gains are stated, but no study is counted for them
    assert counts.loc[("paper", "productivity", "positive"), "statements"] == 1
    assert counts.loc[("paper", "productivity", "positive"), "studies"] == 0
    restatement = findings.set_index("finding_id").loc["formal_informal_employment_impact_insignificant_peru"]
    assert restatement["statement"] == "restatement" and not restatement["evidence"]
    assert findings.loc[findings["finding_id"].str.startswith("synthesis_"), "statement"].eq("synthesis").all()
    kinds = economy.statement_kinds(findings).set_index("statement")
    assert kinds["paper"].sum() == 32 and kinds.loc["restatement", "paper"] == 1


def test_evidence_summary_follows_the_table():
    findings = economy.evidence()
    text = economy.evidence_summary(findings)
    assert "8 distinct studies" in text and "1 restatement of an earlier finding" in text
    assert "the compendium's, not the paper's" in text
    without_crime = economy.evidence_summary(findings[findings["outcome"] != "crime"])
    assert "crime: no study" in without_crime and "crime: no study" not in text
    assert "nan" not in (text + without_crime).lower()


def test_peru_series():
    macro = economy.macro_series("PER").set_index(["key", "year"])["value"]
    assert macro[("gdp_growth_pct", 2020)] == _wdi("NY.GDP.MKTP.KD.ZG", "PER", 2020)
    assert macro[("unemployment_pct", 2020)] == _wdi("SL.UEM.TOTL.ZS", "PER", 2020)
    assert macro[("venezuelans.UNHCR", 2019)] == 861665
    education = economy.education_numeric()
    assert education["value"].notna().all() and education["label"].str.contains("cited: ").all()


# The wild cluster bootstrap and the robustness table.


def _clustered_panel(rng, beta: float, clusters: int = 8, years: int = 10) -> pd.DataFrame:
    """A panel whose regressor and error both follow a trend of their own in each cluster: within a cluster the
    errors are strongly correlated, so a test that ignores the clustering over-rejects."""
    grid = pd.DataFrame([(g, t) for g in range(clusters) for t in range(years)], columns=["iso3", "year"])
    slope_x, slope_u = rng.normal(size=clusters)[grid["iso3"]], rng.normal(size=clusters)[grid["iso3"]]
    grid["share"] = slope_x * grid["year"] / years + 0.2 * rng.normal(size=len(grid))
    grid["outcome"] = beta * grid["share"] + slope_u * grid["year"] / years + 0.2 * rng.normal(size=len(grid))
    return grid


def _controls(panel: pd.DataFrame) -> np.ndarray:
    dummies = pd.get_dummies(panel[["iso3", "year"]].astype(str), drop_first=True, dtype=float)
    return np.column_stack([np.ones(len(panel)), dummies.to_numpy()])


def test_wild_bootstrap_equals_brute_force_refits():
    """With 3 clusters the 216 Webb weight vectors are all used; refitting each bootstrap sample with statsmodels
    (OLS, cluster-robust t) must give the same t statistics and the same p-value as the algebraic shortcut."""
    import statsmodels.api as sm

    panel = _clustered_panel(np.random.default_rng(7), beta=0.3, clusters=3, years=6)
    controls = _controls(panel)
    weights = statistics.webb_weights(3)
    assert weights.shape == (3, 216) and len({tuple(column) for column in weights.T}) == 216
    result = statistics.wild_cluster_bootstrap(panel["outcome"], panel["share"], controls, panel["iso3"], weights)
    design = np.column_stack([panel["share"], controls])
    groups = panel["iso3"].to_numpy()
    sample = sm.OLS(panel["outcome"].to_numpy(), design).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert result.t_stat == pytest.approx(sample.tvalues[0], rel=1e-9)
    assert result.coef == pytest.approx(sample.params[0], rel=1e-9)
    restricted = sm.OLS(panel["outcome"].to_numpy(), controls).fit()
    t_star = []
    for column in weights.T:
        y_star = restricted.fittedvalues + restricted.resid * column[groups]
        refit = sm.OLS(y_star, design).fit(cov_type="cluster", cov_kwds={"groups": groups})
        t_star.append(refit.tvalues[0])
    assert result.enumerated and result.draws == 216
    ties = np.isclose(np.abs(t_star), abs(sample.tvalues[0]), rtol=1e-8)
    assert ties.sum() == 6  # the six constant weight vectors only rescale the sample
    assert result.p_value == pytest.approx(np.mean((np.abs(t_star) > abs(sample.tvalues[0])) & ~ties))


def test_wild_bootstrap_rejects_a_true_null_at_about_the_nominal_rate():
    """300 simulated panels with 8 clusters and beta = 0: the bootstrap rejects at 5 % about 5 % of the time
    (binomial sd 1.3 points), while heteroskedasticity-robust (HC1) t-tests, which ignore the clustering, reject far
    more often on the same panels; with beta = 2 the bootstrap rejects almost always."""
    import statsmodels.api as sm

    rng = np.random.default_rng(12)
    weights = statistics.webb_weights(8, draws=399, seed=3)
    null, naive, power = [], [], []
    for _ in range(300):
        panel = _clustered_panel(rng, beta=0.0)
        controls = _controls(panel)
        result = statistics.wild_cluster_bootstrap(panel["outcome"], panel["share"], controls, panel["iso3"], weights)
        null.append(result.p_value < 0.05)
        hc1 = sm.OLS(panel["outcome"].to_numpy(), np.column_stack([panel["share"], controls])).fit(cov_type="HC1")
        naive.append(hc1.pvalues[0] < 0.05)
    for _ in range(50):
        panel = _clustered_panel(rng, beta=2.0)
        power.append(statistics.wild_cluster_bootstrap(panel["outcome"], panel["share"], _controls(panel),
                                                       panel["iso3"], weights).p_value < 0.05)
    assert 0.015 <= np.mean(null) <= 0.09
    assert np.mean(naive) > 0.2
    assert np.mean(power) >= 0.9


def test_webb_weights_are_seeded_and_enumerated_when_few():
    assert statistics.webb_weights(4, draws=9999).shape == (4, 6 ** 4)
    drawn = statistics.webb_weights(8, draws=5000, seed=1)
    assert drawn.shape == (8, 5000) and np.array_equal(drawn, statistics.webb_weights(8, draws=5000, seed=1))
    assert abs(drawn.mean()) < 0.03 and drawn.var() == pytest.approx(1, abs=0.03)


def test_category_break_and_undesa_interpolation():
    """UNHCR, Peru: other people in need 0 in 2017 and 428,214 in 2018. UN DESA IMS 2024, Venezuelans in Peru:
    26,036 (2015), 1,016,263 (2020), 1,596,667 (2024); 2017 lies two fifths of the way from 2015 to 2020."""
    assert economy.unhcr_category_break() == 2018
    share = economy.undesa_share(["PER"], 2015, 2025, 2024).set_index("year")
    assert share.loc[2017, "venezuelans"] == pytest.approx(26036 + 2 / 5 * (1016263 - 26036))
    assert share.loc[2024, "venezuelans"] == 1596667 and not share.loc[2024, "interpolated"]
    assert share.loc[2017, "interpolated"] and np.isnan(share.loc[2025, "venezuelans"])
    assert share.loc[2017, "venezuelan_share_pct"] == pytest.approx(
        share.loc[2017, "venezuelans"] / _wdi("SP.POP.TOTL", "PER", 2017) * 100)
    assert "the compendium's linear interpolation" in share["source"].iloc[0]
    panel, dropped = economy.build_panel(["PER", "BRA"], "unemployment", 2015, 2024, "UNDESA2024")
    assert set(panel["iso3"]) == {"PER"} and set(dropped.loc[dropped["iso3"] == "BRA", "missing"]) == {
        "no UN DESA IMS 2024 stock"}


def test_robustness_table_has_every_variant(defaults, default_panel):
    panel, _ = default_panel
    checks = economy.robustness(defaults["countries"], defaults["outcome"], defaults["start_year"], defaults["end_year"])
    assert checks["variant"].tolist() == ["all_years", "from_category_break", "before_pandemic", "from_pandemic",
                                          "without_pandemic", "share_undesa", "share_undesa2024"]
    rows = checks.set_index("variant")
    main = economy.fit_panel(panel).set_index("estimator").loc["cluster"]
    assert rows.loc["all_years", "coef"] == pytest.approx(main.coef)
    assert rows.loc["all_years", "ci_low"] == pytest.approx(main.ci_low)
    assert rows.loc["all_years", "n_obs"] == len(panel)
    assert rows.loc["from_category_break", "years"] == f"2018–{defaults['end_year']}"
    assert rows.loc["before_pandemic", "years"].endswith("2019") and rows.loc["from_pandemic", "years"].startswith("2020")
    without = economy.build_panel(defaults["countries"], defaults["outcome"], defaults["start_year"], defaults["end_year"])[0]
    assert rows.loc["without_pandemic", "n_obs"] == (~without["year"].isin([2020, 2021])).sum()
    assert rows.loc["share_undesa2024", "countries"] == "CHL, COL, ECU, PER"  # the 2024 revision's destinations here
    assert rows["wild_p"].between(0, 1).all() and (rows["not_estimable"] == "").all()
    assert rows.loc["share_undesa2024", "wild_exact"] and rows.loc["share_undesa2024", "wild_draws"] == 6 ** 4


def test_short_window_keeps_unfittable_variants_with_a_reason():
    checks = economy.robustness(["PER", "COL", "ECU"], "unemployment", 2019, 2021).set_index("variant")
    assert checks.loc["before_pandemic", "finding"] == "not estimable"
    assert "single year" in checks.loc["before_pandemic", "not_estimable"]
    assert np.isnan(checks.loc["before_pandemic", "coef"]) and np.isnan(checks.loc["before_pandemic", "wild_p"])
    text = economy.robustness_summary(checks.reset_index(), "unemployment")
    assert "Not estimable with these parameters: before 2020" in text and "nan" not in text.lower()


def _table(findings: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """A robustness table with the given (coef, wild p) per variant."""
    rows = []
    for variant, (coef, p_value) in findings.items():
        rows.append({"variant": variant, "label": variant.replace("_", " "), "years": "2015–2024", "n_countries": 8,
                     "n_obs": 80, "coef": coef, "ci_low": coef - 1, "ci_high": coef + 1, "wild_p": p_value,
                     "wild_draws": 9999, "wild_exact": False, "not_estimable": "",
                     "finding": "none" if p_value >= economy.ALPHA else "positive" if coef > 0 else "negative"})
    return pd.DataFrame(rows)


def test_sentences_follow_the_robustness_table():
    robust = _table({"all_years": (0.5, 0.01), "from_category_break": (0.4, 0.02), "before_pandemic": (0.6, 0.03)})
    fragile = _table({"all_years": (0.5, 0.01), "from_category_break": (0.4, 0.6), "before_pandemic": (-0.1, 0.9)})
    absent = _table({"all_years": (0.1, 0.7), "from_category_break": (0.4, 0.01)})
    assert economy.robust_finding(robust) == "positive"
    assert economy.robust_finding(fragile) == "none" and economy.robust_finding(absent) == "none"
    robust_text = economy.robustness_summary(robust, "unemployment")
    fragile_text = economy.robustness_summary(fragile, "unemployment")
    absent_text = economy.robustness_summary(absent, "unemployment")
    assert "survives every variant" in robust_text and "does not survive" not in robust_text
    assert "does not survive" in fragile_text and "**not** found in: from category break" in fragile_text
    assert "not distinguishable from zero" in absent_text
    assert "higher unemployment" in economy._relation_to_paper("unemployment", economy.robust_finding(robust))
    assert "no association that survives" in economy._relation_to_paper("unemployment", economy.robust_finding(fragile))


@pytest.mark.parametrize(
    "given, message",
    [
        ({"countries": "PER,COL"}, "countries: give at least 3 distinct"),
        ({"countries": "PER,XYZ,COL"}, "countries: 'XYZ' is not an ISO3 code"),
        ({"countries": "PER,VEN,COL"}, "countries: VEN is the origin"),
        ({"countries": "PER,ESP,FRA"}, "countries: only 1 of PER, ESP, FRA"),
        ({"outcome": "wages"}, "outcome: 'wages' is not one of unemployment, gdp_per_capita_growth"),
        ({"start_year": "1980"}, "start_year: 1980 is outside"),
        ({"start_year": "2020", "end_year": "2018"}, "must be before end_year"),
    ],
)
def test_bad_parameters_give_one_line(given, message):
    with pytest.raises(ParameterError) as error:
        runner.validated_parameters(SECTION, given)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_bad_parameter_on_the_command_line_exits_2(capsys):
    assert cli.main(["run", "economic_impact", "-p", "outcome=wages"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perumig: error: outcome:")


def test_run_with_another_outcome_and_countries(tmp_path):
    out = tmp_path / "growth"
    result = run_cli("run", "economic_impact", "-p", "outcome=gdp_per_capita_growth", "-p", "countries=PER,COL,ECU,CHL",
                     "--output", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    values = json.loads((out / "values.json").read_text())
    assert values["panel.gdp_per_capita_growth.n_countries"] == 4
    assert values["panel.gdp_per_capita_growth.ci_low"] < values["panel.gdp_per_capita_growth.coef"]
    assert values["wdi.gdp_growth_pct.PER.2020"] == pytest.approx(_wdi("NY.GDP.MKTP.KD.ZG", "PER", 2020), abs=1e-6)
    assert "venezuelan_share_pct.PER.2020" in values and "evidence.count.none" in values
    assert 0 <= values["panel.gdp_per_capita_growth.wild_p"] <= 1
    assert "panel.gdp_per_capita_growth.robustness.from_category_break.coef" in values
    for name in ("evidence_map", "peru_macro", "panel_gdp_per_capita_growth", "leave_one_out_gdp_per_capita_growth",
                 "panel_robustness_gdp_per_capita_growth"):
        assert (out / "figures" / f"{name}.png").is_file() and (out / "data" / f"{name}.csv").is_file()
