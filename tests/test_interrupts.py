"""Interrupted and killed runs: they end at once, publish nothing half-made, say what they published,
and leave no process, kernel or scratch folder behind (what a SIGKILL leaves, the next run removes).

The runs here are of stand-in sections (tests/standins.py) in processes of their own; each test follows
its own process tree (tests/processes.py) and keeps its files, kernel folders included, in tmp_path.
"""

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import kernel_folder
from copies import copy_data
from processes import adopting_orphans, descendants_of, ended_pid, killed_scratch, leftovers, wait_until_gone

from perumig import paths, publish, stamps

STANDINS = Path(__file__).with_name("standins.py")
STAND_INS = ("first", "second", "reader")


def start(folder: Path, kernels: Path, upstream: float, reader: float, generation: int, *arguments: str):
    """`perumig ARGUMENTS` over the stand-ins; kernel folders go to the test's own temporary folder."""
    return subprocess.Popen(
        [sys.executable, str(STANDINS), str(folder), str(upstream), str(reader), str(generation), "--", *arguments],
        cwd=paths.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(kernels)})


def run_all(folder: Path, kernels: Path, generation: int, *extra: str):
    process = start(folder, kernels, 0.2, 0.2, generation, "run", "all", "--output", str(folder / "out"), *extra)
    out, err = process.communicate(timeout=120)
    return process.returncode, err


@pytest.fixture(scope="module")
def first_generation(tmp_path_factory):
    """Generation 1 of the stand-ins, published once; each test copies it into its project."""
    project = tmp_path_factory.mktemp("first-generation")
    with kernel_folder() as kernels, adopting_orphans():
        code, err = run_all(project, kernels, 1)
        assert code == 0, err
        assert wait_until_gone(timeout=5) == []
    return project / "out"


def publish_first_generation(first_generation: Path, project: Path) -> Path:
    """The project's output folder, holding generation 1 (a published folder holds nothing tied to its place)."""
    return Path(shutil.copytree(first_generation, project / "out", symlinks=True))


def generation_of(published: Path) -> int | None:
    """The generation a published stand-in folder holds, after checking it is complete: exactly the
    files its marker lists (None when it was never published)."""
    if not published.exists():
        return None
    marker = publish.read_marker(published)
    assert marker is not None, f"{published} has no marker"
    assert stamps.folder_files(published) == marker["files"], f"{published} is not the complete set its marker lists"
    return json.loads((published / "values.json").read_text())["generation"]


