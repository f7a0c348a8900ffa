"""The website in ``reports/site/``: a Sphinx book (myst-nb + sphinx-book-theme) of the executed notebooks.

Students read the compendium here and never run Python, so the book renders what the runs published,
without executing anything (``nb_execution_mode = "off"``): every section notebook, every other run in
``reports/runs/`` (Section 2 for Colombia, say), the sweep tables of ``reports/sweeps/``, the claims
ledger, the data sources, the methods, the studies the paper cites and how to cite. It builds offline:
math comes from the bundled MathJax, search from Sphinx's own index, every script and style from the
site itself.

The Sphinx sources are written into a scratch folder beside the site (never into the repository), the
notebooks copied with their HTML outputs sanitised, code folded away, and each figure given its
caption as alt text, a click-to-enlarge link and links to its SVG, data and source.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import sys
import warnings as python_warnings
from dataclasses import dataclass
from pathlib import Path

from perumig import __version__, paths, publish, stamps
from perumig.errors import PerumigError, write_failed

BOOK_TEMPLATES = paths.TEMPLATES / "book"
STATIC = BOOK_TEMPLATES / "_static"
TITLE = "Peru's response to Venezuelan migration"
# Where the compendium is published for Binder and the repository button (README: "the badge assumes...").
REPOSITORY = "https://github.com/perumig/perumig"
PARALLEL = 2  # Sphinx processes reading and writing pages (the machines here have 2 cores)
SITE_IDENTITY = {"kind": "site"}  # what the marker of a published site says it is
FILES = "files"  # folder of the site holding each page's figures, data and notebook
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
# Figure sources are free text; these words lead to the matching part of the data page.
SOURCE_ANCHORS = {"UN DESA": "undesa", "UNHCR": "unhcr", "World Bank": "wdi", "WDI": "wdi", "paper": "seeds",
                  "seed": "seeds", "profile": "seeds", "news": "seeds", "transcribed": "seeds"}
# Tags and attributes notebook outputs may keep: what the compendium's tables, figures and prose use.
SAFE_TAGS = ["a", "abbr", "b", "blockquote", "br", "caption", "code", "details", "div", "em", "figcaption", "figure",
             "h2", "h3", "h4", "i", "img", "li", "ol", "p", "pre", "small", "span", "strong", "sub", "summary", "sup",
             "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
SAFE_ATTRIBUTES = {"*": ["class", "title", "role", "aria-label", "tabindex", "scope", "colspan", "rowspan"],
                   "a": ["href"], "img": ["src", "alt", "width", "height"]}


class SiteBuildError(PerumigError):
    """The book could not be built; the earlier site is untouched."""


@dataclass(frozen=True)
class Page:
    """A notebook page: the run folder it renders and where it sits in the book."""

    docname: str  # e.g. "flows", "countries/flows-country-COL"
    folder: Path  # the published run
    notebook: str
    section_id: str
    run_label: str | None = None  # what the run changed, for other runs than the default


def _section_pages() -> list[Page]:
    from perumig.sections import SECTIONS

    return [Page(s.id, paths.REPORTS / s.id, s.notebook, s.id) for s in SECTIONS.values()
            if (paths.REPORTS / s.id / s.notebook).is_file()]


def _run_folders() -> list[tuple[Path, object]]:
    """Every other published run (reports/runs/<section>-<parameters>/) with its section."""
    from perumig.sections import SECTIONS

    found = []
    for folder in sorted(paths.REPORT_RUNS.glob("*")) if paths.REPORT_RUNS.is_dir() else []:
        for section in SECTIONS.values():
            if folder.name.startswith(f"{section.id}-") and (folder / section.notebook).is_file():
                found.append((folder, section))
    return found


def _run_pages() -> list[Page]:
    """A page for every other run, labelled by what it changed."""
    return [Page(f"countries/{folder.name}", folder, section.notebook, section.id,
                 _run_label(folder.name.removeprefix(f"{section.id}-"))) for folder, section in _run_folders()]


def _run_label(changed: str) -> str:
    """'country-COL' -> 'Colombia'; other parameters as written: 'ims_revision 2024, country Colombia'."""
    from perumig.data import places

    parts = []
    for part in changed.split("_"):
        name, _, value = part.partition("-")
        if name == "country" and re.fullmatch(r"[A-Z]{3}", value):
            parts.append(places.name(value))
        else:
            parts.append(f"{name} {value}".strip())
    return ", ".join(parts)


def _sweeps() -> list[Path]:
    return sorted(p for p in paths.SWEEPS.glob("*") if any(p.glob("*.csv"))) if paths.SWEEPS.is_dir() else []


def stamp_inputs() -> dict:
    """What the website is made from: the published runs and sweeps, the ledger, the descriptors, the code.

    No git commit: a new commit that changes none of these leaves the site as it is.
    """
    folders = [page.folder for page in _section_pages()] + [folder for folder, _ in _run_folders()] + _sweeps()
    return {
        "reports": {paths.input_name(folder): stamps.folder_files(folder) for folder in folders},
        "files": {name: stamps.file_digest(path) for name, path in
                  (("claims.csv", paths.CLAIMS_REPORT), ("datapackage.json", paths.DATAPACKAGE),
                   ("sources.yaml", paths.SOURCES_REGISTRY), ("CITATION.cff", paths.CITATION))},
        "code": stamps.code_digest({"present.book"}, with_templates=True),
        "environment": stamps.environment_digest(),
    }


def content_digest(inputs: dict) -> str:
    """A short name for what the site was built from, the same on every machine and after every commit."""
    return stamps.text_digest(json.dumps(inputs, sort_keys=True))[:12]


def build_site(site: Path = paths.SITE, force: bool = True, user_given: bool = False) -> Path | None:
    """Build the whole website into ``site`` (swapped in when complete) from the published reports.

    Returns None, building nothing, when ``force`` is off and the site is current. ``user_given``: the
    folder was named by the user (``perumig site --output``), which changes the advice when it may not
    be replaced.
    """
    inputs = stamp_inputs()
    site = publish.check_target(site, SITE_IDENTITY, user_given=user_given)
    if not force and stamps.is_current(site, inputs):
        return None
    try:
        with publish.scratch_beside(site) as scratch:
            source, output = scratch / "source", scratch / "html"
            pages = _write_sources(source, content_digest(inputs))
            _run_sphinx(source, output, scratch / "doctrees")
            for page in pages:  # the download button offers the notebook as published, not the book's copy
                shutil.copyfile(page.folder / page.notebook, output / "_sources" / f"{page.docname}.ipynb")
            (output / ".buildinfo").unlink(missing_ok=True)  # Sphinx's note for incremental builds, never used here
            stamps.write(output, inputs)
            publish.publish_folder(output, site, SITE_IDENTITY, user_given=user_given)
    except OSError as error:
        raise write_failed(f"the website {publish.shown(site)}/", "perumig site", error) from None
    return site


def _run_sphinx(source: Path, output: Path, doctrees: Path) -> None:
    """Sphinx in this process, its warnings printed one per line; an error leaves the old site in place."""
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from sphinx.util.console import nocolor

    nocolor()
    warnings = io.StringIO()
    try:
        with patch_docutils(source), docutils_namespace(), python_warnings.catch_warnings():
            # The theme and myst call Sphinx APIs that Sphinx 11 removes: their authors' business, not a reader's.
            python_warnings.filterwarnings("ignore", category=PendingDeprecationWarning,
                                           module="(sphinx_book_theme|myst_parser|myst_nb|pydata_sphinx_theme)")
            app = Sphinx(str(source), str(source), str(output), str(doctrees), "html", status=None,
                         warning=warnings, freshenv=True, verbosity=0, parallel=PARALLEL)
            app.build(force_all=True)
    except SphinxError as error:
        raise SiteBuildError(f"the website could not be built ({error}); the earlier site is untouched") from None
    for line in warnings.getvalue().splitlines():
        if line.strip():
            print(f"perumig: site: {line.strip()}", file=sys.stderr)
    if app.statuscode:
        raise SiteBuildError("the website could not be built (see the lines above); the earlier site is untouched")


# --- the Sphinx project ---------------------------------------------------------------------------

def _write_sources(source: Path, digest: str) -> list[Page]:
    """The Sphinx project of the book; returns its notebook pages."""
    # nbformat's schema checks import rfc3987-syntax, which builds 38 parsers at import (two seconds); its
    # IRI checks never run on a notebook (the runner skips it the same way).
    sys.modules.setdefault("rfc3987_syntax", None)
    source.mkdir(parents=True)
    sections, runs = _section_pages(), _run_pages()
    claims = _claims()
    (source / "conf.py").write_text(_conf(digest), encoding="utf-8")
    for page in sections + runs:
        _write_notebook_page(source, page, sections, runs, claims)
    _write(source / "index.md", _index_page(sections, claims))
    _write(source / "claims.md", _claims_page(claims))
    _write(source / "countries" / "index.md", _countries_page(runs, _sweeps()))
    for sweep in _sweeps():
        _write(source / "countries" / f"sweep-{sweep.name}.md", _sweep_page(sweep, runs))
    _write(source / "methods.md", _methods_page())
    _write(source / "data.md", _data_page())
    _write(source / "references.md", _references_page())
    _write(source / "cite.md", _cite_page())
    extra = source / "_extra" / FILES
    extra.mkdir(parents=True, exist_ok=True)
    for name, path in (("claims.csv", paths.CLAIMS_REPORT), ("datapackage.json", paths.DATAPACKAGE)):
        if path.is_file():
            shutil.copyfile(path, extra / name)
    for sweep in _sweeps():
        shutil.copytree(sweep, extra / "sweeps" / sweep.name, ignore=shutil.ignore_patterns(".*"))
    return sections + runs


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _conf(digest: str) -> str:
    """conf.py of the book: every setting here, none read from the repository."""
    settings = {
        "project": TITLE,
        "author": _citation().get("authors", [{}])[0].get("name", "The perumig compendium authors"),
        "copyright": "the compendium's authors (code: MIT licence; data: their publishers' licences)",
        "version": __version__,
        "release": __version__,
        "language": "en",
        "extensions": ["myst_nb"],  # and sphinx-mathjax-offline, set up in setup_sphinx
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "myst_heading_anchors": 3,
        "nb_execution_mode": "off",
        "nb_output_stderr": "remove-warn",
        "nb_merge_streams": True,
        "nb_code_prompt_show": "Show the code",
        "nb_code_prompt_hide": "Hide the code",
        "exclude_patterns": ["_extra", "**.ipynb_checkpoints"],
        "html_theme": "sphinx_book_theme",
        "html_title": TITLE,
        "html_favicon": str(STATIC / "favicon.svg"),
        "html_static_path": [str(STATIC)],
        "templates_path": [str(BOOK_TEMPLATES / "_templates")],
        "html_css_files": ["perumig.css"],
        "html_js_files": ["perumig.js"],
        "html_extra_path": ["_extra"],
        "html_show_search_summary": False,  # summaries are fetched page by page, which file:// forbids
        "html_show_sphinx": False,
        "html_last_updated_fmt": None,
        "html_context": {"default_mode": "light", "perumig_digest": digest},
        "html_theme_options": {
            "repository_url": REPOSITORY,
            "repository_branch": "main",
            "path_to_docs": "notebooks",
            "use_repository_button": True,
            "use_download_button": True,
            "use_fullscreen_button": False,
            "navbar_persistent": [],  # the search is in the sidebar (and Ctrl+K); no second box in a header
            "home_page_in_toc": True,
            "show_toc_level": 2,
            "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
            "extra_footer": f"<p>Built by perumig {html.escape(__version__)} from content "
                            f"<code>{digest}</code> (a digest of the published reports, data descriptors and code "
                            "it renders). Code: MIT licence; data: the licences on the "
                            '<a href="data.html">data page</a>.</p>',
        },
    }
    return (
        '"""Sphinx settings of the perumig book, written by perumig.present.book."""\n'
        f"globals().update({settings!r})\n"
        "from perumig.present import book\n\n\n"
        "def setup(app):\n"
        "    book.setup_sphinx(app)\n"
    )


def setup_sphinx(app) -> None:
    """The book's extensions and hooks.

    sphinx-mathjax-offline (MathJax from the site itself) only sets a path and copies files when the
    build ends, but does not say it is safe for parallel reading, which would make Sphinx read every
    page in one process; it is marked safe here. Binder links of other runs open their section's notebook.
    """
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.setup_extension("sphinx-mathjax-offline")
    app.extensions["sphinx-mathjax-offline"].parallel_read_safe = True
    app.extensions["sphinx-mathjax-offline"].parallel_write_safe = True
    app.add_node(HideCodeCellNode, override=True, html=(_visit_folded_code, depart_HideCellInput))
    app.connect("html-page-context", _launch_links, priority=900)
    app.connect("html-page-context", _describe_page)


def _visit_folded_code(self, node) -> None:
    """myst-nb's fold for hidden code, its summary named by its visible text (myst-nb labels it
    "Toggle hidden content", which screen readers announce instead of what is shown)."""
    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n'
                     f'<p class="collapsed admonition-title">{html.escape(node["prompt_show"])}</p>\n'
                     f'<p class="expanded admonition-title">{html.escape(node["prompt_hide"])}</p>\n</summary>\n')


def _describe_page(app, pagename, templatename, context, doctree) -> None:
    """A meta description for every page: its title, and what the compendium is."""
    title = re.sub(r"<[^>]+>", "", context.get("title", "")).strip()
    about = f"{TITLE}: a reproducible research compendium of the UNDP policy paper, from open data."
    description = f"{title}. {about}" if title and title != TITLE else about
    context["metatags"] = context.get("metatags", "") + f'\n<meta name="description" content="{html.escape(description)}">'



def _launch_links(app, pagename, templatename, context, doctree) -> None:
    """The theme builds the Binder link from the page's name; a run page names its section's notebook instead."""
    notebook = app.env.metadata.get(pagename, {}).get("perumig_notebook")
    if not notebook:
        return
    default = f"notebooks/{pagename}.ipynb"
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if isinstance(button.get("url"), str):
                button["url"] = button["url"].replace(default, f"notebooks/{notebook}")


# --- notebook pages -------------------------------------------------------------------------------

def _write_notebook_page(source: Path, page: Page, sections: list[Page], runs: list[Page], claims) -> None:
    import nbformat

    notebook = nbformat.read(page.folder / page.notebook, as_version=4)
    files = source / "_extra" / FILES / page.docname
    for folder in ("figures", "data"):
        if (page.folder / folder).is_dir():
            shutil.copytree(page.folder / folder, files / folder)
    _sanitise(notebook)
    depth = page.docname.count("/")
    base = "../" * depth
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
            cell.outputs = [_figure_output(output, f"{base}{FILES}/{page.docname}", base) for output in cell.outputs]
    if page.run_label:
        _retitle(notebook, page.run_label)
    others = [run for run in runs if run.section_id == page.section_id and run.docname != page.docname]
    default = next((s for s in sections if s.section_id == page.section_id), None)
    links = _country_links(page, default, others, base)
    if links:
        notebook.cells.insert(1, nbformat.v4.new_markdown_cell(_raw_html(links)))
    checked = _claims_checked(page, claims)
    if checked:
        notebook.cells.append(nbformat.v4.new_markdown_cell(f"## Claims checked here\n\n{_raw_html(_claims_list(checked, base))}"))
    notebook.metadata["perumig_notebook"] = page.notebook
    _write(source / f"{page.docname}.ipynb", nbformat.writes(notebook))


def _sanitise(notebook) -> None:
    """Strip scripts and unsafe markup from the outputs (the notebooks' own text is the compendium's)."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    sanitiser = SanitizeHTML(tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, strip=True)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            sanitiser.preprocess_cell(cell, {}, index)


