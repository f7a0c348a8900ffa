"""One writer at a time: every command that writes data/ or reports/ holds ``paths.LOCK``.

A second `perumig run` waits for the first (or, with ``--no-wait``, refuses), so two runs never
interleave their outputs. The lock is an flock on an open file: the kernel releases it when every
process holding the file is gone. The runner's workers inherit it, so a run whose main process was
killed keeps the lock only while its workers finish stopping (they stop when their parent dies), and
never after. The file's text only names the holder for messages; it is never trusted to decide.
"""

from __future__ import annotations

import fcntl
import os
import re
import stat
import sys
from contextlib import contextmanager

from perumig import paths
from perumig.errors import BusyError, UnsafePathError

HOLDER_PID = re.compile(r"\(pid (\d+)\)")


def _holder(descriptor: int) -> str:
    text = os.pread(descriptor, 1000, 0).decode("utf-8", "replace").strip() or "another perumig process"
    found = HOLDER_PID.search(text)
    if found:
        from perumig.publish import process_alive

        if not process_alive(int(found.group(1))):
            return f"{text.split(' (pid')[0]} (its main process {found.group(1)} has ended; its workers are stopping)"
    return text


def _open_lock() -> int:
    """The lock file's descriptor; a link, a folder or anything but a plain file there is refused."""
    paths.LOCK.parent.mkdir(parents=True, exist_ok=True)
    fix = f"remove {paths.LOCK} (perumig recreates it as a plain file) and run again"
    try:
        descriptor = os.open(paths.LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise UnsafePathError(f"{paths.LOCK.name} cannot be opened as the write lock ({error.strerror}); {fix}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UnsafePathError(f"{paths.LOCK.name} is not a plain file; {fix}")
    return descriptor


@contextmanager
def exclusive(wait: bool = True):
    """Hold the project's write lock for the ``with`` block."""
    descriptor = _open_lock()
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            if not wait:
                raise BusyError(
                    f"{holder} is writing data/ or reports/; run again when it has finished "
                    "(or leave out --no-wait to queue behind it)"
                ) from None
            print(f"perumig: waiting for {holder} to finish (Ctrl-C to give up)", file=sys.stderr, flush=True)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.ftruncate(descriptor, 0)
        # The command line as the holder's description; an argument may hold bytes that are not UTF-8.
        description = f"`perumig {' '.join(sys.argv[1:])[:200]}` (pid {os.getpid()})\n"
        os.pwrite(descriptor, description.encode(errors="backslashreplace"), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
