"""perumig never deletes or overwrites what it did not make: every path a user gives is checked before
any work starts, with one line and exit code 2, and a decoy file beside it survives."""

import os
import shutil
import subprocess
import sys

import pytest

from perumig import locking, paths, publish, stamps
from perumig.errors import UnsafePathError
from perumig.pipeline import cli, runner


def committed_reports() -> dict:
    return {k: v for k, v in stamps.folder_files(paths.REPORTS).items() if not k.startswith(("runs/", "failed/", "sweeps/"))}


def refused(capsys, *argv) -> str:
    """Run `perumig ARGV` in-process; it must refuse with exit code 2 and one line."""
    assert cli.main(list(argv)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perumig: error: "), lines
    return lines[0]


@pytest.fixture
def decoy(tmp_path):
    """A user's folder holding a file that must survive."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my work")
    return folder


def survived(decoy) -> bool:
    return (decoy / "notes.txt").read_text() == "my work" and sorted(p.name for p in decoy.iterdir()) == ["notes.txt"]


def test_output_that_contains_the_working_directory_is_refused(capsys, decoy, monkeypatch):
    working = decoy / "work"
    working.mkdir()
    monkeypatch.chdir(working)
    assert "is or contains the working directory" in refused(capsys, "run", "flows", "--output", "..")
    assert "is or contains the working directory" in refused(capsys, "run", "flows", "--output", ".")
    assert (decoy / "notes.txt").read_text() == "my work" and working.is_dir()


def test_output_dot_from_the_repository_is_refused(capsys, monkeypatch):
    monkeypatch.chdir(paths.ROOT)
    assert "is the repository itself" in refused(capsys, "run", "flows", "--output", ".")
    assert "contains the repository" in refused(capsys, "run", "flows", "--output", "..")
    assert (paths.ROOT / ".git").exists()  # a folder, or a file in a git worktree


def test_the_compendiums_own_folders_and_other_sections_are_refused(capsys, monkeypatch):
    monkeypatch.chdir(paths.ROOT)
    before = committed_reports()
    assert "one of the compendium's own folders" in refused(capsys, "run", "flows", "--output", "reports")
    assert "one of the compendium's own folders" in refused(capsys, "run", "flows", "--output", "data")
    assert "kept for the run of government_response" in refused(capsys, "run", "flows", "--output",
                                                                 "reports/government_response")
    assert "inside reports/flows, a folder perumig published" in refused(capsys, "run", "flows", "--output",
                                                                        "reports/flows/figures")
    assert committed_reports() == before


def test_a_link_a_file_and_a_users_folder_are_refused(capsys, decoy, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(decoy, target_is_directory=True)
    assert "is a symbolic link" in refused(capsys, "run", "flows", "--output", str(link))
    assert "has no .perumig-published.json" in refused(capsys, "run", "flows", "--output", str(decoy))
    assert "is a file, not a folder" in refused(capsys, "run", "flows", "--output", str(decoy / "notes.txt"))
    assert survived(decoy)


def test_sweep_refuses_a_users_folder_where_a_country_run_would_go(capsys, decoy):
    (decoy.parent / "flows-COL").mkdir()
    (decoy.parent / "flows-COL" / "mine.csv").write_text("1")
    assert "holds what perumig did not publish (flows-COL, mine)" in refused(capsys, "sweep", "flows", "--countries",
                                                                             "COL", "--output", str(decoy.parent))
    assert (decoy.parent / "flows-COL" / "mine.csv").read_text() == "1" and survived(decoy)


def test_a_published_folder_with_a_users_file_added_is_not_replaced(capsys, tmp_path):
    published = tmp_path / "flows"
    published.mkdir()
    (published / "values.json").write_text("{}")
    publish.write_marker(published, runner.run_identity("flows", {}))
    (published / "my_notes.txt").write_text("mine")
    line = refused(capsys, "run", "flows", "--output", str(published))
    assert "did not write or that changed since it did (my_notes.txt)" in line
    assert (published / "my_notes.txt").read_text() == "mine"


def test_a_users_file_where_the_claims_table_goes_is_refused(capsys, tmp_path):
    (tmp_path / "claims.csv").write_text("my claims")
    assert "holds what perumig did not publish (claims.csv)" in refused(capsys, "run", "all", "--output", str(tmp_path))
    assert (tmp_path / "claims.csv").read_text() == "my claims"


@pytest.mark.parametrize("command", [["sweep", "flows", "--countries", "COL"], ["run", "all"]], ids=["sweep", "run-all"])
def test_a_folder_that_runs_go_into_is_checked_itself(capsys, monkeypatch, decoy, tmp_path, command):
    """`sweep --output DIR` and `run all --output DIR` publish folders inside DIR: DIR itself must not be the
    repository, one of its folders, a link, a file or a folder holding a user's files (they once published into
    all of these)."""
    monkeypatch.chdir(paths.ROOT)
    link = tmp_path / "link"
    link.symlink_to(decoy, target_is_directory=True)
    before = set(paths.ROOT.iterdir()), set(paths.REPORTS.iterdir()), set(paths.DATA.iterdir())
    for output, reason in ((".", "is the repository itself"), ("reports", "one of the compendium's own folders"),
                           ("data", "one of the compendium's own folders"), ("src", "one of the compendium's own folders"),
                           ("reports/flows", "published"), (str(link), "is a symbolic link"),
                           (str(decoy), "holds what perumig did not publish (notes.txt)"),
                           (str(decoy / "notes.txt"), "is a file, not a folder"),
                           (str(decoy / "notes.txt" / "runs"), "which is a file")):
        assert reason in refused(capsys, *command, "--output", output), output
    assert (set(paths.ROOT.iterdir()), set(paths.REPORTS.iterdir()), set(paths.DATA.iterdir())) == before
    assert survived(decoy)


def test_a_folder_holding_what_perumig_published_there_takes_more(tmp_path):
    """A folder of earlier runs: their published folders, the claims table beside them, a killed run's scratch."""
    run = tmp_path / "flows"
    run.mkdir()
    (run / "values.json").write_text("{}")
    (tmp_path / "claims.csv").write_text("claim_id\n")
    publish.write_marker(run, runner.run_identity("flows", {}), {"../claims.csv": stamps.file_digest(tmp_path / "claims.csv")})
    publish.new_scratch(tmp_path / "government_response")  # a run's scratch folder, as a killed run leaves it
    # and one still empty: killed between making it and writing its sentinel (empty, it holds nothing of anyone's)
    (tmp_path / ".economic_impact.partial-99999998-x1").mkdir()
    assert publish.check_container(tmp_path) == tmp_path.resolve()
    users = tmp_path / ".economic_impact.partial-99999999-mine"  # named like one, but holding the user's file
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    with pytest.raises(UnsafePathError, match=r"did not publish \(.economic_impact.partial-99999999-mine\)"):
        publish.check_container(tmp_path)
    shutil.rmtree(users)
    (tmp_path / "claims.csv").write_text("edited")
    with pytest.raises(UnsafePathError, match=r"did not publish \(claims.csv\)"):
        publish.check_container(tmp_path)