def _figure_output(output, files: str, base: str):
    """An image output of ``SectionReport.figure`` as a figure: alt text, enlarge link, SVG/PNG/CSV/source links."""
    figure = output.get("metadata", {}).get("perumig_figure")
    if output.get("output_type") != "display_data" or not figure or "image/png" not in output.get("data", {}):
        return output
    import nbformat

    meta = output["metadata"].get("image/png", {})
    alt = meta.get("alt") or f"{figure['title']}. Source: {figure['source']}."
    width = f' width="{int(meta["width"])}"' if meta.get("width") else ""
    png = f"{files}/figures/{figure['name']}.png"
    svg = f"{files}/figures/{figure['name']}.svg"
    csv_file = f"{files}/data/{figure['name']}.csv"
    source = " ".join(
        f'<a href="{base}data.html#{anchor}">{html.escape(word)}</a>'
        for word, anchor in _source_anchors(figure["source"]).items()
    ) or f'<a href="{base}data.html">data sources</a>'
    image = f'<img src="{html.escape(png)}" alt="{html.escape(alt)}"{width}>'
    body = (
        f'<figure class="perumig-figure"><a class="perumig-enlarge" href="{html.escape(svg)}" '
        f'title="Open the figure full size (SVG)">{image}</a>'
        f'<figcaption><span class="perumig-figure-title">{html.escape(figure["title"])}</span>'
        f'<span class="perumig-figure-links"><a href="{html.escape(svg)}">SVG</a> · <a href="{html.escape(png)}">PNG</a>'
        f' · <a href="{html.escape(csv_file)}">data (CSV)</a> · source: {source}</span></figcaption></figure>'
    )
    return nbformat.v4.new_output("display_data", {"text/html": body, "text/plain": alt})


