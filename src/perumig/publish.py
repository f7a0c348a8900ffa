"""Publishing without half-written results and without touching what perumig did not make.

A result (a section run, the processed data, a sweep table, the website) is built in a scratch folder
beside its destination, then swapped in while SIGINT/SIGTERM are held back: readers, and a run killed
at any moment, see the old folder or the new one, never a mix.

Every published folder holds a marker (``.perumig-published.json``) naming what it is and the sha256 of
every file perumig put there. A folder is replaced only when it does not exist, is empty, or holds
exactly what its marker lists; never when it is a symbolic link, the repository, a folder that contains
the repository or the working directory, a folder inside another published one, or the folder of
another run. Anything else is refused with one line before any work starts, and again at the swap.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from perumig import paths, stamps
from perumig.errors import UnsafePathError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
MARKER = ".perumig-published.json"
MADE_BY = "perumig"
# Hidden files perumig itself keeps in a published folder: the marker, the local stamp (and the stamp while written).
OWN_HIDDEN = (MARKER, paths.STAMP, f"{paths.STAMP}.partial")
# `.flows.partial-1234-x8f2` / `.flows.old-1234-x8f2`: scratch and retired folders of process 1234.
LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:partial|old)-(?P<pid>\d+)-[^/]*$")
# In every scratch, retired and kernel folder from its making, until its content is marked for publishing: a
# folder of the user's named like one of them is never taken for perumig's.
SCRATCH_SENTINEL = ".perumig-scratch"
KERNEL_RUNTIME_PREFIX = "perumig-kernel-"
# What a kernel writes in its folder by itself: its connection file and its sockets (ipc transport).
KERNEL_FILES = re.compile(r"^kernel(?:\.json|-ipc-\d+)$")
# A kernel's sockets are files in its runtime folder, and a socket's path may not exceed 107 bytes.
KERNEL_RUNTIME_MAX_BASE = 60
RENAME_EXCHANGE = 2  # renameat2 flag (Linux): swap two paths atomically
STOP_RESEND_SECONDS = 0.05


_stop_requested = False
_stop_signal = signal.SIGINT
# Depth of `signals_held` blocks, and whether a stop arrived inside one: it is raised when the outermost ends.
_held = 0
_stop_deferred = False
# Re-sent stops still to come, and whether stops are handled: none is sent once the command is done.
_resends: list[threading.Timer] = []
_resend_lock = threading.Lock()
_handling = False


def request_stop(signum, frame) -> None:
    """The commands' handler of SIGINT/SIGTERM: stop by raising KeyboardInterrupt where the program is, or,
    inside `signals_held`, where that block ends.

    Once a stop was requested nothing is published, whatever became of its KeyboardInterrupt.
    """
    global _stop_requested, _stop_signal, _stop_deferred
    _stop_requested, _stop_signal = True, signum
    if _held:
        _stop_deferred = True
        return
    raise KeyboardInterrupt


def _resend_stop() -> None:
    with _resend_lock:
        if _handling:
            os.kill(os.getpid(), _stop_signal)


def _stop_dropped(unraisable, previous) -> None:
    """sys.unraisablehook while stops are handled. Python drops an exception raised where it cannot propagate,
    in a finalizer (``__del__``) or a C library's callback into Python (pyreadr's, for every value it reads),
    and the command would run on to its end: there the signal is sent again a moment later, silently."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt) and _stop_requested:
        resend = threading.Timer(STOP_RESEND_SECONDS, _resend_stop)
        resend.daemon = True
        _resends.append(resend)
        resend.start()
        return
    previous(unraisable)


def _stop_printed(exc_type, value, traceback, previous) -> None:
    """sys.excepthook while stops are handled: Cython prints an exception it drops through this hook first."""
    if issubclass(exc_type, KeyboardInterrupt) and _stop_requested:
        return
    previous(exc_type, value, traceback)


