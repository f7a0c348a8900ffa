"""Execute sections' notebooks with papermill, in parallel, and only when their inputs changed.

A run is executed into a scratch folder beside its destination by a worker; the runner (the process
the user started) then stamps it, marks it as perumig's and swaps it in. A failed or interrupted run
never touches earlier good reports; a failed notebook is kept in ``reports/failed/`` with its error.

Workers are forked processes (the parent imports papermill once) that die with their parent: a run
whose main process is killed leaves no worker, kernel or scratch folder running or held for long, and
the next run removes any folder a crash left behind. Independent runs execute concurrently; a run
waits for the runs it reads (the reproduction report reads the other sections' values). A run whose
stamp shows that nothing it depends on changed is skipped (see :mod:`perumig.stamps`).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import wait as wait_for_any
from pathlib import Path
from typing import Any

from perumig import paths, publish, stamps
from perumig.errors import InterruptedRun, NotebookRunError, PerumigError
from perumig.pipeline import kernels, params
from perumig.sections import SECTIONS, Section, section

# One more than the cores: a run waits at times (kernel start, messages); on 2 cores, 3 runs at once
# rebuilt everything in 27 s against 32 s for 2 at once.
DEFAULT_WORKERS = (os.cpu_count() or 1) + 1
# A worker asked to stop gets this long to shut its kernel down before it and its kernel are killed;
# the runner removes their folders itself, so an interrupted run ends well within three seconds.
STOP_GRACE_SECONDS = 0.5
# One BLAS/OpenMP thread per kernel unless the user says otherwise: the matrices here are tiny, so
# extra threads only spin, and with several kernels at once they fight over the cores (on 2 cores,
# 3 kernels with OpenBLAS's default 2 threads each took 5 s more CPU for a full rebuild). It also
# keeps floating-point results independent of how many runs share the machine.
KERNEL_THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
ENGINE = "perumig"
# A run's folder name holds its changed parameters; past this length the rest is replaced by a hash,
# so that any valid parameters (53 peers, say) give a name the file system accepts.
SLUG_LIMIT = 80


def validated_parameters(chosen: Section, given: dict[str, Any]) -> dict[str, Any]:
    """All parameters of the run, typed and checked; raises ParameterError before any kernel starts."""
    resolved = params.resolve(params.declared(chosen.path), given)
    chosen.check_parameters(resolved)
    return resolved


def slug(changed: dict[str, Any]) -> str:
    """The changed parameters as a folder name: readable, and never longer than SLUG_LIMIT characters."""
    parts = []
    for name, value in sorted(changed.items()):
        text = "+".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{name}-{text}")
    readable = re.sub(r"[^A-Za-z0-9_.+-]", "_", "_".join(parts))
    if len(readable) <= SLUG_LIMIT:
        return readable
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return f"{readable[: SLUG_LIMIT - 13]}-{digest}"


def destination(chosen: Section, resolved: dict[str, Any], output: str | None = None) -> tuple[Path, dict[str, Any]]:
    """Where the run is published, and the parameters that differ from the notebook's defaults."""
    defaults = {name: p.default for name, p in params.declared(chosen.path).items()}
    changed = {name: value for name, value in resolved.items() if value != defaults[name]}
    if output:
        return Path(os.path.abspath(output)), changed
    if not changed:
        return paths.REPORTS / chosen.id, changed
    return paths.REPORT_RUNS / f"{chosen.id}-{slug(changed)}", changed


def run_identity(section_id: str, changed: dict[str, Any]) -> dict[str, Any]:
    """What a run's published folder holds, as its marker records it."""
    return {"kind": "run", "section": section_id, "parameters": json.loads(json.dumps(changed, default=str))}


def reserved_folders() -> dict[Path, dict[str, Any]]:
    """Each section's default folder, kept for its default run."""
    return {paths.REPORTS / s.id: run_identity(s.id, {}) for s in SECTIONS.values()}