def lock_is_free(folder: Path) -> bool:
    with open(folder / "perumig.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


KILLED_AFTER_SECONDS = (1, 3, 6, 9)


def test_killed_runs_leave_nothing_running_and_the_next_starts_at_once(tmp_path, kernels, first_generation):
    """SIGKILL of `perumig run all` at 1, 3, 6 and 9 s: no worker or kernel survives it, the lock is free,
    every published folder is a complete old or new set, and the next run (refusing to wait) cleans up.

    The four runs go at once, each in a project of its own (notebooks, lock, output), so that the test waits
    9 s, not 19; each run's processes are followed while it runs, since once it is killed they are orphans."""
    projects = {after: tmp_path / f"killed-after-{after}s" for after in KILLED_AFTER_SECONDS}
    with adopting_orphans():
        for project in projects.values():
            publish_first_generation(first_generation, project)
        killed = {after: start(project, kernels, 4, 3, 2, "run", "all", "--output", str(project / "out"), "--no-wait")
                  for after, project in projects.items()}
        started = time.monotonic()
        followed = {after: {} for after in projects}
        for after, project in projects.items():
            process = killed[after]
            while time.monotonic() < started + after:
                followed[after] |= {child.pid: child for child in descendants_of(process.pid)}
                time.sleep(0.05)
            process.kill()
            process.wait()
            # Its workers hold its output pipes: they are looked for first, so a survivor is named, not waited on.
            survivors = wait_until_gone(only=followed[after].values(), timeout=5)
            assert survivors == [], f"still running {after} s after the parent was killed: {survivors}"
            process.communicate(timeout=30)
            assert lock_is_free(project), "the lock must be free once the run's processes are gone"
            for name in STAND_INS:
                assert generation_of(project / "out" / name) in (1, 2), name
        # Also those no poll saw (a kernel forked in the last instant before its run was killed): under load, one
        # still starting made its folder anew after the next run had removed leftovers.
        assert wait_until_gone(timeout=5) == [], "the killed runs' processes must all end"
        following = [start(project, kernels, 0.2, 0.2, 3, "run", "all", "--output", str(project / "out"), "--no-wait")
                     for project in projects.values()]
        for process in following:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        assert wait_until_gone(timeout=5) == []
    for project in projects.values():
        assert {name: generation_of(project / "out" / name) for name in STAND_INS} == dict.fromkeys(STAND_INS, 3)
    assert leftovers(tmp_path) + leftovers(kernels) == [], "the next run removes what the killed ones left"


@pytest.mark.parametrize(("stop", "after"), [(signal.SIGINT, 0.3), (signal.SIGTERM, 0.3),
                                             (signal.SIGINT, "running"), (signal.SIGTERM, "running")],
                         ids=["SIGINT-first-second", "SIGTERM-first-second", "SIGINT-running", "SIGTERM-running"])
def test_interrupted_run_ends_within_three_seconds_and_discards_everything(tmp_path, kernels, first_generation, stop,
                                                                           after):
    out = publish_first_generation(first_generation, tmp_path)
    with adopting_orphans():
        process = start(tmp_path, kernels, 5, 1, 2, "run", "all", "--output", str(out))
        if after == "running":
            deadline = time.monotonic() + 60
            while not list(out.glob(".first.partial-*/first.ipynb")) and time.monotonic() < deadline:
                time.sleep(0.1)  # papermill has started executing the notebook
        else:  # the command's first second: measured from its start, not from the interpreter's
            deadline = time.monotonic() + 60
            while not (tmp_path / "started").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(after)
        signalled = time.monotonic()
        process.send_signal(stop)
        _, err = process.communicate(timeout=30)
        took = time.monotonic() - signalled
        assert wait_until_gone(timeout=3) == []
    assert process.returncode == 130 and took < 3, f"exit {process.returncode} after {took:.1f} s: {err}"
    last = err.strip().splitlines()[-1]
    # Within the first second the runs may not have been planned yet: then nothing was changed either.
    assert last in ("perumig: error: interrupted; discarded: first, second, reader (their earlier outputs are untouched)",
                    "perumig: error: interrupted; nothing was changed"), err
    assert {name: generation_of(out / name) for name in STAND_INS} == dict.fromkeys(STAND_INS, 1)
    assert leftovers(tmp_path) + leftovers(kernels) == []


def test_late_interrupt_says_what_was_already_published(tmp_path, kernels, first_generation):
    out = publish_first_generation(first_generation, tmp_path)
    with adopting_orphans():
        process = start(tmp_path, kernels, 0.2, 8, 2, "run", "all", "--output", str(out))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (generation_of(out / "first") == generation_of(out / "second") == 2):
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        assert wait_until_gone(timeout=3) == []
    assert process.returncode == 130
    last = err.strip().splitlines()[-1]
    assert re.search(r"published before the interruption: (first, second|second, first); discarded: reader", last), err
    assert [generation_of(out / name) for name in STAND_INS] == [2, 2, 1]
    assert leftovers(tmp_path) + leftovers(kernels) == []


@pytest.fixture
def project_copy(tmp_path, data_mirror):
    """A copy of the project's data in a root of its own (PERUMIG_ROOT), raw files fetched from the mirror."""
    root = tmp_path / "project"
    copy_data(root / "data")
    shutil.copytree(paths.ROOT / "requirements", root / "requirements")
    return root


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_data_build_changes_nothing_and_says_so(project_copy, stop):
    """Also: the build first removes what an earlier killed build left (a scratch folder of a process that no
    longer runs), and nothing else."""
    before = {**stamps.folder_files(project_copy / "data" / "processed"),
              "datapackage.json": stamps.file_digest(project_copy / "data" / "datapackage.json")}
    killed_build, users = killed_scratch(project_copy / "data", "processed-build")
    with adopting_orphans():
        process = subprocess.Popen([sys.executable, "-m", "perumig", "build-data", "--force"], cwd=project_copy,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "PERUMIG_ROOT": str(project_copy)})
        time.sleep(2.5)  # reading the raw workbooks
        assert process.poll() is None, "the build ended before it could be interrupted"
        signalled = time.monotonic()
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
        took = time.monotonic() - signalled
    assert process.returncode == 130 and took < 3, f"exit {process.returncode} after {took:.1f} s: {err}"
    assert err.strip().splitlines() == ["perumig: error: interrupted; nothing was changed"]
    assert f"removed data/{killed_build.name}, left behind by an earlier run that was killed" in out
    assert not killed_build.exists() and (users / "thesis.txt").read_text() == "mine"
    shutil.rmtree(users)
    after = {**stamps.folder_files(project_copy / "data" / "processed"),
             "datapackage.json": stamps.file_digest(project_copy / "data" / "datapackage.json")}
    assert after == before
    assert leftovers(project_copy / "data") == []


