"""Tables for people: how the notebooks and the website show a DataFrame."""

import re

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from perumig.present import display

LONG_REASON = ("published 110000 (exact) vs reproduced 93512 beyond tolerance 5000; INEI counts entries recorded by "
               "the migration authority, UNHCR counts people under its mandate at the end of the year")


def cells(html: str) -> list[str]:
    return re.findall(r"<t[dh](?: [^>]*)?>(.*?)</t[dh]>", html)


def test_row_numbers_are_hidden_but_a_labelled_index_is_shown():
    plain = pd.DataFrame({"iso3": ["PER", "COL"], "venezuelans": [1.0, 2.0]})
    assert cells(display.frame_html(plain)) == ["ISO3", "Venezuelans", "PER", "1", "COL", "2"]
    pivot = pd.DataFrame({"area": ["Peru", "World"], "year": [2020, 2020], "share": [3.7, 3.6]}).pivot_table(
        index="area", columns="year", values="share")
    html = display.frame_html(pivot)
    assert cells(html)[:4] == ["Area", "2020", "Peru", "3.7"]
    assert '<th scope="row">Peru</th>' in html


def test_headers_are_readable():
    assert display.label("migrant_share_pct") == "Migrant share (%)"
    assert display.label("unhcr_recognized") == "UNHCR recognized"
    assert display.label("origin_iso3") == "Origin ISO3"
    assert display.label("p_value") == "p-value"
    assert display.label("UNHCR (same year)") == "UNHCR (same year)"
    assert display.label("undp_policy_paper_peru_migration.txt") == "UNDP paper"
    assert display.label(2020) == "2020"


def test_numbers_have_separators_fixed_decimals_and_no_scientific_notation():
    frame = pd.DataFrame({"venezuelans": [941889.0, 1327362.0], "share_pct": [3.746030e+02, 0.5],
                          "year": [2019, 2020], "rank": [1, 12]})
    assert cells(display.frame_html(frame))[4:] == ["941,889", "374.603", "2019", "1", "1,327,362", "0.500", "2020", "12"]
    assert "e+" not in display.frame_text(frame)


def test_negative_numbers_use_a_minus_sign_and_no_negative_zero():
    assert cells(display.frame_html(pd.DataFrame({"change": [-0.0001, -2.5, 0.5]})))[1:] == ["−0.0001", "−2.5000", "0.5000"]
    assert cells(display.frame_html(pd.DataFrame({"change": [-0.00001, 1.5]})))[1:] == ["0.0", "1.5"]


def test_missing_values_are_a_dash_with_a_note():
    frame = pd.DataFrame({"published_value": [1.5, np.nan], "reason": ["ok", None]})
    html = display.frame_html(frame)
    assert cells(html)[2:] == ["1.5", "ok", display.MISSING, display.MISSING]
    assert "NaN" not in html and "None" not in html and display.MISSING_NOTE in html
    assert display.MISSING_NOTE in display.frame_text(frame)
    assert display.MISSING_NOTE not in display.frame_html(frame.dropna())


def test_nothing_is_cut():
    """pandas cuts text at 50 characters and shows 10 of 118 rows; here every row and character stays."""
    frame = pd.DataFrame({"reason": [LONG_REASON] * 118, "n": range(118)})
    html, text = display.frame_html(frame), display.frame_text(frame)
    assert html.count("<tr>") == 119 and text.count("\n") == 118
    assert html.count(LONG_REASON) == 118 and text.count(LONG_REASON) == 118
    assert "..." not in html and "…" not in html
    assert 'class="perumig-table long"' in html, "long tables scroll in a box"


def test_html_is_escaped_and_deterministic():
    frame = pd.DataFrame({"sentence": ['<script>alert("x")</script> & "quotes"']})
    html = display.frame_html(frame)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert display.frame_html(frame) == html


def test_registered_formatters_replace_pandas_reprs():
    shell = InteractiveShell.instance()
    try:
        display.register()
        frame = pd.DataFrame({"migrant_share_pct": [3.714], "reason": [LONG_REASON]})
        data, _ = shell.display_formatter.format(frame)
    finally:
        InteractiveShell.clear_instance()
    assert data["text/html"] == display.frame_html(frame)
    assert data["text/plain"] == display.frame_text(frame)
    assert LONG_REASON in data["text/plain"] and "Migrant share (%)" in data["text/plain"]


@pytest.mark.parametrize("text, expected", [("1327362", "1,327,362"), ("0.02104769231", "0.021"), ("", display.MISSING),
                                            ("nan", display.MISSING), ("2", "2"), ("around", "around")])
def test_values_read_from_csv_are_written_like_table_cells(text, expected):
    assert display.value_text("reproduced_value", text) == expected