@pytest.mark.parametrize("added", ["link_to_a_folder", "empty_folder", "stamp_named_file", "link_to_a_file",
                                   "partial_stamp_named_file", "link_as_the_stamp"])
def test_anything_added_to_a_published_folder_stops_its_replacement(capsys, tmp_path, decoy, added):
    """Not only files: a link, an empty folder, files named like perumig's stamp, deeper down or at the top, a
    link in the stamp's place (all were deleted when the folder was published again)."""
    published = tmp_path / "flows"
    (published / "data").mkdir(parents=True)
    (published / "data" / "table.csv").write_text("a\n")
    publish.write_marker(published, runner.run_identity("flows", {}))
    place = {"link_to_a_folder": published / "mylink", "empty_folder": published / "my_empty",
             "stamp_named_file": published / "data" / ".perumig-stamp.json.notes",
             "link_to_a_file": published / "data" / "notes.txt",
             "partial_stamp_named_file": published / f"{paths.STAMP}.partial", "link_as_the_stamp": published / paths.STAMP}[added]
    if added == "link_to_a_folder":
        place.symlink_to(decoy, target_is_directory=True)
    elif added == "empty_folder":
        place.mkdir()
    elif added in ("stamp_named_file", "partial_stamp_named_file"):
        place.write_text("my notes")
    else:
        place.symlink_to(decoy / "notes.txt")
    line = refused(capsys, "run", "flows", "--output", str(published))
    assert "did not write or that changed since it did" in line and place.name in line
    assert place.is_symlink() or place.exists()
    assert survived(decoy)


