"""Section 2 computations, checked against cells read by hand from the UN DESA workbooks.

Hand-read cells (undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx, row of Peru, M49 604):
Table 1 both sexes 2020 = 1,224,519; Table 2 both sexes 2020 = 32,971.846 (thousands);
Table 3 both sexes 2015 = 0.507943, 2020 = 3.713832. Table 3, 2020: World 3.599812,
Latin America and the Caribbean 2.262305, South America 2.527505.
2024 edition, Table 3, Peru 2024 = 5.369183. By-origin 2020 edition, Peru, 2020 = 1,519,635.
"""

import pytest

from perumig.sections import flows
from perumig.errors import ParameterError


@pytest.fixture(scope="module")
def share_peru():
    return flows.migrant_share("PER", 2020, 1995, 2020).set_index(["key", "year"])["migrant_share_pct"]


def test_migrant_share_matches_table3(share_peru):
    assert share_peru[("PER", 2015)] == pytest.approx(0.507943, abs=1e-6)
    assert share_peru[("PER", 2020)] == pytest.approx(3.713832, abs=1e-6)
    assert share_peru[("WORLD", 2020)] == pytest.approx(3.599812, abs=1e-6)
    assert share_peru[("LAC", 2020)] == pytest.approx(2.262305, abs=1e-6)
    assert share_peru[("SOUTH_AMERICA", 2020)] == pytest.approx(2.527505, abs=1e-6)


def test_table3_equals_table1_over_table2():
    share = flows.migrant_share("PER", 2020, 1990, 2020)
    recomputed = share["migrant_stock"] / (share["population_thousands"] * 1000) * 100
    assert (recomputed - share["migrant_share_pct"]).abs().max() < 1e-4


def test_comparators_for_peru_are_the_papers_regions(share_peru):
    assert list(dict.fromkeys(share_peru.index.get_level_values("key"))) == ["PER", "LAC", "SOUTH_AMERICA", "WORLD"]


def test_2024_revision_and_other_country():
    share = flows.migrant_share("PER", 2024, 2015, 2024).set_index(["key", "year"])["migrant_share_pct"]
    assert share[("PER", 2024)] == pytest.approx(5.369183, abs=1e-6)
    spain = flows.migrant_share("ESP", 2020, 2015, 2020)
    assert spain["key"].iloc[0] == "ESP" and "WORLD" in set(spain["key"])


def test_origin_composition_adds_up_to_the_total():
    composition = flows.origin_composition("PER", 2020, 1995, 2020, top_n=5)
    by_year = composition.groupby("year")
    assert (by_year["migrant_stock"].sum() == by_year["total_migrants"].first()).all()
    assert by_year["pct_of_migrants"].sum().round(9).eq(100).all()
    latest = composition[composition["year"] == 2020].set_index("origin_iso3")
    assert len(latest) == 6 and "OTHER" in latest.index
    assert latest.loc["VEN", "migrant_stock"] == 941889
    assert latest.loc["VEN", "pct_of_population"] == pytest.approx(941889 / 32971846 * 100)
    assert latest["pct_of_population"].sum() == pytest.approx(3.713832, abs=1e-5)


def test_origin_data_for_2024_only_where_available():
    assert flows.has_origin_data("COL", 2024) and not flows.has_origin_data("ESP", 2024)
    with pytest.raises(ParameterError, match="ims_revision=2020"):
        flows.bilateral("ESP", 2024)


def test_venezuelans_series_label_every_source():
    series = flows.venezuelans_over_time("PER", 2000, 2025)
    assert set(series["key"]) == {"UNDESA", "UNDESA2024", "UNHCR", "SEED"}
    assert series["source"].str.len().gt(0).all()
    unhcr = series[series["key"] == "UNHCR"].set_index("year")["venezuelans"]
    assert unhcr[2019] == 1230 + 482571 + 377864
    other = flows.venezuelans_over_time("ESP", 2000, 2025)
    assert "SEED" not in set(other["key"])


def test_seed_counts_are_set_beside_unhcr_same_year():
    comparison = flows.seed_counts_vs_estimates(flows.venezuelans_over_time("PER", 2000, 2025))
    row = comparison[(comparison["year"] == 2018)].iloc[0]
    assert row["stated"] == 530000 and row["UNHCR (same year)"] == 656274


def test_paper_statements_checked(share_peru):
    check = flows.paper_statement_check(flows.migrant_share("PER", 2020, 1995, 2020), "PER")
    assert check["verdict"].tolist() == ["reproduced", "reproduced"]  # 0.508 for 0.5 (± 0.05); 3.71 "just over 3.5"
    assert check["paper_pct"].tolist() == [0.5, 3.5]


def test_origin_profiles_use_matching_years():
    profiles = flows.origin_profiles("PER", 2020)
    assert set(zip(profiles["paper_year"], profiles["ims_year"])) == {(2010, 2010), (2017, 2015), (2017, 2020)}
    usa_2010 = profiles[(profiles["paper_year"] == 2010) & (profiles["origin_iso3"] == "USA")].iloc[0]
    assert usa_2010["paper_share_pct"] == 12.4
    assert 0 < usa_2010["ims_share_pct"] < 100


def test_emigrants_of_peru():
    totals = flows.emigrant_totals("PER", 2020).set_index("key")["emigrants"]
    assert totals["UNDESA"] == 1519635 and totals["PROFILE"] == 1700000
    destinations = flows.emigrants_by_destination("PER", 2020, 8)
    assert destinations.iloc[0]["destination_iso3"] == "USA"
    assert destinations["ims_share_pct"].sum() < 100
    assert destinations.set_index("destination_iso3").loc["CHL", "profile_share_pct"] == 21


def test_share_summary_states_the_check():
    text = flows.share_summary(flows.migrant_share("PER", 2020, 1995, 2020), "PER")
    assert "3.714 %" in text and "(reproduced)" in text