@dataclass
class Job:
    """One section run to do: what to run, with which parameters, where to publish."""

    section: Section
    given: dict[str, Any] = field(default_factory=dict)
    output: str | None = None
    section_reports: Path | None = None  # where the sections it reads are published (default reports/)
    after: tuple[str, ...] = ()  # keys of the jobs it must wait for
    key: str = ""
    resolved: dict[str, Any] = field(default_factory=dict)
    validated: bool = False
    target: Path | None = None
    changed: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        self.key = self.key or self.section.id

    def resolve(self) -> None:
        """Parameters filled in and typed, and the destination checked (cheap); ``validate`` adds the
        section's own rules (imports pandas)."""
        self.resolved = params.resolve(params.declared(self.section.path), self.given)
        self.target, self.changed = destination(self.section, self.resolved, self.output)
        self.check_destination()

    def validate(self) -> None:
        if not self.validated:
            self.section.check_parameters(self.resolved)
            self.target, self.changed = destination(self.section, self.resolved, self.output)
            self.check_destination()
            self.validated = True

    def identity(self) -> dict[str, Any]:
        return run_identity(self.section.id, self.changed)

    def check_destination(self) -> None:
        """The destination folder (and the file published beside it) may be replaced; else UnsafePathError."""
        given = Path(self.output) if self.output else self.target
        self.target = publish.check_target(given, self.identity(), reserved_folders(), user_given=bool(self.output))
        beside = self.beside()
        if beside is not None and beside.parent.exists():  # a folder the run will make holds nothing to protect
            publish.check_file_target(beside, self.previous_beside())

    def previous_beside(self) -> set[str]:
        """The content perumig last published beside the folder (recorded in its marker)."""
        marker = publish.read_marker(self.target) if self.target.is_dir() else None
        return set((marker or {}).get("beside", {}).values())

    def environment(self) -> dict[str, str]:
        """What the kernel inherits: where the other sections are, no hash randomisation, one BLAS thread
        (unless set)."""
        reports = self.section_reports or paths.section_reports()
        threads = {name: os.environ.get(name, value) for name, value in KERNEL_THREADS.items()}
        return {"PYTHONHASHSEED": "0", "PERUMIG_ROOT": str(paths.ROOT), paths.SECTION_REPORTS_ENV: str(reports),
                **threads}

    def stamp_inputs(self, data: dict[str, str]) -> dict[str, Any]:
        """Everything the published folder depends on; ``data`` are the data files the run read."""
        return {
            "notebook": stamps.file_digest(self.section.path),
            "parameters": self.resolved,
            "code": stamps.code_digest(stamps.notebook_modules(self.section.path)),
            "environment": stamps.environment_digest(),
            "data": data,
        }

    def beside_files(self, folder: Path) -> dict[str, str]:
        """The file a default run also publishes beside the section folders, with its sha256 in ``folder``."""
        if self.beside() is None:
            return {}
        return {f"../{self.beside().name}": stamps.file_digest(folder / self.section.publishes_beside)}

    def outputs(self, folder: Path) -> dict[str, str]:
        """The published files, with the copy published beside the section folders for a default run."""
        return {**stamps.folder_files(folder), **self.beside_files(folder)}

    def beside(self) -> Path | None:
        if self.section.publishes_beside is None or self.changed:
            return None
        return self.target.parent / Path(self.section.publishes_beside).name

    def is_current(self) -> bool:
        """Whether the published folder was made from the current inputs and is intact."""
        stored = stamps.read(self.target)
        if stored is None:
            return False
        with _environment(self.environment()):
            data = {name: stamps.file_digest(paths.input_path(name)) for name in stored["inputs"].get("data", {})}
        current = stamps.is_current(self.target, self.stamp_inputs(data), self.outputs(self.target))
        beside = self.beside()
        return current and (beside is None or stamps.file_digest(beside) in self.previous_beside())


@dataclass(frozen=True)
class Result:
    """What a backend reports of a job it ran: how it ended, its wall time, its kernel's use of the machine."""

    status: str  # ran, failed, interrupted, dropped (a warm job told not to run)
    seconds: float = 0.0
    kernel_peak_mib: float | None = None
    message: str = ""
    cpu_seconds: float | None = None  # the kernel's and the worker's processor time


@dataclass
class Outcome:
    job: Job
    status: str  # ran, skipped, failed, not run, interrupted
    seconds: float = 0.0
    kernel_peak_mib: float | None = None
    message: str = ""
    reason: str = ""  # for a failure: what went wrong, in a few words (the message adds where things are)
    cpu_seconds: float | None = None

    def line(self) -> str:
        where = shown(self.job.target)
        if self.status == "ran":
            memory = "" if self.kernel_peak_mib is None else f" (kernel peak {self.kernel_peak_mib:.0f} MiB)"
            return f"ran {self.job.key} in {self.seconds:.1f} s{memory} -> {where}"
        if self.status == "skipped":
            return f"skipped {self.job.key}: its notebook, parameters, code and data are unchanged since {where} was made"
        return f"{self.status} {self.job.key}: {self.message}"