def _source_anchors(text: str) -> dict[str, str]:
    found = {}
    for word, anchor in SOURCE_ANCHORS.items():
        if word.lower() in text.lower() and anchor not in found.values():
            found[word] = anchor
    return found


def _retitle(notebook, label: str) -> None:
    """The run's first heading says which run it is: 'Section 2 - ... (Colombia)'."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            first, _, rest = cell.source.lstrip().partition("\n")
            cell.source = f"{first} ({label})\n{rest}"
            return


def _country_links(page: Page, default: Page | None, others: list[Page], base: str) -> str:
    choices = []
    if page.run_label and default is not None:
        choices.append(f'<a href="{base}{default.docname}.html">Peru (the paper\'s run)</a>')
    choices += [f'<a href="{base}{run.docname}.html">{html.escape(run.run_label)}</a>' for run in others]
    if not choices:
        return ""
    return (f'<nav class="perumig-countries" aria-label="Other runs of this section"><strong>Read this section for: '
            f'</strong>{" · ".join(choices)}</nav>')


def _raw_html(text: str) -> str:
    return f"```{{raw}} html\n{text}\n```"


# --- the claims ledger -----------------------------------------------------------------------------

# The ledger's columns shown in the table; every other column of reports/claims.csv is listed under "More",
# so a column the reproduction report adds appears there without a change here.
CLAIM_TEXT_COLUMNS = ["sentence", "claim_id"]
# Beside each claim, its verdict first: what a reader looks for, in view without scrolling the table sideways.
PRIMARY_CLAIM_COLUMNS = ["verdict", "printed", "reproduced_value", "section"]
# The relative difference shown and sorted on: the first of these the ledger has.
DIFFERENCE_COLUMNS = ["rel_difference_pct", "relative_difference_pct", "rel_difference"]
STATUS_COLUMN = "verdict"


@dataclass
class Claims:
    columns: list[str]
    rows: list[dict]
    values_keys: dict[str, set[str]]  # claim id -> the values.json keys its check reads (the ledger's trail)


def _claims() -> Claims:
    if not paths.CLAIMS_REPORT.is_file():
        return Claims([], [], {})
    with paths.CLAIMS_REPORT.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    from perumig.present import trail

    keys = {row["claim_id"]: set(trail.items(row.get("trail_keys", ""))) for row in rows}
    return Claims(list(reader.fieldnames or []), rows, keys)


def claim_anchor(claim_id: str) -> str:
    return "claim-" + re.sub(r"[^A-Za-z0-9_-]", "-", claim_id)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "none"


def _document_and_part(row: dict) -> tuple[str, str]:
    """A claim's seed document and the top part of its section: ('UNDP paper', 'Sec. 2') for 'Sec. 2.3, Table 1'."""
    part = row.get("section", "")
    top = re.match(r"^(Sec\. \d+|Annex \d+|Abstract)", part)
    return row.get("seed", ""), top.group(1) if top else part


