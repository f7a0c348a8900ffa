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
DATAPACKAGE = DATA / "datapackage.json"  # frictionless descriptor of PROCESSED and TRANSCRIBED

NOTEBOOKS = ROOT / "notebooks"  # source notebooks, committed without outputs
REPORTS = ROOT / "reports"  # executed notebooks, figures, tables, values.json per section
REPORT_RUNS = REPORTS / "runs"  # runs with non-default parameters
FAILED_RUNS = REPORTS / "failed"  # failed notebooks kept for debugging (not committed)
CLAIMS_REPORT = REPORTS / "claims.csv"  # every published number beside its reproduction
SITE = REPORTS / "site"  # the static website for readers who do not run Python
TEMPLATES = Path(__file__).resolve().parent / "templates"  # nbconvert and page templates

# Environment variable through which the runner tells a notebook where to write its outputs.
OUTPUT_ENV = "PERUMIG_OUTPUT_DIR"

SHARED_MIRROR = ROOT.parent / "shared" / "data" / "raw"  # the workplace's local mirror
