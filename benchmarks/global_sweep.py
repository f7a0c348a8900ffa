"""The global Section 2 sweep: every destination in UN DESA's table, on the local runner and on Dask.

Run with `.venv/bin/python benchmarks/global_sweep.py [--executor local|dask|both] [--countries all]`.
Each sweep is one `perumig sweep flows --countries ...` process, as a user runs it, publishing into a
temporary folder. Printed for each executor: wall time; processor time per country (the kernel's and
its worker's, as the runner measures them: --timings); peak memory per kernel and per worker process;
and, on paper, how long the same sweep would take on N workers: the part that does not shrink with
more workers (start-up, tables) plus the measured processor time of all countries divided by N.
Nothing here is a pass/fail test; the goal printed beside the figures is the compendium's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERUMIG = [sys.executable, "-m", "perumig"]
GOAL_MINUTES = 10.0
PROJECTED_WORKERS = (2, 8, 32, 128)


def sweep(executor: str, countries: str, scratch: Path, workers: int) -> dict:
    timings = scratch / f"{executor}.json"
    command = [*PERUMIG, "sweep", "flows", "--countries", countries, "--output", str(scratch / executor),
               "--timings", str(timings), "--executor", executor, "-j", str(workers)]
    start = time.perf_counter()
    finished = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    runs = json.loads(timings.read_text())["runs"]
    failed = [run for run in runs if run["status"] != "ran"]
    return {"wall": wall, "runs": runs, "failed": failed, "exit": finished.returncode,
            "stderr_tail": finished.stderr.strip().splitlines()[-1:] if finished.returncode else []}


def report(executor: str, measured: dict, workers: int) -> None:
    runs = [run for run in measured["runs"] if run["status"] == "ran"]
    cpu = [run["cpu_seconds"] for run in runs if run["cpu_seconds"] is not None]
    peaks = [run["kernel_peak_mib"] for run in runs if run["kernel_peak_mib"] is not None]
    wall, total_cpu = measured["wall"], sum(cpu)
    # What does not shrink with more workers: the wall time left once the runs' processor time is shared
    # out over the workers that ran them.
    serial = max(0.0, wall - total_cpu / workers)
    print(f"\n{executor}: {len(measured['runs'])} countries, {len(runs)} ran, {len(measured['failed'])} failed "
          f"(exit code {measured['exit']}) {' '.join(measured['stderr_tail'])}")
    print(f"  wall time                     {wall / 60:7.2f} min   goal <= {GOAL_MINUTES:g} min: "
          f"{'met' if wall / 60 <= GOAL_MINUTES else 'MISSED'}")
    if cpu:
        print(f"  processor time per country    {statistics.mean(cpu):7.2f} s mean, {statistics.median(cpu):.2f} s median "
              f"({min(cpu):.2f} to {max(cpu):.2f}); all countries {total_cpu / 60:.1f} min")
    if peaks:
        print(f"  peak memory per kernel        {max(peaks):7.0f} MiB (median {statistics.median(peaks):.0f})")
    print(f"  peak memory of the sweep's own processes {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB "
          "(the largest one: the runner, a worker or the kernel fork server)")
    print(f"  serial part (wall - processor time / {workers} workers) {serial:7.1f} s")
    for count in PROJECTED_WORKERS:
        print(f"  on paper, {count:>3} workers: {(serial + total_cpu / count) / 60:7.2f} min")
    for run in measured["failed"]:
        print(f"  failed {run['job']}: {run['status']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", choices=("local", "dask", "both"), default="both")
    parser.add_argument("--countries", default="all", help="a preset or ISO3 codes (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                        help="workers (default: the number of cores)")
    arguments = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, {arguments.jobs} workers")
    executors = ("local", "dask") if arguments.executor == "both" else (arguments.executor,)
    with tempfile.TemporaryDirectory() as folder:
        for executor in executors:
            report(executor, sweep(executor, arguments.countries, Path(folder), arguments.jobs), arguments.jobs)


if __name__ == "__main__":
    main()
