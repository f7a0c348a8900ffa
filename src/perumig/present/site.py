"""The static website in ``reports/site/``: every executed notebook as a page (code hidden behind a
toggle), a figure gallery, the claims table and the data sources, each page with a colophon.

It builds offline: nbconvert with a template that loads nothing from the internet, and Jinja2.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

from perumig import __version__, paths, publish, stamps
from perumig.data import sources
from perumig.errors import write_failed

PAGES = {
    "index": "Home",
    "gallery": "Figures",
    "claims": "Claims ledger",
    "data": "Data sources",
}
SECTION_SUMMARIES = {
    "flows": "How many migrants Peru hosts and where they come from: the paper's Figures 1 and 2 rebuilt from "
    "UN DESA, the Venezuelan population by source, Table 1 (ENAHO 2020) and Peruvians abroad.",
    "government_response": "The shift from an open (2017 to mid-2018) to a restrictive regulatory framework: the "
    "legislation timeline (Figure 3), refugee applications and recognitions (Table 2) against UNHCR, and recognition "
    "rates beside the other main host countries.",
    "economic_impact": "What the evidence the paper cites says about crime, jobs, wages, growth and public finances, "
    "and what open macro data across host countries can and cannot add.",
    "reproduction_report": "Every quantitative statement of the paper and the later seeds next to the compendium's "
    "recomputation, with a verdict for each.",
}
# Figure sources are free text; these prefixes lead a reader to the matching entries of the data page.
SOURCE_ANCHORS = {
    "UN DESA": "undesa",
    "UNHCR": "unhcr",
    "World Bank": "wdi",
    "WDI": "wdi",
    "paper": "seeds",
    "seed": "seeds",
    "profile": "seeds",
    "news": "seeds",
}


@cache
def html_exporter():
    """The nbconvert exporter with the offline template (made once: loading it costs half a second)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="compendium", extra_template_basedirs=[str(paths.TEMPLATES)])


def warm_html_exporter() -> None:
    """Render a small notebook once, so that the exporter's first real page is as fast as the next.

    The first render compiles nbconvert's Jinja templates and imports the HTML sanitiser and the
    syntax highlighter (about a second); done before the runner forks, each worker inherits them.
    """
    import nbformat

    code = nbformat.v4.new_code_cell("print(1)", execution_count=1, outputs=[
        nbformat.v4.new_output("display_data", {"text/markdown": "*1*", "text/plain": "1"}),
        nbformat.v4.new_output("execute_result", {"text/html": "<b>1</b>", "text/plain": "1"}, execution_count=1),
    ])
    notebook_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# warm"), code],
                                           metadata={"language_info": {"name": "python"}}))


def notebook_html(notebook, nav: list[tuple[str, str]] | None = None, colophon: str | None = None) -> str:
    """One executed notebook as a self-contained HTML page that needs no network."""
    body, _ = html_exporter().from_notebook_node(notebook, resources={"site_nav": nav or [], "colophon": colophon})
    return body


def _git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                                cwd=paths.ROOT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "notebooks", "data"],
                               capture_output=True, text=True, cwd=paths.ROOT, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "an unversioned copy"
    return f"commit <code>{commit}</code>" + (" with uncommitted changes to src/, notebooks/ or data/" if dirty else "")


def colophon() -> str:
    """Which code and which data made the pages: the git commit and every raw source's hash."""
    items = "".join(
        f"<li><code>{html.escape(entry.id)}</code> sha256 <code>{entry.sha256[:16]}</code>… "
        f"({html.escape(entry.licence)})</li>"
        for entry in sources.registry().values()
    )
    return (
        f"Built by perumig {__version__} from {_git_commit()}. "
        f"<details><summary>Raw data: {len(sources.registry())} files, checksummed</summary><ul>{items}</ul></details>"
    )


def _render_page(template, name: str, title: str, body: str, nav, footer: str, site: Path) -> Path:
    target = site / f"{name}.html"
    target.write_text(template.render(title=title, body=body, nav=nav, colophon=footer), encoding="utf-8")
    return target


def _sections() -> list:
    from perumig.sections import SECTIONS

    return [s for s in SECTIONS.values() if (paths.REPORTS / s.id / s.notebook).is_file()]


