"""The one place where the compendium writes sentences: numbers formatted for reading, lists joined,
and every value that comes from data escaped before it enters Markdown or HTML.

A :class:`Markdown` string is text that may be rendered: written by the compendium's code, or escaped
from data. Anything else that meets it is escaped first, so a data value such as
``<img src=x onerror=alert(1)>`` is shown as those characters and never becomes a tag::

    prose.fill("Migrants were {share} of {name}'s population in {year}.",
               share=prose.percent(3.7138, 3), name=country_name, year=2020)

A missing number (None, NaN, NA) is written as words ("no estimate"), never as ``nan``.
"""

from __future__ import annotations

import html
import math
import numbers
import re
import string
from collections.abc import Iterable

import pandas as pd

MISSING = "no estimate"
# Characters that start Markdown syntax inside a line: emphasis, code, links and images, tables,
# strikethrough, headings, and the dollar signs that open math in Jupyter. A backslash makes each literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]#|~$])")
_WHITESPACE_RUN = re.compile(r"\s+")


class Markdown(str):
    """Text that is safe to render as Markdown. Joining it with anything else escapes the other part."""

    def __add__(self, other: object) -> Markdown:
        return Markdown(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> Markdown:
        return Markdown(str.__add__(escape(other), self))

    def join(self, items: Iterable[object]) -> Markdown:
        return Markdown(str.join(self, (escape(item) for item in items)))


def escape(value: object) -> Markdown:
    """A data value as Markdown that shows exactly its characters, on one line.

    HTML's ``& < >`` become entities (no tag, attribute or entity can form); Markdown's punctuation gets a
    backslash; line breaks become spaces, so a value cannot open a heading, list or quote. Values that are
    already :class:`Markdown` pass unchanged; missing numbers become :data:`MISSING`.
    """
    if isinstance(value, Markdown):
        return value
    if is_missing(value):
        return Markdown(MISSING)
    text = _WHITESPACE_RUN.sub(" ", str(value))
    return Markdown(_MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False)))


def trusted(text: str) -> Markdown:
    """Markdown written by the compendium's own code (never data): rendered as it is."""
    return Markdown(text)


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return math.isnan(value)
    return isinstance(value, type(pd.NA)) or value is pd.NaT


def number(value: object, decimals: int = 0, missing: str = MISSING, signed: bool = False) -> Markdown:
    """``1,224,519`` / ``3.714``: thousands separators and a fixed number of decimals; words when missing."""
    if is_missing(value):
        return Markdown(missing)
    sign = "+" if signed else ""
    return Markdown(f"{float(value):{sign},.{decimals}f}")


def percent(value: object, decimals: int = 1, missing: str = MISSING, signed: bool = False) -> Markdown:
    """``3.714 %``; words when missing (no per cent sign after them)."""
    if is_missing(value):
        return Markdown(missing)
    return Markdown(f"{number(value, decimals, signed=signed)} %")


def count(value: int, singular: str, plural: str | None = None) -> Markdown:
    """``1 year`` / ``1,204 decisions``."""
    noun = singular if value == 1 else plural or f"{singular}s"
    return Markdown(f"{number(value)} ") + noun


def ordinal(value: int) -> Markdown:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``."""
    value = int(value)
    suffix = "th" if value % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return Markdown(f"{value:,}{suffix}")


def years(values: Iterable[int]) -> Markdown:
    """``1990, 1995 and 2000``; runs of consecutive years as ``2016–2019``."""
    ordered = sorted({int(value) for value in values})
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return join(item for run in runs for item in ([f"{run[0]}–{run[-1]}"] if len(run) > 2 else map(str, run)))


def join(items: Iterable[object], conjunction: str = "and", empty: str = "none") -> Markdown:
    """``A``, ``A and B``, ``A, B and C``; each item escaped unless it is Markdown already."""
    parts = [escape(item) for item in items]
    if not parts:
        return Markdown(empty)
    if len(parts) == 1:
        return parts[0]
    return Markdown(", ").join(parts[:-1]) + trusted(f" {conjunction} ") + parts[-1]


class _Formatter(string.Formatter):
    """``str.format`` whose fields are escaped: Markdown as it is, missing numbers as words, the rest escaped."""

    def format_field(self, value: object, format_spec: str) -> str:
        if isinstance(value, Markdown):
            return value
        if is_missing(value):
            return MISSING
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            return format(value, format_spec)
        return escape(format(value, format_spec))


def fill(template: str, /, **fields: object) -> Markdown:
    """The template (the compendium's own Markdown) with each field escaped; see :class:`_Formatter`."""
    return Markdown(_Formatter().vformat(template, (), fields))


def note(template: str, /, **fields: object) -> Markdown:
    """An aside in italics: a part skipped, a dataset missing for this country."""
    return fill(f"*{template}*", **fields)


def show(*texts: str | None) -> None:
    """Display texts in the notebook as one Markdown output, a paragraph each; text that is not
    :class:`Markdown` is escaped first. Nothing is displayed when every text is empty or None."""
    from IPython.display import Markdown as Display, display

    paragraphs = [escape(text) for text in texts if text]
    if paragraphs:
        display(Display("\n\n".join(paragraphs)))
