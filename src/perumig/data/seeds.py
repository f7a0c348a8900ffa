"""The seed documents (``data/seeds/``): their text cleaned of extraction artefacts, split into statements,
and the statements that carry something data can speak to - the candidates of the claims ledger.

The policy paper is text extracted from a PDF. Lines wrap mid-sentence (a wrapped line ends with a space, or
with a hyphen or dash that belongs to the word); the footnotes of a page sit between the two halves of a
sentence that runs over the page break; footnote marks are glued to the word they follow ("Act9",
"2018).6"); page headers, page numbers and the addresses of the missing figures are scattered through it.
The web profile and the news pieces hold one paragraph per line. :func:`statements` undoes all of this, so
that every statement is one whole sentence (or table row, heading, footnote) as a reader sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from perumig import paths
from perumig.errors import DataValidationError

PAPER = "undp_policy_paper_peru_migration.txt"  # the one seed laid out as a paper (sections, tables, footnotes)
PAGE_HEADER = ("UNDP Latin America and the Caribbean", "POLICY DOCUMENTS SERIES")
WORD_DASHES = "-–—"  # a line ending in one of these continues the word or number on the next line
URL_FRAGMENT = re.compile(r"^\S*/\S*$")  # a lone address or the tail of one (the figures' sources)
IMAGE_NAME = re.compile(r"\.(png|jpe?g|gif|svg)$", re.IGNORECASE)
FOOTNOTE_START = re.compile(r"^(\d{1,2}) (\S.*)$")
TABLE_HEADER_ROW = re.compile(r"^(\d{4}\s+){2,}$")  # a row of years: Table 2's column header
SECTION_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.\s+\S")
SUBSECTION_HEADING = re.compile(r"^\(?([ivx]+)\)\s+\S")  # "i) Coordinate ...", "(vi) Include ..." (Sec. 6)
LIST_ITEM = re.compile(r"^([ivx]+)\.\s+\S")  # "ii. The 2007 National Census ..." (Annex 1)
CAPTION = re.compile(r"^(Table|Figure) (\d+)\.")
BULLET = re.compile(r"^[•*]\s+")
# A sentence ends at . ! or ? (closing quotes and brackets included) before a space and a capital, digit,
# opening bracket or quote.
BOUNDARY = re.compile(r"[.!?][”’\"')\]]*(?=\s+[A-Z0-9(“\"‘•¿¡$])")
ABBREVIATIONS = {"no.", "nos.", "al.", "e.g.", "i.e.", "dr.", "mr.", "mrs.", "ms.", "vs.", "st.", "u.s.", "sec."}


@dataclass(frozen=True)
class Statement:
    seed_file: str
    position: int  # order in the seed, from 1
    location: str  # "Sec. 2.3", "Sec. 3.1, Table 2", "Sec. 3.1, footnote 8", "paragraph 4", ...
    kind: str  # sentence, heading, caption, table_row, table_note, footnote
    text: str


def seed_files() -> list[str]:
    """The seed documents the compendium holds (``data/seeds/*.txt``)."""
    return sorted(path.name for path in paths.SEEDS.glob("*.txt"))


@cache
def _read(seed_file: str) -> str:
    """A seed's text, checked against the sha256 data/datapackage.json records for it."""
    from perumig import stamps
    from perumig.data import tables

    path = paths.SEEDS / seed_file
    if not path.is_file():
        raise DataValidationError(f"seed document {seed_file} is missing from {paths.SEEDS}: restore it from git")
    recorded = tables.recorded_seed_hash(seed_file)
    if recorded is not None and recorded != stamps.file_digest(path):
        raise DataValidationError(f"data/seeds/{seed_file} differs from the version recorded in data/datapackage.json: "
                                  "if you edited it on purpose, run `perumig build-data` to record the new version")
    return tables.read_text(path)


def _is_artefact(line: str, after_header: bool) -> bool:
    """Page headers, the page number below them, figure addresses and image names: not the author's text."""
    stripped = line.strip()
    return (stripped in PAGE_HEADER or (after_header and stripped.isdigit())
            or bool(URL_FRAGMENT.match(stripped)) or bool(IMAGE_NAME.search(stripped)))


def _blocks(text: str) -> list[tuple[str, str, int | None]]:
    """The text as (kind, text, footnote number) blocks: body paragraphs, table header rows and footnotes.

    A line that ends without a space or a dash ends its block; blank lines do not (the PDF extraction puts
    them inside paragraphs), so a sentence cut by a page break and its footnotes is joined again.
    """
    blocks: list[list] = []  # [kind, parts, footnote number]
    open_body = open_footnote = None
    expected_footnote = None
    previous_blank, after_header = True, False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            previous_blank = True
            continue
        if _is_artefact(line, after_header):
            after_header = stripped in PAGE_HEADER
            previous_blank = True
            continue
        after_header = False
        continues = line != line.rstrip() or stripped[-1] in WORD_DASHES
        joiner = "" if line == line.rstrip() and stripped[-1] in WORD_DASHES else " "
        footnote = FOOTNOTE_START.match(stripped) if previous_blank and open_footnote is None else None
        starts_footnote = footnote is not None and (
            int(footnote.group(1)) == expected_footnote if expected_footnote is not None else open_body is None)
        if open_footnote is not None:
            target = open_footnote
        elif starts_footnote:
            number = int(footnote.group(1))
            expected_footnote = number + 1
            target = open_footnote = ["footnote", [], number]
            blocks.append(target)
            stripped = footnote.group(2)
        elif TABLE_HEADER_ROW.match(line.rstrip() + " ") and open_body is None:
            blocks.append(["table_header", [stripped, ""], None])
            previous_blank = False
            continue
        elif open_body is not None and not BULLET.match(stripped):  # a bullet starts a paragraph of its own
            target = open_body
        else:
            target = open_body = ["body", [], None]
            blocks.append(target)
        target[1].extend([stripped, joiner])
        if not continues:
            if target is open_footnote:
                open_footnote = None
            else:
                open_body = None
        previous_blank = False
    return [(kind, re.sub(r"\s+", " ", "".join(parts)).strip(), number) for kind, parts, number in blocks]


def _remove_footnote_marks(blocks: list[tuple[str, str, int | None]]) -> list[tuple[str, str, int | None]]:
    """Drop each footnote's mark from the body, in order: mark n is the first n glued to a word after mark n-1."""
    numbers = [number for kind, _, number in blocks if kind == "footnote"]
    body = [index for index, (kind, _, _) in enumerate(blocks) if kind != "footnote"]
    texts = {index: blocks[index][1] for index in body}
    place = (0, 0)  # (position among body blocks, character offset)
    for number in numbers:
        mark = re.compile(rf"(?<=[A-Za-z)\].,;:’”]){number}(?=[\s,.;:)]|$)")
        for position in range(place[0], len(body)):
            text = texts[body[position]]
            found = mark.search(text, place[1] if position == place[0] else 0)
            if found:
                texts[body[position]] = text[: found.start()] + text[found.end():]
                place = (position, found.start())
                break
        else:
            raise DataValidationError(f"footnote {number}'s mark is not found in the text after mark {number - 1}")
    return [(kind, texts.get(index, text), number) for index, (kind, text, number) in enumerate(blocks)]


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph; abbreviations ("No.", "et al.", "e.g.") and leading list markers do not end one."""
    sentences, start = [], 0
    for boundary in BOUNDARY.finditer(text):
        token = text[: boundary.start() + 1].split()[-1].lower().lstrip("(")
        at_start = text[start: boundary.start() + 1].strip() == text[: boundary.start() + 1].split()[-1]
        if token in ABBREVIATIONS or (at_start and (LIST_ITEM.match(token + " x") or SECTION_HEADING.match(token + " x"))):
            continue
        sentences.append(text[start: boundary.end()].strip())
        start = boundary.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _paper_statements(blocks) -> list[tuple[str, str, str]]:
    """(location, kind, text) of the paper: sections, tables, figures, Annex sources, footnotes."""
    section, table, note_may_follow = "Front matter", None, False
    found = []
    for kind, text, number in blocks:
        if table and note_may_follow and not text.startswith("Note:"):
            table = None  # a table ends with its source line, or with the note below it
        if kind == "footnote":
            found.extend((f"{section}, footnote {number}", "footnote", s) for s in split_sentences(text))
            continue
        caption = CAPTION.match(text)
        heading = SECTION_HEADING.match(text) if len(text) < 120 and not text.endswith(".") else None
        if text in ("Abstract", "Annex 1") or heading:
            section = text if not heading else f"Sec. {heading.group(1)}"
            table = None
            found.append((section, "heading", text))
        elif SUBSECTION_HEADING.match(text) and len(text) < 160:
            section = f"Sec. {section.removeprefix('Sec. ').split(' ')[0].split('.')[0]} ({SUBSECTION_HEADING.match(text).group(1)})"
            found.append((section, "heading", text))
        elif caption:
            table, note_may_follow = f"{caption.group(1)} {caption.group(2)}", False
            found.append((f"{section}, {table}", "caption", text))
        elif table and text.startswith(("Source:", "Note:")):
            found.extend((f"{section}, {table}", "table_note", s) for s in split_sentences(text))
            table, note_may_follow = (table, True) if text.startswith("Source:") else (None, False)
        elif table and table.startswith("Table"):
            found.append((f"{section}, {table}", "table_row", text))
        elif section.startswith("Annex 1"):
            listed = LIST_ITEM.match(text)
            if listed:  # the list marker goes into the location, not the text
                found.extend((f"{section} ({listed.group(1)})", "sentence", s)
                             for s in split_sentences(text[listed.end() - 1:]))
            else:
                annex_source = re.search(r"\(([^()]*\d{4}[a-z]?)\)\s*$", text)
                section = f"Annex 1, {annex_source.group(1)}" if annex_source else section
                found.append((section, "heading", text))
        else:
            table = None
            found.extend((section, "sentence", s) for s in split_sentences(text))
    return found


def _web_statements(blocks) -> list[tuple[str, str, str]]:
    return [(f"paragraph {number}", "sentence", sentence)
            for number, (_, text, _) in enumerate(blocks, start=1)
            for sentence in split_sentences(BULLET.sub("", text))]


def parse(text: str, seed_file: str, paper: bool) -> tuple[Statement, ...]:
    """The statements of a seed's text; ``paper`` for the PDF layout (sections, tables, footnotes)."""
    blocks = _blocks(text)
    found = _paper_statements(_remove_footnote_marks(blocks)) if paper else _web_statements(blocks)
    return tuple(Statement(seed_file, position, location, kind, text)
                 for position, (location, kind, text) in enumerate(found, start=1))


@cache
def _statements(seed_file: str) -> tuple[Statement, ...]:
    return parse(_read(seed_file), seed_file, paper=seed_file == PAPER)


def statements(seed_file: str | None = None) -> pd.DataFrame:
    """Every statement of one seed (or all), in order: seed_file, position, location, kind, text."""
    chosen = [seed_file] if seed_file else seed_files()
    return pd.DataFrame([vars(s) for name in chosen for s in _statements(name)],
                        columns=["seed_file", "position", "location", "kind", "text"])


# What makes a statement a candidate for the ledger: something data can speak to. Names that contain a
# number ("Covid-19") carry no number about the world and are blanked before the search.
NAMES_WITH_NUMBERS = re.compile(r"\bcovid-19\b", re.IGNORECASE)
TRIGGERS = {
    "number": r"\d",
    "number_word": r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
                   r"fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|halves|twice|quarter|first|second|"
                   r"third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b",
    "percent": r"%|\bper ?cent\b|\bpercentages?\b",
    "date": r"\b(january|february|march|april|june|july|august|september|october|november|december|years?|"
            r"decades?|century|annual(ly)?|daily|monthly|since|until|onwards?|today|to date|recent(ly)?|now|currently|"
            r"historically|initially|previously)\b",
    "rank": r"\b(largest|greatest|highest|lowest|smallest|biggest|fewest|most|least|majority|minority|main|mainly|"
            r"mostly|leads?|leading|top|predominantly|only)\b",
    "comparison": r"\b(than|below|above|average|compared|comparison|par|higher|lower|greater|larger|smaller|more|"
                  r"less|fewer|exceeds?|outstrips?|equal|equals|same|similar)\b|migrant-(sending|receiving)",
    "trend": r"\b(increas\w*|decreas\w*|grow|grows|grew|growing|grown|growth|rise|rises|rose|risen|rising|fall|falls|"
             r"fell|falling|declin\w*|drop\w*|doubl\w*|tripl\w*|boom\w*|surg\w*|reduc\w*|steadily|rapid\w*|"
             r"exponential\w*|influx|stabili[sz]\w*)\b",
}
# The news pieces are checked for their numbers only (figures, percentages, dates), not for their wording.
NEWS_TRIGGERS = ("number", "number_word", "percent", "date")
_TRIGGER_PATTERNS = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in TRIGGERS.items()}
# "May" is a month only where a day or year goes with it ("As of May 2022"); otherwise it is the verb.
MAY_AS_MONTH = re.compile(r"\bMay\s+\d|\d\s+May\b")


def triggers(text: str, seed_file: str) -> list[str]:
    """The kinds of checkable content a statement carries (empty: nothing data can speak to)."""
    searched = NAMES_WITH_NUMBERS.sub(" ", text)
    kinds = NEWS_TRIGGERS if seed_file.startswith("news_") else tuple(TRIGGERS)
    return [kind for kind in kinds
            if _TRIGGER_PATTERNS[kind].search(searched) or (kind == "date" and MAY_AS_MONTH.search(searched))]


def candidates(seed_file: str | None = None) -> pd.DataFrame:
    """The statements that carry a number, percentage, date, rank, comparison or trend, with what they carry."""
    found = statements(seed_file)
    found["triggers"] = [", ".join(triggers(text, seed)) for text, seed in zip(found["text"], found["seed_file"])]
    return found[found["triggers"] != ""].reset_index(drop=True)