def shown(path: Path | None) -> str:
    return "?" if path is None else publish.shown(path)


@contextmanager
def _environment(values: dict[str, str]):
    """Set environment variables for the block (a kernel inherits them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@cache
def import_execution_stack() -> None:
    """Import papermill and register its engine once, before the workers are forked.

    jsonschema (through nbformat) imports rfc3987-syntax when it is installed, which builds 38
    parsers at import (about two seconds); its IRI format checks are never used to validate a
    notebook, so the import is skipped.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
    from papermill.engines import NBClientEngine, papermill_engines

    class SaveOnceEngine(NBClientEngine):
        """papermill's nbclient engine, writing the executed notebook when it starts and when it ends or fails.

        papermill also saves the whole notebook before and after every cell (63 writes, each
        validated against the schema, 1.6 s for section 3); nothing reads those files here.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            save = nb_man.save
            nb_man.save = lambda **_: None
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                nb_man.save = save  # papermill's notebook_complete then writes it, failed or not

    papermill_engines.register(ENGINE, SaveOnceEngine)


def _make_deterministic(notebook_path: Path) -> None:
    """Drop what changes from run to run: papermill's timings and the random id of the injected cell."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.metadata.pop("papermill", None)
    for position, cell in enumerate(notebook.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = f"injected-parameters-{position}"
    nbformat.write(notebook, notebook_path)


def _failure_message(error: Exception) -> str:
    name = getattr(error, "ename", type(error).__name__)
    value = str(getattr(error, "evalue", error)).strip().splitlines()
    cell = getattr(error, "exec_count", None)
    where = f" in cell [{cell}]" if cell else ""
    return f"{name}{where}: {value[0] if value else ''}"


def _warm_up(kernel, job: Job) -> None:
    """Import what the notebook imports, silently (no output, no execution count), while it waits.

    A section that reads the others' values cannot start before they finish; its kernel can, so
    the heavy imports are off the critical path. The notebook's own cells then run as in a fresh kernel.
    """
    modules = ["IPython.display"] + [f"perumig.{m}" for m in sorted(stamps.notebook_modules(job.section.path))]
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute(f"[__import__('importlib').import_module(m) for m in {modules!r}]", silent=True, store_history=False)
        client.get_shell_msg(timeout=300)
    finally:
        client.stop_channels()


class NotebookFailed(Exception):
    """The notebook raised; the executed copy, with its error, is in the run's folder."""


def _literal_path(path: Path) -> str:
    """A path for papermill, which fills in ``{parameter}`` in paths (braces in a folder's name broke every run)."""
    return str(path).replace("{", "{{").replace("}", "}}")


def execute_notebook(job: Job, folder: Path, runtime: Path, progress: bool = False, go=None, on_kernel=None,
                     fork_server: kernels.ForkServer | None = None) -> kernels.KernelUse | None:
    """Execute the job's notebook into ``folder``: the executed notebook, its HTML page and everything the
    notebook writes; returns the kernel's peak memory and processor time. The kernel talks over local sockets (IPC)
    in ``runtime``: no network port; it is forked from ``fork_server`` when one is given (see
    :mod:`perumig.pipeline.kernels`).

    With ``go``, the kernel is started and warmed up first, then ``go()`` says whether to run at all
    (False: nothing is run, None is returned). ``on_kernel`` receives the kernel's process id once it
    runs. Raises NotebookFailed when the notebook raises. The folder is published by the caller.
    """
    import papermill
    from jupyter_client.manager import KernelManager

    executed = folder / job.section.notebook
    options = {"kernel_name": "python3", "transport": "ipc", "connection_file": str(runtime / "kernel.json")}
    kernel = kernels.forked_kernel_manager(fork_server, **options) if fork_server else KernelManager(**options)
    try:
        with _environment({**job.environment(), paths.OUTPUT_ENV: str(folder)}):
            kernel.start_kernel(cwd=str(paths.NOTEBOOKS))
            if on_kernel is not None:
                on_kernel(kernel.provisioner.pid)
            if go is not None:
                _warm_up(kernel, job)
                if not go():
                    return None
            papermill.execute_notebook(
                _literal_path(job.section.path), _literal_path(executed), parameters=job.changed, kernel_name="python3",
                progress_bar=progress, cwd=str(paths.NOTEBOOKS), record_timing=False, km=kernel, engine_name=ENGINE,
            )
            use = kernels.use_of(kernel.provisioner.pid)
    except Exception as error:
        if _stopping:
            raise KeyboardInterrupt from None
        raise NotebookFailed(_failure_message(error)) from None
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
    _make_deterministic(executed)
    return use


# Publishing, in the runner's own process.


def _publish(job: Job, folder: Path) -> None:
    """Stamp the executed run in ``folder``, mark it as perumig's and swap it in (with its file beside)."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    data = {entry["path"]: entry["sha256"] for entry in manifest.get("inputs", [])}
    stamps.write(folder, job.stamp_inputs(data), job.outputs(folder))
    beside = job.beside()
    if beside is not None:
        publish.check_file_target(beside, job.previous_beside())
    publish.publish_folder(folder, job.target, job.identity(), job.beside_files(folder), reserved_folders(),
                           user_given=bool(job.output))
    if beside is not None:
        publish.write_file(beside, lambda partial: shutil.copyfile(job.target / job.section.publishes_beside, partial),
                           tag=f"-{job.key}")


def _keep_failed(job: Job, folder: Path, reason: str) -> str:
    """Keep the failed notebook for debugging; the message for the user."""
    executed = folder / job.section.notebook
    kept = ""
    if executed.is_file():
        failed = paths.FAILED_RUNS / f"{job.target.name}.ipynb"
        failed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, failed)
        kept = f" The failed notebook is kept at {shown(failed)};"
    return (f"section '{job.section.id}' failed: {reason}.{kept} earlier reports in {job.target.name}/ are untouched")


# Workers: forked processes that die with their parent.

_stopping = False


def _abandon(folder: Path, runtime: Path, kernel: int | None) -> None:
    """End a worker whose parent is gone: no one will publish its folder or clean up after it, so it ends
    its kernel, removes what it was building and exits at once, whatever its main thread is doing."""
    if kernel is not None:
        try:
            os.kill(kernel, signal.SIGKILL)
        except ProcessLookupError:
            pass
    publish.remove_own(folder)
    publish.remove_own(runtime)
    os._exit(InterruptedRun.exit_code)


def _worker(job: Job, folder: Path, runtime: Path, progress: bool, connection, warm: bool, parent: int,
            inherited: list, fork_server: kernels.ForkServer | None) -> None:
    """Body of a forked worker: run one job into ``folder``, send back what happened, exit.

    A ``warm`` worker starts its kernel at once and waits for the parent's "go" (or "stop").

    Stopped by its parent (SIGTERM), it unwinds, discarding its folder, and the parent kills what is left
    after a grace time. Orphaned (its parent killed), it cannot count on unwinding: a stop signal landing
    inside papermill's or jupyter_client's event loop can leave it waiting forever. So the stop signal
    the system sends when the parent dies, and a thread that watches the parent, both end it outright.
    """
    for other in inherited:  # other workers' pipe ends: holding them would keep those pipes from closing
        other.close()
    # Its own process group: a Ctrl-C in the terminal reaches the parent only, which stops the
    # workers in order (SIGTERM), so kernels are never interrupted behind the runner's back.
    os.setpgid(0, 0)
    kernel: list[int] = []

    def orphaned() -> bool:
        return os.getppid() != parent

    def abandon() -> None:
        _abandon(folder, runtime, kernel[0] if kernel else None)

    def stop(signum, frame):
        global _stopping
        _stopping = True
        if orphaned():
            abandon()
        raise KeyboardInterrupt

    def watch_parent() -> None:
        while not orphaned():
            time.sleep(kernels.WATCH_SECONDS)
        abandon()

    for signum in publish.STOP_SIGNALS:
        signal.signal(signum, stop)
    kernels.die_with_parent(parent)
    threading.Thread(target=watch_parent, daemon=True, name="perumig-watch-parent").start()
    start = time.perf_counter()

    def send(message) -> None:
        try:
            connection.send(message)
        except OSError:  # the parent is gone; nothing to tell
            pass

    def started(pid: int) -> None:
        kernel.append(pid)
        send(("kernel", pid))

    try:
        use = execute_notebook(job, folder, runtime, progress, go=(lambda: connection.recv() == "go") if warm else None,
                               on_kernel=started, fork_server=fork_server)
        if use is None:
            send(Result("dropped"))
        else:
            send(Result("ran", time.perf_counter() - start, use.peak_mib, "",
                        use.cpu_seconds + kernels.own_cpu_seconds() if use.cpu_seconds is not None else None))
    except NotebookFailed as failure:
        send(Result("failed", time.perf_counter() - start, message=str(failure)))
    except (KeyboardInterrupt, EOFError):
        # Stopped, or the parent died: what was being built goes (the parent may not be there to do it).
        publish.remove_own(folder)
        send(Result("interrupted", time.perf_counter() - start, message="interrupted"))
    except Exception as error:  # a fault of the runner itself: one line, the published folder is kept
        send(Result("failed", time.perf_counter() - start, message=f"{type(error).__name__}: {error}"))
    finally:
        publish.remove_own(runtime)
        connection.close()
    # Straight out: a forked process's exit handlers and thread joins are its parent's, not its own.
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


@dataclass
class _Running:
    job: Job
    folder: Path
    runtime: Path
    process: Any
    connection: Any
    kernel: int | None = None


class LocalBackend:
    """Runs jobs in forked worker processes on this machine."""

    warms = True  # can start a job's kernel before the job may run

    def __init__(self, workers: int, progress: bool):
        self.workers = workers
        self.progress = progress
        self.context = multiprocessing.get_context("fork")
        self.running: dict[str, _Running] = {}
        self.warming: dict[str, _Running] = {}
        self.fork_server: kernels.ForkServer | None = None
        self.fork_server_folder: Path | None = None

    def _kernel_server(self, job: Job) -> kernels.ForkServer | None:
        """The fork server every kernel of this run comes from, started with the first job."""
        if self.fork_server is None and kernels.enabled():
            self.fork_server_folder = publish.new_kernel_runtime()
            self.fork_server = kernels.ForkServer(kernels.notebook_imports(), job.environment(), self.fork_server_folder)
        return self.fork_server

    def _fork(self, job: Job, folder: Path, warm: bool) -> _Running:
        import_execution_stack()
        server = self._kernel_server(job)
        runtime = publish.new_kernel_runtime()
        parent_end, worker_end = self.context.Pipe()
        inherited = [r.connection for r in (*self.running.values(), *self.warming.values())] + [parent_end]
        process = self.context.Process(
            target=_worker, args=(job, folder, runtime, self.progress, worker_end, warm, os.getpid(), inherited, server),
            name=f"perumig-{job.key}", daemon=True)
        process.start()
        worker_end.close()
        return _Running(job, folder, runtime, process, parent_end)

    def full(self) -> bool:
        return len(self.running) >= self.workers

    def busy(self) -> bool:
        return bool(self.running or self.warming)

    def warm(self, job: Job, folder: Path) -> None:
        self.warming[job.key] = self._fork(job, folder, warm=True)

    def is_warm(self, job: Job) -> bool:
        return job.key in self.warming

    def start(self, job: Job, folder: Path, upstream: list[Job]) -> None:
        """Run ``job`` into ``folder``; the runs it reads (``upstream``) are published where it looks for them."""
        warm = self.warming.pop(job.key, None)
        if warm is not None:
            warm.connection.send("go")
            self.running[job.key] = warm
        else:
            self.running[job.key] = self._fork(job, folder, warm=False)

    def cancel(self, job: Job) -> None:
        """Drop a warm job that will not run."""
        warm = self.warming.pop(job.key)
        try:
            warm.connection.send("stop")
        except OSError:
            pass
        warm.process.join(STOP_GRACE_SECONDS)
        self._kill(warm)
        publish.remove_own(warm.runtime)

    def _receive(self, entry: _Running):
        """Messages of a worker: its kernel's id (kept), then its result (returned), or None."""
        while entry.connection.poll():
            try:
                message = entry.connection.recv()
            except (EOFError, OSError):
                return None
            if isinstance(message, tuple) and message[0] == "kernel":
                entry.kernel = message[1]
            else:
                return message
        return None

    def finished(self, timeout: float) -> list[tuple[Job, tuple]]:
        """Jobs whose worker ended within ``timeout`` seconds, with their Result."""
        for entry in self.warming.values():
            self._receive(entry)
        if not self.running:
            return []
        done = []
        ready = wait_for_any([entry.connection for entry in self.running.values()], timeout=timeout)
        for key, entry in list(self.running.items()):
            if entry.connection not in ready:
                continue
            result = self._receive(entry)
            if result is None and entry.process.is_alive():
                continue  # only the kernel's id arrived
            del self.running[key]
            entry.process.join()
            publish.remove_own(entry.runtime)
            done.append((entry.job, result or Result("failed", message=f"its worker died (exit code {entry.process.exitcode})")))
        return done

    @staticmethod
    def _kill(entry: _Running) -> None:
        if entry.process.is_alive():
            try:
                os.killpg(entry.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            entry.process.join(1)
        if entry.kernel is not None and publish.process_alive(entry.kernel):
            try:
                os.kill(entry.kernel, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> list[Job]:
        """Stop every worker (SIGTERM, then SIGKILL after the grace time); returns the jobs they had."""
        entries = [*self.running.values(), *self.warming.values()]
        for entry in entries:
            self._receive(entry)
            if entry.process.is_alive():
                entry.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for entry in entries:
            entry.process.join(max(0.0, deadline - time.monotonic()))
            self._receive(entry)
            self._kill(entry)
            publish.remove_own(entry.runtime)
        self.running.clear()
        self.warming.clear()
        self.close()
        return [entry.job for entry in entries]

    def close(self) -> None:
        """Stop the kernel fork server (its kernels have ended with their workers)."""
        if self.fork_server is not None:
            self.fork_server.close()
            publish.remove_own(self.fork_server_folder)
            self.fork_server = None


def _settle_without_running(job: Job, finished: dict[str, Outcome], force: bool) -> Outcome | None:
    """The outcome of a job that needs no worker: an upstream job failed, or nothing changed."""
    unfinished = [key for key in job.after if finished[key].status not in ("ran", "skipped")]
    if unfinished:
        reason = f"it reads {', '.join(unfinished)}, which did not finish"
        return Outcome(job, "not run", message=reason, reason=reason)
    if not force and job.is_current():
        return Outcome(job, "skipped")
    job.validate()
    return None


def _conclude(job: Job, folder: Path, result: Result) -> Outcome:
    """Publish a finished job's folder, or keep its failed notebook; the folder is gone afterwards."""
    seconds, peak, cpu = result.seconds, result.kernel_peak_mib, result.cpu_seconds
    try:
        if result.status == "ran":
            try:
                _publish(job, folder)
            except PerumigError as refusal:  # the destination changed while the run executed
                return Outcome(job, "failed", seconds, peak, f"not published: {refusal}", str(refusal), cpu)
            return Outcome(job, "ran", seconds, peak, cpu_seconds=cpu)
        message = _keep_failed(job, folder, result.message) if result.status == "failed" else result.message
        return Outcome(job, result.status, seconds, peak, message, result.message, cpu)
    finally:
        publish.remove_own(folder)


def _interruption(jobs: list[Job], finished: dict[str, Outcome]) -> InterruptedRun:
    """What an interruption did: which runs were published, which discarded."""
    published = [job.key for job in jobs if job.key in finished and finished[job.key].status == "ran"]
    discarded = [job.key for job in jobs if job.key not in finished or finished[job.key].status == "interrupted"]
    return InterruptedRun(published, discarded)


def leftover_folders(jobs: list[Job]) -> list[Path]:
    """Folders where an earlier crashed run may have left scratch folders: beside every destination."""
    folders = {paths.REPORTS, paths.REPORT_RUNS, paths.SWEEPS, paths.DATA}
    folders |= {job.target.parent for job in jobs if job.target is not None}
    return sorted(folders)


def execute(jobs: list[Job], force: bool = False, workers: int | None = None, progress: bool = False,
            report=print, backend=None, raise_on_failure: bool = True) -> list[Outcome]:
    """Run ``jobs`` (at most ``workers`` at once), skipping those whose inputs did not change.

    Parameters of every job are checked before any kernel starts. ``report`` receives one line per
    finished job. Raises NotebookRunError when a job failed (after the others finished; unless
    ``raise_on_failure`` is off) and InterruptedRun on SIGINT/SIGTERM (after the workers stopped),
    naming what was published and what discarded. The caller holds the write lock.
    """
    for job in jobs:
        job.resolve()
    publish.remove_leftovers(leftover_folders(jobs), report)
    # A job found current now, with nothing it reads to be rerun, is skipped without the section's
    # own checks, which import pandas: its stamp holds the same parameters, checked when it ran.
    will_run = {job.key: force or not job.is_current() for job in jobs}
    for job in jobs:
        if will_run[job.key] or any(will_run[key] for key in job.after):
            job.validate()
    own_backend = backend is None
    backend = backend or LocalBackend(workers or DEFAULT_WORKERS, progress)
    if isinstance(backend, LocalBackend) and any(will_run.values()):
        import_execution_stack()  # before the stop handlers: a Ctrl-C during these seconds-long imports ends it at once
    finished: dict[str, Outcome] = {}
    folders: dict[str, Path] = {}
    pending = list(jobs)
    stop_requested: list[int] = []
    previous_handlers = {stop: signal.signal(stop, lambda signum, frame: stop_requested.append(signum))
                         for stop in publish.STOP_SIGNALS}

    def record(outcome: Outcome) -> None:
        finished[outcome.job.key] = outcome.job.outcome = outcome
        report(outcome.line())

    try:
        while (pending and not stop_requested) or backend.busy():
            if backend.warms and not stop_requested:
                for job in pending:
                    upstream_runs = any(key not in finished and will_run[key] for key in job.after)
                    if upstream_runs and not backend.is_warm(job):
                        folders[job.key] = publish.new_scratch(job.target)
                        backend.warm(job, folders[job.key])
            for job in [j for j in pending if all(key in finished for key in j.after)]:
                if backend.full() or stop_requested:
                    break
                pending.remove(job)
                outcome = _settle_without_running(job, finished, force)
                if outcome is not None:
                    if backend.warms and backend.is_warm(job):
                        backend.cancel(job)
                        publish.remove_own(folders.pop(job.key))
                    record(outcome)
                    continue
                if job.key not in folders:
                    folders[job.key] = publish.new_scratch(job.target)
                backend.start(job, folders[job.key], [finished[key].job for key in job.after])
            if stop_requested:
                break
            for job, result in backend.finished(timeout=0.2):
                record(_conclude(job, folders.pop(job.key), result))
    finally:
        if backend.busy():
            for job in backend.stop():
                finished.setdefault(job.key, Outcome(job, "interrupted", message="interrupted"))
        for folder in folders.values():
            publish.remove_own(folder)
        if own_backend:
            backend.close()
        for stop, handler in previous_handlers.items():
            signal.signal(stop, handler)
    if stop_requested:
        raise _interruption(jobs, finished)
    failures = [o for o in finished.values() if o.status in ("failed", "not run")]
    if failures and raise_on_failure:
        raise NotebookRunError("; ".join(f"{o.job.key}: {o.message}" for o in failures))
    return [finished[job.key] for job in jobs]


def run(section_id: str, given: dict[str, Any], output: str | None = None, progress: bool = True,
        force: bool = False) -> Path:
    """Run one section; returns the folder its outputs were published to."""
    job = Job(section(section_id), given, output)
    execute([job], force=force, workers=1, progress=progress, report=lambda line: None)
    return job.target


def plan_all(output: str | None = None) -> list[Job]:
    """Every section with its default parameters; the report waits for the sections it reads."""
    root = Path(os.path.abspath(output)) if output else None
    independent = [s.id for s in SECTIONS.values() if not s.reads_sections]
    return [
        Job(s, {}, None if root is None else str(root / s.id), section_reports=root,
            after=tuple(independent) if s.reads_sections else ())
        for s in SECTIONS.values()
    ]


def run_all(output: str | None = None, progress: bool = False, force: bool = False, workers: int | None = None,
            report=print) -> list[Path]:
    """Every section with its default parameters, independent ones in parallel."""
    jobs = plan_all(output)
    execute(jobs, force=force, workers=workers, progress=progress, report=report)
    return [job.target for job in jobs]