# A stop signal that lands where Python drops exceptions: in a finalizer (in CI a SIGTERM lost in a ZipFile's
# finalizer let build-data run to its end, exit 0), or in a C library's callback into Python (pyreadr calls one for
# every value it reads: a Ctrl-C of build-data landed there, printed two tracebacks and left a table a row short).
STOP_DROPPED = """
import os, signal, sys, time
from perumig import publish

def stop_here():
    os.kill(os.getpid(), signal.SIGTERM)
    sum(range(100_000))  # the handler runs here

class Dropped:
    def __del__(self):
        stop_here()

def read_rdata(path):
    import pandas as pd, pyreadr
    from pyreadr import _pyreadr_parser
    pyreadr.write_rdata(path, pd.DataFrame({"text": ["a"] * 1000}), df_name="frame")
    handle = _pyreadr_parser.PyreadrParser.handle_text_value
    def stopping(self, *arguments):
        if arguments[1] == 500:
            stop_here()
        return handle(self, *arguments)
    _pyreadr_parser.PyreadrParser.handle_text_value = stopping
    pyreadr.read_r(path)

with publish.stops_handled():
    try:
        if sys.argv[1] == "finalizer":
            Dropped()  # collected at once
        else:
            read_rdata(sys.argv[2])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.01)
        print("ran on")
    except KeyboardInterrupt:
        print("stopped")
    except Exception:  # the dropped stop cost pyreadr a value: the command line reports such an error as the stop
        print("stopped" if publish.stop_requested() else "failed")
"""


@pytest.mark.parametrize("place", ["finalizer", "callback"])
def test_a_stop_landing_where_python_drops_exceptions_still_stops_silently(tmp_path, place):
    finished = subprocess.run([sys.executable, "-c", STOP_DROPPED, place, str(tmp_path / "frame.RData")],
                              capture_output=True, text=True, timeout=30)
    assert finished.stdout.strip() == "stopped", finished.stderr
    assert finished.stderr == ""


STOP_FROM_ANOTHER_THREAD = """
import os, signal, threading, time
from perumig import publish

asked = threading.Event()
def send():  # started before the block, so its signal mask lets the stop in
    asked.wait()
    os.kill(os.getpid(), signal.SIGTERM)
sender = threading.Thread(target=send)
sender.start()
with publish.stops_handled():
    try:
        with publish.signals_held():
            asked.set()
            sender.join()
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                pass  # the handler runs here, in this thread
            print("block done")
        print("ran on")
    except KeyboardInterrupt:
        print("stopped")
"""


def test_a_held_stop_waits_for_the_block_whatever_thread_it_reached():
    """The operating system hands a process's signal to any thread that does not block it (a BLAS thread, a
    timer); Python still runs the handler in the main thread. Such a stop once interrupted the removal of a
    scratch folder of build-data, which stayed behind."""
    finished = subprocess.run([sys.executable, "-c", STOP_FROM_ANOTHER_THREAD], capture_output=True, text=True,
                              timeout=30)
    assert finished.stdout.split() == ["block", "done", "stopped"], finished.stderr
    assert finished.stderr == ""


STOP_WHILE_SHUTTING_DOWN = """
import atexit, os, signal, sys, time
from perumig.pipeline import entry
atexit.register(lambda: (os.kill(os.getpid(), getattr(signal, sys.argv[1])), time.sleep(0.2)))  # in the shutdown
entry.run(["list"])
"""


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_stop_after_the_command_finished_keeps_its_outcome(stop):
    """After `perumig site` had said what it built, a SIGTERM during the interpreter's shutdown ended it
    silently with 143."""
    finished = subprocess.run([sys.executable, "-c", STOP_WHILE_SHUTTING_DOWN, stop], capture_output=True, text=True,
                              timeout=60)
    assert finished.returncode == 0 and "flows" in finished.stdout and finished.stderr == "", finished


