"""Shared fixtures. Raw files come from the local mirror (PERUMIG_DATA_MIRROR, or ../shared/data/raw)."""

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from perumig import paths
from perumig.data import sources


@pytest.fixture(scope="session", autouse=True)
def data_mirror():
    """Tests never touch the network: they fetch from the local mirror."""
    mirror = os.environ.get(sources.MIRROR_ENV) or (str(paths.SHARED_MIRROR) if paths.SHARED_MIRROR.is_dir() else "")
    if not mirror:
        pytest.exit(f"set {sources.MIRROR_ENV} to a folder holding the raw files (e.g. ../shared/data/raw)", returncode=4)
    os.environ[sources.MIRROR_ENV] = mirror
    return Path(mirror)


@pytest.fixture(autouse=True)
def private_lock(tmp_path, monkeypatch):
    """Each test takes a write lock of its own, in-process and in the commands it starts: tests running at
    once (pytest-xdist) publish into their own folders, and must not wait for each other."""
    lock = tmp_path / ".perumig.lock"
    monkeypatch.setattr(paths, "LOCK", lock)
    monkeypatch.setenv("PERUMIG_LOCK", str(lock))
    return lock


@contextmanager
def kernel_folder():
    """A temporary folder of its own for kernel folders (TMPDIR of the runs a test starts), with a path short
    enough for the kernels' sockets."""
    folder = Path(tempfile.mkdtemp(prefix="pk-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def kernels():
    with kernel_folder() as folder:
        yield folder


def run_cli(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`perumig ...` as a user runs it, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "perumig", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=paths.ROOT,
    )
