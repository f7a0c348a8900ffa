"""The package's one place for generated prose: numbers for sentences, lists, and escaping of data values."""

import math

import numpy as np
import pandas as pd
import pytest

from perumig.present import prose
from perumig.present.report import SectionReport

ATTACK = "<img src=x onerror=alert(1)>"


def rendered(markdown: str) -> str:
    """Markdown as nbconvert renders it for the section pages."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(markdown)


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, np.float64("nan")])
def test_missing_numbers_become_words(missing):
    assert prose.number(missing) == "no estimate"
    assert prose.percent(missing, 3) == "no estimate"
    assert prose.fill("share {x:.3f} in {y}", x=missing, y=1995) == "share no estimate in 1995"
    assert prose.escape(missing) == "no estimate"


def test_numbers_read_as_in_a_sentence():
    assert prose.number(1224519) == "1,224,519"
    assert prose.number(np.int64(5)) == "5"
    assert prose.number(3.713832, 3) == "3.714"
    assert prose.percent(3.713832, 3) == "3.714 %"
    assert prose.percent(-0.66, 1, signed=True) == "-0.7 %" and prose.percent(0.66, 1, signed=True) == "+0.7 %"
    assert prose.count(1, "year") == "1 year" and prose.count(1204, "decision") == "1,204 decisions"
    assert [prose.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]
    assert prose.fill("{y}", y=np.int64(2020)) == "2020", "years carry no thousands separator"


def test_lists_and_years():
    assert prose.join([]) == "none" and prose.join(["Peru"]) == "Peru"
    assert prose.join(["Peru", "Chile"]) == "Peru and Chile"
    assert prose.join(["Peru", "Chile", "Ecuador"], "or") == "Peru, Chile or Ecuador"
    assert prose.years([2005, 1995, 2000]) == "1995, 2000 and 2005"
    assert prose.years([2016, 2017, 2018, 2019, 2021, 2023, 2024]) == "2016–2019, 2021, 2023 and 2024"


def test_data_values_are_escaped_and_code_is_not():
    text = prose.fill("**{name}** (`{code}`)", name=ATTACK, code="PER")
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert text.startswith("**") and "`PER`" in text, "the template's own Markdown stays Markdown"
    html = rendered(text)
    assert "<img" not in html and "&lt;img" in html and "<strong>" in html
    assert prose.escape("*a* _b_ [c](d) `e` $f$ #g |h| ~i~ \\j") == (
        "\\*a\\* \\_b\\_ \\[c\\](d) \\`e\\` \\$f\\$ \\#g \\|h\\| \\~i\\~ \\\\j")
    assert rendered(prose.escape("*a* [c](d) `e`")).strip() == "<p>*a* [c](d) `e`</p>"
    assert prose.escape("line one\n\n# not a heading") == "line one \\# not a heading"


def test_markdown_joined_with_plain_text_escapes_the_plain_text():
    safe = prose.trusted("**bold** ")
    assert safe + ATTACK == "**bold** &lt;img src=x onerror=alert(1)&gt;"
    assert ATTACK + safe == "&lt;img src=x onerror=alert(1)&gt;**bold** "
    assert prose.Markdown(", ").join(["<b>", prose.trusted("<i>")]) == "&lt;b&gt;, <i>"
    assert isinstance(safe + "x", prose.Markdown) and isinstance(prose.join(["a", "b"]), prose.Markdown)


def test_show_escapes_what_is_not_markdown_and_skips_empty_texts(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    prose.show(ATTACK, None, prose.Markdown(""), prose.trusted("*note*"))
    prose.show(None, "")
    (output,) = shown
    assert output.data == "&lt;img src=x onerror=alert(1)&gt;\n\n*note*"


def test_a_run_without_an_output_folder_says_it_publishes_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("PERUMIG_OUTPUT_DIR", raising=False)
    notice = SectionReport("flows").publication_notice()
    assert "This run publishes nothing" in notice and "PERUMIG_OUTPUT_DIR" in notice and "perumig run flows" in notice
    assert "notebooks/01_migration_flows.ipynb" in notice
    assert "<" not in notice, "no raw HTML"
    monkeypatch.setenv("PERUMIG_OUTPUT_DIR", str(tmp_path))
    assert SectionReport("flows").publication_notice() == ""
