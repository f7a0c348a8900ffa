"""The rendered website: builds offline, no broken link or image, no console error in Chromium."""

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from perumig import paths
from perumig.present import site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]
SCREENSHOTS = paths.ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    return site.build_site(tmp_path_factory.mktemp("site") / "site")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append(value)


def _local_targets(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [t for t in parser.targets if not urlparse(t).scheme and not t.startswith("#")]


def test_pages_follow_the_paper(built_site):
    names = {p.name for p in built_site.glob("*.html")}
    assert {"index.html", "gallery.html", "claims.html", "data.html", "flows.html"} <= names
    index = (built_site / "index.html").read_text()
    assert index.index("Sec. 2") < index.index("Sec. 3")


def test_no_broken_local_link(built_site):
    broken = []
    for page in built_site.glob("*.html"):
        for target in _local_targets(page):
            path = built_site / unquote(target.split("#")[0])
            if not path.exists():
                broken.append(f"{page.name} -> {target}")
    assert broken == []


def test_nothing_is_loaded_from_the_internet(built_site):
    for page in built_site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', text), page.name


def test_every_page_has_a_colophon_with_commit_and_hashes(built_site):
    for page in built_site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Built by perumig" in text and "sha256" in text, page.name


def test_gallery_links_each_figure_to_notebook_csv_and_source(built_site):
    gallery = (built_site / "gallery.html").read_text()
    figures = re.findall(r"<figure id=\"([^\"]+)\">(.*?)</figure>", gallery, flags=re.S)
    assert len(figures) >= 6
    for _, body in figures:
        assert ".html\">notebook</a>" in body and ".csv\">CSV</a>" in body and "data.html#" in body


def test_notebook_pages_hide_code_behind_a_toggle(built_site):
    text = (built_site / "flows.html").read_text()
    assert 'id="toggle-code"' in text and "code-hidden" in text


def test_pages_in_headless_chromium(built_site):
    """Open every page as a student would: no console error, no failed request, every image drawn."""
    if not Path(CHROMIUM).exists():
        message = "needs Debian's chromium: apt-get install chromium (.ci/run installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    from playwright.sync_api import sync_playwright

    problems = []
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
        for html_page in sorted(built_site.glob("*.html")):
            page.goto(html_page.as_uri(), wait_until="load")
            missing = page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 120))"
            )
            problems += [f"{html_page.name}: image not drawn {src}" for src in missing]
        page.goto((built_site / "flows.html").as_uri())
        page.click("#toggle-code")
        assert page.is_visible(".jp-CodeCell .jp-Cell-inputWrapper")
        page.goto((built_site / "index.html").as_uri())
        page.screenshot(path=str(SCREENSHOTS / "site_index.png"), full_page=True)
        browser.close()
    assert problems == []
    assert (SCREENSHOTS / "site_index.png").stat().st_size > 10_000