def _claims_checked(page: Page, claims: Claims) -> list[dict]:
    """Claims recomputed from a value this run published (default runs only: the claims are about Peru)."""
    if page.run_label or not (page.folder / "values.json").is_file():
        return []
    published = set(json.loads((page.folder / "values.json").read_text(encoding="utf-8")))
    return [row for row in claims.rows if claims.values_keys.get(row.get("claim_id", ""), set()) & published]


def _claims_list(rows: list[dict], base: str) -> str:
    items = "".join(
        f'<li><a href="{base}claims.html#{claim_anchor(row["claim_id"])}">{html.escape(row.get("sentence", row["claim_id"]))}</a>'
        f' <span class="perumig-verdict verdict-{_slug(row.get(STATUS_COLUMN, ""))}">{html.escape(row.get(STATUS_COLUMN, ""))}</span></li>'
        for row in rows
    )
    return f'<ul class="perumig-claim-links">{items}</ul>'


def _verdict_counts(claims: Claims) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in claims.rows:
        counts[row.get(STATUS_COLUMN, "")] = counts.get(row.get(STATUS_COLUMN, ""), 0) + 1
    from perumig.sections.verdicts import VERDICTS

    order = list(VERDICTS)
    return dict(sorted(counts.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])))


def _verdict_summary(claims: Claims, base: str = "") -> str:
    from perumig.sections.verdicts import VERDICT_DEFINITIONS

    counts = _verdict_counts(claims)
    rows = "".join(
        f'<tr><th scope="row"><a href="{base}claims.html?verdict={html.escape(_slug(verdict))}">'
        f'<span class="perumig-verdict verdict-{_slug(verdict)}">{html.escape(verdict)}</span></a>'
        f'<br><small>{html.escape(VERDICT_DEFINITIONS.get(verdict, ""))}</small></th><td class="num">{count:,}</td></tr>'
        for verdict, count in counts.items()
    )
    return (f'<div class="perumig-table short" role="region" aria-label="Claims by verdict" tabindex="0"><table>'
            f'<caption>{sum(counts.values()):,} claims by verdict</caption><thead><tr><th scope="col">Verdict</th>'
            f'<th scope="col" class="num">Claims</th></tr></thead><tbody>{rows}</tbody></table></div>')