def _copy_outputs(section, site: Path) -> dict:
    """Figures and CSVs of a section into the site; returns its manifest."""
    published = paths.REPORTS / section.id
    for folder in ("figures", "data"):
        if (published / folder).is_dir():
            shutil.copytree(published / folder, site / section.id / folder, dirs_exist_ok=True)
    manifest = published / "manifest.json"
    return json.loads(manifest.read_text()) if manifest.is_file() else {"outputs": []}


def _source_links(text: str) -> str:
    anchors = dict.fromkeys(anchor for prefix, anchor in SOURCE_ANCHORS.items() if prefix.lower() in text.lower())
    return " ".join(f'<a href="data.html#{anchor}">{anchor}</a>' for anchor in anchors) or '<a href="data.html">data</a>'


def _gallery(sections_with_manifests) -> str:
    cards = []
    for section, manifest in sections_with_manifests:
        for output in manifest["outputs"]:
            if output["kind"] != "figure":
                continue
            stem = f"{section.id}/figures/{output['name']}"
            cards.append(
                f'<figure id="{section.id}-{output["name"]}"><a href="{stem}.svg"><img src="{stem}.svg" alt="{html.escape(output["title"])}"></a>'
                f"<figcaption><strong>{html.escape(output['title'])}</strong><br>Source: {html.escape(output['source'])}<br>"
                f'<a href="{section.id}.html">notebook</a> · <a href="{section.id}/data/{output["name"]}.csv">CSV</a> · '
                f"data source: {_source_links(output['source'])}</figcaption></figure>"
            )
    return "<h1>Figures</h1><p>Every figure of the compendium; click a figure for the full-size SVG.</p>" + (
        f'<div class="cards">{"".join(cards)}</div>'
    )


