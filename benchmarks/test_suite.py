"""Where the time of `make test` goes: wall time, processor time, and the slowest files and tests.

Run with `.venv/bin/python benchmarks/test_suite.py` (after `make test` has built the environments) on an
otherwise idle machine. It runs the Makefile's own test command (`make -s test`) once and prints:

- wall time, and the processor time the whole machine spent meanwhile (from /proc/stat: the test processes
  and every process they start, kernels and browsers included), with the share of the cores kept busy;
- the test time of each file (the sum of its tests' setup, call and teardown) and the slowest tests, read
  from a JUnit report the run writes to a temporary file.

Printed, not asserted: the speed of these virtual machines changes from one minute to the next.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def busy_and_total_ticks() -> tuple[int, int]:
    """Clock ticks the machine's processors spent busy, and in all, since boot."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def per_file(report: Path) -> tuple[collections.Counter, list[tuple[float, str]]]:
    files: collections.Counter = collections.Counter()
    tests = []
    for case in ElementTree.parse(report).iter("testcase"):
        seconds = float(case.get("time", 0))
        module = case.get("classname", "")
        name = module.replace(".", "/") if module.startswith("tests.") else module
        files[name] += seconds
        tests.append((seconds, f"{module}::{case.get('name')}"))
    return files, sorted(tests, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many files and tests to list")
    arguments = parser.parse_args()
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        busy_before, total_before = busy_and_total_ticks()
        start = time.perf_counter()
        finished = subprocess.run(["make", "-s", "test", f"PYTEST_EXTRA=--junitxml={report} -q"], cwd=ROOT,
                                  capture_output=True, text=True)
        wall = time.perf_counter() - start
        busy_after, total_after = busy_and_total_ticks()
        summary = (finished.stdout.strip().splitlines() or [""])[-1]
        files, tests = per_file(report) if report.exists() else (collections.Counter(), [])
    busy = (busy_after - busy_before) / ticks_per_second
    print(f"make test: {summary}")
    print(f"wall time {wall:.1f} s; processor time {busy:.1f} s on {cores} cores "
          f"({100 * (busy_after - busy_before) / max(total_after - total_before, 1):.0f} % of them busy)")
    print(f"test time summed over tests: {sum(files.values()):.1f} s")
    print("\nslowest files (sum of their tests):")
    for name, seconds in files.most_common(arguments.top):
        print(f"  {seconds:6.1f} s  {name}")
    print("\nslowest tests (setup + call + teardown):")
    for seconds, name in tests[:arguments.top]:
        print(f"  {seconds:6.1f} s  {name}")
    if finished.returncode != 0:
        print(finished.stdout[-3000:], finished.stderr[-3000:], file=sys.stderr)
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
