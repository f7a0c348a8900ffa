"""Publishing without half-written results: build in a scratch folder beside the destination,
then swap it in with renames while SIGINT/SIGTERM are held back.

Readers (and a run interrupted at any moment) see either the old folder or the new one, never a mix.
"""

from __future__ import annotations

import os
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held():
    """Defer SIGINT/SIGTERM until the block is done (they are delivered right after)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextmanager
def scratch_beside(target: Path):
    """An empty scratch folder beside ``target``, private to this process, removed when the block ends
    (already gone when it was swapped in)."""
    scratch = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def swap_in(built: Path, target: Path) -> None:
    """Replace ``target`` (a folder or a file) by ``built``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    with signals_held():
        if target.exists():
            target.rename(retired)
        try:
            built.rename(target)
        except OSError:  # rare (a directory that cannot grow on a full disk), but the old target must come back
            if retired.exists():
                retired.rename(target)
            raise
    if retired.is_dir():
        shutil.rmtree(retired, ignore_errors=True)
    else:
        retired.unlink(missing_ok=True)


def replace_file(built: Path, target: Path) -> None:
    """Replace the file ``target`` by ``built`` in one rename."""
    with signals_held():
        built.replace(target)
