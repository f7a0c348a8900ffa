"""Sections 2-4 for countries unlike Peru: every sentence follows the country, says what is missing in words, and
never prints nan; the paper's statements about Peru stay labelled as the paper's.

Two kinds of test. The functions the notebooks call run for many countries, checking that they give their sentences
without failing or printing nan: Section 2's for a broad sample of UN DESA's table (all of it: tests/every_country.py),
Sections 3-4's for every country whose decisions on Venezuelans' claims UNHCR records. Real notebook runs, one
each for a fixed sample of awkward countries (shared by the tests of this module), are checked against values read
here from the processed CSV files, not from the functions under test:

* USA: UN DESA gives it no subregion; a high-income host outside Latin America.
* BMU (Bermuda): a tiny island with no subregion and no Venezuelans in any source.
* CUW (Curaçao): a tiny island whose UN DESA migrant stock starts in 2010.
* Sections 3-4 for COL with the default peers (they used to include Colombia itself), and for ALB, whose 5 decisions
  on Venezuelans' claims in one year recognised no one.
"""

import json
import re

import nbformat
import pandas as pd
import pytest

from perumig import paths
from perumig.data import places
from perumig.errors import ParameterError
from perumig.pipeline import runner
from perumig.sections import government

from every_country import NAN, problems

RUNS = {
    "flows-USA": ("flows", {"country": "USA"}),
    "flows-BMU": ("flows", {"country": "BMU"}),
    "flows-CUW": ("flows", {"country": "CUW"}),
    "government-COL": ("government_response", {"country": "COL"}),
    "government-ALB": ("government_response", {"country": "ALB"}),
}
# Areas with gaps of every kind found by tests/every_country.py: no subregion (Northern America), no estimate by
# origin (BLM, MAF, TWN), no migrant stock in early or all years (CUW, MNE, SSD, SXM, TWN), no emigrants or no
# Venezuelans (BES, VAT, TUV), the origin itself (VEN), the paper's Peru and the largest hosts.
AWKWARD = ["BES", "BLM", "BMU", "CAN", "COL", "CUW", "ESP", "GRL", "MAF", "MNE", "PER", "SPM", "SSD", "SXM", "TUV",
           "TWN", "USA", "VAT", "VEN"]


def broad_sample() -> list[str]:
    """The awkward areas and every tenth other code of UN DESA's list: about 40 of its 235 countries and areas."""
    codes = places.known_iso3()
    return sorted(set(AWKWARD) | set(codes[::10]))


def test_section2_functions_give_sentences_for_a_broad_sample():
    """No country of the sample makes a Section 2 function fail or a sentence print nan (all 235:
    `python tests/every_country.py`)."""
    sample = broad_sample()
    assert len(sample) >= 40
    assert problems(sample) == ({}, {})


@pytest.mark.parametrize("given, message", [
    ({"start_year": "2016", "end_year": "2019"}, "holds no year of UN DESA IMS 2020"),
    ({"country": "xyz"}, "'xyz' is not an ISO3 code"),
])
def test_section2_refuses_what_the_notebook_cannot_show(given, message):
    with pytest.raises(ParameterError) as raised:
        runner.validated_parameters(runner.section("flows"), given)
    assert message in str(raised.value) and "\n" not in str(raised.value)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each sample run once, three at a time, into a scratch folder."""
    root = tmp_path_factory.mktemp("countries")
    jobs = [runner.Job(runner.section(section), given, output=str(root / key), key=key)
            for key, (section, given) in RUNS.items()]
    runner.execute(jobs, force=True, report=lambda line: None)
    return {key: root / key for key in RUNS}


def executed(folder):
    return nbformat.read(next(folder.glob("*.ipynb")), as_version=4)


def output_texts(notebook) -> list[str]:
    """Every text a reader sees in the outputs: Markdown, HTML, plain text and streams."""
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append(output["text"])
            for kind in ("text/markdown", "text/html", "text/plain"):
                if kind in output.get("data", {}):
                    texts.append(output["data"][kind])
    return texts


def markdown_outputs(notebook) -> list[str]:
    return [output["data"]["text/markdown"] for cell in notebook.cells for output in cell.get("outputs", [])
            if "text/markdown" in output.get("data", {})]


def headings(notebook) -> list[str]:
    """Heading lines of the Markdown cells and of the generated Markdown, and the titles in the run's manifest."""
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"] + markdown_outputs(notebook)
    return [line for text in sources for line in text.splitlines() if line.startswith("#")]


def values(folder) -> dict:
    return json.loads((folder / "values.json").read_text())


def destination_table() -> pd.DataFrame:
    """UN DESA Table 3 as committed, read directly (not through the package)."""
    return pd.read_csv(paths.PROCESSED / "undesa_destination.csv")


