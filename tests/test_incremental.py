"""Incremental and parallel rebuilds: a run is repeated only when something it depends on changed."""

import json
import stat

import nbformat
import pandas
import pytest
from sections import DOUBLER, install, shared_fork_server  # noqa: F401 (a fixture)

from perumig import publish, stamps
from perumig.errors import UnsafePathError
from perumig.pipeline import runner, sweep

pytestmark = pytest.mark.usefixtures("shared_fork_server")

@pytest.fixture
def doubler(tmp_path, monkeypatch):
    """The stand-in section, its upstream values, and a function that runs it and says what happened."""
    notebook = install(tmp_path, monkeypatch, "doubler", DOUBLER)
    reports = tmp_path / "reports"
    (reports / "upstream").mkdir(parents=True)
    (reports / "upstream" / "values.json").write_text('{"x": 21}')

    def run(force=False, folder="doubler", **given):
        job = runner.Job(runner.SECTIONS["doubler"], given, str(reports / folder), section_reports=reports)
        (outcome,) = runner.execute([job], force=force, workers=1)
        return outcome

    return notebook, reports, run


def values(reports, folder="doubler"):
    return json.loads((reports / folder / "values.json").read_text())


def test_nothing_changed_means_nothing_reruns(doubler):
    notebook, reports, run = doubler
    assert run().status == "ran"
    # Readable as any new folder is (the scratch folder's owner-only mode once reached the published one).
    assert stat.S_IMODE((reports / "doubler").stat().st_mode) == 0o777 & ~publish.current_umask()
    published = {p: p.stat().st_mtime_ns for p in (reports / "doubler").rglob("*")}
    skipped = run()
    assert skipped.status == "skipped" and "unchanged" in skipped.line()
    assert {p: p.stat().st_mtime_ns for p in (reports / "doubler").rglob("*")} == published
    assert run(force=True).status == "ran"


def test_braces_in_a_folders_name_are_just_characters(doubler):
    """papermill fills in {parameter} in the paths it is given: a folder named a{b}c (or {scale}) failed every run."""
    notebook, reports, run = doubler
    for folder in ("a{b}c", "{scale}"):
        assert run(folder=folder).status == "ran" and values(reports, folder)["doubled"] == 42


