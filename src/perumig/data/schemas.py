"""Schemas of the committed tables: pandera validates them on load, and the frictionless
descriptor ``data/datapackage.json`` is generated from the same definitions.

Each ``TableSpec`` says where the table lives, what it is, where it comes from and its columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

ISO3 = r"^[A-Z]{3}$"
REVISIONS = [2020, 2024]


@dataclass(frozen=True)
class TableSpec:
    name: str
    folder: str  # "processed" (built from raw sources) or "transcribed" (typed from the seeds)
    title: str
    description: str
    sources: tuple[str, ...]  # registry ids of raw sources, or seed file names
    schema: pa.DataFrameSchema

    @property
    def relative_path(self) -> str:
        return f"{self.folder}/{self.name}.csv"


def _col(dtype, description: str, **kwargs) -> pa.Column:
    return pa.Column(dtype, description=description, **kwargs)


def _schema(columns: dict[str, pa.Column], unique: list[str] | None = None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, strict=True, ordered=True, unique=unique)


def _ims_keys(role: str) -> dict[str, pa.Column]:
    """Key columns of the tidy IMS tables; ``role`` is "destination" or "origin"."""
    return {
        "revision": _col(int, "IMS revision (2020 or 2024).", checks=pa.Check.isin(REVISIONS)),
        "location_code": _col(int, f"UN M49 location code of the {role}."),
        "area": _col(str, f"{role.capitalize()} as named in the workbook, without indentation or note marker."),
        "year": _col(int, "Mid-year of the estimate.", checks=pa.Check.in_range(1990, 2024)),
    }


CITATION_COLUMNS = {
    "seed_file": _col(str, "Seed document the value is transcribed from (data/seeds/)."),
    "seed_section": _col(str, "Where in the seed: section, table or footnote."),
    "cited_source": _col(str, "The work the seed cites for the value, as the seed names it.", nullable=True),
    "quote": _col(str, "Verbatim excerpt of the seed holding the value."),
}

PROCESSED_TABLES = [
    TableSpec(
        name="undesa_locations",
        folder="processed",
        title="UN DESA countries, areas and regions (M49)",
        description="Every location of the IMS 2020 correspondence table with its ISO3 code and regions.",
        sources=("undesa_ims2020_correspondence",),
        schema=_schema(
            {
                "location_code": _col(int, "UN M49 location code."),
                "name": _col(str, "Name as printed by UN DESA, without indentation or note marker."),
                "location_type": _col(str, "Country/Area, Subregion, SDG region, Geographic region, ..."),
                "iso3": _col(str, "ISO 3166-1 alpha-3 code (countries and areas only).", nullable=True,
                             checks=pa.Check.str_matches(ISO3)),
                "subregion_code": _col("Int64", "M49 code of the subregion (countries only).", nullable=True),
                "sdg_region_code": _col("Int64", "M49 code of the SDG region (countries only).", nullable=True),
            },
            unique=["location_code"],
        ),
    ),
    TableSpec(
        name="undesa_destination",
        folder="processed",
        title="International migrant stock by destination, both sexes",
        description="UN DESA IMS Tables 1-3 by destination (stock, population, share), tidy, for the 2020 and 2024 revisions.",
        sources=("undesa_ims2020_destination", "undesa_ims2024_destination"),
        schema=_schema(
            {
                **_ims_keys("destination"),
                "migrant_stock": _col(float, "International migrants, both sexes (Table 1).", nullable=True,
                                      checks=pa.Check.ge(0)),
                "population_thousands": _col(float, "Total population, thousands (Table 2).", nullable=True,
                                             checks=pa.Check.gt(0)),
                # Not capped at 100: UN DESA publishes shares slightly above 100 for the Holy See.
                "migrant_share_pct": _col(float, "Migrants as % of population, both sexes (Table 3).", nullable=True,
                                          checks=pa.Check.ge(0)),
            },
            unique=["revision", "location_code", "year"],
        ),
    ),
    TableSpec(
        name="undesa_origin",
        folder="processed",
        title="International migrant stock by country of origin, both sexes",
        description="UN DESA IMS Table 1 by origin (people living abroad), tidy, for the 2020 and 2024 revisions.",
        sources=("undesa_ims2020_origin", "undesa_ims2024_origin"),
        schema=_schema(
            {
                **_ims_keys("origin"),
                "emigrant_stock": _col(float, "People born in (or citizens of) the origin living abroad.",
                                       nullable=True, checks=pa.Check.ge(0)),
            },
            unique=["revision", "location_code", "year"],
        ),
    ),
    TableSpec(
        name="undesa_bilateral",
        folder="processed",
        title="International migrant stock by destination and origin, both sexes",
        description=(
            "Origin x destination stocks. Revision 2020: all countries, from the gdiviz reshaped copy of the "
            "official bilateral workbook (not obtainable here), male + female. Revision 2024: only the "
            "destinations PER, COL, CHL, ECU and VEN, from the migrantstock copies. Origin 'XXX' = other or unknown."
        ),
        sources=(
            "undesa_ims2020_bilateral_gdiviz", "undesa_locations_andreev", "undesa_by_origin_604_rev2023",
            "undesa_by_origin_170_rev2023", "undesa_by_origin_152_rev2023", "undesa_by_origin_218_rev2023",
            "undesa_by_origin_862_rev2023",
        ),
        schema=_schema(
            {
                "revision": _col(int, "IMS revision (2020 or 2024).", checks=pa.Check.isin(REVISIONS)),
                "destination_iso3": _col(str, "ISO3 code of the destination.", checks=pa.Check.str_matches(ISO3)),
                "origin_iso3": _col(str, "ISO3 code of the origin; XXX = other or unknown.",
                                    checks=pa.Check.str_matches(ISO3)),
                "year": _col(int, "Mid-year of the estimate.", checks=pa.Check.in_range(1990, 2024)),
                "migrant_stock": _col(float, "Migrants from the origin living in the destination.",
                                      checks=pa.Check.ge(0)),
            },
            unique=["revision", "destination_iso3", "origin_iso3", "year"],
        ),
    ),
    TableSpec(
        name="unhcr_venezuelans",
        folder="processed",
        title="Venezuelans under UNHCR's mandate by country of asylum",
        description=(
            "UNHCR population statistics for origin Venezuela, by country of asylum and year. `total` adds "
            "refugees, asylum seekers, other people in need of international protection and others of concern."
        ),
        sources=("unhcr_population",),
        schema=_schema(
            {
                "year": _col(int, "End-year of the count."),
                "asylum_iso3": _col(str, "ISO3 code of the country of asylum.", checks=pa.Check.str_matches(ISO3)),
                "asylum_name": _col(str, "Country of asylum as UNHCR names it."),
                "refugees": _col(float, "Refugees under UNHCR's mandate.", checks=pa.Check.ge(0)),
                "asylum_seekers": _col(float, "Asylum seekers (pending cases).", checks=pa.Check.ge(0)),
                "other_in_need": _col(float, "Other people in need of international protection (oip).",
                                      checks=pa.Check.ge(0)),
                "others_of_concern": _col(float, "Others of concern to UNHCR (ooc).", checks=pa.Check.ge(0)),
                "total": _col(float, "Sum of the four columns above.", checks=pa.Check.ge(0)),
            },
            unique=["year", "asylum_iso3"],
        ),
    ),
]


UNHCR_ASYLUM_KEYS = {
    "year": _col(int, "Calendar year."),
    "origin_iso3": _col(str, "ISO3 code of the country of origin (UNHCR's coo_iso).", checks=pa.Check.str_matches(ISO3)),
    "asylum_iso3": _col(str, "ISO3 code of the country of asylum (UNHCR's coa_iso).", checks=pa.Check.str_matches(ISO3)),
    "asylum_name": _col(str, "Country of asylum as UNHCR names it."),
    "procedure_type": _col(str, "G government, U UNHCR, J joint."),
    "decision_level": _col(str, "FI first instance, AR administrative review, ... (UNHCR's dec_level)."),
}
UNHCR_ASYLUM_SOURCES_NOTE = "Rows: every origin for asylum country Peru, and every asylum country for origin Venezuela."

PROCESSED_TABLES += [
    TableSpec(
        name="unhcr_asylum_applications",
        folder="processed",
        title="Asylum applications (UNHCR)",
        description="UNHCR asylum applications by origin, asylum country, year, procedure and application type. "
        + UNHCR_ASYLUM_SOURCES_NOTE,
        sources=("unhcr_asylum_applications",),
        schema=_schema(
            {
                **UNHCR_ASYLUM_KEYS,
                "application_type": _col(str, "N new, R repeat, A appeal, ... (UNHCR's app_type)."),
                "persons_or_cases": _col(str, "P persons, C cases.", checks=pa.Check.isin(["P", "C"])),
                "applied": _col(float, "Applications lodged.", checks=pa.Check.ge(0)),
            }
        ),
    ),
    TableSpec(
        name="unhcr_asylum_decisions",
        folder="processed",
        title="Asylum decisions (UNHCR)",
        description="UNHCR asylum decisions by origin, asylum country, year, procedure and decision level. "
        + UNHCR_ASYLUM_SOURCES_NOTE,
        sources=("unhcr_asylum_decisions",),
        schema=_schema(
            {
                **UNHCR_ASYLUM_KEYS,
                "persons_or_cases": _col(str, "P persons, C cases.", checks=pa.Check.isin(["P", "C"])),
                "recognized": _col(float, "Recognised as refugees.", checks=pa.Check.ge(0)),
                "complementary_protection": _col(float, "Given complementary protection.", checks=pa.Check.ge(0)),
                "rejected": _col(float, "Rejected on substance.", checks=pa.Check.ge(0)),
                "otherwise_closed": _col(float, "Closed for other reasons (withdrawn, abandoned, ...).", checks=pa.Check.ge(0)),
                "total_decisions": _col(float, "All decisions.", checks=pa.Check.ge(0)),
            }
        ),
    ),
    TableSpec(
        name="wdi_indicators",
        folder="processed",
        title="World Development Indicators for Latin America and the Caribbean",
        description="WDI series (population, migrant stock, net migration, GDP and its growth, GDP per capita, "
        "unemployment) for the countries of UN DESA's Latin America and the Caribbean region and the aggregates WLD, LCN "
        "and NAC (North America), 1990 on.",
        sources=("wdi_sp_pop_totl", "wdi_sm_pop_totl", "wdi_sm_pop_netm", "wdi_ny_gdp_mktp_kd_zg", "wdi_ny_gdp_mktp_cd",
                 "wdi_ny_gdp_pcap_cd",
                 "wdi_ny_gdp_pcap_kd_zg", "wdi_ny_gdp_pcap_pp_cd", "wdi_sl_uem_totl_zs", "undesa_ims2020_correspondence"),
        schema=_schema(
            {
                "indicator": _col(str, "WDI indicator code."),
                "iso3": _col(str, "Country or aggregate code.", checks=pa.Check.str_matches(ISO3)),
                "country": _col(str, "Country or aggregate name (World Bank)."),
                "year": _col(int, "Year."),
                "value": _col(float, "Value in the indicator's unit."),
            },
            unique=["indicator", "iso3", "year"],
        ),
    ),
]


def _transcribed(name: str, title: str, description: str, seeds: tuple[str, ...], columns: dict, unique=None) -> TableSpec:
    return TableSpec(name, "transcribed", title, description, seeds, _schema({**columns, **CITATION_COLUMNS}, unique))


PAPER = "undp_policy_paper_peru_migration.txt"
PROFILE = "migration_profile_peru_2020.txt"
NEWS_2025_09 = "news_2025-09-30_peru_migration_policy_study.txt"
NEWS_2025_04 = "news_2025-04-08_peru_us_border_trade.txt"
NEWS_2025_11 = "news_2025-11-30_tacna_state_of_emergency.txt"
SEED_LABELS = {
    PAPER: "UNDP paper",
    PROFILE: "Migration profile (2020)",
    NEWS_2025_09: "News, 30 Sep 2025",
    NEWS_2025_04: "News, 8 Apr 2025",
    NEWS_2025_11: "News, 30 Nov 2025",
}


def seed_label(seed_file: str) -> str:
    """Short name of a seed document for tables and figure notes."""
    return SEED_LABELS.get(seed_file, seed_file)


PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
DIRECTIONS = ["opening", "restrictive", "neutral"]
QUALIFIERS = ["exact", "about", "around", "approximately", "more_than", "less_than", "just_over"]
# Statements without a number (education_facts) say how the seed words them instead.
VERBAL_QUALIFIERS = ["most", "many", "qualitative"]

TRANSCRIBED_TABLES: list[TableSpec] = [
    _transcribed(
        "paper_table1_enaho2020",
        "Paper Table 1: native-born and migrant populations in Peru, 2020 (ENAHO)",
        "Percentages as printed in the paper's Table 1 (Sec. 2.3); the ENAHO microdata are not public here.",
        (PAPER,),
        {
            "variable": _col(str, "Row id."),
            "label": _col(str, "Row label as printed."),
            "native_born_pct": _col(int, "Native-born population, %.", checks=pa.Check.in_range(0, 100)),
            "migrant_pct": _col(int, "Migrant population, %.", checks=pa.Check.in_range(0, 100)),
        },
        unique=["variable"],
    ),
    _transcribed(
        "paper_origin_profiles",
        "Immigrants in Peru by country of origin, as stated in the seeds",
        "The paper's 2010 (Sec. 2.1) and 2017 (Sec. 2.2) profiles and the migration profile's list of origins.",
        (PAPER, PROFILE),
        {
            "profile": _col(str, "Which list: paper_2010, paper_2017, migration_profile_2020.",
                            checks=pa.Check.isin(["paper_2010", "paper_2017", "migration_profile_2020"])),
            "reference_year": _col("Int64", "Year the shares refer to; empty where the seed does not say.", nullable=True),
            "origin_iso3": _col(str, "ISO3 code of the origin.", checks=pa.Check.str_matches(ISO3)),
            "origin_name": _col(str, "Origin as written in the seed."),
            "share_pct": _col(float, "Share of the immigrant population, %.", checks=pa.Check.in_range(0, 100)),
        },
        unique=["profile", "origin_iso3"],
    ),
    _transcribed(
        "paper_venezuelan_counts",
        "Venezuelans in Peru, as counted in the seeds",
        "Counts of Venezuelans in Peru stated in the paper (Sec. 2.3, Abstract, Introduction) and the 2025 news.",
        (PAPER, NEWS_2025_09),
        {
            "reference_date": _col(str, "Date of the count, as precise as the seed gives it."),
            "year": _col(int, "Year of the count."),
            "venezuelans": _col(int, "Count as stated.", checks=pa.Check.gt(0)),
            "qualifier": _col(str, "Wording of the count.", checks=pa.Check.isin(QUALIFIERS)),
            "what_is_counted": _col(str, "What the number counts, in the seed's terms."),
        },
    ),
    _transcribed(
        "profile_emigrant_destinations",
        "Peruvians abroad by destination (migration profile)",
        "Shares of Peruvians abroad by destination country, from the migration profile's 'Sending country' bullet.",
        (PROFILE,),
        {
            "destination_iso3": _col(str, "ISO3 code of the destination.", checks=pa.Check.str_matches(ISO3)),
            "destination_name": _col(str, "Destination as written in the seed."),
            "share_pct": _col(float, "Share of Peruvians abroad, %.", checks=pa.Check.in_range(0, 100)),
        },
        unique=["destination_iso3"],
    ),
    _transcribed(
        "seed_scalar_facts",
        "Single numbers stated in the seeds",
        "Scalar facts of the paper's Sec. 1-2 and the migration profile used for checks (totals, shares, counts).",
        (PAPER, PROFILE),
        {
            "fact_id": _col(str, "Fact id."),
            "value": _col(float, "The number as stated."),
            "unit": _col(str, "persons, percent, applications_per_year or ratio."),
            "year": _col("Int64", "Year the number refers to, where stated.", nullable=True),
            "qualifier": _col(str, "Wording of the number.", checks=pa.Check.isin(QUALIFIERS)),
            "description": _col(str, "What the number is."),
        },
        unique=["fact_id"],
    ),
    _transcribed(
        "paper_table2_refugee_applications",
        "Paper Table 2: applications for refugee status submitted and accepted in Peru, 2015-2022",
        "As printed in the paper's Table 2 (Sec. 3.1), from the Ministry of Foreign Affairs (SAIP No. 405-2022); 2022 is January-July.",
        (PAPER,),
        {
            "year": _col(int, "Calendar year."),
            "submitted": _col(int, "Requests for refugee status submitted.", checks=pa.Check.ge(0)),
            "accepted": _col(int, "Requests for refugee status accepted.", checks=pa.Check.ge(0)),
            "period": _col(str, "Months covered."),
        },
        unique=["year"],
    ),
    _transcribed(
        "legislation",
        "Migration-related legal instruments named in the paper and the later seeds",
        "Every instrument of the paper's Sec. 3.1 (footnotes 8-23) and footnote 25, plus later measures in the seeds, "
        "with the direction of change justified in the seed's own words. Where a footnote's date contradicts the "
        "running text, both are recorded and `date_note` says which is used.",
        (PAPER, PROFILE, NEWS_2025_04, NEWS_2025_11),
        {
            "instrument_id": _col(str, "Instrument id."),
            "date": _col(str, "Date used by the compendium (yyyy, yyyy-mm or yyyy-mm-dd, as precise as the seed).",
                         checks=pa.Check.str_matches(PARTIAL_DATE)),
            "date_in_text": _col(str, "Date implied by the paper's running text where it differs from the footnote.",
                                 nullable=True, checks=pa.Check.str_matches(PARTIAL_DATE)),
            "date_note": _col(str, "Check of the footnote's date against the text, and the choice made.", nullable=True),
            "instrument_type": _col(str, "supreme_decree, legislative_decree, migration_authority_resolution, ..."),
            "instrument_number": _col(str, "Number as written.", nullable=True),
            "title": _col(str, "Short English title, as in the footnote."),
            "what_it_did": _col(str, "What it did, paraphrased from the seed."),
            "covers": _col(str, "Whom it covers."),
            "direction": _col(str, "opening, restrictive or neutral.", checks=pa.Check.isin(DIRECTIONS)),
            "direction_evidence": _col(str, "The seed's own words that justify the direction."),
            "administration": _col(str, "Administration in office, where the seeds say.", nullable=True),
            "in_figure3": _col(bool, "Part of the paper's Figure 3 timeline (2017-2022, Sec. 3.1)."),
        },
        unique=["instrument_id"],
    ),
    _transcribed(
        "administrations",
        "Administrations named in the seeds",
        "Administrations the paper (Sec. 4) and the later seeds name, with the years they give.",
        (PAPER, NEWS_2025_11),
        {
            "administration": _col(str, "Name as used in legislation.csv."),
            "start_year": _col("Int64", "First year, as the seed states it.", nullable=True),
            "end_year": _col("Int64", "Last year, as the seed states it.", nullable=True),
        },
        unique=["administration"],
    ),
    _transcribed(
        "evidence_section5",
        "Evidence on the impact of migration on Peru (paper Sec. 5 and seeds)",
        "Each finding the paper's Sec. 5 (and Sec. 2.3, 4, 6; the 2025 news) states: outcome, population, "
        "estimate or direction as the seed states it; `cited_source` is the study the seed cites.",
        (PAPER, NEWS_2025_09),
        {
            "finding_id": _col(str, "Finding id."),
            "outcome": _col(str, "Host outcome.", checks=pa.Check.isin(
                ["crime", "employment", "wages", "gdp_growth", "fiscal_balance", "human_capital", "productivity",
                 "labour_participation", "other"])),
            "population": _col(str, "Who or where the finding is about."),
            "estimate": _col(float, "The number, where the seed gives one.", nullable=True),
            "unit": _col(str, "Unit of the estimate.", nullable=True),
            "estimate_text": _col(str, "Estimate or direction in the seed's words."),
            "direction": _col(str, "Effect on the host outcome.",
                              checks=pa.Check.isin(["positive", "negative", "none", "mixed", "descriptive"])),
            "study": _col(str, "The study the statement reports, named as the seed cites it (empty where the seed "
                               "names none; several where an expectation cites several).", nullable=True),
            "statement": _col(str, "What kind of statement it is (the compendium's reading of the seed's wording): "
                                   "finding or projection of a cited study; restatement of an earlier finding ('in "
                                   "other words'); the paper's own synthesis; an expectation ('can also be expected', "
                                   "'could'); a claim about the general literature; a statement citing no study.",
                              checks=pa.Check.isin(["finding", "projection", "restatement", "synthesis", "expectation",
                                                    "literature", "uncited"])),
            "reference_year": _col("Int64", "Year the finding refers to, where stated.", nullable=True),
        },
        unique=["finding_id"],
    ),
    _transcribed(
        "paper_citations",
        "Works the paper cites in its text",
        "Every in-text citation of the paper (author and year as the paper writes them), one row per work and "
        "section, with the sentence that cites it; the source text has no reference list.",
        (PAPER,),
        {
            "authors": _col(str, "Authors or institution, as the citation names them."),
            "year": _col(str, "Year of the work, with the paper's letter where it has several works of a year.",
                         checks=pa.Check.str_matches(r"^(19|20)\d\d[a-z]?$")),
        },
        unique=["authors", "year", "seed_section"],
    ),
    _transcribed(
        "education_facts",
        "Education of migrants, as stated in the seeds",
        "Education levels and school enrolment of migrants in Peru stated in the paper and the migration profile.",
        (PAPER, PROFILE),
        {
            "fact_id": _col(str, "Fact id."),
            "population": _col(str, "Who the figure is about."),
            "reference_year": _col("Int64", "Year the figure refers to, where stated.", nullable=True),
            "indicator": _col(str, "What is measured."),
            "value": _col(float, "The number, where the seed gives one.", nullable=True),
            "unit": _col(str, "percent, students or children.", nullable=True),
            "qualifier": _col(str, "Wording of the figure.", checks=pa.Check.isin(QUALIFIERS + VERBAL_QUALIFIERS)),
        },
        unique=["fact_id"],
    ),
]


CLAIM_CHECKS = ["recomputed", "consistency", "comparison", "transcribed"]
CLAIM_QUALIFIERS = QUALIFIERS + ["some", "over", "almost", "up_to", "at_least", "at_most"]
CLAIM_VALUE_SOURCES = ["printed", "vague_word", "relation"]
CLAIM_COMPARATORS = ["same", "proxy", "lower_bound", "upper_bound"]
# Why a candidate statement of the seeds is not a claim (claim_exclusions.reason).
EXCLUSION_REASONS = {
    "citation_year": "the only number or date is the year of a work the sentence cites",
    "cross_reference": "the numbers are the paper's own section, table or figure numbers",
    "heading": "a heading or caption: it names what follows (the numbers under it are claims)",
    "table_structure": "a table's column header or label row (the cells are claims)",
    "table_source": "a table's or figure's source line or note: it dates or sources the numbers (the cells are claims)",
    "instrument_identifier": "the numbers and dates identify a legal instrument or ruling (the legislation table holds them)",
    "dated_event": "dates an event (a meeting, an announcement, a term of office, a status) and states no quantity",
    "publication_metadata": "a piece's publication date, byline or page furniture",
    "enumeration": "counts or orders the items the sentence itself lists or the text's own points",
    "not_a_quantity": "a number word, rank or comparison word used without a quantity ('one of', 'the only')",
    "qualitative": "a comparison, rank or trend of something no data measure (policy openness, importance, "
                   "vulnerability, causes, opinions)",
    "source_description": "describes a data source the paper cites (its dates or scope)",
    "definition": "defines a category or a survey's universe; states no quantity",
    "restatement": "refers back to a number or trend stated, and checked, in another claim",
    "scope": "states the period or subject the text itself covers",
}

TRANSCRIBED_TABLES.append(
    TableSpec(
        "claims",
        "transcribed",
        "Claims ledger: every statement of the paper and the seeds that data can speak to",
        "One row per claim: a number, bound, rank, comparison or trend stated in the paper (all sections, footnotes, "
        "Annex 1), the migration profile and the news pieces, with the sentence it comes from and how the compendium "
        "checks it (sections/claims.py): recomputed from open data, consistency with other seed numbers, comparison "
        "case by case, or transcribed (the data needed, and the checks that no registered source has them).",
        (PAPER, PROFILE, NEWS_2025_04, NEWS_2025_09, NEWS_2025_11),
        _schema(
            {
                "claim_id": _col(str, "Stable id: seed, section and a slug."),
                "seed_file": _col(str, "Seed document (data/seeds/)."),
                "seed_section": _col(str, "Where in the seed: section, table, footnote or paragraph."),
                "sentence": _col(str, "The statement, verbatim as data.seeds.statements gives it."),
                "printed": _col(str, "The words of the sentence that state the value or the relation."),
                "published_value": _col(float, "The number as published; for a vague word, the bound it implies.",
                                        nullable=True),
                "qualifier": _col(str, "Its wording (exact, about, more_than, at_least, ...).", nullable=True,
                                  checks=pa.Check.isin(CLAIM_QUALIFIERS)),
                "value_source": _col(str, "printed (a number), vague_word (a bound read from words) or relation.",
                                     checks=pa.Check.isin(CLAIM_VALUE_SOURCES)),
                "unit": _col(str, "Unit of the number.", nullable=True),
                "year": _col("Int64", "Year the statement refers to, where stated or implied.", nullable=True),
                "check": _col(str, "How it is checked.", checks=pa.Check.isin(CLAIM_CHECKS)),
                "rule": _col(str, "Cases over {values keys} or {claim ids}, or a comparison (sections/claims.py).",
                             nullable=True),
                "comparator": _col(str, "How the data relate to the stated quantity: same, proxy, lower_bound, "
                                        "upper_bound (recomputed claims).", nullable=True,
                                   checks=pa.Check.isin(CLAIM_COMPARATORS)),
                "explanation": _col(str, "Tested explanation of a difference (sections.evidence.EXPLANATIONS).",
                                    nullable=True),
                "data_needed": _col(str, "The data a transcribed claim would need.", nullable=True),
                "missing": _col(str, "Checks that no registered source has them (sections.evidence.confirm_missing).",
                                nullable=True),
                "cited_source": _col(str, "The work the seed cites for the value, as the seed names it.", nullable=True),
                "note": _col(str, "How the check reads the wording; only facts from the seeds and the data.", nullable=True),
            },
            unique=["claim_id"],
        ),
    )
)
TRANSCRIBED_TABLES.append(
    TableSpec(
        "claim_exclusions",
        "transcribed",
        "Statements of the seeds that carry a number, date, rank or comparison but are not claims",
        "Every candidate statement data.seeds.candidates flags that is not in the claims ledger, with the reason "
        "(EXCLUSION_REASONS) and what triggered it; a test fails when a candidate is neither a claim nor listed here.",
        (PAPER, PROFILE, NEWS_2025_04, NEWS_2025_09, NEWS_2025_11),
        _schema(
            {
                "seed_file": _col(str, "Seed document (data/seeds/)."),
                "location": _col(str, "Where in the seed, as data.seeds.statements gives it."),
                "sentence": _col(str, "The statement, verbatim as data.seeds.statements gives it."),
                "reason": _col(str, "Why it is not a claim.", checks=pa.Check.isin(list(EXCLUSION_REASONS))),
                "detail": _col(str, "What it carries and why that is not a claim."),
            },
            unique=["seed_file", "sentence"],
        ),
    )
)

def all_tables() -> dict[str, TableSpec]:
    return {spec.name: spec for spec in PROCESSED_TABLES + TRANSCRIBED_TABLES}