@contextmanager
def stops_handled():
    """Within the block, SIGINT and SIGTERM stop the command by `request_stop`, wherever they land."""
    global _handling
    previous = {stop: signal.signal(stop, request_stop) for stop in STOP_SIGNALS}
    unraisable, excepthook = sys.unraisablehook, sys.excepthook
    sys.unraisablehook = lambda dropped: _stop_dropped(dropped, unraisable)
    sys.excepthook = lambda *raised: _stop_printed(*raised, excepthook)
    _handling = True
    try:
        yield
    finally:
        # A stop may land here too (a re-sent one did, in CI): the caller keeps the command's outcome, and the
        # handlers and hooks are put back all the same.
        _handling = False
        try:
            with _resend_lock:
                for resend in _resends:
                    resend.cancel()
                _resends.clear()
        finally:
            sys.unraisablehook, sys.excepthook = unraisable, excepthook
            for stop, handler in previous.items():
                signal.signal(stop, handler)


def stop_requested() -> bool:
    """Whether a stop signal arrived during the current command (its KeyboardInterrupt may have become
    another error on its way up, or been dropped)."""
    return _stop_requested


def forget_stop() -> None:
    """A new command in this process starts with no stop requested."""
    global _stop_requested, _stop_deferred
    _stop_requested = _stop_deferred = False


@contextmanager
def signals_held():
    """Defer SIGINT/SIGTERM until the block is done (they are delivered right after); blocks nest.

    The signal mask covers this thread only, and the operating system hands a signal to any thread that does
    not block it (a BLAS thread, a timer): Python then runs the handler in this thread all the same. So the
    commands' handler, `request_stop`, defers a stop itself inside the block, and the mask serves other handlers.
    """
    global _held, _stop_deferred
    _held += 1
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        _held -= 1
        if not _held and _stop_deferred:
            _stop_deferred = False
            raise KeyboardInterrupt


@contextmanager
def publishing():
    """The block that makes outputs visible: stop signals held, and nothing done after a stop was requested."""
    with signals_held():
        if stop_requested():
            raise KeyboardInterrupt
        yield


def new_scratch(target: Path) -> Path:
    """A new, empty scratch folder beside ``target`` whose name no other process can hold, with the permissions
    of any new folder (mkdtemp's are the owner's only, and the published folder kept them: no one else could
    read the reports)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent))
    scratch.chmod(0o777 & ~current_umask())
    return _with_sentinel(scratch)


def current_umask() -> int:
    """The process's file mode creation mask (read from /proc where it can be, without changing it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def scratch_beside(target: Path):
    """A new scratch folder beside ``target``, removed when the block ends (already gone when swapped in).

    Making and removing it hold stop signals back: a stop that landed between making the folder and knowing
    its name (a Ctrl-C of build-data while it fetched a raw file, in 1 of 16 runs of its test) left it behind; a
    second stop (or one re-sent after Python dropped the first) during the removal would leave it half removed.
    """
    scratch = None
    try:
        with signals_held():  # a stop while it is made comes once it is known, and so removed
            scratch = new_scratch(target)
        yield scratch
    finally:
        if scratch is not None:
            with signals_held():
                remove_own(scratch)


def shown(path: Path) -> str:
    """A path as messages show it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return str(path.relative_to(paths.ROOT)) if path.is_absolute() and path.is_relative_to(paths.ROOT) else str(path)
    except ValueError:
        return str(path)


def describe(identity: dict[str, Any]) -> str:
    """What a published folder holds, for messages: 'the run of flows with country=COL'."""
    kind = identity.get("kind")
    if kind == "run":
        changed = identity.get("parameters") or {}
        settings = ", ".join(f"{name}={_short(value)}" for name, value in sorted(changed.items()))
        return f"the run of {identity.get('section')}" + (f" with {settings}" if settings else " with its default parameters")
    if kind == "sweep":
        return f"the sweep tables of {identity.get('section')} ({identity.get('label')})"
    return {"site": "the website", "processed-data": "the processed data"}.get(kind, f"a perumig {kind or 'folder'}")


def _short(value: Any, limit: int = 40) -> str:
    text = "+".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The folder's marker, or None when it has none or it is not one perumig wrote."""
    try:
        with open(folder / MARKER, "rb") as handle:
            marker = json.loads(handle.read(10_000_000))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("made_by") != MADE_BY or not isinstance(marker.get("files"), dict):
        return None
    return marker


