"""Running sections' notebooks on Dask distributed, for sweeps that outgrow one machine.

With no address, a ``LocalCluster`` on this machine (one single-threaded worker process per core);
with an address (``--scheduler tcp://HOST:PORT`` or ``$PERUMIG_DASK_SCHEDULER``), an existing cluster,
such as one started by ``dask-jobqueue`` on SLURM or PBS. Each task executes one notebook on a worker,
in a private folder there, and sends back the files it made; the runner, on the submitting machine,
stamps, marks and publishes them exactly as it publishes a local run (same files, same bytes), under
the same write lock. Workers need the same environment (``requirements/lock.txt``) and a checkout of the
compendium with its data at ``$PERUMIG_ROOT`` (or where the package is installed from).
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from perumig import publish
from perumig.errors import ParameterError
from perumig.pipeline import runner

SCHEDULER_ENV = "PERUMIG_DASK_SCHEDULER"
# Tasks handed to the scheduler at once, per worker thread: enough to keep every worker busy while
# results come back, few enough that an interruption has little to cancel.
IN_FLIGHT_PER_THREAD = 2


def execute_on_worker(job, upstream: dict[str, bytes]) -> tuple:
    """On a Dask worker: run one job in a private folder; its Result and the files it made.

    ``upstream`` holds the files of the runs this one reads (``<section>/values.json``), written where
    the notebook looks for them.
    """
    from perumig.pipeline import kernels

    runner.import_execution_stack()  # papermill's engine, registered once per worker process
    start, cpu_before = time.perf_counter(), kernels.own_cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="perumig-dask-") as private:
        private = Path(private)
        folder = private / "run"
        folder.mkdir()
        if upstream:
            for name, content in upstream.items():
                (private / "reports" / name).parent.mkdir(parents=True, exist_ok=True)
                (private / "reports" / name).write_bytes(content)
            job = replace(job, section_reports=private / "reports")
        runtime = publish.new_kernel_runtime()
        try:
            use = runner.execute_notebook(job, folder, runtime, fork_server=_fork_server(job))
            cpu = None if use.cpu_seconds is None else use.cpu_seconds + kernels.own_cpu_seconds() - cpu_before
            result = runner.Result("ran", time.perf_counter() - start, use.peak_mib, "", cpu)
        except runner.NotebookFailed as failure:
            result = runner.Result("failed", time.perf_counter() - start, message=str(failure))
        finally:
            publish.remove_own(runtime)
        files = {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
                 if path.is_file()}
    return result, files


_server: dict = {}


def _fork_server(job):
    """This worker process's kernel fork server, started with its first task (None: kernels start fresh)."""
    from perumig.pipeline import kernels

    if "server" not in _server:
        _server["server"] = None
        if kernels.enabled():
            folder = publish.new_kernel_runtime()
            _server["server"] = kernels.ForkServer(kernels.notebook_imports(), job.environment(), folder)
            atexit.register(_server["server"].close)
            atexit.register(publish.remove_own, folder)
    return _server["server"]


def _connect_timeout() -> float:
    """Dask's own setting, in seconds: `distributed.comm.timeouts.connect` (30 s unless configured, e.g. by
    DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)."""
    import dask
    import distributed  # noqa: F401 (its defaults enter dask's configuration)
    from dask.utils import parse_timedelta

    return parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="seconds")


def _check_it_answers(address: str) -> None:
    """For a TCP address, what Dask's client would not find out in time: raise ConnectionRefusedError at once when
    nothing listens (the client tries again and again until its timeout), and TimeoutError when what listens says
    nothing (a scheduler speaks first; the client would wait for it forever)."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme == "tcp":
        with socket.create_connection(parse_host_port(location), timeout=_connect_timeout()) as probe:
            if not probe.recv(1):
                raise ConnectionResetError(f"{address} closed the connection without a word")


class DaskBackend:
    """Runs jobs as tasks on a Dask cluster; the runner publishes what they send back."""

    warms = False  # a task runs when it may run; there is no kernel to start early

    def __init__(self, client, cluster=None):
        self.client = client
        self.cluster = cluster
        self.futures: dict = {}  # future -> (job, folder)
        threads = sum(client.nthreads().values()) or 1
        self.capacity = IN_FLIGHT_PER_THREAD * threads

    @classmethod
    def connect(cls, address: str | None, workers: int | None) -> DaskBackend:
        """A client of the cluster at ``address``, or of a new LocalCluster with ``workers`` processes."""
        from distributed import Client, LocalCluster

        logging.getLogger("distributed").setLevel(logging.ERROR)
        if address:
            try:
                _check_it_answers(address)
                return cls(Client(address, timeout=_connect_timeout()))
            except Exception as error:  # refused, silent, or another service (its reply read as a huge frame)
                raise ParameterError(f"--scheduler: no Dask scheduler answers at {address} ({type(error).__name__}); "
                                     f"start one (e.g. `dask scheduler`) or leave out --scheduler and {SCHEDULER_ENV} "
                                     "to use a local cluster") from None
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        return cls(Client(cluster), cluster)

    def full(self) -> bool:
        return len(self.futures) >= self.capacity

    def busy(self) -> bool:
        return bool(self.futures)

    def start(self, job, folder: Path, upstream: list) -> None:
        """Submit ``job``; the runs it reads (``upstream``, published here) travel with it as their values.json."""
        files = {f"{done.section.id}/values.json": (done.target / "values.json").read_bytes() for done in upstream}
        future = self.client.submit(execute_on_worker, job, files, key=f"perumig-{job.key}-{secrets.token_hex(4)}",
                                    pure=False)
        self.futures[future] = (job, folder)

    def finished(self, timeout: float) -> list:
        """Jobs whose task ended, their files written into their folder, with their Result."""
        done = [future for future in self.futures if future.done()]
        if not done:
            time.sleep(timeout)
            return []
        results = []
        for future in done:
            job, folder = self.futures.pop(future)
            try:
                result, files = future.result()
            except Exception as error:  # the task or its worker failed outside the notebook
                results.append((job, runner.Result("failed", message=f"on the Dask cluster: {type(error).__name__}: {error}")))
                continue
            for name, content in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(content)
            results.append((job, result))
        return results

    def stop(self) -> list:
        """Cancel every task (on a local cluster, its workers stop); returns their jobs."""
        jobs = [job for job, _ in self.futures.values()]
        self.client.cancel(list(self.futures), force=True)
        self.futures.clear()
        self.close()
        return jobs

    def close(self) -> None:
        """Disconnect (and stop the local cluster); safe to call twice."""
        if self.client.status != "closed":
            self.client.close()
        if self.cluster is not None and self.cluster.status.name != "closed":
            self.cluster.close()
