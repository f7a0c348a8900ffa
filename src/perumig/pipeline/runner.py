"""Execute sections' notebooks with papermill, in parallel, and only when their inputs changed.

A run is built in a scratch folder beside its destination and swapped in only when it succeeds,
so a failed or interrupted run never touches earlier good reports; a failed notebook is kept in
``reports/failed/`` with its error. Each run executes in a forked worker process (the parent
imports papermill once); independent runs execute concurrently, a run waits for the runs it
reads (the reproduction report reads the other sections' values). A run whose stamp shows that
nothing it depends on changed is skipped (see :mod:`perumig.stamps`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import wait as wait_for_any
from pathlib import Path
from typing import Any

from perumig import paths, publish, stamps
from perumig.errors import InterruptedRun, NotebookRunError
from perumig.pipeline import params
from perumig.sections import SECTIONS, Section, section

# One more than the cores: a run waits at times (kernel start, messages); on 2 cores, 3 runs at once
# rebuilt everything in 27 s against 32 s for 2 at once.
DEFAULT_WORKERS = (os.cpu_count() or 1) + 1
STOP_GRACE_SECONDS = 20  # a worker asked to stop gets this long to shut its kernel down
# One BLAS/OpenMP thread per kernel unless the user says otherwise: the matrices here are tiny, so
# extra threads only spin, and with several kernels at once they fight over the cores (on 2 cores,
# 3 kernels with OpenBLAS's default 2 threads each took 5 s more CPU for a full rebuild). It also
# keeps floating-point results independent of how many runs share the machine.
KERNEL_THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
ENGINE = "perumig"


def validated_parameters(chosen: Section, given: dict[str, Any]) -> dict[str, Any]:
    """All parameters of the run, typed and checked; raises ParameterError before any kernel starts."""
    resolved = params.resolve(params.declared(chosen.path), given)
    chosen.check_parameters(resolved)
    return resolved


def slug(changed: dict[str, Any]) -> str:
    parts = []
    for name, value in sorted(changed.items()):
        text = "+".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{name}-{text}")
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", "_".join(parts))


def destination(chosen: Section, resolved: dict[str, Any], output: str | None = None) -> tuple[Path, dict[str, Any]]:
    """Where the run is published, and the parameters that differ from the notebook's defaults."""
    defaults = {name: p.default for name, p in params.declared(chosen.path).items()}
    changed = {name: value for name, value in resolved.items() if value != defaults[name]}
    if output:
        return Path(output).resolve(), changed
    if not changed:
        return paths.REPORTS / chosen.id, changed
    return paths.REPORT_RUNS / f"{chosen.id}-{slug(changed)}", changed


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
        """Parameters filled in and typed (cheap); ``validate`` adds the section's own rules (imports pandas)."""
        self.resolved = params.resolve(params.declared(self.section.path), self.given)
        self.target, self.changed = destination(self.section, self.resolved, self.output)

    def validate(self) -> None:
        if not self.validated:
            self.section.check_parameters(self.resolved)
            self.target, self.changed = destination(self.section, self.resolved, self.output)
            self.validated = True

    def environment(self) -> dict[str, str]:
        """What the kernel inherits: where to write, where the other sections are, no hash randomisation,
        one BLAS thread (unless set)."""
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

    def outputs(self, folder: Path, beside: Path | None = None) -> dict[str, str]:
        """The published files, with the copy published beside the section folders for a default run."""
        files = stamps.folder_files(folder)
        if self.beside() is not None:
            files[f"../{self.beside().name}"] = stamps.file_digest(beside or self.beside())
        return files

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
        return stamps.is_current(self.target, self.stamp_inputs(data), self.outputs(self.target))


@dataclass
class Outcome:
    job: Job
    status: str  # ran, skipped, failed, not run, interrupted
    seconds: float = 0.0
    kernel_peak_mib: float | None = None
    message: str = ""

    def line(self) -> str:
        where = shown(self.job.target)
        if self.status == "ran":
            return f"ran {self.job.key} in {self.seconds:.1f} s (kernel peak {self.kernel_peak_mib:.0f} MiB) -> {where}"
        if self.status == "skipped":
            return f"skipped {self.job.key}: its notebook, parameters, code and data are unchanged since {where} was made"
        return f"{self.status} {self.job.key}: {self.message}"


