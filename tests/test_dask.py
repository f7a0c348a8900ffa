"""Sweeps on Dask distributed: a real LocalCluster of 2 workers gives the local runner's bytes, lists a
failing country with its reason without losing the others, and stops cleanly when interrupted.

The stand-in section (tests/standins.py) sleeps and fails for Bermuda; the project root the workers
see is the test's own folder. One real Section 2 run on Dask is compared with the local runner's.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pandas as pd
import pytest
from conftest import kernel_folder
from processes import adopting_orphans, leftovers, wait_until_gone

from perumig import paths, publish, stamps

STANDINS = Path(__file__).with_name("standins.py")
COUNTRIES = "COL,BMU,PER"


def sweep(folder: Path, kernels: Path, output: Path, *extra: str, seconds: float = 0.2, wait: bool = True):
    process = subprocess.Popen(
        [sys.executable, str(STANDINS), str(folder), str(seconds), "0", "1", "--", "sweep", "swept", "--countries",
         COUNTRIES, "--output", str(output), *extra],
        cwd=paths.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(kernels)})
    if not wait:
        return process
    out, err = process.communicate(timeout=300)
    return process.returncode, err


def published_bytes(folder: Path) -> dict:
    """Every file of a published folder, hidden ones (marker, stamp) included, with its sha256."""
    return {str(p.relative_to(folder)): stamps.file_digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """The stand-in sweep on the local runner, once for the tests that compare a cluster's with it."""
    folder = tmp_path_factory.mktemp("local-sweep")
    with kernel_folder() as kernels, adopting_orphans():
        code, err = sweep(folder / "project", kernels, folder / "out")
        assert wait_until_gone(timeout=10) == []
        assert leftovers(folder) + leftovers(kernels) == []
    return code, err, folder / "out"


def test_dask_sweep_gives_the_local_runners_bytes_and_lists_the_failing_country(tmp_path, kernels, local_sweep):
    local_code, local_err, local_output = local_sweep
    with adopting_orphans():
        dask_code, dask_err = sweep(tmp_path / "dask", kernels, tmp_path / "out-dask", "--executor", "dask", "-j", "2")
        assert wait_until_gone(timeout=10) == []
    for code, err in ((local_code, local_err), (dask_code, dask_err)):
        assert code == 1, err
        assert err.strip().splitlines()[-1] == (
            "perumig: error: 1 of 3 countries failed (BMU); their reasons are in swept-sweep-COL+BMU+PER/runs.csv"), err
    for run in ("swept-COL", "swept-PER", "swept-sweep-COL+BMU+PER"):
        assert published_bytes(tmp_path / "out-dask" / run) == published_bytes(local_output / run), run
    runs = pd.read_csv(tmp_path / "out-dask" / "swept-sweep-COL+BMU+PER" / "runs.csv", keep_default_na=False)
    assert runs.set_index("country")["status"].to_dict() == {"COL": "ran", "BMU": "failed", "PER": "ran"}
    assert "deliberate failure for BMU" in runs.set_index("country").loc["BMU", "reason"]
    assert not (tmp_path / "out-dask" / "swept-BMU").exists()
    assert leftovers(tmp_path) + leftovers(kernels) == []


def test_interrupted_dask_sweep_publishes_nothing_half_made(tmp_path, kernels):
    output = tmp_path / "out"
    with adopting_orphans():
        process = sweep(tmp_path / "dask", kernels, output, "--executor", "dask", "-j", "2", seconds=20, wait=False)
        deadline = time.monotonic() + 120
        while not list(output.glob(".swept-*.partial-*")) and time.monotonic() < deadline:
            time.sleep(0.2)  # the runs are on the cluster
        time.sleep(1)
        signalled = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        took = time.monotonic() - signalled
        assert wait_until_gone(timeout=10) == []
    assert process.returncode == 130, err
    assert took < 10, f"took {took:.1f} s to stop"
    last = err.strip().splitlines()[-1]
    assert last.startswith("perumig: error: interrupted; discarded: swept:COL, swept:BMU, swept:PER"), err
    assert not output.exists() or [p.name for p in output.iterdir()] == [], "nothing published, no scratch left"
    assert leftovers(tmp_path) == []


