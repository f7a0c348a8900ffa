"""Committed reports: current, deterministic, and notebooks kept clean."""

import filecmp
import json

import nbformat
import pytest

from perumig import paths
from perumig.pipeline import runner


OUTPUT_SUFFIXES = {".svg", ".png", ".csv", ".json", ".ipynb"}


def published_outputs(folder):
    """Output files below ``folder``; hidden files (the local rebuild stamp) are not outputs."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.suffix in OUTPUT_SUFFIXES and not p.name.startswith("."))


@pytest.fixture(scope="module")
def fresh_runs(tmp_path_factory):
    """Every section run afresh with its defaults, in order, into a scratch reports folder."""
    return runner.run_all(output=str(tmp_path_factory.mktemp("reports")), force=True)


@pytest.mark.parametrize("section", list(runner.SECTIONS), ids=str)
def test_rerun_gives_byte_identical_outputs(fresh_runs, section):
    """A fresh run equals the committed reports/<section> byte for byte (SVG, PNG, CSV, JSON, notebook)."""
    fresh = next(folder for folder in fresh_runs if folder.name == section)
    committed = paths.REPORTS / section
    produced = published_outputs(fresh)
    assert produced, "the run wrote no outputs"
    assert produced == published_outputs(committed)
    differing = [str(p) for p in produced if not filecmp.cmp(fresh / p, committed / p, shallow=False)]
    assert differing == [], "rerun `make reproduce` and commit reports/"


def test_claims_report_is_reproducible(fresh_runs):
    assert filecmp.cmp(fresh_runs[-1].parent / "claims.csv", paths.CLAIMS_REPORT, shallow=False)


def test_values_hold_the_headline_keys():
    values = json.loads((paths.REPORTS / "flows" / "values.json").read_text())
    for key in ("migrant_share_pct.PER.2020", "migrant_share_pct.LAC.2020", "migrant_share_pct.SOUTH_AMERICA.2020",
                "migrant_share_pct.WORLD.2020", "venezuelans.UNDESA.PER.2020", "venezuelans.UNHCR.PER.2019"):
        assert key in values, key
    assert round(values["migrant_share_pct.PER.2015"], 3) == 0.508
    assert round(values["migrant_share_pct.PER.2020"], 3) == 3.714
    assert all(isinstance(v, (int, float)) for v in values.values())


def test_svg_has_no_date():
    for svg in paths.REPORTS.glob("*/figures/*.svg"):
        assert "<dc:date>" not in svg.read_text(), svg.name


@pytest.mark.parametrize("section", list(runner.SECTIONS.values()), ids=lambda s: s.id)
def test_source_notebooks_are_clean_and_parameterised(section):
    notebook = nbformat.read(section.path, as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert "parameters" in code_cells[0].metadata.get("tags", [])
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in code_cells:
        assert cell.outputs == [] and cell.execution_count is None
    text = "\n".join(c.source for c in code_cells)
    assert "open(" not in text and "Path(" not in text and "/data/" not in text, "notebooks take paths from perumig.paths"


def test_every_section_has_committed_reports():
    for section in runner.SECTIONS.values():
        folder = paths.REPORTS / section.id
        assert (folder / section.notebook).is_file()
        assert (folder / "values.json").is_file()
