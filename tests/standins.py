"""The perumig command line with stand-in sections, in a process of its own, for tests that interrupt or
kill it (a test cannot signal its own process) or run it on a Dask cluster.

    python tests/standins.py FOLDER UPSTREAM_SECONDS READER_SECONDS GENERATION -- PERUMIG ARGUMENTS...

The real sections are replaced by two that sleep UPSTREAM_SECONDS and publish ``generation`` and one that
reads them (it waits for them, with its kernel started early) and sleeps READER_SECONDS; for `sweep`, by
one section with a country parameter that sleeps UPSTREAM_SECONDS and fails for Bermuda (BMU).
Notebooks, failed runs and the write lock live in FOLDER, which is also the project root that Dask
workers see (PERUMIG_ROOT), so the test sees only its own files.
"""

import signal
import sys

from perumig.pipeline import entry

# As the command's entry point does, before anything else: a signal during the imports below ends the
# command with its one line, not a traceback.
for stop in entry.STOP_SIGNALS:
    signal.signal(stop, entry._stop)

import json  # noqa: E402
import os  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402

from perumig import paths  # noqa: E402
from perumig.sections import SECTIONS, Section  # noqa: E402

# Only what the real command imports before it starts: a signal in its first second must meet the
# command's own handlers, not a test module's import of nbformat or pandas.
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
UPSTREAM = '''import time
from perumig.present.report import SectionReport
report = SectionReport("{name}")
time.sleep(seconds)
report.value("generation", generation, "stand-in")
report.finish()'''
SWEPT = '''import time
from perumig.present.report import SectionReport
report = SectionReport("swept")
time.sleep(seconds)
if country == "BMU":
    raise ValueError("deliberate failure for BMU")
report.value(f"stand_in.{country}.2020", generation, "stand-in")
report.finish()'''
READER = '''import time
from perumig import paths
from perumig.data import tables
from perumig.present.report import SectionReport
report = SectionReport("reader")
read = [tables.read_json(paths.section_reports() / name / "values.json")["generation"] for name in ("first", "second")]
time.sleep(seconds)
report.value("generation", generation, "stand-in")
report.value("read", sum(read), "first and second")
report.finish()'''


def register(folder: Path, upstream_seconds: float, reader_seconds: float, generation: int, sweep: bool) -> None:
    notebooks = folder / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    SECTIONS.clear()
    stand_ins = ((("swept", SWEPT, upstream_seconds, {}),) if sweep else
                 (("first", UPSTREAM.format(name="first"), upstream_seconds, {}),
                  ("second", UPSTREAM.format(name="second"), upstream_seconds, {}),
                  ("reader", READER, reader_seconds, {"reads_sections": True})))
    for name, code, seconds, options in stand_ins:
        country = 'country = "PER"\n' if name == "swept" else ""
        cells = [_code_cell(f"{name}-parameters", f"{country}generation = {generation}\nseconds = {seconds}", ["parameters"]),
                 _code_cell(f"{name}-code", code)]
        notebook = {"cells": cells, "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
                    "nbformat": 4, "nbformat_minor": 5}
        (notebooks / f"{name}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        SECTIONS[name] = Section(name, f"{name}.ipynb", name, "standin", **options)
    paths.NOTEBOOKS, paths.FAILED_RUNS, paths.LOCK = notebooks, folder / "failed", folder / "perumig.lock"
    os.environ["PERUMIG_ROOT"] = str(folder)  # what Dask workers, started later, take as the project
    # The stand-ins' parameter rule: anything goes.
    sys.modules["perumig.standin"] = types.SimpleNamespace(check_parameters=lambda resolved: None)


def _code_cell(cell_id: str, source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "id": cell_id, "execution_count": None, "metadata": {"tags": tags or []},
            "outputs": [], "source": source}


if __name__ == "__main__":
    folder, upstream, reader, generation, separator, *arguments = sys.argv[1:]
    assert separator == "--"
    try:
        register(Path(folder), float(upstream), float(reader), int(generation), sweep=arguments[0] == "sweep")
        (Path(folder) / "started").touch()  # the command is running: its stop handling is in place
    except KeyboardInterrupt:
        print("perumig: error: interrupted; nothing was changed", file=sys.stderr)
        sys.exit(entry.INTERRUPTED_EXIT_CODE)
    entry.run(arguments)