def test_a_real_section_on_dask_matches_the_local_run(tmp_path):
    """Section 2 for Curaçao (missing years, a small island) on a 2-worker LocalCluster and locally."""
    from conftest import run_cli

    local = run_cli("sweep", "flows", "--countries", "CUW", "--output", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    on_dask = run_cli("sweep", "flows", "--countries", "CUW", "--executor", "dask", "-j", "2",
                      "--output", str(tmp_path / "dask"))
    assert on_dask.returncode == 0, on_dask.stderr
    for folder in ("flows-CUW", "flows-sweep-CUW"):
        assert published_bytes(tmp_path / "dask" / folder) == published_bytes(tmp_path / "local" / folder), folder
    assert publish.read_marker(tmp_path / "dask" / "flows-CUW")["identity"]["parameters"] == {"country": "CUW"}
    atlas = pd.read_csv(tmp_path / "dask" / "flows-sweep-CUW" / "atlas.csv")
    assert atlas["iso3"].tolist() == ["CUW"] and atlas["run"].tolist() == ["../flows-CUW"]


def test_sweep_on_a_cluster_started_elsewhere_by_its_address(tmp_path, kernels, local_sweep):
    """A scheduler and two workers started as a user starts them (`dask scheduler`, `dask worker`), found by
    --scheduler; the same bytes as the local runner's."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dask = Path(sys.executable).with_name("dask")
    folder = tmp_path / "remote"
    folder.mkdir()
    environment = {**os.environ, "PERUMIG_ROOT": str(folder), "TMPDIR": str(kernels)}
    with adopting_orphans():
        cluster = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)]
        cluster.append(subprocess.Popen([str(dask), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--nworkers",
                                         "2", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=environment))
        try:
            remote_code, remote_err = sweep(folder, kernels, tmp_path / "out-remote", "--scheduler",
                                            f"tcp://127.0.0.1:{port}")
        finally:
            for process in reversed(cluster):
                process.terminate()
                process.wait(30)
        assert wait_until_gone(timeout=10) == []
    local_code, local_err, local_output = local_sweep
    assert remote_code == local_code == 1, remote_err + local_err
    for run in ("swept-COL", "swept-PER", "swept-sweep-COL+BMU+PER"):
        assert published_bytes(tmp_path / "out-remote" / run) == published_bytes(local_output / run), run


WEB_SERVER_REPLY = b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<h1>400</h1>" * 4


@contextmanager
def another_service(reply: bytes | None):
    """The address of a TCP service that is not a Dask scheduler: it sends ``reply`` to whoever connects, or,
    with None, accepts the connection and says nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    silent = []

    def answer():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            if reply is None:
                silent.append(connection)
                continue
            with connection:
                connection.sendall(reply)

    threading.Thread(target=answer, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for connection in silent:
            connection.close()


# Nothing listening is known at once; a silent service takes Dask's connect timeout, set to 2 s here (it once
# made the command wait forever).
@pytest.mark.parametrize("service", [None, WEB_SERVER_REPLY, b"", "silent"],
                         ids=["nothing-listens", "a-web-server", "hangs-up", "silent"])
def test_a_scheduler_that_does_not_answer_is_one_line(tmp_path, kernels, monkeypatch, service):
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s")
    listening = nullcontext("tcp://127.0.0.1:9") if service is None else \
        another_service(None if service == "silent" else service)
    with listening as address:
        started = time.monotonic()
        code, err = sweep(tmp_path / "nowhere", kernels, tmp_path / "out", "--scheduler", address)
        took = time.monotonic() - started
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"perumig: error: --scheduler: no Dask scheduler answers at {address}"), line
    assert took < 10, f"took {took:.1f} s to report"