def table3(location_code: int, year: int, revision: int = 2020) -> float:
    rows = destination_table()
    row = rows[(rows["revision"] == revision) & (rows["location_code"] == location_code) & (rows["year"] == year)]
    return float(row["migrant_share_pct"].iloc[0])


@pytest.mark.parametrize("key", list(RUNS))
def test_outputs_never_print_nan_and_never_fail(runs, key):
    notebook = executed(runs[key])
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    shown = [text for text in output_texts(notebook) if NAN.search(text)]
    assert shown == []


@pytest.mark.parametrize("key", list(RUNS))
def test_titles_and_headings_name_the_country_not_peru(runs, key):
    country = RUNS[key][1]["country"]
    notebook = executed(runs[key])
    lines = headings(notebook)
    manifest = json.loads((runs[key] / "manifest.json").read_text())
    titles = [output["title"] for output in manifest["outputs"]]
    assert [line for line in lines + titles if "Peru" in line] == []
    assert any(places.name(country) in line for line in lines), "the run's title names its country"


def test_the_papers_statements_about_peru_are_labelled(runs):
    """Every quotation of the paper in a Markdown cell is introduced as what the paper says of Peru, and in a run
    for another country each generated sentence naming Peru attributes it (the paper, the seeds) or says the part
    exists for Peru only."""
    for section in ("flows", "government_response"):
        notebook = nbformat.read(runner.section(section).path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown" and re.search(r"^> ", cell.source, re.MULTILINE):
                before = cell.source[: re.search(r"^> ", cell.source, re.MULTILINE).start()]
                assert "The paper says of Peru" in before, cell.source[:80]
    attributed = re.compile(r"paper|seed|migration profile|news|Peru only|only for Peru|Peru's only|Peru's emigrants")
    for key in ("flows-USA", "flows-BMU", "flows-CUW"):
        for text in markdown_outputs(executed(runs[key])):
            for sentence in re.split(r"(?<=[.;:])\s+", text):
                assert "Peru" not in sentence or attributed.search(sentence), sentence


def test_a_country_without_subregion_is_set_beside_its_region_and_the_world(runs):
    shown = values(runs["flows-USA"])
    assert shown["migrant_share_pct.USA.2020"] == pytest.approx(table3(840, 2020), abs=1e-6)
    assert shown["migrant_share_pct.WORLD.2020"] == pytest.approx(table3(900, 2020), abs=1e-6)
    # Europe and Northern America, the SDG region of the United States in UN DESA's correspondence table.
    assert shown["migrant_share_pct.M49_1829.2020"] == pytest.approx(table3(1829, 2020), abs=1e-6)
    share_keys = {key.split(".")[1] for key in shown if key.startswith("migrant_share_pct.")}
    assert share_keys == {"USA", "M49_1829", "WORLD"}
    notes = " ".join(markdown_outputs(executed(runs["flows-USA"])))
    assert "no subregion" in notes and "Europe and Northern America" in notes


def test_a_country_without_venezuelans_says_so(runs):
    shown = values(runs["flows-BMU"])
    assert not any(key.startswith(("venezuelans.", "rank.")) for key in shown)
    assert shown["migrant_share_pct.BMU.2020"] == pytest.approx(table3(60, 2020), abs=1e-6)
    notes = " ".join(markdown_outputs(executed(runs["flows-BMU"])))
    assert "No source here counts Venezuelans in Bermuda" in notes and "no rank" in notes
    assert not (runs["flows-BMU"] / "figures" / "venezuelans_by_source.png").exists()


def test_missing_years_are_said_and_left_out(runs):
    rows = destination_table()
    curacao = rows[(rows["revision"] == 2020) & (rows["location_code"] == 531) & rows["year"].between(1995, 2020)]
    missing = sorted(curacao.loc[curacao["migrant_share_pct"].isna(), "year"])
    assert missing == [1995, 2000, 2005]
    shown = values(runs["flows-CUW"])
    for year in curacao["year"]:
        key = f"migrant_share_pct.CUW.{year}"
        if year in missing:
            assert key not in shown
        else:
            assert shown[key] == pytest.approx(curacao.set_index("year").loc[year, "migrant_share_pct"], abs=1e-6)
    figure_data = pd.read_csv(runs["flows-CUW"] / "data" / "fig2_migrant_share.csv")
    assert figure_data.loc[figure_data["key"] == "CUW"].set_index("year")["migrant_share_pct"].loc[missing].isna().all()
    notes = " ".join(markdown_outputs(executed(runs["flows-CUW"])))
    assert "no migrant stock, hence no share, for Curaçao in 1995, 2000 and 2005" in notes


def largest_latin_american_hosts() -> list[str]:
    """UNHCR's latest year, Latin America and the Caribbean (SDG region 1830), Venezuela left out, read directly."""
    population = pd.read_csv(paths.PROCESSED / "unhcr_venezuelans.csv")
    locations = pd.read_csv(paths.PROCESSED / "undesa_locations.csv")
    region = set(locations.loc[locations["sdg_region_code"] == 1830, "iso3"]) - {"VEN"}
    latest = population[(population["year"] == population["year"].max()) & population["asylum_iso3"].isin(region)]
    return latest.sort_values(["total", "asylum_iso3"], ascending=[False, True])["asylum_iso3"].tolist()


def test_default_peers_of_another_host_leave_it_out(runs):
    peers = [code for code in largest_latin_american_hosts() if code != "COL"][:4]
    assert "COL" not in peers
    heading = markdown_outputs(executed(runs["government-COL"]))[0]
    assert "**peers:** " + ", ".join(places.name(code) for code in peers[:-1]) + " and " + places.name(peers[-1]) in heading
    shown = values(runs["government-COL"])
    for code in ["COL", *peers]:
        assert any(key.startswith(f"unhcr.venezuelan_recognition_rate_pct.{code}.") for key in shown), code
    assert "glm.odds_ratio.COL" in shown
    assert not any(key.startswith(("table2.", "legislation.", "seed_check.")) for key in shown)


def test_a_host_with_few_decisions_is_said_to_be_thin_and_not_modelled(runs):
    decisions = pd.read_csv(paths.PROCESSED / "unhcr_asylum_decisions.csv")
    albania = decisions[(decisions["asylum_iso3"] == "ALB") & (decisions["origin_iso3"] == "VEN")
                        & (decisions["persons_or_cases"] == "P") & decisions["year"].between(2015, 2022)]
    assert albania["total_decisions"].sum() == 5 and albania["recognized"].sum() == 0
    notes = " ".join(markdown_outputs(executed(runs["government-ALB"])))
    assert "5 decisions on Venezuelans' asylum claims in Albania, in 1 of the 8 years (2017)" in notes
    assert f"The models are not fitted: Albania decided fewer than {government.MIN_DECISIONS} Venezuelan claims" in notes
    assert not any(key.startswith("glm.") for key in values(runs["government-ALB"]))


def venezuelan_decisions_by_host(start: int, end: int) -> pd.DataFrame:
    """Decisions on Venezuelans' claims (persons) per asylum country, read from the processed CSV."""
    decisions = pd.read_csv(paths.PROCESSED / "unhcr_asylum_decisions.csv")
    rows = decisions[(decisions["origin_iso3"] == "VEN") & (decisions["persons_or_cases"] == "P")
                     & decisions["year"].between(start, end)]
    return rows.groupby("asylum_iso3")[["recognized", "total_decisions"]].sum()


def test_section34_sentences_for_every_host_with_decisions():
    """Every country UNHCR records deciding Venezuelans' claims in 2015-2022 passes the parameter checks with the
    default peers (never itself) and gets its sentences without nan; where the models have nothing to estimate the
    notebook says why instead of fitting them."""
    by_host = venezuelan_decisions_by_host(2015, 2022)
    hosts = sorted(by_host.index[by_host["total_decisions"] > 0])
    assert len(hosts) > 50
    skipped = set()
    for code in hosts:
        government.check_parameters({"country": code, "peers": [], "start_year": 2015, "end_year": 2022})
        peers = government.default_peers(code, 2015, 2022)
        assert code not in peers and len(peers) == government.DEFAULT_PEER_COUNT
        countries = [code, *peers]
        decisions = government.venezuelan_decisions(countries, 2015, 2022)
        by_country = government.recognition_by_country(decisions, countries, code)
        texts = [government.run_heading(code, peers, 2015, 2022, False),
                 government.decisions_summary(decisions, code, 2015, 2022),
                 government.recognition_summary(by_country, code, 2015, 2022),
                 government.coverage_summary(government.without_decisions(countries, decisions, 2015, 2022),
                                             government.excluded_cases(countries, 2015, 2022))]
        if not government.can_be_modelled(decisions, code):
            skipped.add(code)
            texts.append(government.model_skipped_note(decisions, code))
        assert [text for text in texts if NAN.search(text)] == [], code
    # Malta decided more than enough claims but recognised none; Albania decided five.
    assert by_host.loc["MLT", "total_decisions"] >= government.MIN_DECISIONS and by_host.loc["MLT", "recognized"] == 0
    assert by_host.loc["ALB", "total_decisions"] < government.MIN_DECISIONS
    assert {"MLT", "ALB"} <= skipped and not {"PER", "COL", "BRA", "CHL", "ECU"} & skipped


def test_a_published_run_does_not_say_it_publishes_nothing(runs):
    first_outputs = [text for key in RUNS for text in markdown_outputs(executed(runs[key]))[:1]]
    assert not any("publishes nothing" in text for text in first_outputs)
