"""The website (a Sphinx book of the published reports): built offline, with nothing written into the
repository, and read in headless Chromium as a student would, at desktop and phone widths."""

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from perumig import paths, publish, stamps
from perumig.present import book
from perumig.sections import SECTIONS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]
SCREENSHOTS = paths.ROOT / "test-artifacts"
WIDTHS = (1280, 390)
GENERIC_ALT = re.compile(r"^(|image|figure|png|svg|no description has been provided for this image|.*\.(png|svg))$", re.I)
RUN = "flows-country-COL"


def _another_process_scratch(name: str) -> bool:
    """A scratch folder of another process: another test's build at the same moment (pytest-xdist), which that
    test checks is removed."""
    match = publish.LEFTOVER.match(name)
    return bool(match) and int(match.group("pid")) != os.getpid()


def _repository_files() -> dict[str, float]:
    """Every file of the repository outside the environment, git and the test's own folders, with its mtime."""
    found = {}
    for root, folders, files in os.walk(paths.ROOT):
        folders[:] = [f for f in folders if f not in {".venv", ".git", "__pycache__", "test-artifacts", ".hypothesis"}
                      and not _another_process_scratch(f)]
        for name in files:
            path = Path(root) / name
            found[str(path.relative_to(paths.ROOT))] = path.stat().st_mtime_ns
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The book of the committed reports, plus one other run and a sweep table (copies standing in for
    `perumig sweep flows --countries COL`, so that the test needs no extra notebook run)."""
    work = tmp_path_factory.mktemp("book")
    runs, sweeps = work / "runs", work / "sweeps"
    shutil.copytree(paths.REPORTS / "flows", runs / RUN, ignore=shutil.ignore_patterns(".*"))
    (sweeps / "flows-COL").mkdir(parents=True)
    (sweeps / "flows-COL" / "summary.csv").write_text("measure,year,COL\nvenezuelans.UNHCR.{country},2019,1000\n")
    (sweeps / "flows-COL" / "values.csv").write_text(
        f"country,country_name,measure,year,value,source,run\nCOL,Colombia,venezuelans.UNHCR.{{country}},2019,1000,"
        f"UNHCR,reports/runs/{RUN}\n")
    before = _repository_files()
    patcher = pytest.MonkeyPatch()
    patcher.setattr(paths, "REPORT_RUNS", runs)
    patcher.setattr(paths, "SWEEPS", sweeps)
    try:
        site = book.build_site(work / "site")
        current_after_build = book.build_site(work / "site", force=False)
    finally:
        patcher.undo()
    return {"site": site, "no-op": current_after_build, "before": before, "after": _repository_files()}


@pytest.fixture(scope="module")
def site(built) -> Path:
    return built["site"]


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name not in {"genindex.html"} and "_static" not in p.parts)


def test_build_writes_nothing_into_the_repository(built):
    assert built["after"] == built["before"]


def test_a_current_site_is_not_rebuilt(built):
    assert built["no-op"] is None
    assert stamps.read(built["site"]) is not None


def test_every_notebook_run_and_page_is_there(site):
    names = {p.relative_to(site).as_posix() for p in _pages(site)}
    expected = {f"{s.id}.html" for s in SECTIONS.values()} | {
        "index.html", "claims.html", "methods.html", "data.html", "references.html", "cite.html", "search.html",
        "countries/index.html", f"countries/{RUN}.html", "countries/sweep-flows-COL.html"}
    assert expected <= names
    assert (site / "favicon.svg").is_file() or (site / "_static" / "favicon.svg").is_file()


def test_pages_have_real_titles(site):
    for page in _pages(site):
        title = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S).group(1)
        assert "Notebook" not in title and len(title) > len(book.TITLE), page.name


def test_nothing_is_loaded_from_another_host(site):
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', text), page.name


def test_ledger_values_are_escaped(site):
    """A claim's text and its verdict (written into class and data attributes) come from data."""
    html = (site / "claims.html").read_text(encoding="utf-8")
    for row in book._claims().rows:
        assert f'id="{book.claim_anchor(row["claim_id"])}"' in html
    hostile = {"claim_id": 'x"><script>alert(1)</script>', "section": "UNDP paper, Sec. 2", "sentence": "<img src=x onerror=alert(1)>",
               "published_value": "1", "reproduced_value": "2", "verdict": 'differs" onmouseover="alert(1)', "reason": "<b>x</b>"}
    page = book._claims_page(book.Claims(list(hostile), [hostile], {}))
    tags = _tags(page)
    assert not {"script", "img", "b"} & {tag for tag, _ in tags}
    assert not [name for _, attributes in tags for name, _ in attributes if name.startswith("on")]
    assert all(re.fullmatch(r"[\w -]*", value or "") for _, attributes in tags for name, value in attributes if name == "class")


