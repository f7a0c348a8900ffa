"""Tables for people: how a DataFrame shows in a notebook and on the website.

:func:`register` (called by ``plotting.use_style()`` at the top of every notebook) replaces pandas'
own HTML and text reprs, which were made for programmers: no row numbers unless the index means
something, readable headers, thousands separators, fixed decimals per column, no scientific
notation, missing values as an en dash with a note, and every row and every character shown (pandas
cuts text at 50 characters and long tables at 60 rows). The HTML is deterministic (no random ids) and
uses only tags and attributes that survive the website's HTML sanitiser.
"""

from __future__ import annotations

import html
import math
import numbers
import re

import numpy as np
import pandas as pd

from perumig.data import schemas

MISSING = "\N{EN DASH}"
MISSING_NOTE = f"{MISSING} no value: the source has none for this row, or it does not apply."
MAX_DECIMALS = 4
LONG_TABLE_ROWS = 15  # taller tables scroll inside a box of fixed height, their header kept in view
LONG_TEXT = 60  # cells longer than this get a minimum width, so that they wrap into a readable column

# Headers that the generic rule below would not make readable.
COLUMN_LABELS = {
    "acceptance_rate_pct": "Acceptance rate (%)",
    "applications_diff": "Applications: difference",
    "applications_diff_pct": "Applications: difference (%)",
    "change_pp": "Change (percentage points)",
    "ci_high": "95% CI, upper",
    "ci_low": "95% CI, lower",
    "claim_id": "Claim",
    "coef": "Coefficient",
    "date_in_text": "Date in the text",
    "df_resid": "Residual degrees of freedom",
    "difference_pp": "Difference (percentage points)",
    "ims_share_pct": "UN DESA share (%)",
    "ims_stock": "UN DESA stock",
    "ims_year": "UN DESA year",
    "instrument_id": "Instrument",
    "n_countries": "Countries",
    "n_obs": "Observations",
    "n_years": "Years",
    "p_value": "p-value",
    "paper_pct": "Paper (%)",
    "paper_share_pct": "Paper's share (%)",
    "pct_of_migrants": "Share of migrants (%)",
    "pct_of_population": "Share of the population (%)",
    "pearson_chi2_per_df": "Pearson χ² per degree of freedom",
    "profile_share_pct": "Migration profile's share (%)",
    "printed": "Published (as printed)",
    "published_value": "Published value",
    "recognized_diff": "Recognitions: difference",
    "recognized_diff_pct": "Recognitions: difference (%)",
    "rel_difference": "Relative difference",
    "rel_difference_pct": "Relative difference (%)",
    "relative_diff_pct": "Relative difference (%)",
    "reproduced_value": "Reproduced value",
    "se": "Standard error",
    "undesa_pct": "UN DESA (%)",
    "unhcr_recognition_rate_all_pct": "UNHCR recognition rate, all decisions (%)",
    "unhcr_recognition_rate_substantive_pct": "UNHCR recognition rate, substantive decisions (%)",
}
WORDS = {"pct": "(%)", "pp": "(percentage points)", "iso3": "ISO3", "ims": "UN DESA", "undesa": "UN DESA",
         "unhcr": "UNHCR", "wdi": "WDI", "gdp": "GDP", "id": "id", "enaho": "ENAHO", "inei": "INEI"}
# Columns of identifiers and years: their integers are written without thousands separators.
PLAIN_INTEGER = re.compile(r"(^|_)(year|years|code|id|rank)($|_)")


