"""Faults and bad input never lose a good result: corrupted raw files, a missing mirror, two runs at
once, a notebook that raises. Interrupted and killed runs: tests/test_interrupts.py."""

import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from conftest import run_cli
from copies import copy_data
from sections import install

from perumig import locking, paths, publish, stamps
from perumig.data import sources
from perumig.pipeline import cli, runner


def snapshot() -> dict:
    """Every committed output: processed data (content and modification time: a rewrite with equal bytes
    counts), descriptor, section reports."""
    return {
        **{f"data/{k}": (v, (paths.PROCESSED / k).stat().st_mtime_ns) for k, v in stamps.folder_files(paths.PROCESSED).items()},
        "data/datapackage.json": stamps.file_digest(paths.DATAPACKAGE),
        **{f"reports/{k}": v for k, v in stamps.folder_files(paths.REPORTS).items() if not k.startswith(("runs/", "failed/"))},
    }


def leftovers() -> list:
    """Scratch and retired folders this process left in data/ and reports/ (another test's, built at the same
    moment by another pytest-xdist worker, is not this test's business)."""
    own = re.compile(rf"\.(?:partial|old)-{os.getpid()}(?:-|$)")
    return [p for folder in (paths.DATA, paths.REPORTS) for p in folder.iterdir() if own.search(p.name)]


@pytest.fixture
def truncated_mirror(tmp_path, data_mirror, monkeypatch):
    """A copy of the mirror whose World Bank file lost its second half; an empty data/raw/."""
    mirror = tmp_path / "mirror"
    shutil.copytree(data_mirror, mirror)
    # The World Bank files are read by the last builder, so the other tables are built before it fails.
    wdi = mirror / next(e.path for e in sources.registry().values() if e.path.startswith("worldbank_wdi"))
    wdi.write_bytes(wdi.read_bytes()[: wdi.stat().st_size // 2])
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    # `--data-mirror` sets the variable for the rest of the process; restore it for later tests.
    monkeypatch.setenv(sources.MIRROR_ENV, str(data_mirror))
    return mirror, wdi.relative_to(mirror).as_posix()


@pytest.mark.parametrize("command", [["build-data", "--force"], ["reproduce"]])
def test_truncated_raw_file_is_named_and_nothing_is_touched(truncated_mirror, command, capsys):
    mirror, damaged = truncated_mirror
    before = snapshot()
    assert cli.main(["--data-mirror", str(mirror), *command]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "checksum mismatch" in lines[0] and damaged in lines[0] and "perumig fetch" in lines[0]
    assert snapshot() == before
    assert leftovers() == []


def test_missing_mirror_is_one_clear_line(tmp_path, monkeypatch, capsys, data_mirror):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    monkeypatch.setenv(sources.MIRROR_ENV, str(data_mirror))  # `--data-mirror` below changes it
    before = snapshot()
    assert cli.main(["--data-mirror", str(tmp_path / "no-such-mirror"), "reproduce"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "is not a directory" in line and "PERUMIG_DATA_MIRROR" in line
    (tmp_path / "empty-mirror").mkdir()
    assert cli.main(["--data-mirror", str(tmp_path / "empty-mirror"), "reproduce"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "missing from the data mirror" in line
    assert snapshot() == before


def test_second_writer_waits_or_refuses(tmp_path):
    """While one process holds the write lock, another waits for it (or, with --no-wait, refuses).

    The waiting fetch writes into a copy of the project's data: in a fresh clone it fetched every raw file into
    the repository's data/raw/ while another test checked that building the website wrote nothing there."""
    project = tmp_path / "project"
    copy_data(project / "data")
    with locking.exclusive():
        refused = run_cli("fetch", "--no-wait")
        assert refused.returncode == 1
        (line,) = refused.stderr.strip().splitlines()
        assert "is writing data/ or reports/" in line and f"pid {os.getpid()}" in line
        waiting = subprocess.Popen([sys.executable, "-m", "perumig", "fetch"], cwd=project,
                                   env={**os.environ, "PERUMIG_ROOT": str(project)},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert waiting.poll() is None, "the second process must wait while the lock is held"
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "waiting for" in err, err
    assert out.count("ok ") == len(sources.registry())


def test_misspelt_parameter_is_reported_at_once_while_another_run_writes():
    with locking.exclusive():
        typo = run_cli("run", "flows", "-p", "contry=PER", "--no-wait")
        assert typo.returncode == 2 and "contry" in typo.stderr and "is writing" not in typo.stderr, typo.stderr
        busy = run_cli("run", "flows", "-p", "country=PER", "--no-wait")
        assert busy.returncode == 1 and "is writing data/ or reports/" in busy.stderr


def test_failing_notebook_keeps_earlier_reports(tmp_path, monkeypatch):
    """A notebook that raises leaves the published folder as it was and keeps the failed copy."""
    install(tmp_path, monkeypatch, "broken", "raise ValueError('deliberate failure')")
    published = tmp_path / "published"
    published.mkdir()
    (published / "values.json").write_text('{"good": 1}')
    publish.write_marker(published, runner.run_identity("broken", {}))  # as perumig published it
    with pytest.raises(runner.NotebookRunError) as error:
        runner.run("broken", {}, output=str(published), progress=False)
    message = str(error.value)
    assert "ValueError" in message and "deliberate failure" in message and "untouched" in message
    assert (published / "values.json").read_text() == '{"good": 1}'
    assert "deliberate failure" in (tmp_path / "failed" / "published.ipynb").read_text(), "kept with its error"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    assert os.environ.get(paths.OUTPUT_ENV) is None