def shown(path: Path | None) -> str:
    if path is None:
        return "?"
    return str(path.relative_to(paths.ROOT)) if path.is_relative_to(paths.ROOT) else str(path)


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
def _import_execution_stack() -> None:
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


def _publish_beside(job: Job, target: Path) -> None:
    beside = job.beside()
    if beside is not None:
        partial = beside.with_name(f".{beside.name}.partial-{os.getpid()}")
        shutil.copyfile(target / job.section.publishes_beside, partial)
        publish.replace_file(partial, beside)


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


def _execute(job: Job, progress: bool, go=None) -> bool:
    """Run the notebook into a scratch folder and publish it; raises NotebookRunError on failure.

    With ``go``, the kernel is started and warmed up first, then ``go()`` says whether to run at all
    (False: the run is dropped, nothing is published).
    """
    import papermill
    from jupyter_client.manager import KernelManager

    target = job.target
    with publish.scratch_beside(target) as scratch:
        executed = scratch / job.section.notebook
        runtime = Path(tempfile.mkdtemp(prefix="perumig-kernel-"))
        # Kernels talk over local sockets (IPC) in a private folder: no network port, no file left behind.
        kernel = KernelManager(kernel_name="python3", transport="ipc", connection_file=str(runtime / "kernel.json"))
        try:
            with _environment({**job.environment(), paths.OUTPUT_ENV: str(scratch)}):
                kernel.start_kernel(cwd=str(paths.NOTEBOOKS))
                if go is not None:
                    _warm_up(kernel, job)
                    if not go():
                        return False
                papermill.execute_notebook(
                    str(job.section.path), str(executed), parameters=job.changed, kernel_name="python3",
                    progress_bar=progress, cwd=str(paths.NOTEBOOKS), record_timing=False, km=kernel, engine_name=ENGINE,
                )
        except Exception as error:
            if _stopping:
                raise KeyboardInterrupt from None
            failed = paths.FAILED_RUNS / f"{target.name}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            if executed.exists():
                shutil.copyfile(executed, failed)
            raise NotebookRunError(
                f"section '{job.section.id}' failed: {_failure_message(error)}. The failed notebook is kept at "
                f"{shown(failed)}; earlier reports in {target.name}/ are untouched"
            ) from None
        finally:
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
            shutil.rmtree(runtime, ignore_errors=True)
        _make_deterministic(executed)
        manifest = json.loads((scratch / "manifest.json").read_text(encoding="utf-8"))
        data = {entry["path"]: entry["sha256"] for entry in manifest.get("inputs", [])}
        outputs = job.outputs(scratch, beside=scratch / job.section.publishes_beside if job.beside() else None)
        stamps.write(scratch, job.stamp_inputs(data), outputs)
        publish.swap_in(scratch, target)
    _publish_beside(job, target)
    return True


_stopping = False


def _raise_interrupt(signum, frame):
    global _stopping
    _stopping = True
    raise KeyboardInterrupt