def _tags(text: str) -> list[tuple[str, list]]:
    from html.parser import HTMLParser

    found = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Tags().feed(text)
    return found


def test_outputs_are_sanitised():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", {"text/html": '<b onclick="steal()">x</b><script>steal()</script>',
                                                "text/plain": "x"})])])
    book._sanitise(notebook)
    html = notebook.cells[0].outputs[0]["data"]["text/html"]
    assert "<script" not in html and "onclick" not in html and "<b>" in html


def test_section_pages_link_the_claims_they_check(site):
    html = (site / "flows.html").read_text(encoding="utf-8")
    values = set(json.loads((paths.REPORTS / "flows" / "values.json").read_text()))
    checked = [claim for claim, keys in book._claims().values_keys.items() if keys & values]
    assert checked
    for claim in checked:
        assert f'href="claims.html#{book.claim_anchor(claim)}"' in html


def test_figures_link_their_files_which_exist(site):
    html = (site / "flows.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(files/flows/(?:figures|data)/[^"]+)"', html)
    manifest = json.loads((paths.REPORTS / "flows" / "manifest.json").read_text())
    figures = [o for o in manifest["outputs"] if o["kind"] == "figure"]
    assert len(set(links)) >= 3 * len(figures)
    assert all((site / link).is_file() for link in links)


def test_download_button_offers_the_published_notebook(site):
    section = SECTIONS["flows"]
    assert (site / "_sources" / "flows.ipynb").read_bytes() == (paths.REPORTS / "flows" / section.notebook).read_bytes()


def _word_in_one_notebook() -> tuple[str, str]:
    """A word that only one section notebook's own text has (searched for in the built index)."""
    words = {}
    for section in SECTIONS.values():
        notebook = nbformat.read(section.path, as_version=4)
        text = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        words[section.id] = set(re.findall(r"\b[a-z]{9,}\b", text.lower()))
    for section_id, mine in words.items():
        others = set().union(*(w for s, w in words.items() if s != section_id))
        unique = sorted(mine - others)
        if unique:
            return unique[0], section_id
    raise AssertionError("no word is unique to one notebook")


def _browse(site: Path):
    """Open every page at each width in one browser session; return the problems found and what was seen."""
    from playwright.sync_api import sync_playwright

    problems, seen = [], {}
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"{width}px console {m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(f"{width}px page error: {error}"))
            # A load still pending when the test moves to the next page (the favicon, say) is aborted: not a fault.
            page.on("requestfailed", lambda r: problems.append(f"{width}px failed request: {r.url} ({r.failure})")
                    if r.failure != "net::ERR_ABORTED" else None)
            page.route(re.compile(r"^(?!file:).*"), lambda route: (problems.append(
                f"{width}px request to another host: {route.request.url}"), route.abort()))
            for html_page in _pages(site):
                name = html_page.relative_to(site).as_posix()
                page.goto(html_page.as_uri(), wait_until="load")
                page.wait_for_function(  # MathJax typesets after the page loads
                    "() => document.querySelectorAll('mjx-container').length >= document.querySelectorAll('.math').length")
                checks = page.evaluate("""() => ({
                    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                    text: document.body.innerText,
                    cut: Array.from(document.querySelectorAll('td, th')).map(c => c.textContent.trim())
                         .filter(t => t.endsWith('...') || t.endsWith('…')),
                    alts: Array.from(document.images).map(i => [i.getAttribute('alt'), i.src.slice(-60)]),
                    undrawn: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
                    lang: document.documentElement.lang,
                })""")
                seen[(width, name)] = checks
                if width == 390 and checks["overflow"] > 0:
                    problems.append(f"{name}: the page scrolls sideways at 390 px ({checks['overflow']} px)")
                if "$$" in checks["text"] or "\\text{" in checks["text"]:
                    problems.append(f"{width}px {name}: raw LaTeX in the visible text")
                problems += [f"{name}: cell cut short: {text[-40:]}" for text in checks["cut"]]
                problems += [f"{name}: image without a real description: {src}" for alt, src in checks["alts"]
                             if alt is None or GENERIC_ALT.match(alt.strip())]
                problems += [f"{name}: image not drawn: {src}" for src in checks["undrawn"]]
                if checks["lang"] != "en":
                    problems.append(f"{name}: no lang attribute")
            for name in ("index.html", "claims.html", "economic_impact.html"):
                page.goto((site / name).as_uri(), wait_until="load")
                page.screenshot(path=str(SCREENSHOTS / f"site_{name.removesuffix('.html')}_{width}.png"))
            context.close()
        seen["interactions"] = _interact(browser, site)
        browser.close()
    return problems, seen