def _cell_text(column: str, value: str) -> str:
    from perumig.present import display

    return display.value_text(column, value)


def _claims_page(claims: Claims) -> str:
    intro = (
        "---\nhtml_theme.sidebar_secondary.remove: true\n---\n\n# Claims ledger\n\n"
        "Every quantitative statement of the paper and the later seed documents, the value the compendium recomputes "
        "where open data allow it, and a verdict. Search, filter and sort the table; each claim has its own link "
        f'(the # beside its id). The whole ledger: <a href="{FILES}/claims.csv">claims.csv</a>; how it is made: '
        "[the reproduction report](reproduction_report.ipynb).\n\n"
    )
    if not claims.rows:
        return intro + "The reproduction report has not been run yet: run `perumig run reproduction_report`.\n"
    from perumig.present import display
    from perumig.sections import verdicts

    counts = _verdict_counts(claims)
    definitions = "".join(
        f'<dt><span class="perumig-verdict verdict-{_slug(v)}">{html.escape(v)}</span> ({counts[v]:,} claims)</dt>'
        f"<dd>{html.escape(verdicts.VERDICT_DEFINITIONS.get(v, 'no definition recorded for this verdict'))}</dd>"
        for v in counts
    )
    tolerance = f"<p><strong>Tolerances.</strong> {html.escape(verdicts.tolerance_text())}</p>"
    difference = next((c for c in DIFFERENCE_COLUMNS if c in claims.columns), None)
    shown = [c for c in PRIMARY_CLAIM_COLUMNS if c in claims.columns]
    if difference:
        shown.insert(shown.index("reproduced_value") + 1 if "reproduced_value" in shown else len(shown), difference)
    extra = [c for c in claims.columns if c not in shown and c not in CLAIM_TEXT_COLUMNS]
    documents = sorted({_document_and_part(row)[0] for row in claims.rows})
    parts = sorted({_document_and_part(row)[1] for row in claims.rows}, key=_natural)
    controls = (
        '<div class="perumig-controls" hidden>'
        '<label>Search <input type="search" data-search placeholder="words, ids, numbers"></label>'
        + _select("Verdict", "verdict", list(counts))
        + _select("Source document", "document", documents)
        + _select("Section", "part", parts)
        + '<label>Sort by <select data-sort-by><option value="">ledger order</option>'
        '<option value="difference">size of the difference (largest first)</option>'
        '<option value="verdict">verdict</option></select></label>'
        '<p class="perumig-count" data-count aria-live="polite"></p></div>'
    )
    numbers = {"reproduced_value", difference}  # the published words are text, wrapped like the claim
    head = '<th scope="col">Claim</th>' + "".join(
        f'<th scope="col"{_number_class(c in numbers)}>{html.escape(display.label(c))}</th>' for c in shown
    ) + '<th scope="col">More</th>'
    body = []
    for row in claims.rows:
        document, part = _document_and_part(row)
        verdict = row.get(STATUS_COLUMN, "")
        claim_id = row.get("claim_id", "")
        cells = [
            f'<td class="claim" data-label="Claim">{html.escape(row.get("sentence", ""))}<br><small>'
            f'<a class="perumig-anchor" href="#{claim_anchor(claim_id)}" aria-label="Link to claim {html.escape(claim_id)}">#</a> '
            f"<code>{html.escape(claim_id)}</code></small></td>"
        ]
        for column in shown:
            text = html.escape(_cell_text(column, row.get(column, "")))
            if column == STATUS_COLUMN:
                text = f'<span class="perumig-verdict verdict-{_slug(verdict)}">{text}</span>'
            cells.append(f'<td data-label="{html.escape(display.label(column))}"{_number_class(column in numbers)}>{text}</td>')
        details = "".join(
            f"<dt>{html.escape(display.label(c))}</dt><dd>{html.escape(_cell_text(c, row.get(c, '')))}</dd>"
            for c in extra if row.get(c, "") != ""
        )
        cells.append(f'<td data-label="More"><details><summary>details</summary><dl>{details}</dl></details></td>')
        body.append(
            f'<tr id="{claim_anchor(claim_id)}" data-verdict="{html.escape(_slug(verdict))}" '
            f'data-document="{html.escape(_slug(document))}" data-part="{html.escape(_slug(part))}" '
            f'data-difference="{_difference_size(row, difference)}">{"".join(cells)}</tr>'
        )
    table = (
        f'<div class="perumig-interactive" data-page-size="25">{controls}'
        f'<div class="perumig-ledger-wrap"><table class="perumig-ledger"><caption>The claims ledger: {len(claims.rows):,} '
        f'claims</caption><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        '<p class="perumig-more" hidden><button type="button" data-more>Show 25 more</button> '
        '<button type="button" data-all>Show all</button></p></div>'
    )
    return (intro + "## Verdicts and tolerances\n\n" + _raw_html(f'<dl class="perumig-verdicts">{definitions}</dl>{tolerance}')
            + "\n\n## The claims\n\n" + _raw_html(table) + "\n")


def _number_class(number: bool) -> str:
    return ' class="num"' if number else ""