def _worker(job: Job, progress: bool, connection, warm: bool) -> None:
    """Body of a forked worker: run one job, send back its outcome, exit.

    A ``warm`` worker starts its kernel at once and waits for the parent's "go" (or "stop")."""
    # Its own process group: a Ctrl-C in the terminal reaches the parent only, which stops the
    # workers in order (SIGTERM), so kernels are never interrupted behind the runner's back.
    os.setpgid(0, 0)
    for stop in publish.STOP_SIGNALS:
        signal.signal(stop, _raise_interrupt)
    start = time.perf_counter()
    try:
        if not _execute(job, progress, go=(lambda: connection.recv() == "go") if warm else None):
            return
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        connection.send(("ran", time.perf_counter() - start, peak, ""))
    except NotebookRunError as error:
        connection.send(("failed", time.perf_counter() - start, None, str(error)))
    except KeyboardInterrupt:
        connection.send(("interrupted", time.perf_counter() - start, None, "interrupted; earlier reports are untouched"))
    except Exception as error:  # a fault of the runner itself: one line, the published folder is kept
        connection.send(("failed", time.perf_counter() - start, None, f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def _dispatchable(job: Job, finished: dict[str, Outcome]) -> bool:
    return all(key in finished for key in job.after)


def _settle_without_running(job: Job, finished: dict[str, Outcome], force: bool) -> Outcome | None:
    """The outcome of a job that needs no worker: an upstream job failed, or nothing changed."""
    unfinished = [key for key in job.after if finished[key].status not in ("ran", "skipped")]
    if unfinished:
        return Outcome(job, "not run", message=f"it reads {', '.join(unfinished)}, which did not finish")
    if not force and job.is_current():
        return Outcome(job, "skipped")
    job.validate()
    return None


def execute(jobs: list[Job], force: bool = False, workers: int | None = None, progress: bool = False,
            report=print) -> list[Outcome]:
    """Run ``jobs`` (at most ``workers`` at once), skipping those whose inputs did not change.

    Parameters of every job are checked before any kernel starts. ``report`` receives one line per
    finished job. Raises NotebookRunError when a job failed (after the others finished) and
    InterruptedRun on SIGINT/SIGTERM (after the running workers have cleaned up).
    """
    workers = workers or DEFAULT_WORKERS
    for job in jobs:
        job.resolve()
    # A job found current now, with nothing it reads to be rerun, is skipped without the section's
    # own checks, which import pandas: its stamp holds the same parameters, checked when it ran.
    will_run = {job.key: force or not job.is_current() for job in jobs}
    for job in jobs:
        if will_run[job.key] or any(will_run[key] for key in job.after):
            job.validate()
    finished: dict[str, Outcome] = {}
    running: dict[Any, tuple[Job, Any, multiprocessing.Process]] = {}
    warming: dict[str, tuple[Job, Any, multiprocessing.Process]] = {}
    pending = list(jobs)
    stop_requested: list[int] = []
    previous_handlers = {stop: signal.signal(stop, lambda signum, frame: stop_requested.append(signum))
                         for stop in publish.STOP_SIGNALS}
    context = multiprocessing.get_context("fork")
    stopped: dict[int, float] = {}  # pid -> when it was asked to stop

    def fork(job: Job, warm: bool):
        _import_execution_stack()
        parent_end, worker_end = context.Pipe()
        # Daemonic: should the parent die of a bug, its workers are stopped (and clean up) rather than orphaned.
        process = context.Process(target=_worker, args=(job, progress, worker_end, warm), name=f"perumig-{job.key}",
                                  daemon=True)
        process.start()
        worker_end.close()
        return job, parent_end, process

    try:
        while (pending and not stop_requested) or running or warming:
            for job in pending:
                upstream_runs = any(key not in finished and will_run[key] for key in job.after)
                if not stop_requested and upstream_runs and job.key not in warming:
                    warming[job.key] = fork(job, warm=True)
            for job in [j for j in pending if _dispatchable(j, finished)]:
                if len(running) >= workers or stop_requested:
                    break
                pending.remove(job)
                outcome = _settle_without_running(job, finished, force)
                warm = warming.pop(job.key, None)
                if warm is not None and outcome is not None:
                    warm[1].send("stop")
                    warm[2].join()
                if outcome is not None:
                    finished[job.key] = job.outcome = outcome
                    report(outcome.line())
                    continue
                if warm is not None:
                    warm[1].send("go")
                else:
                    warm = fork(job, warm=False)
                running[warm[2].sentinel] = warm
            if stop_requested:
                now = time.monotonic()
                for job, connection, process in [*running.values(), *warming.values()]:
                    if process.pid not in stopped:
                        process.terminate()
                        stopped[process.pid] = now
                    elif now - stopped[process.pid] > STOP_GRACE_SECONDS:
                        process.kill()  # stuck in its clean-up (a kernel killed from outside, say)
                for job, connection, process in warming.values():
                    process.join(STOP_GRACE_SECONDS)
                    process.kill()
                warming.clear()
            # Poll, so that a stop request is acted on while workers are busy.
            for sentinel in wait_for_any(list(running), timeout=0.2) if running else ():
                job, connection, process = running.pop(sentinel)
                process.join()
                try:
                    status, seconds, peak, message = connection.recv()
                except EOFError:
                    status, seconds, peak, message = "failed", 0.0, None, f"its worker died (exit code {process.exitcode})"
                finished[job.key] = job.outcome = Outcome(job, status, seconds, peak, message)
                report(job.outcome.line())
    finally:
        for stop, handler in previous_handlers.items():
            signal.signal(stop, handler)
    if stop_requested:
        raise InterruptedRun("interrupted; runs in progress were discarded and earlier reports are untouched")
    failures = [o for o in finished.values() if o.status in ("failed", "not run")]
    if failures:
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
    root = Path(output).resolve() if output else None
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
