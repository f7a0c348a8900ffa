"""Section 5 computations: evidence counts, the Venezuelan share, the panel and its model, parameters.

Hand-read cells: UNHCR population statistics, Peru, origin Venezuela, end-2019: refugees 1,230, asylum
seekers 482,571, other people in need of international protection 377,864 (total 861,665).
"""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

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
    panel, dropped = economy.build_panel(["COL", "ECU", "CHL", "BRA"], "unemployment", 2015, 2024)
    loo = economy.leave_one_out(panel)
    text = economy.panel_summary(economy.fit_panel(panel, loo), loo, "unemployment", dropped, ["COL", "ECU", "CHL", "BRA"])
    assert "Peru is not in this panel" in text and "N = " in text
    assert "does not have negative effects on employment" in text


def test_evidence_counts_and_peru_series():
    findings = economy.evidence()
    counts = economy.evidence_counts(findings)
    assert counts["findings"].sum() == len(findings) == 35
    assert counts.groupby("seed")["findings"].sum().to_dict() == {"news": 3, "paper": 32}
    assert len(counts) == 2 * len(economy.OUTCOME_ORDER) * len(economy.DIRECTION_ORDER)
    macro = economy.macro_series("PER").set_index(["key", "year"])["value"]
    assert macro[("gdp_growth_pct", 2020)] == _wdi("NY.GDP.MKTP.KD.ZG", "PER", 2020)
    assert macro[("unemployment_pct", 2020)] == _wdi("SL.UEM.TOTL.ZS", "PER", 2020)
    assert macro[("venezuelans.UNHCR", 2019)] == 861665
    education = economy.education_numeric()
    assert education["value"].notna().all() and education["label"].str.contains("cited: ").all()


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
    for name in ("evidence_map", "peru_macro", "panel_gdp_per_capita_growth", "leave_one_out_gdp_per_capita_growth"):
        assert (out / "figures" / f"{name}.png").is_file() and (out / "data" / f"{name}.csv").is_file()