def _interact(browser, site: Path) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "claims.html").as_uri(), wait_until="load")
    rows = "document.querySelectorAll('table.perumig-ledger tbody tr')"
    total = page.evaluate(f"{rows}.length")
    first_id = page.evaluate(f"{rows}[0].id")
    claim = next(row for row in book._claims().rows if book.claim_anchor(row["claim_id"]) == first_id)
    page.fill("[data-search]", claim["claim_id"])
    matching = page.evaluate(f"Array.from({rows}).filter(r => !r.hidden).map(r => r.id)")
    page.fill("[data-search]", "")
    page.select_option("[data-filter=verdict]", book._slug(claim[book.STATUS_COLUMN]))
    verdicts = page.evaluate(f"Array.from({rows}).filter(r => !r.hidden).map(r => r.dataset.verdict)")
    page.evaluate("document.querySelector('[data-all]').click()")
    shown_after_all = page.evaluate(f"Array.from({rows}).filter(r => !r.hidden).length")
    word, section_id = _word_in_one_notebook()
    page.goto((site / "search.html").as_uri() + f"?q={word}", wait_until="load")
    page.wait_for_selector("#search-results li a", timeout=20_000)
    found = page.evaluate("Array.from(document.querySelectorAll('#search-results li a')).map(a => a.getAttribute('href'))")
    page.close()
    return {"total": total, "claim": first_id, "matching": matching, "verdict": book._slug(claim[book.STATUS_COLUMN]),
            "verdicts": verdicts, "shown_after_all": shown_after_all, "word": word, "section": section_id, "found": found}


@pytest.fixture(scope="module")
def browsed(site):
    if not Path(CHROMIUM).exists():
        message = "needs Debian's chromium: apt-get install chromium (.ci/run installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return _browse(site)


def test_pages_in_headless_chromium(browsed):
    """Every page at 1280 and 390 px: no console error, no request elsewhere, no sideways scroll on a
    phone, math rendered, nothing cut, every image described."""
    problems, seen = browsed
    assert problems == [], "\n".join(problems)
    assert {key[0] for key in seen if isinstance(key, tuple)} == set(WIDTHS)


def test_math_is_rendered(browsed):
    _, seen = browsed
    assert "outcome" in seen[(1280, "economic_impact.html")]["text"]  # the model, typeset by the bundled MathJax


def test_ledger_search_and_filter(browsed):
    interactions = browsed[1]["interactions"]
    assert interactions["total"] == len(book._claims().rows)
    assert interactions["matching"] == [interactions["claim"]]
    with_verdict = [r for r in book._claims().rows if book._slug(r[book.STATUS_COLUMN]) == interactions["verdict"]]
    assert set(interactions["verdicts"]) == {interactions["verdict"]}
    assert len(interactions["verdicts"]) == min(len(with_verdict), 25), "the first page of 25"
    assert interactions["shown_after_all"] == len(with_verdict)


def test_search_finds_a_word_of_one_notebook(browsed):
    interactions = browsed[1]["interactions"]
    assert any(href.split("?")[0].split("#")[0].endswith(f"{interactions['section']}.html") for href in interactions["found"]), interactions


def test_outputs_keep_what_pages_need_and_lose_what_runs_code():
    """The book sanitises every output of a notebook: tables, headings and links stay; scripts, handlers,
    javascript: links and styles go."""
    import nbformat

    from perumig.present import book

    page = ('<h2>Title</h2><p>text <strong>b</strong></p><table class="dataframe"><thead><tr><th scope="col">a</th></tr>'
            '</thead><tbody><tr><td>1</td></tr></tbody></table><a href="https://www.un.org/">UN</a>'
            '<a href="javascript:alert(1)">x</a><script>alert(1)</script><div onclick="alert(1)">d</div>'
            '<img src=x onerror=alert(1)><style>body {display: none}</style>')
    cell = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data", {"text/html": page})])
    notebook = nbformat.v4.new_notebook(cells=[cell])
    book._sanitise(notebook)
    cleaned = notebook.cells[0].outputs[0]["data"]["text/html"]
    for kept in ("<h2>", "<p>", "<strong>", '<table class="dataframe">', '<th scope="col">', "<td>",
                 '<a href="https://www.un.org/">'):
        assert kept in cleaned, kept
    for gone in ("<script", "javascript:", "onclick", "onerror", "<style"):
        assert gone not in cleaned, gone
