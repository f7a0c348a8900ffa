"""Every number traceable: the recording of where each value comes from, and `perumig explain`."""

import json
import sys

import pandas as pd
import pytest
import yaml

from perumig import paths
from perumig.pipeline import cli
from perumig.present import provenance, trail


@pytest.fixture()
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_the_recorder_follows_a_value_back_to_its_cell_function_and_table(tmp_path, shell):
    cells = ['from perumig.sections import flows\nshare = flows.migrant_share("PER", 2020, 2000, 2020)',
             'share = share[share["year"] >= 2015]',
             'for row in share.itertuples():\n    report.value(f"k.{row.key}.{row.year}", row.migrant_share_pct, "s")']
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "id": f"c-{n}", "source": source, "metadata": {},
                                                "outputs": [], "execution_count": None} for n, source in enumerate(cells)]}))
    recorder = provenance.Recorder(notebook)

    class Report:
        def value(self, key, value, source):
            recorder.record(key, sys._getframe(1))

    shell.user_ns["report"] = Report()
    for source in cells:
        assert shell.run_cell(source, store_history=True).success
    row = recorder.rows["k.PER.2020"]
    assert row["cell"] == "c-2 (code cell 3)" and row["expression"] == "row.migrant_share_pct"
    assert row["functions"] == "perumig.sections.flows.migrant_share", "found through the loop and `share = share[...]`"
    assert row["tables"].startswith("undesa_destination[") and "migrant_share_pct" in row["tables"]


def test_published_values_carry_their_provenance():
    recorded = trail.published_provenance()
    sections = set(recorded["section"])
    assert {"flows", "government_response", "economic_impact", "reproduction_report"} <= sections
    for column in provenance.PROVENANCE_COLUMNS:
        assert recorded[column].notna().all(), f"every value records its {column}"
    flows = recorded.set_index("key").loc["migrant_share_pct.PER.2015"]
    assert flows["notebook"] == "notebooks/01_migration_flows.ipynb" and flows["functions"] == "perumig.sections.flows.migrant_share"


def _explain(capsys, key):
    code = cli.main(["explain", key])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _registry():
    return {entry["id"]: entry for entry in yaml.safe_load(paths.SOURCES_REGISTRY.read_text())["sources"]}


def _package():
    return {r["name"]: r for r in json.loads(paths.DATAPACKAGE.read_text())["resources"]}


def test_explain_a_recomputed_claim(capsys):
    code, out, _ = _explain(capsys, "paper.s2_4.migrant_share_2020")
    assert code == 0
    claims = pd.read_csv(paths.CLAIMS_REPORT, keep_default_na=False).set_index("claim_id")
    assert f"paper.s2_4.migrant_share_2020: {claims.loc['paper.s2_4.migrant_share_2020', 'verdict']}" in out
    assert "written by notebooks/04_reproduction_report.ipynb, cell claims-06" in out
    assert "computed by perumig.sections.evidence.undesa_shares" in out
    assert f"data/processed/undesa_destination.csv ({_package()['undesa_destination']['hash']})" in out
    source = _registry()["undesa_ims2020_destination"]
    assert f"data/raw/{source['path']} sha256:{source['sha256']}" in out and source["url"] in out


def _cell_writing(notebook: str, expression: str) -> str:
    """The id of the notebook's code cell that records ``expression`` with report.value (read from the notebook)."""
    cells = json.loads((paths.NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    [cell_id] = [c["id"] for c in cells if c["cell_type"] == "code" and "report.value(" in "".join(c["source"])
                 and expression in "".join(c["source"])]
    return cell_id


def test_explain_a_section_value(capsys):
    code, out, _ = _explain(capsys, "migrant_share_pct.PER.2015")
    cell = _cell_writing("01_migration_flows.ipynb", "row.migrant_share_pct")
    assert code == 0 and f"notebooks/01_migration_flows.ipynb, cell {cell}" in out and "row.migrant_share_pct" in out


def test_explain_a_consistency_claim(capsys):
    code, out, _ = _explain(capsys, "paper.t1.native.rural")
    assert code == 0 and "rule: 100 - {paper.t1.native.urban}" in out
    assert "paper.t1.native.urban = 79: stated by the UNDP paper, Sec. 2.3, Table 1" in out
    seed = next(s for s in _package()["claims"]["sources"] if s["title"] == "undp_policy_paper_peru_migration.txt")
    assert f"data/seeds/undp_policy_paper_peru_migration.txt {seed['hash']}" in out


def test_explain_a_transcribed_claim(capsys):
    code, out, _ = _explain(capsys, "paper.t1.native.women")
    assert code == 0 and "not recomputable (transcribed)" in out and "no registered source names INEI" in out


def test_explain_an_unknown_key_in_one_line(capsys):
    code, out, err = _explain(capsys, "no.such.key")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "'no.such.key'" in err


@pytest.mark.parametrize(("damaged", "content"), [("claims", b"x,y\n"), ("claims", b"\xff\xfe\x00garbage"),
                                                ("values_sources", b""), ("values_sources", b"\xff\xfe\x00garbage")],
                         ids=["claims-other-columns", "claims-bytes", "values-empty", "values-bytes"])
def test_explain_with_damaged_reports_is_one_line(capsys, tmp_path, monkeypatch, damaged, content):
    """A damaged reports/claims.csv or values_sources.csv gave a KeyError, UnicodeDecodeError or EmptyDataError
    traceback."""
    import shutil

    reports = tmp_path / "reports"
    shutil.copytree(paths.REPORTS, reports, ignore=shutil.ignore_patterns("site", "runs", "sweeps", "failed"))
    target = reports / "claims.csv" if damaged == "claims" else reports / "flows" / "data" / "values_sources.csv"
    target.write_bytes(content)
    monkeypatch.setattr(paths, "CLAIMS_REPORT", reports / "claims.csv")
    monkeypatch.setenv(paths.SECTION_REPORTS_ENV, str(reports))
    code, out, err = _explain(capsys, "paper.s2_4.migrant_share_2020")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "cannot be read" in err and "make reproduce" in err


def test_the_claims_report_carries_the_trail():
    claims = pd.read_csv(paths.CLAIMS_REPORT, keep_default_na=False).set_index("claim_id")
    recomputed = claims.loc["paper.s2_4.migrant_share_2020"]
    assert "04_reproduction_report.ipynb#claims-06" in recomputed["trail_cells"]
    assert "undesa_destination[" in recomputed["trail_tables"] and "undesa_ims2020_destination" in recomputed["trail_sources"]
    section = claims.loc["paper.t2.submitted_2018"]
    cell = _cell_writing("02_government_response.ipynb", "row.unhcr_applications")
    assert f"02_government_response.ipynb#{cell}" in section["trail_cells"]
    assert "unhcr_asylum_applications" in section["trail_sources"]
    transcribed = claims.loc["paper.t1.native.women"]
    assert transcribed["trail_keys"] == "" and transcribed["trail_sources"] == "undp_policy_paper_peru_migration.txt"
