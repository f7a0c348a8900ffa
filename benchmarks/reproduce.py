"""Speed and memory of the reproduction, against the targets of the compendium.

Run with `make benchmark` (or `.venv/bin/python benchmarks/reproduce.py`) from a warm environment.
Everything is published into a temporary folder, so the committed reports stay as they are.

Measured, each as its own process, as a user would run it:
1. full rebuild: `perumig run all --force` (every notebook executed, in parallel where possible);
2. the same notebooks executed one by one with `jupyter nbconvert --execute` (the usual way);
3. no-op rebuild: `perumig run all` again, with nothing changed;
4. the host-country sweep: `perumig sweep flows --countries hosts`;
5. the website: `perumig site --force` (the Sphinx book of the committed reports), into the temporary folder.
Peak memory of each notebook is its kernel's peak resident set, reported by the runner (--timings).

The virtual machines here vary by up to a third in speed from one minute to the next (the same full
rebuild took 21 to 28 s, its CPU time 34 to 46 s). So 1 and 2 are run in turns, ``--repeat`` times
(default 3): each figure is the median, with the range, and the ratio is the median of each turn's
ratio (a rebuild and the nbconvert runs right after it share the machine's speed of the moment).
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

from perumig.pipeline import runner

PERUMIG = [sys.executable, "-m", "perumig"]
TARGETS = {
    "full rebuild vs one-by-one nbconvert (ratio)": 0.5,
    "full rebuild (s)": 30.0,
    "no-op rebuild (s)": 2.0,
    "host-country sweep (s)": 60.0,
    "peak memory of any notebook (MiB)": 500.0,
}
# The website has no target of its own; it is part of `make reproduce` after any change to the reports.


def timed(command: list[str], **options) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def nbconvert_one_by_one(scratch: Path) -> float:
    """Each notebook in a fresh `jupyter nbconvert --execute`, in order (the report reads the committed values).

    Its kernels get the same thread limits as the runner's, so that both sides run the same computation.
    """
    jupyter = Path(sys.executable).with_name("jupyter")
    environment = {**runner.KERNEL_THREADS, **os.environ}
    total = 0.0
    for section in runner.SECTIONS.values():
        seconds = timed([str(jupyter), "nbconvert", "--to", "notebook", "--execute", str(section.path),
                         "--output-dir", str(scratch / "nbconvert")], env=environment)
        print(f"  nbconvert {section.notebook:<32} {seconds:6.1f} s", flush=True)
        total += seconds
    return total


def full_rebuild(scratch: Path) -> tuple[float, list[dict]]:
    """Wall time of `perumig run all --force`, and the runner's per-notebook timings."""
    timings = scratch / "timings.json"
    seconds = timed([*PERUMIG, "run", "all", "--force", "--output", str(scratch / "reports"), "--timings", str(timings)])
    rows = json.loads(timings.read_text())["runs"]
    for row in rows:
        print(f"  {row['job']:<32} {row['seconds']:6.1f} s   kernel peak {row['kernel_peak_mib']:6.0f} MiB")
    print(f"  full rebuild                     {seconds:6.1f} s", flush=True)
    return seconds, rows


def spread(values: list[float]) -> str:
    return f"(range {min(values):.2f} to {max(values):.2f} over {len(values)})" if len(values) > 1 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="turns of full rebuild + nbconvert (default 3)")
    repeat = max(1, parser.parse_args().repeat)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"{runner.DEFAULT_WORKERS} notebooks at once, {repeat} turns")
    turns: list[tuple[float, float]] = []
    peaks: list[float] = []
    results: dict[str, float] = {}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        for turn in range(1, repeat + 1):
            print(f"turn {turn}:")
            full, rows = full_rebuild(scratch)
            peaks += [row["kernel_peak_mib"] for row in rows]
            one_by_one = nbconvert_one_by_one(scratch)
            print(f"  one by one                       {one_by_one:6.1f} s   ratio {full / one_by_one:.2f}", flush=True)
            turns.append((full, one_by_one))
        for name, values in (("full rebuild (s)", [full for full, _ in turns]),
                             ("one-by-one nbconvert (s)", [one for _, one in turns]),
                             ("full rebuild vs one-by-one nbconvert (ratio)", [full / one for full, one in turns])):
            results[name], notes[name] = statistics.median(values), spread(values)
        results["no-op rebuild (s)"] = timed([*PERUMIG, "run", "all", "--output", str(scratch / "reports")])
        sweep_timings = scratch / "sweep.json"
        results["host-country sweep (s)"] = timed([*PERUMIG, "sweep", "flows", "--countries", "hosts", "--output",
                                                   str(scratch / "sweep"), "--timings", str(sweep_timings)])
        sweep_rows = json.loads(sweep_timings.read_text())["runs"]
        print(f"  sweep: {len(sweep_rows)} countries ({', '.join(r['job'].split(':')[1] for r in sweep_rows)})")
        results["peak memory of any notebook (MiB)"] = max(*peaks, *(r["kernel_peak_mib"] for r in sweep_rows))
        results["website build, perumig site --force (s)"] = timed([*PERUMIG, "site", "--force", "--output",
                                                                   str(scratch / "site")])
    results["peak memory of the runner and its workers (MiB)"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print()
    for name, value in results.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  target <= {target:g}: {'met' if value <= target else 'MISSED'}"
        print(f"{name:<50} {value:9.2f}{verdict} {notes.get(name, '')}".rstrip())


if __name__ == "__main__":
    main()
