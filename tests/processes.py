"""What a test's runs leave behind: the processes it started, followed through their children even after
a parent is killed, and scratch or kernel folders.

A process whose parent dies is normally adopted by the system's first process, and its pid alone then
says nothing about who started it. A test that makes itself a child subreaper (Linux) adopts them
instead, so it finds exactly its own descendants, never those of another checkout's run on the same
machine.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import psutil

from perumig import publish

PR_SET_CHILD_SUBREAPER = 36


@contextmanager
def adopting_orphans():
    """Within the block, orphaned descendants of this process become its children (Linux)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def reap(exclude: set[int] = frozenset()) -> None:
    """Collect adopted children that ended (zombies); those in ``exclude`` belong to a Popen, which waits itself."""
    for child in psutil.Process().children():
        try:
            if child.pid not in exclude and child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)
        except (psutil.NoSuchProcess, ChildProcessError):
            continue


def descendants(exclude: set[int] = frozenset()) -> list[psutil.Process]:
    """This process's living descendants (zombies reaped), except the pids in ``exclude``."""
    reap(exclude)
    return living(psutil.Process().children(recursive=True), exclude)


def descendants_of(pid: int) -> list[psutil.Process]:
    """The living descendants of process ``pid`` (one of this process's children)."""
    try:
        return living(psutil.Process(pid).children(recursive=True))
    except psutil.NoSuchProcess:
        return []


def living(processes, exclude: set[int] = frozenset()) -> list[psutil.Process]:
    """Those of ``processes`` that still run (not zombies; a pid taken over by a new process does not count)."""
    found = []
    for process in processes:
        try:
            if process.pid not in exclude and process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def wait_until_gone(exclude: set[int] = frozenset(), timeout: float = 10.0, only=None) -> list[str]:
    """Wait for every descendant (but ``exclude``), or every process of ``only``, to end; what is still running
    after ``timeout``."""
    def running():
        if only is None:
            return descendants(exclude)
        reap(exclude)
        return living(only, exclude)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running():
            return []
        time.sleep(0.1)
    survivors = []
    for process in running():
        try:
            survivors.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            continue
    return survivors


def leftovers(folder) -> list[str]:
    """Scratch, retired and kernel folders anywhere under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if publish.LEFTOVER.match(p.name) or p.name.startswith(publish.KERNEL_RUNTIME_PREFIX))


def ended_pid() -> int:
    """The pid of a process that has ended: what a killed run's scratch folders are named after."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def killed_scratch(folder, name: str):
    """A scratch folder as a killed perumig process leaves it beside ``folder / name``: named after a process that
    has ended, holding perumig's sentinel; and beside it a folder of the user's named the same way, which must
    survive. Returns both."""
    scratch = folder / f".{name}.partial-{ended_pid()}-x1"
    (scratch / "half-built").mkdir(parents=True)
    (scratch / publish.SCRATCH_SENTINEL).write_text("{}")
    users = folder / f".{name}.partial-{ended_pid()}-mine"
    users.mkdir()
    (users / "thesis.txt").write_text("mine")
    return scratch, users