def label(column) -> str:
    """A header for people: ``migrant_share_pct`` -> "Migrant share (%)"; seed files by their short name."""
    if isinstance(column, tuple):
        return " · ".join(label(part) for part in column if str(part) != "")
    if not isinstance(column, str):
        return _plain_number(column) if isinstance(column, (int, float)) else str(column)
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    if column in schemas.SEED_LABELS:
        return schemas.seed_label(column)
    if "_" not in column and not column.islower():
        return column  # already written for people ("UNHCR (same year)")
    words = [WORDS.get(word, word) for word in column.split("_") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else column


def _plain_number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays
        return False


def _decimals(values: list) -> int:
    """The fewest decimals (up to MAX_DECIMALS) that show every value of a column as it is, to that precision."""
    needed = 0
    for value in values:
        rounded = round(float(value), MAX_DECIMALS)
        while needed < MAX_DECIMALS and round(rounded, needed) != rounded:
            needed += 1
    return needed


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _present(values: pd.Series) -> list:
    """The column's values that are not missing (value by value: a categorical column maps its categories)."""
    return [value for value in values.tolist() if not _is_missing(value)]


def column_formatter(name, values: pd.Series):
    """A function that writes one value of the column ``name`` as text."""
    present = _present(values)
    if pd.api.types.is_bool_dtype(values.dtype):
        return lambda value: "yes" if value else "no"
    if not (len(present) and all(_is_number(value) for value in present)):
        return _text
    decimals = _decimals(present)
    separator = "" if isinstance(name, str) and PLAIN_INTEGER.search(name.lower()) else ","

    def number(value) -> str:
        value = float(value)
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        text = f"{value:{separator}.{decimals}f}"
        if float(text.replace(",", "")) == 0:
            text = text.lstrip("-")  # no "-0.00"
        return text.replace("-", "−")

    return number


def _text(value) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.strftime("%Y-%m-%d")
    return str(value)


def _numeric_column(values: pd.Series) -> bool:
    present = _present(values)
    return bool(len(present)) and all(_is_number(value) for value in present)


def _meaningful_index(frame: pd.DataFrame) -> bool:
    """Row numbers with no name say nothing, also when rows were picked or sorted (35, 36, ...); any other
    index (a pivot's rows, named years) is data."""
    index = frame.index
    if isinstance(index, pd.MultiIndex) or any(name is not None for name in index.names):
        return True
    return not pd.api.types.is_integer_dtype(index.dtype)


def _as_table(frame: pd.DataFrame | pd.Series) -> tuple[pd.DataFrame, int]:
    """The frame with a meaningful index moved into its first columns, and how many columns that index became."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if _meaningful_index(frame):
        return frame.reset_index(allow_duplicates=True), frame.index.nlevels
    return frame.reset_index(drop=True), 0


def formatted(frame: pd.DataFrame) -> tuple[list[list[str]], list[str], list[bool], int]:
    """The frame as rows of text cells, its headers, which columns are numbers, and how many lead columns
    are its index.

    Decimals are fixed per column; in a wide table (a labelled index, only numbers in the columns, as
    a pivot gives) each row is one measure, so they are fixed per row instead.
    """
    table, index_columns = _as_table(frame)
    columns = [table.iloc[:, position] for position in range(table.shape[1])]
    numeric = [_numeric_column(values) for values in columns]
    data = list(range(index_columns, len(columns)))
    if index_columns and len(data) > 1 and all(numeric[i] for i in data):
        rows = []
        for position in range(len(table)):
            values = table.iloc[position, index_columns:]
            write = column_formatter(None, values)
            lead = [_cell(columns[i].iloc[position], column_formatter(table.columns[i], columns[i])) for i in range(index_columns)]
            rows.append(lead + [_cell(value, write) for value in values])
    else:
        writers = [column_formatter(name, values) for name, values in zip(table.columns, columns)]
        rows = [[_cell(value, write) for value, write in zip(row, writers)] for row in zip(*columns)]
    return rows, [label(name) for name in table.columns], numeric, index_columns


def _cell(value, write) -> str:
    return MISSING if _is_missing(value) else write(value)


def frame_html(frame: pd.DataFrame | pd.Series) -> str:
    """The frame as an accessible HTML table: every row, wrapped text, numbers right-aligned."""
    rows, headers, numeric, index_columns = formatted(frame)
    head = "".join(f'<th scope="col"{_classes(numeric[i])}>{html.escape(text)}</th>' for i, text in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for i, text in enumerate(row):
            tag, scope = ("th", ' scope="row"') if i < index_columns else ("td", "")
            cells.append(f"<{tag}{scope}{_classes(numeric[i], len(text) > LONG_TEXT)}>{html.escape(text)}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    size = "long" if len(rows) > LONG_TABLE_ROWS else "short"
    note = f'<p class="perumig-table-note">{html.escape(MISSING_NOTE)}</p>' if _has_missing(rows) else ""
    return (
        f'<div class="perumig-table {size}" role="region" aria-label="Table, {len(rows)} row{"" if len(rows) == 1 else "s"}"'
        f' tabindex="0"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{note}'
    )


def _classes(number: bool, long_text: bool = False) -> str:
    names = [name for name, wanted in (("num", number), ("long", long_text)) if wanted]
    return f' class="{" ".join(names)}"' if names else ""


def _has_missing(rows: list[list[str]]) -> bool:
    return any(text == MISSING for row in rows for text in row)


def frame_text(frame: pd.DataFrame | pd.Series) -> str:
    """The same table as plain text (what nbval compares and a terminal shows), nothing cut."""
    rows, headers, numeric, _ = formatted(frame)
    if not rows:
        return f"(no rows; columns: {', '.join(headers)})"
    widths = [max(len(text) for text in column) for column in zip(headers, *rows)]
    lines = [
        "  ".join(text.rjust(width) if numeric[i] else text.ljust(width) for i, (text, width) in enumerate(zip(line, widths))).rstrip()
        for line in [headers, *rows]
    ]
    return "\n".join(lines) + (f"\n{MISSING_NOTE}" if _has_missing(rows) else "")


def figure_description(title: str, source: str) -> str:
    """A figure's text alternative (its alt text): its caption and where its numbers come from."""
    return f"{title.rstrip('. ')}. Source: {source.rstrip('. ')}."


def value_text(column: str, text: str) -> str:
    """One value read from a CSV file, written as the tables write it (a number with its own decimals)."""
    if text is None or text.strip() == "" or text.strip().lower() == "nan":
        return MISSING
    try:
        number = float(text)
    except ValueError:
        return text
    return column_formatter(column, pd.Series([number]))(number)


def register() -> None:
    """Show DataFrames (and Series) as :func:`frame_html` / :func:`frame_text` in the running IPython kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    for kind in (pd.DataFrame, pd.Series):
        formatters["text/html"].for_type(kind, frame_html)
        formatters["text/plain"].for_type(kind, lambda value, printer, cycle: printer.text(frame_text(value)))