@pytest.mark.parametrize("name", [publish.MARKER, paths.STAMP])
def test_a_users_file_named_like_perumigs_own_is_not_taken_for_it(capsys, tmp_path, name):
    """A folder holding only a file of the user's that has the name of perumig's marker or stamp is the user's:
    once it was taken for empty and overwritten, or its stamp read as perumig's (a KeyError traceback)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / name).write_text('{"mine": 1}')
    assert "has no .perumig-published.json" in refused(capsys, "run", "flows", "--output", str(folder))
    assert (folder / name).read_text() == '{"mine": 1}' and [p.name for p in folder.iterdir()] == [name]


def test_run_all_into_a_new_folder_is_planned(tmp_path):
    """`run all --output NEW`: the sections' folders and the claims table beside them go into a folder the run
    makes (the claims table's check used to refuse it for want of that folder)."""
    jobs = runner.plan_all(str(tmp_path / "new" / "reports"))
    for job in jobs:
        job.check_destination()
    beside = [job.beside() for job in jobs if job.beside() is not None]
    assert beside == [tmp_path / "new" / "reports" / "claims.csv"]
    assert not (tmp_path / "new").exists(), "planning makes nothing"


@pytest.mark.parametrize("make", ["user_file", "folder", "missing_parent", "inside_published", "link", "device",
                                  "pipe", "in_git", "under_a_file"])
def test_timings_never_overwrites_what_perumig_did_not_write(capsys, tmp_path, make):
    """Nor reads what never ends: a device (/dev/zero once filled the memory) or a pipe (waited forever)."""
    target = {"user_file": tmp_path / "t.json", "folder": tmp_path, "missing_parent": tmp_path / "no" / "t.json",
              "inside_published": paths.REPORTS / "flows" / "values.json", "link": tmp_path / "link.json",
              "device": "/dev/zero", "pipe": tmp_path / "pipe", "in_git": paths.ROOT / ".git" / "t.json",
              "under_a_file": paths.ROOT / "README.md" / "t.json"}[make]
    if make == "user_file":
        target.write_text("mine")
    if make == "link":
        (tmp_path / "elsewhere.json").write_text("mine")
        target.symlink_to(tmp_path / "elsewhere.json")
    if make == "pipe":
        os.mkfifo(target)
    before = stamps.file_digest(paths.REPORTS / "flows" / "values.json")
    refused(capsys, "run", "flows", "--timings", str(target))
    assert stamps.file_digest(paths.REPORTS / "flows" / "values.json") == before
    if make == "user_file":
        assert target.read_text() == "mine"
    if make == "link":
        assert (tmp_path / "elsewhere.json").read_text() == "mine"


def test_timings_inside_the_folder_a_run_publishes_is_refused_before_it_runs(capsys, tmp_path):
    """Refused only after the run had published (exit 2, no timings written, no 'published' line)."""
    output = tmp_path / "run"
    output.mkdir()
    assert "where flows will be published" in refused(capsys, "run", "flows", "--output", str(output),
                                                        "--timings", str(output / "t.json"))
    assert list(output.iterdir()) == []


def test_timings_written_by_perumig_may_be_replaced(tmp_path):
    target = tmp_path / "timings.json"
    cli._write_timings(str(target), [])
    first = target.read_text()
    cli._check_timings(str(target), [])  # its own earlier file: accepted
    assert '"made_by": "perumig"' in first


@pytest.mark.parametrize("make", ["link", "folder"])
def test_a_link_or_folder_in_place_of_the_lock_is_refused(capsys, tmp_path, monkeypatch, make):
    lock = tmp_path / "perumig.lock"
    (tmp_path / "decoy.txt").write_text("mine")
    if make == "link":
        lock.symlink_to(tmp_path / "decoy.txt")
    else:
        lock.mkdir()
    monkeypatch.setattr(paths, "LOCK", lock)
    with pytest.raises(UnsafePathError, match="perumig.lock"):
        with locking.exclusive():
            pass
    assert "perumig.lock" in refused(capsys, "fetch")
    assert (tmp_path / "decoy.txt").read_text() == "mine"
    assert lock.is_symlink() if make == "link" else lock.is_dir() and not any(lock.iterdir())


@pytest.mark.parametrize("arguments", [["run", "flows", "-p", b"country=\xff\xfe"],
                                       ["run", "flows", "--output", b"/tmp/perumig-test-\xff"],
                                       ["sweep", "flows", "--countries", "ECU", "--output", b"/tmp/perumig-test-\xff"]],
                         ids=["parameter", "run-output", "sweep-output"])
def test_an_argument_that_is_not_utf8_is_one_line(arguments):
    """The command line once failed with a traceback writing such an argument into the lock file."""
    finished = subprocess.run([sys.executable, "-m", "perumig", *arguments], capture_output=True, cwd=paths.ROOT)
    lines = finished.stderr.decode(errors="replace").strip().splitlines()
    assert finished.returncode == 2 and len(lines) == 1 and lines[0].startswith("perumig: error: "), lines
    assert not os.path.exists(b"/tmp/perumig-test-\xff")
