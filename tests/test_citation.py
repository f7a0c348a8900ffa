"""CITATION.cff is valid Citation File Format and says nothing the sources do not."""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from perumig import paths

CITATION = paths.ROOT / "CITATION.cff"
PAPER_SEED = paths.SHARED_MIRROR.parents[1] / "seeds" / "undp_policy_paper_peru_migration.txt"


def cffconvert() -> Path:
    """The validator in its own environment (.venv-tools/, made by `make test`; its jsonschema<4 conflicts
    with the lock). Under make the path is given and must exist; elsewhere a missing tool skips."""
    given = os.environ.get("PERUMIG_CFFCONVERT")
    tool = Path(given) if given else paths.ROOT / ".venv-tools" / "bin" / "cffconvert"
    if not tool.is_file():
        if given:
            pytest.fail(f"PERUMIG_CFFCONVERT={given} does not exist: run `make .venv-tools/bin/cffconvert`")
        pytest.skip("cffconvert is not installed: `make .venv-tools/bin/cffconvert` creates .venv-tools/")
    return tool


def test_citation_file_is_valid_cff():
    result = subprocess.run([cffconvert(), "--validate", "-i", CITATION], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.stdout + result.stderr)[-1500:]
    assert "valid according to schema version 1.2.0" in result.stdout


def test_citation_points_to_the_repository_of_the_binder_badge():
    citation = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    slug = re.search(r"mybinder\.org/v2/gh/([^/]+/[^/]+)/", (paths.ROOT / "README.md").read_text()).group(1)
    assert citation["repository-code"] == f"https://github.com/{slug}"
    assert citation["license"] == "MIT" and "MIT License" in (paths.ROOT / "LICENSE").read_text()


def test_paper_reference_states_only_what_the_paper_does():
    """Title and series as the paper's pages print them; no year, number or address, which its text lacks."""
    paper = yaml.safe_load(CITATION.read_text(encoding="utf-8"))["references"][0]
    assert paper["title"] == "Peru's public policy response to Venezuelan migration"
    assert [author["name"] for author in paper["authors"]] == ["UNDP Latin America and the Caribbean"]
    assert paper["collection-title"] == "Policy Documents Series"
    if PAPER_SEED.is_file():
        text = PAPER_SEED.read_text(encoding="utf-8")
        assert "UNDP Latin America and the Caribbean\nPOLICY DOCUMENTS SERIES" in text
        assert not re.search(r"(©|copyright|ISBN|doi\.org|undp\.org)", text, re.IGNORECASE)
    assert not {"year", "date-published", "number", "url", "doi"} & set(paper)