def _natural(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _select(label: str, key: str, values: list[str]) -> str:
    options = "".join(f'<option value="{html.escape(_slug(v))}">{html.escape(v)}</option>' for v in values)
    return f'<label>{html.escape(label)} <select data-filter="{key}"><option value="">all</option>{options}</select></label>'


def _difference_size(row: dict, column: str | None) -> str:
    """How far the recomputed value is from the published one, for sorting ('' when not recomputed)."""
    try:
        return f"{abs(float(row[column])):.12g}" if column else ""
    except (KeyError, ValueError):
        return ""


# --- other pages ---------------------------------------------------------------------------------

def _index_page(sections: list[Page], claims: Claims) -> str:
    cards = []
    for page in sections:
        from perumig.sections import SECTIONS

        section = SECTIONS[page.section_id]
        thumbnail = _first_figure(page)
        cards.append(
            f'<li class="perumig-card"><a href="{page.docname}.html"><strong>{html.escape(section.title)}</strong></a>'
            f"<p>{html.escape(SECTION_SUMMARIES.get(section.id, ''))}</p>{thumbnail}</li>"
        )
    toc = "\n".join(page.docname for page in sections)
    summary = _verdict_summary(claims) if claims.rows else "<p>The reproduction report has not been run yet.</p>"
    return f"""# Peru's public policy response to Venezuelan migration: a reproducible compendium

A reproduction, from open data, of the UNDP Latin America and the Caribbean policy paper *Peru's public policy
response to Venezuelan migration* (Policy Documents Series). The paper's three figures were lost from its text; the
compendium rebuilds them from their stated sources and sets every number the paper states beside what open data say.

Each section page is an executed notebook: read it top to bottom. The code is folded away (open *Show code cell
source* to see it); every figure names its source under it and links to its data. Search (the box beside the
contents, the magnifier on a phone, or Ctrl+K) finds a word anywhere in the compendium.

## What the check found

{_raw_html(summary)}

Every claim, with its sentence, both values and the reason for each difference: the [claims ledger](claims.md).

## The paper, section by section

{_raw_html(f'<ul class="perumig-cards">{"".join(cards)}</ul>')}

The same sections for other host countries: [other countries](countries/index.md). How the compendium works:
[methods](methods.md); where the numbers come from: [data sources](data.md); the studies the paper cites:
[references](references.md); how to cite: [cite this](cite.md).

```{{toctree}}
:hidden:
:caption: The paper, section by section

{toc}
```

```{{toctree}}
:hidden:
:caption: Checks and other countries

claims
countries/index
```

```{{toctree}}
:hidden:
:caption: About the compendium

methods
data
references
cite
```
"""


def _first_figure(page: Page) -> str:
    manifest = page.folder / "manifest.json"
    if not manifest.is_file():
        return ""
    figures = [o for o in json.loads(manifest.read_text(encoding="utf-8"))["outputs"] if o["kind"] == "figure"]
    if not figures or not (page.folder / "figures" / f"{figures[0]['name']}.png").is_file():
        return ""
    figure = figures[0]
    from perumig.present.display import figure_description

    return (f'<img class="perumig-thumbnail" src="{FILES}/{page.docname}/figures/{html.escape(figure["name"])}.png" '
            f'alt="{html.escape(figure_description(figure["title"], figure["source"]))}">')


def _countries_page(runs: list[Page], sweeps: list[Path]) -> str:
    from perumig.sections import SECTIONS

    lines = ["# Other countries and parameters", "",
             "The paper is about Peru; its sections also run for other host countries and other parameters "
             "(`perumig run flows -p country=COL`, or `perumig sweep flows --countries hosts` for the main hosts at "
             "once). Every such run published on this machine is a page here, and each section page links its runs."]
    toc = []
    for section in SECTIONS.values():
        mine = [run for run in runs if run.section_id == section.id]
        if mine:
            lines += ["", f"## {section.title}", ""]
            lines += [f"- [{run.run_label}]({run.docname.removeprefix('countries/')}.ipynb)" for run in mine]
            toc += [run.docname.removeprefix("countries/") for run in mine]
    if not runs:
        lines += ["", "No other run has been published yet. Run one, then `perumig site`."]
    if sweeps:
        lines += ["", "## Tables across countries (sweeps)", ""]
        lines += [f"- [{_sweep_title(sweep)}](sweep-{sweep.name}.md)" for sweep in sweeps]
        toc += [f"sweep-{sweep.name}" for sweep in sweeps]
    if toc:
        lines += ["", "```{toctree}", ":hidden:", "", *toc, "```"]
    return "\n".join(lines) + "\n"


def _sweep_title(sweep: Path) -> str:
    from perumig.sections import SECTIONS

    for section in SECTIONS.values():
        if sweep.name.startswith(f"{section.id}-"):
            return f"{section.title.split(' - ')[0]} across countries: {sweep.name.removeprefix(section.id + '-')}"
    return sweep.name


# The tables of a sweep folder, in the order shown, with what each holds; any other CSV a sweep publishes
# is shown after them (an atlas across all countries, say) with its file name as title.
SWEEP_TABLES = {
    "summary.csv": "One row per measure and year, one column per country (each country's code opens its run); only "
                   "the measures every country of the sweep has.",
    "values.csv": "Every country-specific value the runs published, with its source: one row per country, measure "
                  "and year.",
}


def _sweep_page(sweep: Path, runs: list[Page]) -> str:
    """Every table of a sweep, sortable and searchable, each country linked to its run's page."""
    run_pages = {run.folder.name: run.docname.removeprefix("countries/") for run in runs}
    tables = sorted(sweep.glob("*.csv"), key=lambda path: (list(SWEEP_TABLES).index(path.name)
                                                           if path.name in SWEEP_TABLES else len(SWEEP_TABLES), path.name))
    country_runs = {}  # ISO3 -> page of its run, from the tables that say which run each country's values are from
    for path in tables:
        header, *rows = _read_csv(path) or [[]]
        if "run" in header and "country" in header:
            for row in rows:
                country_runs[row[header.index("country")]] = run_pages.get(Path(row[header.index("run")]).name)
    parts = [f"# {_sweep_title(sweep)}", "",
             "Click a column header to sort; type in the search box to keep the rows that contain your words."]
    for path in tables:
        link = f'<a href="../{FILES}/sweeps/{html.escape(sweep.name)}/{html.escape(path.name)}">{html.escape(path.name)}</a>'
        parts += ["", f"## {path.stem.replace('_', ' ').capitalize()}", "",
                  f"{SWEEP_TABLES.get(path.name, '')} The file: {link}.".strip(), "",
                  _raw_html(_sortable_table(_read_csv(path), country_runs, run_pages, path.stem))]
    return "\n".join(parts) + "\n"


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _sortable_table(lines: list[list[str]], country_runs: dict, run_pages: dict, name: str) -> str:
    """A CSV as a sortable, searchable table; a country code (in a header or a cell) links to its run."""
    from perumig.present import display

    if not lines:
        return "<p>(empty table)</p>"
    header, rows = lines[0], lines[1:]

    def linked(text: str, shown: str) -> str:
        target = country_runs.get(text) or run_pages.get(Path(text).name)
        return f'<a href="{html.escape(target)}.html">{html.escape(shown)}</a>' if target else html.escape(shown)

    head = "".join(f'<th scope="col"><button type="button" data-sort-column="{i}">{linked(column, display.label(column))}'
                   "</button></th>" for i, column in enumerate(header))
    body = "".join(
        "<tr>" + "".join(
            f'<td{_number_class(_is_number(cell))} data-value="{html.escape(cell)}">'
            f"{linked(cell, display.value_text(header[i], cell) if i < len(header) else cell)}</td>"
            for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    size = "long" if len(rows) > display.LONG_TABLE_ROWS else "short"
    return (
        '<div class="perumig-interactive"><div class="perumig-controls" hidden><label>Search '
        f'<input type="search" data-search></label><p class="perumig-count" data-count aria-live="polite"></p></div>'
        f'<div class="perumig-table {size}" role="region" aria-label="{html.escape(name)}: {len(rows)} rows" tabindex="0">'
        f'<table class="perumig-sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>'
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _methods_page() -> str:
    return """# Methods

**What is reproduced.** The UNDP paper states numbers (shares, counts, ranks, rates) and cites studies. Its figures
were lost from its text; their titles and stated sources remain. The compendium rebuilds every figure from its stated
source, recomputes every number that open data can check, and keeps every other number as a transcribed claim with
its sentence and section, so that nothing is silently dropped.

**Data flow, one way.** Raw files are fetched from their publishers' addresses (or a local mirror) and checked
against their sha256 ([data sources](data.md)); `perumig build-data` turns them into tidy, schema-validated tables;
numbers that exist only in the paper and the later seed documents are typed into transcribed tables, each row citing
its seed and section. Notebooks read only these tables, through one loader that checks every file's hash.

**One notebook per part of the paper.** Each notebook quotes the paper, then shows the data. The logic lives in the
Python package `perumig`; the notebooks are thin narrative that call it. Each run writes its figures (SVG and PNG),
the data behind each figure (CSV), its headline numbers (`values.json`, with a source for each key) and a manifest.
Runs are deterministic: two runs give byte-identical files.

**The claims ledger.** A scanner splits the paper and the seeds into sentences and flags every one that carries a
number, a date, a rank, a comparison or a trend; each is a claim of the ledger or an exclusion with its reason. A claim
is checked one of four ways: *recomputed* (from the sections' values and the processed tables), *consistency* (it
follows from other stated numbers), *comparison* (a direction, rank or comparison tested in every year and revision it
speaks of) or *transcribed* (no registered source has the data: cited, with the data it would need). Each gets a
graded verdict, the relative difference in percent, the numbers behind its reason and the trail of every number down
to the raw files ([claims ledger](claims.md)).

**Other countries and parameters.** Every section has parameters (the host country, the data revision, the years,
the panel's countries). A run with other parameters is published beside the default one and appears under
[other countries](countries/index.md). Parts of a section that exist only for Peru (the paper's tables and stated
counts) say so in words instead of drawing nothing.

**Rebuilding.** `make reproduce` fetches, rebuilds and reruns only what changed (each published folder records the
hashes of everything it was made from), then builds this website with Sphinx, myst-nb and the book theme from the
executed notebooks, without executing them again. Everything runs offline from the pinned environment in
`requirements/lock.txt`.
"""


def _data_page() -> str:
    from perumig.data import schemas, sources

    groups = {"undesa": "UN DESA International Migrant Stock", "unhcr": "UNHCR refugee statistics",
              "wdi": "World Bank World Development Indicators"}
    parts = ["# Data sources", "",
             "Raw files are fetched from these addresses and checked against their sha256 before use; the processed "
             f'and transcribed tables are described, with their schemas and hashes, in <a href="{FILES}/datapackage.json">datapackage.json</a>.']
    registry = sources.registry()
    for anchor, title in groups.items():
        entries = [e for e in registry.values() if e.id.startswith(anchor)]
        items = "".join(
            f"<li><strong>{html.escape(e.id)}</strong>: {html.escape(e.description)} "
            f'<a href="{html.escape(e.url)}">file</a> · <a href="{html.escape(e.official_page)}">official page</a> · '
            f"{html.escape(e.licence)}<br><small>{html.escape(e.citation)} {html.escape(e.provenance)}</small>"
            f"<br><small>sha256 <code>{html.escape(e.sha256)}</code></small></li>"
            for e in entries
        )
        parts += ["", f"({anchor})=", f"## {title}", "", _raw_html(f"<ul>{items}</ul>")]
    tables = "".join(
        f"<li><strong>{html.escape(spec.title)}</strong> (<code>data/transcribed/{html.escape(spec.name)}.csv</code>): "
        f"{html.escape(spec.description)} Seeds: {html.escape(', '.join(schemas.seed_label(s) for s in spec.sources))}.</li>"
        for spec in schemas.TRANSCRIBED_TABLES
    )
    parts += ["", "(seeds)=", "## The paper and the seed documents", "",
              "Numbers that exist only in the UNDP policy paper and the later seed documents (a 2020 migration profile, "
              "2025 news) are transcribed into tables, every row with its seed, its section and the sentence it comes "
              "from:", "", _raw_html(f"<ul>{tables}</ul>")]
    return "\n".join(parts) + "\n"


def _references_page() -> str:
    from perumig.present import display

    lines = ["# References", "",
             "The source text of the UNDP paper that this compendium works from has no reference list. The studies "
             "below are those the paper cites in its text (author and year, as it writes them), with the sections "
             "where it cites them; they are transcribed into `data/transcribed/paper_citations.csv`, each row with "
             "the section and the sentence of the citation. Search for a title in a library catalogue by author and year.",
             ""]
    from perumig.data import tables

    rows = tables.load("paper_citations").to_dict("records")
    works: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        works.setdefault((row["authors"], row["year"]), []).append(row)
    body = []
    for (authors, year), cited in sorted(works.items(), key=lambda item: (item[0][0].lower(), item[0][1])):
        sections = list(dict.fromkeys(row["seed_section"] for row in cited))
        quotes = "".join(f"<li><em>{html.escape(row['seed_section'])}</em>: “{html.escape(row['quote'])}”</li>" for row in cited)
        body.append(
            f"<tr><td>{html.escape(authors)}</td><td>{html.escape(year)}</td><td>{html.escape('; '.join(sections))}</td>"
            f"<td><details><summary>{len(cited)} citation{'s' if len(cited) > 1 else ''}</summary><ul>{quotes}</ul>"
            "</details></td></tr>"
        )
    head = "".join(f'<th scope="col"><button type="button" data-sort-column="{i}">{html.escape(display.label(name))}</button></th>'
                   for i, name in enumerate(["authors", "year", "cited_in", "where"]))
    table = (
        '<div class="perumig-interactive" data-table="sortable">'
        '<div class="perumig-controls" hidden><label>Search <input type="search" data-search></label>'
        '<p class="perumig-count" data-count aria-live="polite"></p></div>'
        f'<div class="perumig-table" role="region" aria-label="Studies the paper cites" tabindex="0"><table class="perumig-sortable">'
        f"<caption>{len(works)} works cited in the paper</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
        "</table></div></div>"
    )
    return "\n".join(lines) + "\n" + _raw_html(table) + "\n"


def _citation() -> dict:
    import yaml

    if not paths.CITATION.is_file():
        return {}
    return yaml.safe_load(paths.CITATION.read_text(encoding="utf-8")) or {}


def _names(entry: dict) -> list[str]:
    return [a.get("name") or " ".join(filter(None, (a.get("given-names"), a.get("family-names"))))
            for a in entry.get("authors", [])]


def _bibtex(kind: str, key: str, fields: dict) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@{kind}{{{key},\n{body}\n}}"


def _cite_page() -> str:
    """How to cite the compendium and the paper, from CITATION.cff: as text and as BibTeX."""
    cff = _citation()
    where = cff.get("repository-code") or cff.get("url") or REPOSITORY
    doi = f" https://doi.org/{cff['doi']}" if cff.get("doi") else ""
    title = cff.get("title", TITLE)
    version = str(cff.get("version", __version__))
    lines = ["# Cite this", "", cff.get("message", "Please cite the compendium and the paper it reproduces."), "",
             "## The compendium", "", f"{', '.join(_names(cff))}. *{title}*. Version {version}. <{where}>{doi}", "",
             "```bibtex", _bibtex("software", "perumig", {
                 "author": " and ".join(f"{{{name}}}" for name in _names(cff)), "title": title, "version": version,
                 "url": where, "doi": cff.get("doi"), "year": cff.get("date-released", "")[:4] if cff.get("date-released") else ""}),
             "```", ""]
    for reference in cff.get("references", []):
        if reference.get("type") == "report":
            names = ", ".join(_names(reference))
            series = f" {reference['collection-title']}." if reference.get("collection-title") else ""
            year = f" ({reference['year']})" if reference.get("year") else ""
            url = f" <{reference['url']}>" if reference.get("url") else ""
            lines += ["## The paper", "", f"{names}{year}. *{reference.get('title', '')}*.{series}{url}", "",
                      "```bibtex", _bibtex("techreport", "undp_peru_migration", {
                          "author": " and ".join(f"{{{name}}}" for name in _names(reference)),
                          "title": reference.get("title"), "institution": names,
                          "type": reference.get("collection-title"), "year": reference.get("year"),
                          "url": reference.get("url")}), "```", ""]
    data = [r for r in cff.get("references", []) if r.get("type") == "data"]
    if data:
        lines += ["## The data", ""]
        lines += [f"- {', '.join(_names(r))} ({r.get('year', '')}). *{r.get('title', '')}*."
                  f"{' Licence: ' + r['license'] + '.' if r.get('license') else ''}" for r in data]
        lines.append("")
    lines += ["The citation metadata of the compendium, in the Citation File Format: `CITATION.cff` at the root of the "
              "repository; the sources of every number: [data sources](data.md) and [references](references.md)."]
    return "\n".join(lines) + "\n"