def write_marker(folder: Path, identity: dict[str, Any], extra_files: dict[str, str] | None = None) -> None:
    """Record what ``folder`` is and every file in it (``extra_files``: files published beside it)."""
    marker = {"made_by": MADE_BY, "identity": identity, "files": stamps.folder_files(folder),
              "beside": extra_files or {}}
    (folder / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _not_made_by_perumig(folder: Path, marker: dict[str, Any]) -> list[str]:
    """What ``folder`` holds that its marker does not list: files not listed or changed since, links, and folders
    that hold no listed file (an empty one included)."""
    listed = marker["files"]
    listed_folders = {parent.as_posix() for name in listed for parent in Path(name).parents}
    found = []
    for root, directories, files in os.walk(folder):
        relative_root = Path(root).relative_to(folder)
        walked = []
        for name in sorted(directories):
            relative = (relative_root / name).as_posix()
            if name.startswith(".") or (Path(root) / name).is_symlink() or relative not in listed_folders:
                found.append(relative + "/")
            else:
                walked.append(name)
        directories[:] = walked
        for name in sorted(files):
            relative = (relative_root / name).as_posix()
            path = Path(root) / name
            if relative_root == Path(".") and _own_hidden_file(path):
                continue
            if path.is_symlink() or not path.is_file() or listed.get(relative) != stamps.file_digest(path):
                found.append(relative)
    return found


def _given(target: Path | str) -> Path:
    """A path the user gave, refused when it is not text: bytes that are not UTF-8 cannot go into the notebooks
    and files that name it."""
    try:
        str(target).encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafePathError(f"{str(target).encode(errors='backslashreplace').decode()} holds bytes that are not "
                              "UTF-8; give a path in UTF-8") from None
    return Path(target)


def _own_hidden_file(path: Path) -> bool:
    """Whether ``path``, at the top of a marked folder, is perumig's own marker or stamp (a file of the user's
    with such a name is not)."""
    if path.is_symlink() or not path.is_file() or path.name not in OWN_HIDDEN:
        return False
    return read_marker(path.parent) is not None if path.name == MARKER else stamps.read(path.parent, path.name) is not None


def _made_by_perumig_scratch(folder: Path) -> bool:
    """Whether a folder named like a scratch, retired or kernel folder is one perumig made; or an empty one (a
    process killed between making the folder and writing its sentinel leaves one; an empty folder holds nothing
    of anyone's, which is why the rule lets perumig replace one); or a kernel folder holding only what a kernel
    writes there by itself (a kernel still starting when its run was killed writes its connection file anew)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    if folder.name.startswith(KERNEL_RUNTIME_PREFIX) and all(KERNEL_FILES.match(name) for name in names):
        return True
    return not names or SCRATCH_SENTINEL in names and (folder / SCRATCH_SENTINEL).is_file() \
        or read_marker(folder) is not None


def _with_sentinel(folder: Path) -> Path:
    (folder / SCRATCH_SENTINEL).write_text(json.dumps({"made_by": MADE_BY, "pid": os.getpid()}) + "\n", encoding="utf-8")
    return folder


def remove_own(folder: Path) -> None:
    """Remove a scratch, retired or kernel folder of perumig's, so that whatever happens meanwhile, what is left
    is a folder the next command still knows for perumig's, and removes:

    - it is first renamed after this process: a process still writing there (a killed run's kernel, not yet
      gone) can add nothing more, and another command removing leftovers leaves it to this one;
    - its sentinel and marker go last (shutil.rmtree may remove them first: killed just after, the folder was
      no longer known for perumig's and stayed for ever).
    """
    folder = _claimed_for_removal(folder)
    if folder is None:
        return
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError:
        entries = []
    for entry in entries:
        if entry.name in (SCRATCH_SENTINEL, MARKER):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with suppress(OSError):
                os.unlink(entry.path)
    for name in (MARKER, SCRATCH_SENTINEL):
        with suppress(OSError):
            (folder / name).unlink()
    with suppress(OSError):
        folder.rmdir()


def _claimed_for_removal(folder: Path) -> Path | None:
    """``folder`` under a new name of the same kind, naming this process (None: it is gone, or another process
    took it first)."""
    scratch = LEFTOVER.match(folder.name)
    if scratch:
        name = f".{scratch.group('name')}.old-{os.getpid()}-removed-{os.urandom(4).hex()}"
    elif folder.name.startswith(KERNEL_RUNTIME_PREFIX):
        name = f"{KERNEL_RUNTIME_PREFIX}{os.getpid()}-removed-{os.urandom(4).hex()}"
    else:
        return folder
    claimed = folder.with_name(name)
    try:
        folder.rename(claimed)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return folder  # renaming is not allowed here: removed where it is
    return claimed


def _under_a_file(resolved: Path) -> Path | None:
    """The file ``resolved`` would have to be inside (its nearest existing ancestor, when that is not a folder)."""
    for ancestor in resolved.parents:
        if ancestor.exists():
            return None if ancestor.is_dir() else ancestor
    return None


def _protected(resolved: Path) -> str | None:
    """Why ``resolved`` may never be replaced, or None."""
    root = paths.ROOT.resolve()
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if resolved == root:
        return "is the repository itself"
    if resolved in root.parents:
        return "contains the repository"
    if cwd is not None and (cwd == resolved or resolved in cwd.parents):
        return "is or contains the working directory"
    if resolved.is_relative_to(root / ".git"):
        return "is inside the repository's .git folder"
    structural = {paths.DATA, paths.RAW, paths.TRANSCRIBED, paths.NOTEBOOKS, paths.REPORTS, paths.REPORT_RUNS,
                  paths.FAILED_RUNS, paths.SWEEPS, root / "src", root / "tests", root / "benchmarks",
                  root / "requirements", root / ".venv"}
    if resolved in {path.resolve() for path in structural}:
        return "is one of the compendium's own folders"
    for ancestor in resolved.parents:
        if (ancestor / MARKER).is_file():
            return f"is inside {shown(ancestor)}, a folder perumig published"
    return None


def _checked_place(given: Path, action: str, fix: str) -> Path:
    """The resolved folder ``given``, unless it is a link, a protected place, a path under a file or a file."""
    if given.is_symlink():
        raise UnsafePathError(f"{given} is a symbolic link; perumig does not publish through links: {fix}")
    resolved = given.resolve()
    reason = _protected(resolved)
    if reason:
        raise UnsafePathError(f"{shown(given)} {reason}; perumig will not {action}: {fix}")
    if (enclosing := _under_a_file(resolved)) is not None:
        raise UnsafePathError(f"{shown(given)} would be inside {shown(enclosing)}, which is a file: {fix}")
    if resolved.exists() and not resolved.is_dir():
        raise UnsafePathError(f"{shown(given)} is a file, not a folder: {fix}")
    return resolved


def check_target(target: Path | str, identity: dict[str, Any], reserved: dict[Path, dict[str, Any]] | None = None,
                 user_given: bool = True) -> Path:
    """The resolved folder ``target``, if perumig may publish ``identity`` there; else an UnsafePathError.

    ``reserved``: folders kept for other results (another section's default folder) even when absent.
    ``user_given``: the user named the folder (else it is one of perumig's own places); the fix differs.
    """
    given = _given(target)
    fix = ("choose another folder (a new or empty one, or one perumig published for the same run)" if user_given
           else f"move what you added out of {shown(given)} (or remove it yourself) and run again")
    resolved = _checked_place(given, "replace it", fix)
    for folder, owner in (reserved or {}).items():
        if resolved == folder.resolve() and owner != identity:
            raise UnsafePathError(f"{shown(given)} is kept for {describe(owner)}: {fix}")
    if not resolved.exists():
        return resolved
    entries = list(resolved.iterdir())
    if not entries or ([entry.name for entry in entries] == [paths.STAMP] and _own_hidden_file(entries[0])):
        return resolved  # empty, or holding nothing but a stamp perumig wrote
    marker = read_marker(resolved)
    if marker is None:
        raise UnsafePathError(f"{shown(given)} holds files perumig did not make (it has no {MARKER}); "
                              f"perumig will not replace it: {fix}")
    if marker.get("identity") != identity:
        raise UnsafePathError(f"{shown(given)} holds {describe(marker.get('identity') or {})}, not "
                              f"{describe(identity)}: {fix}")
    foreign = _not_made_by_perumig(resolved, marker)
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise UnsafePathError(f"{shown(given)} holds files perumig did not write or that changed since it did "
                              f"({listed}); move them out (or remove the folder yourself) and run again")
    return resolved


def check_container(target: Path | str) -> Path:
    """The resolved folder ``target``, if perumig may publish folders into it (`run all --output`, `sweep
    --output`); else an UnsafePathError. The same places are refused as for a folder it replaces, and an existing
    folder may hold only what perumig put there: folders it published, files a marker there lists beside its
    folder (the claims table) and scratch folders of its runs."""
    given = _given(target)
    fix = "choose a new or empty folder, or one that holds only what perumig published there"
    resolved = _checked_place(given, "publish into it", fix)
    if not resolved.exists():
        return resolved
    entries = list(resolved.iterdir())
    markers = {entry.name: read_marker(entry) for entry in entries if entry.is_dir() and not entry.is_symlink()}
    beside = {Path(name).name: digest for marker in markers.values() if marker
              for name, digest in (marker.get("beside") or {}).items()}

    def made_by_perumig(entry: Path) -> bool:
        if entry.is_symlink():
            return False
        if entry.is_dir():
            return markers[entry.name] is not None or (bool(LEFTOVER.match(entry.name)) and _made_by_perumig_scratch(entry))
        return entry.is_file() and beside.get(entry.name) == stamps.file_digest(entry)

    foreign = sorted(entry.name for entry in entries if not made_by_perumig(entry))
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise UnsafePathError(f"{shown(given)} holds what perumig did not publish ({listed}): {fix}")
    return resolved


def check_file_target(target: Path | str, allowed_previous: set[str] = frozenset()) -> Path:
    """The resolved file ``target`` if perumig may write it: absent, or holding content perumig wrote
    (a sha256 in ``allowed_previous``); never a link, a folder or a file inside a published folder."""
    given = _given(target)
    if given.is_symlink():
        raise UnsafePathError(f"{given} is a symbolic link; perumig does not write through links: give another file name")
    resolved = given.resolve()
    if (enclosing := _under_a_file(resolved)) is not None:
        raise UnsafePathError(f"{shown(given)} would be inside {shown(enclosing)}, which is a file; "
                              "give another path")
    if not resolved.parent.is_dir():
        raise UnsafePathError(f"{shown(given)}: its folder {shown(resolved.parent)} does not exist; create it or give another path")
    if resolved.is_dir():
        raise UnsafePathError(f"{shown(given)} is a folder; give a file name")
    if resolved.exists() and not resolved.is_file():
        raise UnsafePathError(f"{shown(given)} is not a regular file (a device or a pipe); give a file name")
    if resolved.is_relative_to(paths.ROOT.resolve() / ".git"):
        raise UnsafePathError(f"{shown(given)} is inside the repository's .git folder; give a path outside it")
    for ancestor in resolved.parents:
        if (ancestor / MARKER).is_file():
            raise UnsafePathError(f"{shown(given)} is inside {shown(ancestor)}, which perumig published; give a path outside it")
    if resolved.exists() and stamps.file_digest(resolved) not in allowed_previous:
        raise UnsafePathError(f"{shown(given)} exists and perumig did not write it; give a new file name or move it away")
    return resolved


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(second))


def swap_in(built: Path, target: Path) -> None:
    """Replace ``target`` (a folder or a file) by ``built``; the old content is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with publishing():
        if not target.exists() and not target.is_symlink():
            built.rename(target)
            return
        if _exchange(built, target):
            retired = built  # the exchange left the old content where the new one was built
        else:
            retired = _with_sentinel(Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent)))
            target.rename(retired / target.name)
            try:
                built.rename(target)
            except OSError:  # rare (a folder that cannot grow on a full disk), but the old target must come back
                (retired / target.name).rename(target)
                (retired / SCRATCH_SENTINEL).unlink(missing_ok=True)
                retired.rmdir()
                raise
        if retired.is_dir() and not retired.is_symlink():
            remove_own(retired)
        else:
            retired.unlink(missing_ok=True)


def publish_folder(built: Path, target: Path, identity: dict[str, Any], beside: dict[str, str] | None = None,
                   reserved: dict[Path, dict[str, Any]] | None = None, user_given: bool = False) -> None:
    """Mark ``built`` as ``identity``, check once more that ``target`` may be replaced, and swap it in."""
    write_marker(built, identity, beside)
    (built / SCRATCH_SENTINEL).unlink(missing_ok=True)  # the marker says whose it is from now on
    check_target(target, identity, reserved, user_given)
    swap_in(built, target)


def replace_file(built: Path, target: Path) -> None:
    """Replace the file ``target`` by ``built`` in one rename."""
    with publishing():
        built.replace(target)


def write_file(target: Path, write, tag: str = "") -> None:
    """Write the file ``target`` whole or not at all: ``write(path)`` writes it beside, then one rename puts it in
    place. Stopped or failed on the way, nothing is left beside it."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}{tag}")
    try:
        write(partial)
        replace_file(partial, target)
    except BaseException:
        with signals_held():
            partial.unlink(missing_ok=True)
        raise


def kernel_runtime_base() -> Path:
    """Where kernels' runtime folders go: the temporary folder, unless its path is too long for sockets."""
    base = Path(tempfile.gettempdir())
    return base if len(str(base)) <= KERNEL_RUNTIME_MAX_BASE or not Path("/tmp").is_dir() else Path("/tmp")


def new_kernel_runtime() -> Path:
    """A private folder for one kernel's connection file and sockets, named after this process."""
    return _with_sentinel(Path(tempfile.mkdtemp(prefix=f"{KERNEL_RUNTIME_PREFIX}{os.getpid()}-", dir=kernel_runtime_base())))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(folders: list[Path], report=print) -> list[Path]:
    """Remove the scratch and retired folders in ``folders``, and kernel folders, of perumig processes that no
    longer run, with a line each to ``report``.

    A process killed at the wrong moment (SIGKILL, a crash) cannot clean up; the next command does.
    Folders of processes still running (another checkout's run, say) are left alone.
    """
    removed = []
    candidates = [entry for folder in folders if folder.is_dir() for entry in folder.iterdir()]
    runtime = kernel_runtime_base()
    candidates += [entry for entry in runtime.iterdir() if entry.name.startswith(KERNEL_RUNTIME_PREFIX)] \
        if runtime.is_dir() else []
    for entry in candidates:
        match = LEFTOVER.match(entry.name) or re.match(rf"^{KERNEL_RUNTIME_PREFIX}(?P<pid>\d+)-", entry.name)
        if match and not process_alive(int(match.group("pid"))) and _made_by_perumig_scratch(entry):
            remove_own(entry)
            removed.append(entry)
            report(f"removed {shown(entry)}, left behind by an earlier run that was killed")
    return removed
