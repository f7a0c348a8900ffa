"""Markup in a transcribed table reaches the notebooks and the pages as text, never as a live tag or attribute.

In a copy of the project (PERUMIG_ROOT points the package at it), every free-text column of every table in
data/transcribed/ gets an HTML payload appended; data/datapackage.json is rewritten with the package's own
`tables.write_datapackage`, so the copy loads as if the payload had been transcribed. Every section then runs once
and the website is built (one shared fixture: it is the most expensive fixture of the suite), and each Markdown and
HTML output of the executed notebooks and each page of the book is checked: the payload must appear,
and only as text.
"""

import csv
import shutil
from html.parser import HTMLParser

import nbformat
import pytest
from conftest import run_cli
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from perumig import paths
from perumig.data import tables
from perumig.pipeline import runner

# HTML, and TeX between dollars: Jupyter and the book typeset $...$ in Markdown, matplotlib in figure labels
# (a transcribed "$...$" once made every figure of a section fail to draw), and MathJax's \href makes links.
PAYLOAD = '<img src=x onerror=alert(1)> $\\href{javascript:alert(2)}{m}$'
# Columns the code looks values up by (identifiers, file names, keys into values.json, the ledger's rules it
# evaluates, the explanations and missing-data checks it dispatches on, units and dates it parses): markup there would break the lookup, not test the escaping. Columns with a schema check (codes,
# enumerations, numbers) cannot hold markup at all.
KEY_COLUMNS = {"variable", "fact_id", "instrument_id", "finding_id", "claim_id", "rule", "explanation", "missing",
               "seed_file", "reference_date", "unit", "dataset"}


def text_columns(name: str) -> list[str]:
    """The free-text columns of a transcribed table: strings without a schema check, keys left out."""
    schema = tables.spec(name).schema
    return [column for column, spec in schema.columns.items()
            if str(spec.dtype).startswith("str") and not spec.checks and column not in KEY_COLUMNS]


def inject(csv_path, columns: list[str]) -> int:
    """Append the payload to every non-empty cell of ``columns``; returns the number of cells changed."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    changed = 0
    for row in rows:
        for column in columns:
            if row[column]:
                row[column] = f"{row[column]} {PAYLOAD}"
                changed += 1
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return changed


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """The copy with the payload in every free-text cell, after `perumig run all` and `perumig site`."""
    root = tmp_path_factory.mktemp("injected")
    shutil.copytree(paths.DATA, root / "data", ignore=shutil.ignore_patterns("raw", ".*"))
    shutil.copytree(paths.NOTEBOOKS, root / "notebooks")
    (root / "reports").mkdir()
    changed = {}
    for csv_path in sorted((root / "data" / "transcribed").glob("*.csv")):
        changed[csv_path.stem] = inject(csv_path, text_columns(csv_path.stem))
    tables.write_datapackage(root / "data")
    environment = {"PERUMIG_ROOT": str(root)}
    for command in (["run", "all", "--force", "--no-progress"], ["site", "--force"]):
        result = run_cli(*command, env=environment)
        assert result.returncode == 0, result.stderr
    return root, changed


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, its text, and the text inside elements of class "math"
    (what MathJax typesets)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.math, self.open = [], [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID_TAGS:
            self.open.append("math" in (dict(attrs).get("class") or "").split())

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS and self.open:
            self.open.pop()

    def handle_data(self, data):
        self.text.append(data)
        if any(self.open):
            self.math.append(data)


def live_payloads(page: str) -> list:
    """What the payload would create if it were not escaped: an img whose src is x, a handler running its
    alert (the book theme's own buttons have handlers of their own, such as window.print()), a javascript:
    link, or TeX for MathJax to typeset."""
    tags = Tags(page)
    return [(tag, attrs) for tag, attrs in tags.tags
            if (tag == "img" and attrs.get("src") == "x")
            or any(name.startswith("on") and "alert(1)" in (value or "") for name, value in attrs.items())
            or (attrs.get("href") or "").strip().lower().startswith("javascript:")] + \
        [("math", text) for text in tags.math if "javascript" in text]


def shows_payload_as_text(page: str) -> bool:
    return PAYLOAD in "".join(Tags(page).text)


def test_every_transcribed_table_carries_the_payload(injected):
    _, changed = injected
    assert set(changed) == {path.stem for path in paths.TRANSCRIBED.glob("*.csv")}
    assert all(count > 0 for count in changed.values()), changed


@pytest.mark.parametrize("section", list(runner.SECTIONS))
def test_notebook_outputs_show_the_payload_only_as_text(injected, section):
    root, _ = injected
    notebook = nbformat.read(root / "reports" / section / runner.SECTIONS[section].notebook, as_version=4)
    outputs = [output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", [])]
    rendered = [markdown2html_mistune(data["text/markdown"]) for data in outputs if "text/markdown" in data]
    rendered += [data["text/html"] for data in outputs if "text/html" in data]
    assert [page for page in rendered if live_payloads(page)] == []
    assert any(shows_payload_as_text(page) for page in rendered), "the payload must reach this section's outputs"


def test_pages_show_the_payload_only_as_text(injected):
    """Every page of the book; each section's page shows the payload, as text."""
    root, _ = injected
    site = root / "reports" / "site"
    pages = sorted(site.rglob("*.html"))
    section_pages = [site / f"{section}.html" for section in runner.SECTIONS]
    assert all(page in pages for page in section_pages), "the book has a page per section"
    for page in pages:
        assert live_payloads(page.read_text(encoding="utf-8")) == [], page.relative_to(root)
    assert all(shows_payload_as_text(page.read_text(encoding="utf-8")) for page in section_pages), \
        "every section page shows the payload as text"