"""Committed reports: current, deterministic, and notebooks kept clean."""

import filecmp
import json

import nbformat
import pytest

from perumig import paths, runner


@pytest.fixture(scope="module")
def fresh_flows_run(tmp_path_factory):
    return runner.run("flows", {}, output=str(tmp_path_factory.mktemp("run") / "flows"), progress=False)


def test_rerun_gives_byte_identical_outputs(fresh_flows_run):
    """A fresh run equals the committed reports/flows byte for byte (SVG, PNG, CSV, JSON)."""
    committed = paths.REPORTS / "flows"
    produced = sorted(p.relative_to(fresh_flows_run) for p in fresh_flows_run.rglob("*")
                      if p.suffix in {".svg", ".png", ".csv", ".json"})
    assert produced, "the run wrote no outputs"
    assert produced == sorted(p.relative_to(committed) for p in committed.rglob("*")
                              if p.suffix in {".svg", ".png", ".csv", ".json"})
    differing = [str(p) for p in produced if not filecmp.cmp(fresh_flows_run / p, committed / p, shallow=False)]
    assert differing == [], "rerun `make reproduce` and commit reports/"


def test_executed_notebook_is_reproducible(fresh_flows_run):
    assert filecmp.cmp(fresh_flows_run / "01_migration_flows.ipynb", paths.REPORTS / "flows" / "01_migration_flows.ipynb",
                       shallow=False)


def test_values_hold_the_headline_keys():
    values = json.loads((paths.REPORTS / "flows" / "values.json").read_text())
    for key in ("migrant_share_pct.PER.2020", "migrant_share_pct.LAC.2020", "migrant_share_pct.SOUTH_AMERICA.2020",
                "migrant_share_pct.WORLD.2020", "venezuelans.UNDESA.PER.2020", "venezuelans.UNHCR.PER.2019"):
        assert key in values, key
    assert round(values["migrant_share_pct.PER.2015"], 3) == 0.508
    assert round(values["migrant_share_pct.PER.2020"], 3) == 3.714
    assert all(isinstance(v, (int, float)) for v in values.values())


def test_svg_has_no_date():
    for svg in (paths.REPORTS / "flows" / "figures").glob("*.svg"):
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
        assert (folder / section.notebook).is_file() and (folder / section.notebook.replace(".ipynb", ".html")).is_file()
        assert (folder / "values.json").is_file()