def test_nothing_is_published_once_a_stop_was_requested(tmp_path):
    built, target = tmp_path / "built.csv", tmp_path / "target.csv"
    built.write_text("new")
    target.write_text("old")
    try:
        with pytest.raises(KeyboardInterrupt):
            publish.request_stop(signal.SIGTERM, None)  # as if its KeyboardInterrupt had been lost on the way
        with pytest.raises(KeyboardInterrupt):
            publish.replace_file(built, target)
        with pytest.raises(KeyboardInterrupt):
            publish.swap_in(built, target)
    finally:
        publish.forget_stop()
    assert target.read_text() == "old" and built.read_text() == "new"
    publish.replace_file(built, target)  # a new command starts with no stop requested
    assert target.read_text() == "new"


class StoppedOnEntry:
    """The lock of the re-sent stops, with a stop landing as it is taken, when the command puts its handlers back."""

    def __init__(self):
        self.lock, self.stopped = threading.Lock(), False

    def __enter__(self):
        if not self.stopped:
            self.stopped = True
            raise KeyboardInterrupt
        return self.lock.__enter__()

    def __exit__(self, *raised):
        return self.lock.__exit__(*raised)


def _interrupted(arguments):
    raise KeyboardInterrupt


@pytest.mark.parametrize("outcome", ["finished", "interrupted"])
def test_a_stop_as_the_command_ends_keeps_its_outcome_said_once(monkeypatch, capsys, outcome):
    """In CI a stop re-sent after pyreadr had dropped the first one landed as `build-data` ended, after it had
    said "interrupted": it escaped as a traceback and the process died by SIGINT (exit -2)."""
    from perumig.pipeline import cli, entry

    handlers = {stop: signal.getsignal(stop) for stop in publish.STOP_SIGNALS}
    hooks = (sys.unraisablehook, sys.excepthook)
    monkeypatch.setattr(publish, "_resend_lock", StoppedOnEntry())
    if outcome == "interrupted":
        monkeypatch.setattr(cli, "_dispatch", _interrupted)
    try:
        code = entry.main(["list"])
    except KeyboardInterrupt:
        pytest.fail("the stop escaped the command as a KeyboardInterrupt")
    out, err = capsys.readouterr()
    if outcome == "finished":
        assert code == 0 and "flows" in out and err == ""
    else:
        assert code == 130 and err == "perumig: error: interrupted; nothing was changed\n"
    assert publish._resend_lock.stopped
    assert {stop: signal.getsignal(stop) for stop in publish.STOP_SIGNALS} == handlers
    assert (sys.unraisablehook, sys.excepthook) == hooks


class Killed(BaseException):
    """The process ends here, as by SIGKILL: nothing after it runs, not even `finally` blocks' removals."""


def _half_built_scratch(parent: Path) -> Path:
    scratch = parent / f".flows.partial-{ended_pid()}-x1"
    (scratch / "figures").mkdir(parents=True)
    for name in ("a.csv", "b.csv", "figures/one.png", "figures/two.png", publish.MARKER):
        (scratch / name).write_text(name)
    (scratch / publish.SCRATCH_SENTINEL).write_text("{}")
    return scratch


def test_a_removal_killed_at_any_step_leaves_what_the_next_command_removes(tmp_path, monkeypatch):
    """shutil.rmtree may remove a scratch folder's sentinel first: killed just after, the half-removed folder
    was no longer known for perumig's, and stayed for ever. Every step of the removal is tried as the last."""
    unlink, rmdir = os.unlink, os.rmdir
    for last_step in range(12):
        scratch = _half_built_scratch(tmp_path)
        steps = iter(range(last_step))

        def step(remove):
            def counted(*arguments, **keywords):
                if next(steps, None) is None:
                    raise Killed
                return remove(*arguments, **keywords)
            return counted

        monkeypatch.setattr(os, "unlink", step(unlink))
        monkeypatch.setattr(os, "rmdir", step(rmdir))
        try:
            publish.remove_own(scratch)
        except Killed:
            pass
        monkeypatch.undo()
        alive = publish.process_alive
        monkeypatch.setattr(publish, "process_alive", lambda pid: pid != os.getpid() and alive(pid))  # killed
        publish.remove_leftovers([tmp_path], report=lambda line: None)
        monkeypatch.undo()
        assert os.listdir(tmp_path) == [], f"killed after {last_step} steps, {sorted(os.listdir(tmp_path))} stayed"
        assert not scratch.exists()


