"""One writer at a time: every command that writes data/ or reports/ holds ``paths.LOCK``.

A second `perumig run` waits for the first (or, with ``--no-wait``, refuses), so two runs never
interleave their outputs. The lock is an flock: the kernel releases it when its holder dies, so a
killed run leaves no stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager

from perumig import paths
from perumig.errors import BusyError


def _holder(lock_file) -> str:
    lock_file.seek(0)
    return lock_file.read().strip() or "another perumig process"


@contextmanager
def exclusive(wait: bool = True):
    """Hold the project's write lock for the ``with`` block."""
    paths.LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.LOCK, "a+", encoding="utf-8") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(lock_file)
            if not wait:
                raise BusyError(
                    f"{holder} is writing data/ or reports/; run again when it has finished "
                    "(or leave out --no-wait to queue behind it)"
                ) from None
            print(f"perumig: waiting for {holder} to finish (Ctrl-C to give up)", file=sys.stderr, flush=True)
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"`perumig {' '.join(sys.argv[1:])}` (pid {os.getpid()})\n")
        lock_file.flush()
        try:
            yield
        finally:
            lock_file.seek(0)
            lock_file.truncate()
            fcntl.flock(lock_file, fcntl.LOCK_UN)
