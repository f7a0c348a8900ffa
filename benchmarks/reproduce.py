"""Wall time and peak memory of the full reproduction, stage by stage.

Run with `make benchmark` (or `.venv/bin/python benchmarks/reproduce.py`). Each stage runs as its own
`perumig` process; sections are published into a temporary folder so the committed reports stay
as they are. Peak memory is the largest resident set of any process of the stage (the runner or a
notebook kernel), from getrusage(RUSAGE_CHILDREN).
"""

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERUMIG = [sys.executable, "-m", "perumig.cli"]


def measure(label: str, arguments: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([*PERUMIG, *arguments], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_mib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    print(f"{label:<28} {seconds:8.1f} s   peak RSS so far {peak_mib:7.0f} MiB", flush=True)
    return seconds, peak_mib


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as scratch:
        stages = [
            ("fetch raw files", ["fetch"]),
            ("rebuild processed (check)", ["build-data", "--check"]),
            ("run all sections", ["run", "all", "--output", str(Path(scratch) / "reports"), "--no-progress"]),
        ]
        results = [measure(label, arguments) for label, arguments in stages]
    print(f"{'total':<28} {sum(s for s, _ in results):8.1f} s   peak RSS {max(m for _, m in results):7.0f} MiB")


if __name__ == "__main__":
    main()