def test_a_folder_written_while_it_is_removed_leaves_nothing(tmp_path, monkeypatch):
    """A run killed under load: its kernel, not yet gone, wrote its connection file into its folder while the next
    run removed that folder, which stayed for ever, holding that file and no sentinel (1 in 3 to 20 runs of the
    kill test with the processors busy)."""
    folder = tmp_path / f"{publish.KERNEL_RUNTIME_PREFIX}{ended_pid()}-x1"
    folder.mkdir()
    (folder / publish.SCRATCH_SENTINEL).write_text("{}")
    (folder / "kernel.json-shell").write_text("")
    unlink, written = os.unlink, []

    def written_meanwhile(path, *arguments, **keywords):
        try:
            (folder / "kernel.json").write_text("{}")
            written.append(path)
        except FileNotFoundError:
            pass
        return unlink(path, *arguments, **keywords)

    monkeypatch.setattr(os, "unlink", written_meanwhile)
    publish.remove_own(folder)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == [], f"written meanwhile: {written}"


def test_an_empty_scratch_of_a_killed_run_is_removed_and_a_users_folder_is_not(tmp_path):
    """Killed between making its scratch folder and writing the sentinel, a run leaves an empty folder."""
    empty = tmp_path / f".flows.partial-{ended_pid()}-x1"
    empty.mkdir()
    scratch, users = killed_scratch(tmp_path, "flows")
    removed = publish.remove_leftovers([tmp_path], report=lambda line: None)
    assert sorted(removed) == sorted([empty, scratch])
    assert (users / "thesis.txt").read_text() == "mine"


def test_a_stop_while_a_scratch_folder_is_made_leaves_none(tmp_path, monkeypatch):
    """A Ctrl-C of build-data while it fetched a raw file left `.<file>.partial-<pid>-…` in data/raw/ (1 in 16 runs)."""
    umask = publish.current_umask

    def stopped_meanwhile():
        publish.request_stop(signal.SIGINT, None)
        return umask()

    monkeypatch.setattr(publish, "current_umask", stopped_meanwhile)
    try:
        with pytest.raises(KeyboardInterrupt):
            with publish.scratch_beside(tmp_path / "table.csv"):
                pytest.fail("the block ran after the stop")
    finally:
        publish.forget_stop()
    assert os.listdir(tmp_path) == []


def test_a_file_stopped_while_written_leaves_the_old_one_and_nothing_beside(tmp_path):
    """`--timings` and the claims table beside the reports are written beside their place, then renamed."""
    target = tmp_path / "timings.json"
    target.write_text("old")

    def stopped_halfway(partial):
        partial.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish.write_file(target, stopped_halfway)
    assert os.listdir(tmp_path) == ["timings.json"] and target.read_text() == "old"
    publish.write_file(target, lambda partial: partial.write_text("new"))
    assert os.listdir(tmp_path) == ["timings.json"] and target.read_text() == "new"


def test_a_kernel_folder_holding_only_what_a_kernel_wrote_is_removed(kernels, monkeypatch):
    """A kernel still starting when its run was killed writes its connection file anew in a folder already removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(kernels))
    rewritten = kernels / f"{publish.KERNEL_RUNTIME_PREFIX}{ended_pid()}-x1"
    rewritten.mkdir()
    (rewritten / "kernel.json").write_text("{}")
    (rewritten / "kernel-ipc-3").write_text("")
    users = kernels / f"{publish.KERNEL_RUNTIME_PREFIX}{ended_pid()}-mine"
    users.mkdir()
    (users / "kernel.json").write_text("{}")
    (users / "notes.txt").write_text("mine")
    assert publish.remove_leftovers([], report=lambda line: None) == [rewritten]
    assert sorted(os.listdir(kernels)) == [users.name]