def _claims_page() -> str:
    if not paths.CLAIMS_REPORT.is_file():
        return "<h1>Claims ledger</h1><p>The reproduction report has not been run yet.</p>"
    import pandas as pd  # deferred: checking whether the site is current must stay fast

    claims = pd.read_csv(paths.CLAIMS_REPORT, keep_default_na=False)
    counts = claims["verdict"].value_counts().to_dict()
    legend = " ".join(f'<span class="status-{s.replace(" ", "-")}">{html.escape(s)}: {n}</span>' for s, n in counts.items())
    columns = [c for c in ("claim_id", "section", "sentence", "printed", "reproduced_value", "rel_difference_pct",
                           "verdict", "reason") if c in claims]
    header = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in columns)
    rows = []
    for record in claims.to_dict("records"):
        cells = "".join(
            f'<td class="{"status" if c == "verdict" else ("num" if "value" in c or "difference" in c else "")}">'
            f"{html.escape(str(record[c]))}</td>"
            for c in columns
        )
        rows.append(f'<tr class="status-{str(record["verdict"]).replace(" ", "-")}">{cells}</tr>')
    return (
        "<h1>Claims ledger</h1><p>Every quantitative statement of the paper and the later seeds, the value the "
        'compendium recomputes where open data allow it, and a verdict. Source: <a href="claims.csv">claims.csv</a>; '
        'how it is made: <a href="reproduction_report.html">reproduction report</a>.</p>'
        f'<p class="legend">{legend}</p><table><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _data_page() -> str:
    groups = {"undesa": "UN DESA International Migrant Stock", "unhcr": "UNHCR refugee statistics",
              "wdi": "World Bank World Development Indicators"}
    parts = ["<h1>Data sources</h1><p>Raw files are fetched from these addresses and checked against their sha256 "
             "before use; the processed tables are described in <a href=\"datapackage.json\">datapackage.json</a>.</p>"]
    for anchor, title in groups.items():
        entries = [e for e in sources.registry().values() if e.id.startswith(anchor)]
        items = "".join(
            f"<li><strong>{html.escape(e.id)}</strong>: {html.escape(e.description)} "
            f'<a href="{html.escape(e.url)}">file</a> · <a href="{html.escape(e.official_page)}">official page</a> · '
            f"{html.escape(e.licence)}<br><small>{html.escape(e.citation)} {html.escape(e.provenance)}</small></li>"
            for e in entries
        )
        parts.append(f'<h2 id="{anchor}">{title}</h2><ul>{items}</ul>')
    parts.append(
        '<h2 id="seeds">The paper and the seed documents</h2><p>Numbers that exist only in the UNDP policy paper '
        "and the later seed documents (a 2020 migration profile, 2025 news) are transcribed into "
        "<code>data/transcribed/</code>, every row with its section and the sentence it comes from.</p>"
    )
    return "".join(parts)


def _index(sections_with_manifests) -> str:
    parts = [
        "<h1>Peru's public policy response to Venezuelan migration: a reproducible compendium</h1>",
        "<p>A reproduction, from open data, of the UNDP Latin America and the Caribbean policy paper "
        "<em>Peru's public policy response to Venezuelan migration</em> (Policy Documents Series). The paper's three "
        "figures were lost from its text; the compendium rebuilds them from their stated sources and sets every "
        "number the paper states beside what open data say.</p>",
        "<p>Each page below is an executed notebook: read it top to bottom; the code is hidden (use "
        "<em>Show code</em>). Every figure names its source under it.</p>",
    ]
    for section, manifest in sections_with_manifests:
        figures = [o for o in manifest["outputs"] if o["kind"] == "figure"][:2]
        thumbs = "".join(
            f'<figure><a href="gallery.html#{section.id}-{o["name"]}"><img src="{section.id}/figures/{o["name"]}.svg" '
            f'alt="{html.escape(o["title"])}"></a><figcaption>{html.escape(o["title"])}</figcaption></figure>'
            for o in figures
        )
        parts.append(
            f'<h2><a href="{section.id}.html">{html.escape(section.title)}</a></h2>'
            f"<p>{html.escape(SECTION_SUMMARIES.get(section.id, ''))}</p><div class=\"cards\">{thumbs}</div>"
        )
    return "".join(parts)


def stamp_inputs() -> dict:
    """What the website is made from: the published reports, the descriptor, the code and the commit."""
    return {
        "reports": {s.id: stamps.folder_files(paths.REPORTS / s.id) for s in _sections()},
        "files": {name: stamps.file_digest(path) for name, path in
                  (("claims.csv", paths.CLAIMS_REPORT), ("datapackage.json", paths.DATAPACKAGE),
                   ("sources.yaml", paths.SOURCES_REGISTRY))},
        "code": stamps.code_digest({"present.site"}, with_templates=True),
        "environment": stamps.environment_digest(),
        "commit": _git_commit(),
    }


def build_site(site: Path = paths.SITE, force: bool = True) -> Path | None:
    """Render the whole website into ``site`` (swapped in when complete), from the published reports.

    Returns None, rendering nothing, when ``force`` is off and the site is current.
    """
    inputs = stamp_inputs()
    if not force and stamps.is_current(site, inputs):
        return None
    try:
        with publish.scratch_beside(site) as scratch:
            _render_into(scratch)
            stamps.write(scratch, inputs)
            publish.publish_folder(scratch, site, {"kind": "site"})
    except OSError as exc:
        raise write_failed(f"the website {paths.input_name(site)}/", "perumig site", exc) from None
    return site


def _render_into(scratch: Path) -> None:
    import jinja2
    import nbformat

    sections = _sections()
    nav = [("Home", "index.html")] + [(s.title.split(" - ")[0], f"{s.id}.html") for s in sections] + [
        (label, f"{name}.html") for name, label in PAGES.items() if name != "index"
    ]
    footer = colophon()
    with_manifests = []
    for section in sections:
        notebook = nbformat.read(paths.REPORTS / section.id / section.notebook, as_version=4)
        (scratch / f"{section.id}.html").write_text(notebook_html(notebook, nav, footer), encoding="utf-8")
        with_manifests.append((section, _copy_outputs(section, scratch)))
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(paths.TEMPLATES / "site"), autoescape=False)
    template = environment.get_template("page.html.j2")
    _render_page(template, "index", "Home", _index(with_manifests), nav, footer, scratch)
    _render_page(template, "gallery", "Figures", _gallery(with_manifests), nav, footer, scratch)
    _render_page(template, "claims", "Claims ledger", _claims_page(), nav, footer, scratch)
    _render_page(template, "data", "Data sources", _data_page(), nav, footer, scratch)
    if paths.CLAIMS_REPORT.is_file():
        shutil.copyfile(paths.CLAIMS_REPORT, scratch / "claims.csv")
    shutil.copyfile(paths.DATAPACKAGE, scratch / "datapackage.json")