def test_changed_data_reruns(doubler):
    notebook, reports, run = doubler
    run()
    manifest = json.loads((reports / "doubler" / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["inputs"]] == ["reports/upstream/values.json"]
    (reports / "upstream" / "values.json").write_text('{"x": 50}')
    assert run().status == "ran" and values(reports)["doubled"] == 100


def test_changed_notebook_or_parameters_rerun(doubler):
    notebook, reports, run = doubler
    run()
    with pytest.raises(UnsafePathError, match="holds the run of doubler with its default parameters"):
        run(scale="3")  # a folder holds one run: other parameters are published elsewhere
    assert values(reports)["doubled"] == 42
    assert run(scale="3", folder="tripled").status == "ran" and values(reports, "tripled")["doubled"] == 126
    assert run(scale="3", folder="tripled").status == "skipped"
    edited = nbformat.read(notebook, as_version=4)
    edited.cells[1].source = edited.cells[1].source.replace("* 2", "* 4")
    nbformat.write(edited, notebook)
    assert run(scale="3", folder="tripled").status == "ran" and values(reports, "tripled")["doubled"] == 252
    assert run().status == "ran" and values(reports)["doubled"] == 84


def test_missing_outputs_rerun_and_edited_ones_are_kept(doubler):
    """A published file that is gone is made again; one that was edited is someone's work: perumig stops."""
    notebook, reports, run = doubler
    run()
    (reports / "doubler" / "manifest.json").unlink()
    assert run().status == "ran" and (reports / "doubler" / "manifest.json").is_file()
    (reports / "doubler" / "values.json").write_text("{}")
    with pytest.raises(UnsafePathError, match=r"holds files perumig did not write or that changed since it did \(values.json\)"):
        run()
    assert (reports / "doubler" / "values.json").read_text() == "{}"


def test_changed_code_reruns(doubler, monkeypatch):
    notebook, reports, run = doubler
    run()
    real = stamps.code_digest
    monkeypatch.setattr(stamps, "code_digest", lambda *a, **k: {**real(*a, **k), "src/perumig/report.py": "edited"})
    assert run().status == "ran"


def test_code_inputs_are_the_modules_a_section_imports():
    flows = stamps.module_closure(stamps.notebook_modules(runner.SECTIONS["flows"].path))
    assert {"sections.flows", "data.places", "present.plotting", "present.report", "data.tables", "paths"} <= flows
    assert "sections.economy" not in flows and "sections.government" not in flows
    assert "sections.claims" in stamps.notebook_modules(runner.SECTIONS["reproduction_report"].path)


def test_dependent_waits_and_is_not_run_after_a_failure(tmp_path, monkeypatch):
    """A job that reads another runs after it, and not at all when it failed."""
    install(tmp_path, monkeypatch, "breaks", "raise ValueError('deliberate')")
    install(tmp_path, monkeypatch, "reader", "x = 1", reads_sections=True)
    jobs = [runner.Job(runner.SECTIONS["breaks"], {}, str(tmp_path / "out" / "breaks")),
            runner.Job(runner.SECTIONS["reader"], {}, str(tmp_path / "out" / "reader"), after=("breaks",))]
    with pytest.raises(runner.NotebookRunError) as error:
        runner.execute(jobs, workers=2)
    assert [job.outcome.status for job in jobs] == ["failed", "not run"]
    assert "reader: it reads breaks, which did not finish" in str(error.value)
    assert not (tmp_path / "out" / "reader").exists()


def test_current_reader_is_not_checked_when_nothing_it_reads_reruns(tmp_path, monkeypatch):
    """A no-op rebuild skips the report's parameter checks (they import pandas: a second of 1.4 s)."""
    publishes = "from perumig.present.report import SectionReport\nSectionReport('stand-in').finish()"
    install(tmp_path, monkeypatch, "source", publishes)
    install(tmp_path, monkeypatch, "reader", publishes, reads_sections=True)

    def jobs():
        return [runner.Job(runner.SECTIONS["source"], {}, str(tmp_path / "out" / "source")),
                runner.Job(runner.SECTIONS["reader"], {}, str(tmp_path / "out" / "reader"), after=("source",))]

    checked = []
    monkeypatch.setattr("perumig.data.places.check_parameters", lambda resolved: checked.append(resolved), raising=False)
    runner.execute(jobs(), workers=2)
    assert len(checked) == 2
    checked.clear()
    assert [o.status for o in runner.execute(jobs(), workers=2)] == ["skipped", "skipped"] and checked == []
    runner.execute(jobs(), force=True, workers=2)
    assert len(checked) == 2, "a reader whose upstream reruns is checked before any kernel starts"


def test_kernels_get_one_blas_thread_unless_the_user_sets_it(tmp_path, monkeypatch):
    code = """import os
from perumig.present.report import SectionReport
report = SectionReport("threads")
report.value("threads", int(os.environ["OPENBLAS_NUM_THREADS"]), "environment")
report.finish()"""
    install(tmp_path, monkeypatch, "threads", code)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    runner.run("threads", {}, output=str(tmp_path / "out"), progress=False)
    assert json.loads((tmp_path / "out" / "values.json").read_text()) == {"threads": 1}
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert runner.Job(runner.SECTIONS["threads"]).environment()["OPENBLAS_NUM_THREADS"] == "3"


def test_executed_notebook_is_written_at_start_and_end_only_even_when_it_fails(tmp_path, monkeypatch):
    """papermill alone writes the notebook before and after every cell as well."""
    import papermill
    from papermill.engines import NotebookExecutionManager

    runner.import_execution_stack()
    writes = []
    real_save = NotebookExecutionManager.save
    monkeypatch.setattr(NotebookExecutionManager, "save", lambda self, **kw: writes.append(1) or real_save(self, **kw))
    notebook = install(tmp_path, monkeypatch, "cells", "x = 2")
    edited = nbformat.read(notebook, as_version=4)
    edited.cells += [nbformat.v4.new_code_cell("print(x * 21)"), nbformat.v4.new_code_cell("raise ValueError('late')")]
    nbformat.write(edited, notebook)
    executed = tmp_path / "executed.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(notebook), str(executed), engine_name=runner.ENGINE, progress_bar=False)
    assert len(writes) == 2
    cells = nbformat.read(executed, as_version=4).cells
    assert "42" in json.dumps(cells) and "late" in json.dumps(cells)


def test_plan_all_runs_the_report_after_the_sections_it_reads():
    jobs = {job.key: job for job in runner.plan_all()}
    independent = {key for key, job in jobs.items() if not job.after}
    assert independent == {"flows", "government_response", "economic_impact"}
    assert set(jobs["reproduction_report"].after) == independent


def test_hosts_preset_is_the_largest_hosts_in_unhcr_data():
    from perumig.sections import flows

    ranking = flows.venezuelan_host_ranking()
    assert sweep.countries(["hosts"]) == ranking["iso3"].head(sweep.MAIN_HOSTS).tolist()
    assert sweep.countries(["col", "PER", "COL"]) == ["COL", "PER"]


def test_sweep_tabulates_every_country(tmp_path):
    """Two countries in parallel; the summary holds, per measure and year, the values each run published."""
    from conftest import run_cli

    result = run_cli("sweep", "flows", "--countries", "COL,ECU", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    summary = pandas.read_csv(tmp_path / "flows-sweep-COL+ECU" / "summary.csv", keep_default_na=False)
    assert list(summary.columns) == ["measure", "year", "COL", "ECU"]
    for code in ("COL", "ECU"):
        published = json.loads((tmp_path / f"flows-{code}" / "values.json").read_text())
        row = summary[(summary["measure"] == "migrant_share_pct.{country}") & (summary["year"] == 2020)]
        assert row[code].item() == pytest.approx(published[f"migrant_share_pct.{code}.2020"])
    assert "ran flows:COL" in result.stderr and "ran flows:ECU" in result.stderr


def test_a_stop_after_a_sweeps_runs_says_they_were_published(tmp_path, monkeypatch, capsys):
    """Stopped while writing the sweep's tables, it said 'nothing was changed' with every run just published."""
    from perumig.pipeline import cli

    install(tmp_path, monkeypatch, "swept", 'from perumig.present.report import SectionReport\nSectionReport("swept").finish()',
            parameters='country = "PER"')

    def stopped(*arguments, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "write", stopped)
    assert cli.main(["sweep", "swept", "--countries", "COL,ECU", "--output", str(tmp_path / "out")]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "perumig: error: interrupted; published before the interruption: swept:COL, swept:ECU")


def test_sweep_needs_a_country_parameter(capsys):
    from perumig.pipeline import cli

    assert cli.main(["sweep", "reproduction_report", "--countries", "hosts"]) == 2
    assert "has no country parameter" in capsys.readouterr().err
