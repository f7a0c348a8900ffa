"""Speed and memory of the reproduction, against the targets of the compendium.

Run with `make benchmark` (or `.venv/bin/python benchmarks/reproduce.py`) from a warm environment.
Everything is published into a temporary folder, so the committed reports stay as they are.

Measured, each as its own process, as a user would run it:
1. full rebuild: `perumig run all --force` (every notebook executed, in parallel where possible);
2. the same notebooks executed one by one with `jupyter nbconvert --execute` (the usual way);
3. no-op rebuild: `perumig run all` again, with nothing changed;
4. the host-country sweep: `perumig sweep flows --countries hosts`.
Peak memory of each notebook is its kernel's peak resident set, reported by the runner (--timings).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perumig import runner

PERUMIG = [sys.executable, "-m", "perumig.cli"]
TARGETS = {
    "full rebuild vs one-by-one nbconvert (ratio)": 0.5,
    "full rebuild (s)": 30.0,
    "no-op rebuild (s)": 2.0,
    "host-country sweep (s)": 60.0,
    "peak memory of any notebook (MiB)": 500.0,
}


def timed(command: list[str], **options) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def nbconvert_one_by_one(scratch: Path) -> float:
    """Each notebook in a fresh `jupyter nbconvert --execute`, in order (the report reads the committed values)."""
    jupyter = Path(sys.executable).with_name("jupyter")
    total = 0.0
    for section in runner.SECTIONS.values():
        seconds = timed([str(jupyter), "nbconvert", "--to", "notebook", "--execute", str(section.path),
                         "--output-dir", str(scratch / "nbconvert")])
        print(f"  nbconvert {section.notebook:<32} {seconds:6.1f} s", flush=True)
        total += seconds
    return total


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"{runner.DEFAULT_WORKERS} notebooks at once")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        timings = scratch / "timings.json"
        full = timed([*PERUMIG, "run", "all", "--force", "--output", str(scratch / "reports"), "--timings", str(timings)])
        for row in json.loads(timings.read_text()):
            print(f"  {row['job']:<32} {row['seconds']:6.1f} s   kernel peak {row['kernel_peak_mib']:6.0f} MiB")
        results["full rebuild (s)"] = full
        results["peak memory of any notebook (MiB)"] = max(row["kernel_peak_mib"] for row in json.loads(timings.read_text()))
        one_by_one = nbconvert_one_by_one(scratch)
        results["one-by-one nbconvert (s)"] = one_by_one
        results["full rebuild vs one-by-one nbconvert (ratio)"] = full / one_by_one
        results["no-op rebuild (s)"] = timed([*PERUMIG, "run", "all", "--output", str(scratch / "reports")])
        sweep_timings = scratch / "sweep.json"
        results["host-country sweep (s)"] = timed([*PERUMIG, "sweep", "flows", "--countries", "hosts", "--output",
                                                   str(scratch / "sweep"), "--timings", str(sweep_timings)])
        sweep_rows = json.loads(sweep_timings.read_text())
        print(f"  sweep: {len(sweep_rows)} countries ({', '.join(r['job'].split(':')[1] for r in sweep_rows)})")
        results["peak memory of any notebook (MiB)"] = max(results["peak memory of any notebook (MiB)"],
                                                           *(r["kernel_peak_mib"] for r in sweep_rows))
    results["peak memory of the runner and its workers (MiB)"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print()
    for name, value in results.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  target <= {target:g}: {'met' if value <= target else 'MISSED'}"
        print(f"{name:<50} {value:9.2f}{verdict}")


if __name__ == "__main__":
    main()
