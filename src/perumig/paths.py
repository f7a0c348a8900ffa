"""Every folder of the compendium, defined once and derived from this file's location.

Nothing else builds a path by hand, so code runs the same from any working directory
(nbval executes each notebook inside its own folder).
"""

import os
from pathlib import Path

# The repository root: src/perumig/paths.py -> two levels up. PERUMIG_ROOT overrides it for
# installs that are not editable.
ROOT = Path(os.environ.get("PERUMIG_ROOT", Path(__file__).resolve().parents[2]))

DATA = ROOT / "data"
SOURCES_REGISTRY = DATA / "sources.yaml"  # raw sources: URL, mirrors, sha256, licence
RAW = DATA / "raw"  # fetched and checksummed raw files (never edited, never committed)
PROCESSED = DATA / "processed"  # tidy tables derived from RAW (committed)
TRANSCRIBED = DATA / "transcribed"  # numbers that exist only in the seed documents (committed)
SEEDS = DATA / "seeds"  # the seed documents' text, the compendium's own copy (committed)
DATAPACKAGE = DATA / "datapackage.json"  # frictionless descriptor of PROCESSED and TRANSCRIBED

NOTEBOOKS = ROOT / "notebooks"  # source notebooks, committed without outputs
REPORTS = ROOT / "reports"  # executed notebooks, figures, tables, values.json per section
REPORT_RUNS = REPORTS / "runs"  # runs with non-default parameters
FAILED_RUNS = REPORTS / "failed"  # failed notebooks kept for debugging (not committed)
CLAIMS_REPORT = REPORTS / "claims.csv"  # every published number beside its reproduction
SITE = REPORTS / "site"  # the website for readers who do not run Python (built, not committed)
TEMPLATES = Path(__file__).resolve().parent / "present" / "templates"  # the website's styles, scripts, icon
CITATION = ROOT / "CITATION.cff"  # how to cite the compendium and the paper

# Environment variable through which the runner tells a notebook where to write its outputs.
OUTPUT_ENV = "PERUMIG_OUTPUT_DIR"
# ... and where the other sections' reports of the same rebuild are (`perumig run all --output DIR`).
SECTION_REPORTS_ENV = "PERUMIG_SECTION_REPORTS"
# Held by whichever perumig process writes data/ or reports/. PERUMIG_LOCK moves it, e.g. for test
# processes that each publish only into folders of their own.
LOCK = Path(os.environ.get("PERUMIG_LOCK") or ROOT / ".perumig.lock")
STAMP = ".perumig-stamp.json"  # in each published folder: the inputs it was made from (local, not committed)
SWEEPS = REPORTS / "sweeps"  # one section run for many countries: the summary tables


def section_reports() -> Path:
    """The folder holding each section's published reports for this run (``reports/`` unless redirected)."""
    return Path(os.environ.get(SECTION_REPORTS_ENV) or REPORTS)

SHARED_MIRROR = ROOT.parent / "shared" / "data" / "raw"  # the workplace's local mirror


def input_name(path: Path) -> str:
    """How a data file is named in manifests: ``reports/...`` for section reports, else relative to the root."""
    path, reports = path.resolve(), section_reports().resolve()
    if path.is_relative_to(reports):
        return f"reports/{path.relative_to(reports).as_posix()}"
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def input_path(name: str) -> Path:
    """The file an :func:`input_name` names."""
    if name.startswith("reports/"):
        return section_reports() / name.removeprefix("reports/")
    return ROOT / name
