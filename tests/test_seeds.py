"""The seed documents: the compendium's own copies, split into statements, and the candidate scanner."""

import shutil

import pytest

from perumig import paths
from perumig.data import seeds, tables
from perumig.errors import DataValidationError

# A page of a PDF extraction with every artefact the paper has: a wrapped line ending in a space, blank lines inside a
# paragraph, a word broken at a hyphen, footnote marks glued to words, the page's footnotes between the two halves of
# a sentence, a page header and number, a figure's address, a table with a row of years.
PAGE = """ 1. Introduction

The first sentence wraps here 
and has a mark.3 The second cites a decree (Supreme Decree No. 002-2017-IN, 3 January 2017) and Zapata et al. (2021) 
argue that the Act4 was 
changed in 2020–
2022 and so on.

3 A footnote that wraps 
onto a second line.

4 Another footnote.
UNDP Latin America and the Caribbean
POLICY DOCUMENTS SERIES

7

 https://www.un.org/development/desa/pd/content/international-migrant-stock
 Some 17 percent have a formal 

5 The third footnote, between the halves.
 contract and 40 percent are self-employed.5 The share grew to just over 3.5 percent.

Table 2. Counts, 2015–2016

2015 2016 

Requests submitted 435 4,406

Source: A ministry.
Note: Data for 2016 is partial.

After the table, a sentence.
"""


def _texts(text=PAGE, paper=True):
    return [statement.text for statement in seeds.parse(text, "test.txt", paper=paper)]


def test_wrapped_lines_hyphens_and_page_breaks_are_joined():
    texts = _texts()
    assert "The first sentence wraps here and has a mark." in texts
    assert "Some 17 percent have a formal contract and 40 percent are self-employed." in texts
    assert any("changed in 2020–2022 and so on." in text for text in texts)


def test_footnote_marks_are_dropped_and_footnotes_kept_apart():
    statements = seeds.parse(PAGE, "test.txt", paper=True)
    texts = [s.text for s in statements]
    assert not any("Act4" in t or "mark.3" in t or "self-employed.5" in t for t in texts)
    assert "The share grew to just over 3.5 percent." in texts, "a decimal is not a footnote mark"
    footnotes = {s.location: s.text for s in statements if s.kind == "footnote"}
    assert footnotes == {"Sec. 1, footnote 3": "A footnote that wraps onto a second line.",
                         "Sec. 1, footnote 4": "Another footnote.",
                         "Sec. 1, footnote 5": "The third footnote, between the halves."}


def test_page_headers_numbers_and_addresses_are_dropped():
    texts = " ".join(_texts())
    assert "POLICY DOCUMENTS" not in texts and "www.un.org" not in texts
    assert not any(text == "7" for text in _texts())


def test_abbreviations_do_not_end_a_sentence():
    texts = _texts()
    assert any(t.startswith("The second cites a decree (Supreme Decree No. 002-2017-IN, 3 January 2017) and Zapata et "
                            "al. (2021) argue") for t in texts)
    assert seeds.split_sentences("It costs e.g. a fee. Then (i) one and ii. two. Next.") == [
        "It costs e.g. a fee.", "Then (i) one and ii. two.", "Next."]


def test_tables_keep_rows_notes_and_end_at_their_note():
    statements = seeds.parse(PAGE, "test.txt", paper=True)
    by_text = {s.text: s for s in statements}
    assert by_text["2015 2016"].kind == "table_row" and by_text["Requests submitted 435 4,406"].kind == "table_row"
    assert by_text["Note: Data for 2016 is partial."].kind == "table_note"
    assert by_text["After the table, a sentence."].kind == "sentence"
    assert by_text["Table 2. Counts, 2015–2016"].location == "Sec. 1, Table 2"


def test_web_pages_are_one_paragraph_per_line_and_bullets_start_paragraphs():
    text = "Title\n\n  • First bullet: 1.7 million. Second sentence. \n\n  • Second bullet.\nImage 2.png\n"
    statements = seeds.parse(text, "page.txt", paper=False)
    assert [(s.location, s.text) for s in statements] == [
        ("paragraph 1", "Title"), ("paragraph 2", "First bullet: 1.7 million."), ("paragraph 2", "Second sentence."),
        ("paragraph 3", "Second bullet.")]


def test_the_paper_is_read_whole():
    paper = seeds.statements(seeds.PAPER)
    texts = set(paper["text"])
    assert "Some 17 percent have a formal contract and 40 percent are self-employed." in texts
    assert "In January 2017, the aforementioned Temporary Stay Permit (PTP) and the new Migration Act were created." in texts
    assert "Requests for refugee status accepted 200 159 217 545 701 1,424 1,524 189" in texts
    footnotes = paper[paper["kind"] == "footnote"]["location"].str.extract(r"footnote (\d+)")[0].astype(int)
    assert sorted(set(footnotes)) == list(range(4, 26)), "every footnote of the paper (4-25) is found"
    assert not paper["text"].str.contains(r"[a-z)]\d{1,2} [A-Z]|POLICY DOCUMENTS SERIES|https?://").any()


@pytest.mark.parametrize("text, expected", [
    ("Peru is now the country to have received the second-largest number of Venezuelan migrants.", {"number_word", "date", "rank"}),
    ("the exodus of millions of people", {"number_word"}),
    ("migration rates to Peru were below the average for Latin America and the Caribbean.", {"comparison"}),
    ("it brought Peru's share of migrants on par with the world average.", {"comparison"}),
    ("this group is far larger than any other migrant community", {"comparison"}),
    ("the number doubled and then decreased", {"trend"}),
    ("By 2017, the majority of migrants were from Venezuela", {"number", "rank"}),
    ("As of May 2022, Peru had received", {"number", "date"}),
    ("This may be connected to how hard it is", set()),
    ("during the Covid-19 pandemic", set()),
    ("Historically, Peru was a migrant-sending country.", {"date", "comparison"}),
])
def test_candidate_triggers(text, expected):
    assert set(seeds.triggers(text, "undp_policy_paper_peru_migration.txt")) == expected


def test_news_are_scanned_for_their_numbers_only():
    text = "Peru now leads South America as the most liberal nation, with dozens stranded since 2023."
    assert set(seeds.triggers(text, "news_2025-09-30_peru_migration_policy_study.txt")) == {"number", "number_word", "date"}
    assert seeds.triggers("Peru leads South America as the most liberal nation.", "news_x.txt") == []


def test_an_edited_seed_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "seeds"
    shutil.copytree(paths.SEEDS, copy)
    (copy / seeds.PAPER).write_text((copy / seeds.PAPER).read_text(encoding="utf-8") + "\nA new sentence, 2026.\n",
                                    encoding="utf-8")
    monkeypatch.setattr(paths, "SEEDS", copy)
    seeds._read.cache_clear()
    try:
        with pytest.raises(DataValidationError, match="differs from the version recorded"):
            seeds._read(seeds.PAPER)
    finally:
        seeds._read.cache_clear()


def test_every_seed_copy_is_recorded_in_the_data_package():
    assert seeds.seed_files() == sorted(p.name for p in paths.SEEDS.glob("*.txt")) and len(seeds.seed_files()) == 5
    for seed_file in seeds.seed_files():
        assert tables.recorded_seed_hash(seed_file) is not None
