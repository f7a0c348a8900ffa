"""Sections 3-4 of the paper: the government's response to migration, tested against UNHCR data.

Data functions return tidy frames with a `source` column; then `check_parameters`; then the plot
functions, each returning a matplotlib figure for SectionReport.figure; then the functions that write
the notebook's interpretive sentences from the numbers, so the text stays true when parameters change.

UNHCR's asylum tables count some countries' applications and decisions in cases (C, a household file)
rather than persons (P). The two cannot be added, and the paper and the seeds count persons, so every
UNHCR sum here uses the person rows only; `excluded_cases` reports what that leaves out.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from perumig.data import places, tables
from perumig.sections import flows, verdicts
from perumig.sections.flows import placement_date
from perumig.errors import ParameterError
from perumig.data.schemas import seed_label
from perumig.present import prose

ORIGIN = "VEN"
PERU = "PER"
DEFAULT_PEER_COUNT = 4
# The years in the title of the paper's Figure 3 ("Timeline of migration-related legislation in Peru, 2017–2022").
FIGURE3_YEARS = (2017, 2022)
# "These years also saw an exponential increase in applications [...] the percentage of applications that were
# approved decreased" (Sec. 3.1): the years of the applications surge the paragraph describes.
CLAIM_YEARS = (2017, 2019)
REFUGEE_STATUS_FACT = "venezuelan_refugee_status_2016_2019"
DIRECTION_COLOURS = {"opening": "#009E73", "restrictive": "#D55E00", "neutral": "#7F7F7F"}
ADMINISTRATION_COLOURS = ("#E3ECF5", "#F3E6D8", "#E6F0E0")
TYPE_LABELS = {
    "supreme_decree": "Supreme Decree",
    "legislative_decree": "Legislative Decree",
    "migration_authority_resolution": "Migraciones Resolution",
    "emergency_decree": "Emergency Decree",
    "court_ruling": "Court ruling",
    "state_of_emergency": "State of emergency",
}

UNHCR_APPLICATIONS = "UNHCR Refugee Population Statistics, asylum applications (persons)"
UNHCR_DECISIONS = "UNHCR Refugee Population Statistics, asylum decisions (persons)"
UNHCR_POPULATION = "UNHCR Refugee Population Statistics, Venezuelans under UNHCR's mandate (end-year)"
TABLE2_SOURCE = "UNDP paper Sec. 3.1, Table 2 (Ministry of Foreign Affairs, SAIP No. 405-2022)"
RATE_ALL = "recognition_rate_all_pct"
RATE_SUBSTANTIVE = "recognition_rate_substantive_pct"
RATE_DEFINITIONS = {
    RATE_ALL: "recognised / total decisions (otherwise-closed files count as decisions)",
    RATE_SUBSTANTIVE: "recognised / (recognised + rejected) (decisions on substance only)",
}


# Legislation (paper Sec. 3.1 and Figure 3; later seeds).


def _instrument_labels(rows: pd.DataFrame) -> list[str]:
    """`Supreme Decree 002-2021-IN (1/2)`: type and number, numbered where one numbered instrument has several
    rows. Instruments without a number (rulings, states of emergency) are told apart by their dates."""
    base = [
        TYPE_LABELS.get(kind, kind.replace("_", " ").capitalize()) + (f" {number}" if pd.notna(number) else "")
        for kind, number in zip(rows["instrument_type"], rows["instrument_number"])
    ]
    totals = pd.Series(base).value_counts()
    seen: dict[str, int] = {}
    labels = []
    for label, number in zip(base, rows["instrument_number"]):
        seen[label] = seen.get(label, 0) + 1
        repeated = totals[label] > 1 and pd.notna(number)
        labels.append(f"{label} ({seen[label]}/{totals[label]})" if repeated else label)
    return labels


def legislation(figure3_only: bool) -> pd.DataFrame:
    """The legislation table in date order, with its drawing date (`placement_date`) and a label per row."""
    rows = tables.load("legislation")
    if figure3_only:
        rows = rows[rows["in_figure3"]]
    rows = rows.assign(placed=rows["date"].map(placement_date))
    rows = rows.sort_values(["placed", "instrument_id"]).reset_index(drop=True)
    rows["label"] = _instrument_labels(rows)
    rows["source"] = rows["seed_file"].map(seed_label) + ", " + rows["seed_section"]
    columns = ["date", "placed", "label", "direction", "direction_evidence", "administration", "title", "instrument_id",
               "in_figure3", "source"]
    return rows[columns]


def legislation_overlay(country: str, start_year: int, end_year: int) -> pd.DataFrame | None:
    """Legislation drawn over the flows: Peru's instruments within the years shown; none for other countries."""
    if country != PERU:
        return None
    rows = legislation(figure3_only=False)
    return rows[rows["placed"].dt.year.between(start_year, end_year)]


def date_contradictions() -> pd.DataFrame:
    """Rows whose date in the paper's footnote and running text disagree.

    Every row carries a `date_note`; a contradiction is a row with a `date_in_text` (the text implies a
    specific other date) or whose note says CONTRADICTION or mismatch (the text disagrees only loosely).
    """
    rows = tables.load("legislation")
    flagged = rows["date_in_text"].notna() | rows["date_note"].str.contains("contradiction|mismatch", case=False)
    rows = rows[flagged.fillna(False).astype(bool)]
    return pd.DataFrame(
        {
            "instrument_id": rows["instrument_id"],
            "date_used": rows["date"],
            "date_in_text": rows["date_in_text"],
            "note": rows["date_note"],
            "source": rows["seed_file"].map(seed_label) + ", " + rows["seed_section"],
        }
    ).reset_index(drop=True)


def administration_spans() -> pd.DataFrame:
    """The administrations the seeds date, as spans on a time axis.

    The seeds give years only (Kuczynski 2016–2018, Vizcarra 2018–2020). A span runs from 1 January of its
    first year to 31 December of its last, except that where one administration ends in the year the next
    begins, the boundary is drawn on 1 July of that year: the mid-year placement of `placement_date`, and
    the paper's own "change of government in mid-2018" (Sec. 3.1). Administrations without years
    (the Jerí Administration of the 2025 news) are not drawn.
    """
    rows = tables.load("administrations").dropna(subset=["start_year", "end_year"]).sort_values("start_year")
    starts = [pd.Timestamp(f"{year}-01-01") for year in rows["start_year"]]
    ends = [pd.Timestamp(f"{year + 1}-01-01") for year in rows["end_year"]]
    for position in range(1, len(starts)):
        if rows["start_year"].iloc[position] == rows["end_year"].iloc[position - 1]:
            boundary = placement_date(str(rows["start_year"].iloc[position]))
            starts[position], ends[position - 1] = boundary, boundary
    return pd.DataFrame(
        {
            "administration": rows["administration"].to_numpy(),
            "start": starts,
            "end": ends,
            "source": ("UNDP paper, " + rows["seed_section"]).to_numpy(),
        }
    )


def policy_direction(rows: pd.DataFrame) -> pd.DataFrame:
    """The compendium's own summary (not the paper's): opening minus restrictive measures to date.

    Each instrument counts +1 (opening), -1 (restrictive) or 0 (neutral) on its drawing date.
    """
    steps = rows["direction"].map({"opening": 1, "restrictive": -1, "neutral": 0})
    frame = pd.DataFrame(
        {
            "placed": rows["placed"],
            "label": rows["label"],
            "direction": rows["direction"],
            "opening_to_date": (rows["direction"] == "opening").cumsum(),
            "restrictive_to_date": (rows["direction"] == "restrictive").cumsum(),
            "net_direction": steps.cumsum(),
        }
    )
    frame["source"] = "compendium summary of the legislation table (" + rows["source"] + ")"
    return frame.reset_index(drop=True)


def direction_counts(rows: pd.DataFrame) -> pd.DataFrame:
    counts = rows["direction"].value_counts().reindex(list(DIRECTION_COLOURS), fill_value=0)
    return pd.DataFrame({"direction": counts.index, "instruments": counts.to_numpy(),
                         "source": "legislation table (UNDP paper Sec. 3.1 footnotes; later seeds)"})


def timeline_summary(rows: pd.DataFrame, spans: pd.DataFrame, first_year: int, last_year: int) -> prose.Markdown:
    """The paper's reading of Figure 3 put to the table: how many instruments, of which direction, per year,
    before and after the last change of administration the seeds date."""
    change = spans["start"].iloc[-1]
    low, high = pd.Timestamp(f"{first_year}-01-01"), pd.Timestamp(f"{last_year + 1}-01-01")
    parts = []
    for name, start, end in (("before", low, change), ("after", change, high)):
        part = rows[(rows["placed"] >= start) & (rows["placed"] < end)]
        years = (end - start).days / 365.25
        counts = part["direction"].value_counts()
        parts.append(prose.fill(
            "{name} it ({start:%d %B %Y} to {end:%d %B %Y}), {instruments}, {rate} a year ({opening} opening, "
            "{restrictive} restrictive)", name=name, start=start, end=end - pd.Timedelta(days=1),
            instruments=prose.count(len(part), "instrument"), rate=prose.number(len(part) / years, 1),
            opening=counts.get("opening", 0), restrictive=counts.get("restrictive", 0)))
    return prose.fill("The change to the {administration} is drawn on {change:%d %B %Y} (see `administration_spans`). "
                      "In the timeline, {before}; {after}.", administration=spans["administration"].iloc[-1],
                      change=change, before=parts[0], after=parts[1])


def direction_by_period(rows: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Instruments by direction within each dated administration, and after the last one."""
    bins = [pd.Timestamp.min, *spans["start"].tolist()[1:], spans["end"].iloc[-1], pd.Timestamp.max]
    names = [*spans["administration"], "after the administrations the paper dates"]
    period = pd.cut(rows["placed"], bins=bins, labels=names, right=False)
    table = pd.crosstab(period, rows["direction"]).reindex(columns=list(DIRECTION_COLOURS), fill_value=0)
    table = table.reindex(names, fill_value=0)
    table.index.name = "period"
    return table.reset_index()


# Table 2 (paper Sec. 3.1) against UNHCR.


def excluded_cases(countries: list[str], start_year: int, end_year: int) -> pd.DataFrame:
    """UNHCR rows of these asylum countries counted in cases rather than persons, left out of every sum here
    (see module docstring)."""
    frames = []
    for name, column in (("unhcr_asylum_applications", "applied"), ("unhcr_asylum_decisions", "total_decisions")):
        rows = tables.load(name)
        rows = rows[(rows["persons_or_cases"] == "C") & rows["year"].between(start_year, end_year)
                    & rows["asylum_iso3"].isin(countries)]
        frames.append(rows.groupby(["asylum_iso3", "year"], as_index=False)[column].sum()
                      .rename(columns={column: "cases"}).assign(table=name))
    return pd.concat(frames, ignore_index=True)[["table", "asylum_iso3", "year", "cases"]]


def _persons(name: str) -> pd.DataFrame:
    rows = tables.load(name)
    return rows[rows["persons_or_cases"] == "P"]


def unhcr_asylum_by_year(country: str, origin: str | None = None) -> pd.DataFrame:
    """UNHCR applications and decisions in ``country`` by year (all origins unless ``origin``), persons only.

    Decision levels (first instance, review, appeal) are added: each is a decision taken in that year.
    """
    applications, decisions = _persons("unhcr_asylum_applications"), _persons("unhcr_asylum_decisions")
    applications = applications[applications["asylum_iso3"] == country]
    decisions = decisions[decisions["asylum_iso3"] == country]
    if origin:
        applications = applications[applications["origin_iso3"] == origin]
        decisions = decisions[decisions["origin_iso3"] == origin]
    counts = ["recognized", "complementary_protection", "rejected", "otherwise_closed", "total_decisions"]
    frame = (applications.groupby("year")["applied"].sum().to_frame("applications")
             .join(decisions.groupby("year")[counts].sum(), how="outer").fillna(0).reset_index())
    frame[RATE_ALL] = _rate(frame["recognized"], frame["total_decisions"])
    frame[RATE_SUBSTANTIVE] = _rate(frame["recognized"], frame["recognized"] + frame["rejected"])
    return frame


def _rate(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)) * 100


def table2_comparison(country: str) -> pd.DataFrame:
    """The paper's Table 2 with its acceptance rate, beside UNHCR's applications and recognitions.

    The acceptance rate is the paper's own measure: accepted / submitted in the same year.
    """
    paper = tables.load("paper_table2_refugee_applications")
    unhcr = unhcr_asylum_by_year(country).set_index("year")
    frame = paper[["year", "period", "submitted", "accepted"]].copy()
    frame["acceptance_rate_pct"] = _rate(frame["accepted"], frame["submitted"])
    for column in ("applications", "recognized", "rejected", "total_decisions", RATE_ALL, RATE_SUBSTANTIVE):
        frame[f"unhcr_{column}"] = frame["year"].map(unhcr[column])
    frame["applications_diff"] = frame["unhcr_applications"] - frame["submitted"]
    frame["applications_diff_pct"] = _rate(frame["applications_diff"], frame["submitted"])
    frame["recognized_diff"] = frame["unhcr_recognized"] - frame["accepted"]
    frame["recognized_diff_pct"] = _rate(frame["recognized_diff"], frame["accepted"])
    cases = set(excluded_cases([country], int(frame["year"].min()), int(frame["year"].max()))["year"])
    frame["known_reasons"] = [_table2_reasons(period, year in cases) for period, year in zip(frame["period"], frame["year"])]
    frame["source"] = f"{TABLE2_SOURCE}; {UNHCR_APPLICATIONS}; {UNHCR_DECISIONS}"
    return frame


def _table2_reasons(period: str, has_cases: bool) -> str:
    reasons = []
    if period != "January–December":
        reasons.append(f"the paper covers {period} only")
    if has_cases:
        reasons.append("UNHCR counts part of this year in cases, left out here")
    # Anything else would be a guess: the reproduction report tests procedure, year shift, totals and rounding.
    return "; ".join(reasons) or "none known (the reproduction report's claims paper.t2.* test the gap)"


def approval_check(table2: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """The approval rate over the years of the paper's claim, by the paper's measure and by UNHCR's two."""
    years = table2[table2["year"].between(first_year, last_year)]
    measures = {
        "acceptance_rate_pct": ("paper: accepted / submitted (same year)", TABLE2_SOURCE),
        f"unhcr_{RATE_ALL}": (f"UNHCR: {RATE_DEFINITIONS[RATE_ALL]}", UNHCR_DECISIONS),
        f"unhcr_{RATE_SUBSTANTIVE}": (f"UNHCR: {RATE_DEFINITIONS[RATE_SUBSTANTIVE]}", UNHCR_DECISIONS),
    }
    return pd.concat(
        [pd.DataFrame({"measure": label, "year": years["year"], "rate_pct": years[column], "source": source})
         for column, (label, source) in measures.items()],
        ignore_index=True,
    )


def approval_verdict(check: pd.DataFrame) -> pd.DataFrame:
    """For each measure: how the rate moved (every year down, lower at the end only, not down) and the claims
    ledger's verdict on "decreased", year on year (sections.verdicts.combined, as the ledger grades a trend)."""
    rows = []
    for measure, rates in check.groupby("measure", sort=False):
        values = rates["rate_pct"].to_numpy()
        falls = np.diff(values) < 0
        overall = values[-1] < values[0]
        direction = ("decreased every year" if falls.all() else "lower at the end, not every year" if overall
                     else "did not decrease")
        rows.append({"measure": measure, "first_year": int(rates["year"].iloc[0]), "first_pct": values[0],
                     "last_year": int(rates["year"].iloc[-1]), "last_pct": values[-1],
                     "change_pp": values[-1] - values[0], "direction": direction,
                     "verdict": verdicts.combined(falls), "source": rates["source"].iloc[0]})
    return pd.DataFrame(rows)


def approval_summary(verdict: pd.DataFrame) -> prose.Markdown:
    """The generated reading of the paper's sentence "the percentage of applications that were approved decreased"."""
    paper, *unhcr = verdict.itertuples()
    text = prose.fill(
        "By the paper's own measure (Table 2, accepted / submitted), the approval rate went from {first} in "
        "{first_year} to {last} in {last_year}: it {direction}, so for Table 2 the sentence is {verdict}.",
        first=prose.percent(paper.first_pct, 3), first_year=paper.first_year, last=prose.percent(paper.last_pct, 3),
        last_year=paper.last_year, direction=paper.direction, verdict=paper.verdict)
    parts = [prose.fill("{measure} went from {first} to {last} ({direction}: {verdict})",
                        measure=row.measure.removeprefix("UNHCR: "), first=prose.percent(row.first_pct, 1),
                        last=prose.percent(row.last_pct, 1), direction=row.direction, verdict=row.verdict)
             for row in unhcr]
    return (text + prose.trusted(" Measured on the decisions actually taken each year (UNHCR), ")
            + prose.Markdown("; ").join(parts)
            + prose.trusted(". Accepted / submitted also falls whenever applications grow faster than decisions are "
                            "taken, so it measures the backlog as well as the rate at which claims are approved."))


# Recognition of Venezuelans: the country beside the other main hosts.


def default_peers(country: str, start_year: int | None = None, end_year: int | None = None,
                  count: int = DEFAULT_PEER_COUNT) -> list[str]:
    """The peers of a run that names none (``peers`` empty): the ``count`` largest hosts of
    `flows.venezuelan_host_ranking`, never ``country`` itself and, when years are given, only hosts that decided
    a Venezuelan's claim in them (a peer without decisions adds nothing to the comparison)."""
    ranking = flows.venezuelan_host_ranking()
    candidates = ranking.loc[ranking["iso3"] != country, "iso3"]
    if start_year is not None:
        decided = _venezuelan_decisions_by_host(start_year, end_year)
        candidates = candidates[candidates.map(lambda code: decided.get(code, 0) > 0)]
    return candidates.head(count).tolist()


def _venezuelan_decisions_by_host(start_year: int, end_year: int) -> pd.Series:
    """Decisions on Venezuelans' claims (persons) per asylum country in the years."""
    decisions = _persons("unhcr_asylum_decisions")
    window = decisions[(decisions["origin_iso3"] == ORIGIN) & decisions["year"].between(start_year, end_year)]
    return window.groupby("asylum_iso3")["total_decisions"].sum()


# A country with fewer decisions on Venezuelans' claims in the whole window gets no rate line, no interval and no
# place in the models: with so few decisions (and UNHCR rounding small counts) its rate says almost nothing.
MIN_DECISIONS = 100
CONFIDENCE = 0.95


def _exact_interval(recognized: pd.Series, decided: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson (exact binomial) interval of recognised / decided, in percent; empty where nothing was decided."""
    from statsmodels.stats.proportion import proportion_confint

    valid = decided > 0
    low, high = np.full(len(decided), np.nan), np.full(len(decided), np.nan)
    if valid.any():
        low[valid.to_numpy()], high[valid.to_numpy()] = proportion_confint(
            recognized[valid], decided[valid], alpha=1 - CONFIDENCE, method="beta")
    return low * 100, high * 100


def venezuelan_decisions(countries: list[str], start_year: int, end_year: int) -> pd.DataFrame:
    """Decisions on Venezuelans' asylum claims by country and year (persons), with the recognition rate and its
    exact 95 % interval (`rate_ci_low_pct`, `rate_ci_high_pct`)."""
    decisions = _persons("unhcr_asylum_decisions")
    rows = decisions[(decisions["origin_iso3"] == ORIGIN) & decisions["asylum_iso3"].isin(countries)
                     & decisions["year"].between(start_year, end_year)]
    counts = ["recognized", "complementary_protection", "rejected", "otherwise_closed", "total_decisions"]
    frame = rows.groupby(["asylum_iso3", "year"], as_index=False)[counts].sum()
    frame["country"] = frame["asylum_iso3"].map({code: places.name(code) for code in countries})
    frame[RATE_ALL] = _rate(frame["recognized"], frame["total_decisions"])
    frame["rate_ci_low_pct"], frame["rate_ci_high_pct"] = _exact_interval(frame["recognized"], frame["total_decisions"])
    frame["order"] = frame["asylum_iso3"].map({code: position for position, code in enumerate(countries)})
    frame["source"] = UNHCR_DECISIONS + ", origin Venezuela"
    frame = frame.sort_values(["order", "year"]).drop(columns="order").reset_index(drop=True)
    return frame[["asylum_iso3", "country", "year", *counts, RATE_ALL, "rate_ci_low_pct", "rate_ci_high_pct", "source"]]


def recognition_by_country(decisions: pd.DataFrame, countries: list[str], country: str) -> pd.DataFrame:
    """Each country's decisions over the whole window, its pooled rate with an exact 95 % interval, and its share of
    the peers' decisions (how much of 'the peers pooled' it is). A country under MIN_DECISIONS gets no rate and no
    interval, only its counts and a note."""
    totals = decisions.groupby("asylum_iso3")[["recognized", "total_decisions"]].sum().reindex(countries, fill_value=0)
    frame = totals.reset_index().rename(columns={"asylum_iso3": "iso3"})
    frame["country"] = [places.name(code) for code in frame["iso3"]]
    frame["years_with_decisions"] = frame["iso3"].map(
        decisions[decisions["total_decisions"] > 0].groupby("asylum_iso3")["year"].nunique()).fillna(0).astype(int)
    frame["enough_decisions"] = frame["total_decisions"] >= MIN_DECISIONS
    rate = _rate(frame["recognized"], frame["total_decisions"])
    low, high = _exact_interval(frame["recognized"], frame["total_decisions"])
    frame[RATE_ALL] = rate.where(frame["enough_decisions"])
    frame["rate_ci_low_pct"] = pd.Series(low).where(frame["enough_decisions"])
    frame["rate_ci_high_pct"] = pd.Series(high).where(frame["enough_decisions"])
    peers = frame["iso3"] != country
    frame["share_of_peer_decisions_pct"] = (frame["total_decisions"] / frame.loc[peers, "total_decisions"].sum() * 100
                                            ).where(peers)
    frame["note"] = np.where(frame["enough_decisions"], "",
                             f"fewer than {MIN_DECISIONS} decisions in the window: no rate, no interval, not modelled")
    frame["source"] = UNHCR_DECISIONS + ", origin Venezuela; interval: Clopper-Pearson (exact), compendium"
    return frame


def thin_countries(by_country: pd.DataFrame) -> list[str]:
    return by_country.loc[~by_country["enough_decisions"], "iso3"].tolist()


def without_decisions(countries: list[str], decisions: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Country-years with no decision on a Venezuelan claim (absent or zero), dropped from rates and the model."""
    full = pd.MultiIndex.from_product([countries, range(start_year, end_year + 1)], names=["asylum_iso3", "year"])
    decided = decisions.loc[decisions["total_decisions"] > 0].set_index(["asylum_iso3", "year"]).index
    missing = full.difference(decided).to_frame(index=False)
    return missing.sort_values(["asylum_iso3", "year"]).reset_index(drop=True)


def _model_obstacle(decisions: pd.DataFrame, country: str) -> str | None:
    """Why the models cannot estimate the country's odds ratio, or None when they can.

    The country must be among the modelled countries (at least MIN_DECISIONS decisions, `_glm_data`) with at least
    one modelled peer, and on each side the decisions must include both recognitions and other outcomes: if either
    side recognised no one, or everyone, the odds ratio lies at zero or infinity and there is nothing to estimate.
    """
    data = _glm_data(decisions)
    own = data["asylum_iso3"] == country
    if not own.any():
        return "thin"
    if own.all():
        return "no peer"
    for side, rows in (("country", data[own]), ("peers", data[~own])):
        recognised, total = rows["recognized"].sum(), rows["total_decisions"].sum()
        if recognised == 0 or recognised == total:
            return f"{side} {'none' if recognised == 0 else 'all'}"
    return None


def can_be_modelled(decisions: pd.DataFrame, country: str) -> bool:
    """Whether the models have an odds ratio to estimate for the country (see `_model_obstacle`)."""
    return _model_obstacle(decisions, country) is None


def model_skipped_note(decisions: pd.DataFrame, country: str) -> prose.Markdown:
    """Why the models are not fitted for this run, in words."""
    obstacle = _model_obstacle(decisions, country)
    name = places.name(country)
    reasons = {
        "thin": prose.fill("{name} decided fewer than {minimum} Venezuelan claims in the years, too few for a rate",
                           name=name, minimum=MIN_DECISIONS),
        "no peer": prose.fill("no peer decided {minimum} Venezuelan claims or more in the years", minimum=MIN_DECISIONS),
        "country none": prose.fill("{name} recognised no one", name=name),
        "country all": prose.fill("{name} recognised every claim it decided", name=name),
        "peers none": prose.trusted("the peers pooled recognised no one"),
        "peers all": prose.trusted("the peers pooled recognised every claim they decided"),
    }
    return prose.note("The models are not fitted: {reason}, so there is no odds ratio to estimate.",
                      reason=reasons[obstacle])


def decisions_summary(decisions: pd.DataFrame, country: str, start_year: int, end_year: int) -> prose.Markdown:
    """How many decisions on Venezuelans' claims the country took, in how many years, and how many recognised:
    thin data said in words before any rate or model is read."""
    own = decisions[(decisions["asylum_iso3"] == country) & (decisions["total_decisions"] > 0)]
    recognised, total = own["recognized"].sum(), own["total_decisions"].sum()
    return prose.fill(
        "In {start}–{end}, UNHCR records {decisions} on Venezuelans' asylum claims in {name}, in {years} of the {span} "
        "years ({listed}); {recognised} of them recognised refugee status ({share}).", start=start_year, end=end_year,
        decisions=prose.count(int(total), "decision"), name=places.name(country), years=len(own),
        span=end_year - start_year + 1, listed=prose.years(own["year"]), recognised=prose.number(recognised),
        share=prose.percent(recognised / total * 100 if total else None, 1))


def coverage_summary(dropped: pd.DataFrame, cases: pd.DataFrame) -> prose.Markdown:
    """The country-years left out of the rates (no decision) and the UNHCR rows counted in cases, in words."""
    listed = prose.Markdown("; ").join(prose.fill("{code} {years}", code=code, years=prose.years(rows["year"]))
                                       for code, rows in dropped.groupby("asylum_iso3", sort=False)) or "none"
    in_cases = prose.join((prose.fill("{code} {year} ({cases} cases, {table})", code=row.asylum_iso3, year=row.year,
                                      cases=prose.number(row.cases), table=row.table) for row in cases.itertuples()),
                          empty="none")
    return prose.fill("Dropped (no decision on a Venezuelan claim that year): {listed}.\n\n"
                      "UNHCR rows in cases rather than persons, left out: {in_cases}.", listed=listed, in_cases=in_cases)


def run_heading(country: str, peers: list[str], start_year: int, end_year: int, peers_given: bool) -> prose.Markdown:
    """The run's title and what it does with the paper's Peru-only parts; says where the peers come from."""
    name = places.name(country)
    text = prose.fill("## The response to Venezuelan migration in {name}, {start}–{end}\n\n"
                      "**Host country:** {name} ({code}) · **peers:** {peers} · **years:** {start}–{end}",
                      name=name, code=country, peers=prose.join(places.name(code) for code in peers),
                      start=start_year, end=end_year)
    if not peers_given:
        text += prose.trusted(" (default peers: the largest Latin American hosts of Venezuelans in UNHCR's latest year "
                              "that decided a Venezuelan's claim in these years, the country itself left out)")
    if country != PERU:
        text += prose.fill("\n\nThe paper's Sections 3–4 describe Peru's government. This run sets {name}'s asylum "
                           "decisions and flows beside its peers; the paper's legislation timeline, its Table 2 and the "
                           "seeds' figures exist for Peru only and are left out, each with a note.", name=name)
    return text


def _glm_data(decisions: pd.DataFrame) -> pd.DataFrame:
    """The country-years the models use: some decisions, in a country with at least MIN_DECISIONS in the window."""
    decided = decisions[decisions["total_decisions"] > 0]
    enough = decided.groupby("asylum_iso3")["total_decisions"].transform("sum") >= MIN_DECISIONS
    return decided[enough].reset_index(drop=True)


def _binomial_glm(data: pd.DataFrame, exog: pd.DataFrame):
    """Binomial GLM of the share recognised, each country-year weighted by its number of decisions.

    The same likelihood as the two-column (recognised, not recognised) form, but statsmodels' `scale="X2"`
    only counts the trials when they are given as `var_weights`: with the two-column form it divides the
    Pearson chi2 without them and understates the dispersion.
    """
    import statsmodels.api as sm

    share = data["recognized"] / data["total_decisions"]
    return sm.GLM(share, exog, family=sm.families.Binomial(), var_weights=data["total_decisions"])


def _year_effects(data: pd.DataFrame) -> pd.DataFrame:
    return pd.get_dummies(data["year"].astype(str), prefix="year", drop_first=True, dtype=float)


MODEL_SOURCE = UNHCR_DECISIONS + ", origin Venezuela; compendium model"


def recognition_glm(decisions: pd.DataFrame, country: str) -> pd.DataFrame:
    """Odds ratio of recognition, country vs the peers pooled, with year fixed effects, by three models.

    Each country-year is one observation (recognised out of its decisions). `binomial` treats decisions as
    independent trials; `quasi-binomial` re-scales its variance by the Pearson chi2 / df dispersion (statsmodels
    `scale="X2"`); `beta-binomial` lets each country-year's rate vary around the model's by a beta distribution
    (`statistics.beta_binomial`), so a country-year with tens of thousands of decisions no longer outweighs all
    others. Countries under MIN_DECISIONS are left out (see `_glm_data`).
    """
    from perumig import statistics

    data = _glm_data(decisions)
    exog = pd.concat([pd.Series(1.0, index=data.index, name="const"),
                      (data["asylum_iso3"] == country).astype(float).rename("country"), _year_effects(data)], axis=1)
    model = _binomial_glm(data, exog)
    binomial = model.fit()
    dispersion = binomial.pearson_chi2 / binomial.df_resid
    rows = []
    for variant, fitted in (("binomial", binomial), ("quasi-binomial", model.fit(scale="X2"))):
        low, high = fitted.conf_int().loc["country"]
        rows.append({"variant": variant, "odds_ratio": np.exp(fitted.params["country"]), "ci_low": np.exp(low),
                     "ci_high": np.exp(high), "p_value": fitted.pvalues["country"], "scale": fitted.scale,
                     "pearson_chi2_per_df": dispersion, "intraclass_correlation": np.nan,
                     "observations": int(fitted.nobs), "df_resid": int(fitted.df_resid)})
    beta = statistics.beta_binomial(data["recognized"], data["total_decisions"], exog)
    low, high = beta.conf_int.loc["country"]
    rows.append({"variant": "beta-binomial", "odds_ratio": np.exp(beta.params["country"]), "ci_low": np.exp(low),
                 "ci_high": np.exp(high), "p_value": beta.p_values["country"], "scale": np.nan,
                 "pearson_chi2_per_df": dispersion, "intraclass_correlation": beta.intraclass_correlation,
                 "observations": beta.nobs, "df_resid": beta.nobs - len(beta.params) - 1})
    frame = pd.DataFrame(rows)
    frame["source"] = MODEL_SOURCE
    return frame


def odds_ratios_by_peer(decisions: pd.DataFrame, country: str, countries: list[str] | None = None) -> pd.DataFrame:
    """The country's odds ratio against each peer separately (one dummy per peer, year fixed effects), by the
    beta-binomial model with its 95 % interval, beside the quasi-binomial one. A peer under MIN_DECISIONS keeps
    its row, without an estimate: it is not in the model."""
    from perumig import statistics

    data = _glm_data(decisions)
    listed = countries if countries is not None else list(dict.fromkeys(decisions["asylum_iso3"]))
    peers = [code for code in listed if code != country]
    modelled = [code for code in peers if code in set(data["asylum_iso3"])]
    dummies = pd.DataFrame({code: (data["asylum_iso3"] == code).astype(float) for code in modelled})
    exog = pd.concat([pd.Series(1.0, index=data.index, name="const"), dummies, _year_effects(data)], axis=1)
    quasi = _binomial_glm(data, exog).fit(scale="X2")
    quasi_intervals = quasi.conf_int()
    beta = statistics.beta_binomial(data["recognized"], data["total_decisions"], exog)
    names = decisions.drop_duplicates("asylum_iso3").set_index("asylum_iso3")["country"]
    rows = []
    for code in peers:
        row = {"peer_iso3": code, "peer": names[code] if code in names else places.name(code)}
        if code in modelled:
            # The country is the reference level, so its odds ratio against a peer is exp(-coefficient of that peer).
            row |= {"odds_ratio": np.exp(-beta.params[code]), "ci_low": np.exp(-beta.conf_int.loc[code, "high"]),
                    "ci_high": np.exp(-beta.conf_int.loc[code, "low"]),
                    "quasi_odds_ratio": np.exp(-quasi.params[code]),
                    "quasi_ci_low": np.exp(-quasi_intervals.loc[code, 1]),
                    "quasi_ci_high": np.exp(-quasi_intervals.loc[code, 0]), "note": ""}
        else:
            row |= {"note": f"fewer than {MIN_DECISIONS} decisions in the window: not modelled"}
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("odds_ratio", "ci_low", "ci_high", "quasi_odds_ratio", "quasi_ci_low", "quasi_ci_high"):
        if column not in frame:
            frame[column] = np.nan
    frame["source"] = MODEL_SOURCE + " (beta-binomial; quasi-binomial beside it)"
    return frame[["peer_iso3", "peer", "odds_ratio", "ci_low", "ci_high", "quasi_odds_ratio", "quasi_ci_low",
                  "quasi_ci_high", "note", "source"]]


def _interval(low: float, high: float) -> str:
    return f"{low:.2f}–{high:.2f}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def recognition_summary(by_country: pd.DataFrame, country: str, start_year: int, end_year: int) -> str:
    """Who the pooled peers are, and which countries have too few decisions to show a rate, in words."""
    window = f"{start_year}–{end_year}"
    peers = by_country[by_country["iso3"] != country]
    thin = by_country[~by_country["enough_decisions"]]
    text = []
    if peers["total_decisions"].sum() > 0:
        largest = peers.loc[peers["total_decisions"].idxmax()]
        text.append(f"Of the peers' {peers['total_decisions'].sum():,.0f} decisions on Venezuelans' claims ({window}), "
                    f"{largest['country']} made {largest['share_of_peer_decisions_pct']:.0f} %"
                    + (": the pooled comparison is mostly a comparison with " + largest["country"] + "."
                       if largest["share_of_peer_decisions_pct"] > 50 else "."))
    for row in thin.itertuples():
        text.append(f"{row.country} decided {row.total_decisions:,.0f} Venezuelan claims in {window}, fewer than "
                    f"{MIN_DECISIONS}: no rate line, no interval, and it is left out of the models.")
    return " ".join(text)


def glm_summary(glm: pd.DataFrame, by_peer: pd.DataFrame, country_name: str) -> str:
    """The models' reading, from their numbers: dispersion, the overdispersed model's interval, each peer."""
    variants = glm.set_index("variant")
    binomial, beta = variants.loc["binomial"], variants.loc["beta-binomial"]
    dispersion = binomial["pearson_chi2_per_df"]
    includes_one = beta["ci_low"] <= 1 <= beta["ci_high"]
    modelled = by_peer[by_peer["odds_ratio"].notna()]
    spread = "; ".join(f"{row.peer} {row.odds_ratio:.2f} ({_interval(row.ci_low, row.ci_high)})"
                       for row in modelled.itertuples())
    separate = [row.peer for row in modelled.itertuples() if not row.ci_low <= 1 <= row.ci_high]
    text = (
        f"Holding the year fixed, the binomial model puts the odds that a decision on a Venezuelan's claim in "
        f"{country_name} was a recognition at {binomial['odds_ratio']:.2f} times those of the peers pooled "
        f"(95 % interval {_interval(binomial['ci_low'], binomial['ci_high'])}). Its Pearson chi2 per degree of freedom "
        f"is {dispersion:.1f}; "
        + ("a binomial model expects about 1, so decisions vary far more than independent trials would and that "
           "interval is too narrow. " if dispersion > 1 else "a binomial model expects about 1, so there is no sign "
           "of overdispersion. ")
        + f"The beta-binomial model, which lets each country-year's rate vary (intra-class correlation "
        f"{beta['intraclass_correlation']:.2f}), gives {beta['odds_ratio']:.2f} "
        f"({_interval(beta['ci_low'], beta['ci_high'])}), an interval that "
        + ("includes 1: the data do not separate the country from its peers pooled." if includes_one
           else "excludes 1.")
    )
    if len(modelled):
        text += (f" Against each peer separately (beta-binomial, 95 % interval): {spread}; "
                 + ("every interval excludes 1." if len(separate) == len(modelled)
                    else f"the interval excludes 1 against {_names(separate)} only." if separate
                    else "every interval includes 1."))
    return text


# Flows against policy (Sec. 3-4).


def flows_and_applications(country: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Venezuelans under UNHCR's mandate (end-year stock) and Venezuelans' asylum applications (persons) by year."""
    population = tables.load("unhcr_venezuelans")
    population = population[population["asylum_iso3"] == country].set_index("year")["total"]
    applications = unhcr_asylum_by_year(country, ORIGIN).set_index("year")["applications"]
    years = pd.Index(range(start_year, end_year + 1), name="year")
    frame = pd.DataFrame({"venezuelans": population.reindex(years), "applications": applications.reindex(years)})
    frame = frame.reset_index()
    frame["source"] = f"{UNHCR_POPULATION}; {UNHCR_APPLICATIONS}, origin Venezuela"
    return frame


# Consistency of the seeds' figures with Table 2 and UNHCR.


def agreement(stated: float, qualifier: str, computed: float) -> tuple[float, str]:
    """Relative difference (computed - stated) / stated, and the claims ledger's verdict for it.

    The ledger's tolerances (sections.verdicts): the seed's rounding ("1,200" is ± 50), its wording ("more than"
    is a bound) and the close band beyond them.
    """
    tolerance = verdicts.printed_value(f"{stated:,.0f}")[1]
    return (computed - stated) / stated, verdicts.grade(stated, qualifier, computed, tolerance, "persons")


def seed_consistency(table2: pd.DataFrame, country: str) -> pd.DataFrame:
    """The migration profile's (2020) asylum, permit and refugee figures against Table 2 and UNHCR."""
    facts = tables.load("seed_scalar_facts").set_index("fact_id")
    venezuelans = unhcr_asylum_by_year(country, ORIGIN).set_index("year")
    population = tables.load("unhcr_venezuelans")
    population = population[population["asylum_iso3"] == country].set_index("year")
    paper = table2.set_index("year")
    # The years of the profile's "between 2016-2019", read from the fact's id.
    first, last = (int(part) for part in REFUGEE_STATUS_FACT.split("_")[-2:])
    years = list(range(first, last + 1))
    span = f"{years[0]}–{years[-1]}"
    comparisons = [  # (fact, short key for values.json, what it is compared with, value, source)
        ("venezuelan_asylum_requests", "table2_submitted", f"Table 2 submitted, all nationalities, {span}", paper.loc[years, "submitted"].sum(), TABLE2_SOURCE),
        ("venezuelan_asylum_requests", "unhcr_applications", f"UNHCR applications by Venezuelans, {span}", venezuelans.loc[years, "applications"].sum(), UNHCR_APPLICATIONS),
        ("venezuelan_asylum_requests", "unhcr_asylum_seekers", f"UNHCR Venezuelan asylum seekers (stock), end {years[-1]}", population.loc[years[-1], "asylum_seekers"], UNHCR_POPULATION),
        (REFUGEE_STATUS_FACT, "table2_accepted", f"Table 2 accepted, all nationalities, {span}", paper.loc[years, "accepted"].sum(), TABLE2_SOURCE),
        (REFUGEE_STATUS_FACT, "unhcr_recognitions", f"UNHCR recognitions of Venezuelans, {span}", venezuelans.loc[years, "recognized"].sum(), UNHCR_DECISIONS),
        (REFUGEE_STATUS_FACT, "unhcr_refugees", f"UNHCR Venezuelan refugees (stock), end {years[-1]}", population.loc[years[-1], "refugees"], UNHCR_POPULATION),
        ("venezuelan_temporary_residence_permit_obtained", "permits", "no open dataset of permits", np.nan, ""),
    ]
    rows = []
    for fact_id, check, compared_with, value, source in comparisons:
        fact = facts.loc[fact_id]
        if np.isnan(value):
            difference, verdict = np.nan, verdicts.NOT_RECOMPUTABLE
            reason = "PTP/CPP permits are counted by Peru's migration authority; no open dataset of permits is part of this compendium"
        else:
            difference, verdict = agreement(fact["value"], fact["qualifier"], value)
            reason = ""
        rows.append({"fact_id": fact_id, "check": check, "stated": fact["value"], "qualifier": fact["qualifier"],
                     "compared_with": compared_with, "value": value, "relative_diff_pct": difference * 100,
                     "verdict": verdict, "reason": reason,
                     "source": f"{seed_label(fact['seed_file'])}, {fact['seed_section']}" + (f"; {source}" if source else "")})
    return pd.DataFrame(rows)


def consistency_summary(checks: pd.DataFrame) -> prose.Markdown:
    """One bullet per check of the migration profile's figures: stated, compared with, verdict."""
    lines = [
        prose.fill("- {fact} ({qualifier} {stated}) vs {compared_with}: ", fact=row.fact_id.replace("_", " "),
                   qualifier=row.qualifier.replace("_", " "), stated=prose.number(row.stated),
                   compared_with=row.compared_with)
        + (prose.fill("{value}, {difference} → **{verdict}**", value=prose.number(row.value),
                      difference=prose.percent(row.relative_diff_pct, 1, signed=True), verdict=row.verdict)
           if pd.notna(row.value) else prose.fill("**{verdict}** ({reason})", verdict=row.verdict, reason=row.reason))
        for row in checks.itertuples()
    ]
    return prose.Markdown("\n").join(lines)


def check_parameters(resolved: dict) -> None:
    """Sections 3-4's parameter rules (called by the runner before any kernel starts)."""
    from perumig.sections import check_countries, check_country, check_years

    check_country(resolved)
    given = [str(code).strip().upper() for code in resolved["peers"]]
    if given:
        check_countries(resolved, "peers")
    if len(resolved["peers"]) != len(given):
        twice = next(code for code in given if given.count(code) > 1)
        raise ParameterError(f"peers: {twice} is listed twice; give each peer once")
    if resolved["country"] in resolved["peers"]:
        raise ParameterError(f"peers: {resolved['country']} is the country itself; leave it out of peers "
                             "(or give no peers: the default never includes the country)")
    decisions = _persons("unhcr_asylum_decisions")
    check_years(resolved, sorted(decisions.loc[decisions["origin_iso3"] == ORIGIN, "year"].unique().tolist()),
                "UNHCR asylum decisions")
    decided = _venezuelan_decisions_by_host(resolved["start_year"], resolved["end_year"])
    peers = resolved["peers"] or default_peers(resolved["country"], resolved["start_year"], resolved["end_year"])
    if not peers:
        raise ParameterError(f"peers: none of the main hosts of Venezuelans decided a claim in {resolved['start_year']}-"
                             f"{resolved['end_year']}; widen the years or name peers")
    for name, codes in (("country", [resolved["country"]]), ("peers", peers)):
        for code in codes:
            if decided.get(code, 0) <= 0:
                raise ParameterError(
                    f"{name}: UNHCR has no decision on Venezuelans' asylum claims (persons) in {code} in "
                    f"{resolved['start_year']}-{resolved['end_year']}; choose another country or widen the years"
                )


# Figures. Each returns the matplotlib figure; the notebook hands it to SectionReport.figure.


def _shade_administrations(ax, spans: pd.DataFrame, low: pd.Timestamp, high: pd.Timestamp) -> list:
    """Shade each administration's span; returns legend handles (names in a legend, as short spans cannot hold them)."""
    from matplotlib.patches import Patch

    handles = []
    for position, span in enumerate(spans.itertuples()):
        start, end = max(span.start, low), min(span.end, high)
        if start >= end:
            continue
        colour = ADMINISTRATION_COLOURS[position % len(ADMINISTRATION_COLOURS)]
        ax.axvspan(start, end, color=colour, zorder=0)
        handles.append(Patch(color=colour, label=span.administration))
    return handles


def plot_timeline(rows: pd.DataFrame, direction: pd.DataFrame, spans: pd.DataFrame, first_year: int, last_year: int,
                  title: str):
    """Instruments on a time axis coloured by direction, administrations shaded; below, the net direction."""
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    from perumig.present import plotting

    # A month's margin on the left, so that instruments of early January are not cut by the frame.
    low, high = pd.Timestamp(f"{first_year}-01-01") - pd.Timedelta(days=31), pd.Timestamp(f"{last_year + 1}-01-01")
    fig, (top, bottom) = plotting.new_figure(nrows=2, sharex=True, figsize=(10, 0.32 * len(rows) + 3.6),
                                             gridspec_kw={"height_ratios": [max(len(rows), 4), 5]})
    positions = np.arange(len(rows))[::-1]
    shaded = _shade_administrations(top, spans, low, high)
    _shade_administrations(bottom, spans, low, high)
    top.hlines(positions, low, rows["placed"], color="#CCCCCC", linewidth=0.6, zorder=1)
    top.scatter(rows["placed"], positions, c=rows["direction"].map(DIRECTION_COLOURS), s=55, zorder=3,
                edgecolor="white", linewidth=0.6)
    top.set_yticks(positions, [f"{date}  {label}" for date, label in zip(rows["date"], rows["label"])], fontsize=8)
    top.set_ylim(-0.8, len(rows) - 0.2)
    top.grid(axis="y", visible=False)
    handles = [Line2D([], [], marker="o", linestyle="", color=colour, label=f"{name} (direction of change)")
               for name, colour in DIRECTION_COLOURS.items() if name in set(rows["direction"])]
    top.legend(handles=handles + shaded, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    top.set_title(title)
    bottom.step(direction["placed"], direction["net_direction"], where="post", color="black", linewidth=1.6)
    bottom.plot([direction["placed"].iloc[-1], high], [direction["net_direction"].iloc[-1]] * 2, color="black",
                linewidth=1.6)
    bottom.axhline(0, color="#777777", linewidth=0.8)
    bottom.set_ylabel("opening −\nrestrictive", fontsize=8)
    bottom.set_title("Policy direction to date: compendium's own summary, not in the paper", fontsize=9,
                     fontweight="normal", loc="left")
    bottom.set_xlim(low, high)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.xaxis.set_major_locator(mdates.YearLocator())
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return fig


# Okabe-Ito colours (colour-blind safe) and one marker each, so peers differ by shape as well as colour.
PEER_STYLES = [("#E69F00", "s"), ("#56B4E9", "^"), ("#009E73", "D"), ("#D55E00", "v"), ("#CC79A7", "P"),
               ("#0072B2", "X"), ("#F0E442", "h")]


def rate_lines(decisions: pd.DataFrame, by_country: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """What the rate figure draws: every year of the window for each country with enough decisions, the rate empty
    in a year without decisions (so no line is drawn through it); countries under MIN_DECISIONS are not drawn."""
    drawn = by_country.loc[by_country["enough_decisions"], "iso3"].tolist()
    grid = pd.MultiIndex.from_product([drawn, range(start_year, end_year + 1)], names=["asylum_iso3", "year"])
    columns = [RATE_ALL, "rate_ci_low_pct", "rate_ci_high_pct", "total_decisions"]
    decided = decisions[decisions["total_decisions"] > 0].set_index(["asylum_iso3", "year"])[columns]
    frame = decided.reindex(grid).reset_index()
    frame["country"] = frame["asylum_iso3"].map(by_country.set_index("iso3")["country"])
    return frame


def plot_recognition_rates(lines: pd.DataFrame, by_country: pd.DataFrame, country: str):
    """Each country's recognition rate by year with its exact 95 % interval; gaps where a year had no decisions."""
    from matplotlib.ticker import MaxNLocator

    from perumig.present import plotting

    fig, ax = plotting.new_figure()
    # Each peer has a colour and marker of its own while they last, the peers with most decisions first; the
    # rest are drawn thin and grey under one legend entry, so that a long list of peers stays readable.
    ranked = by_country.sort_values("total_decisions", ascending=False)["iso3"]
    styled = dict(zip([code for code in ranked if code != country], PEER_STYLES))
    drawn = list(lines["asylum_iso3"].unique())
    others = [code for code in drawn if code != country and code not in styled]
    for code, rows in lines.groupby("asylum_iso3", sort=False):
        if code == country or code in styled:
            colour, marker = ("black", "o") if code == country else styled[code]
            ax.errorbar(rows["year"], rows[RATE_ALL], yerr=[rows[RATE_ALL] - rows["rate_ci_low_pct"],
                                                            rows["rate_ci_high_pct"] - rows[RATE_ALL]],
                        color=colour, marker=marker, markersize=6, linewidth=2.6 if code == country else 1.5,
                        capsize=2, elinewidth=0.8, label=rows["country"].iloc[0], zorder=3 if code == country else 2)
        else:
            label = f"Other peers ({len(others)}), no intervals" if code == others[0] else None
            ax.plot(rows["year"], rows[RATE_ALL], color="#9A9A9A", linewidth=0.8, label=label, zorder=1)
    thin = by_country[~by_country["enough_decisions"]]
    if len(thin):
        note = (f"Not drawn (fewer than {MIN_DECISIONS} decisions in the window): "
                + ", ".join(f"{row.country} ({row.total_decisions:,.0f})" for row in thin.itertuples()))
        ax.text(0.0, -0.12, textwrap.fill(note, 150), transform=ax.transAxes, fontsize=8, va="top", color="#444444")
    ax.set(xlabel="", ylabel="Recognised, % of all decisions", ylim=(-3, 103))
    ax.set_title("Recognition of Venezuelans' asylum claims: recognised / total decisions\n"
                 "(bars: exact 95 % intervals; a gap: no decision that year)", fontsize=11)
    ax.legend(title=None, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def plot_flows_policy(flows: pd.DataFrame, rows: pd.DataFrame | None, country_name: str):
    """Venezuelans (end-year stock) and their asylum applications (bars across each year), with legislation lines."""
    from matplotlib.lines import Line2D

    from perumig.present import plotting

    fig, (top, bottom) = plotting.new_figure(nrows=2, sharex=True, figsize=(10, 6.4))
    year_start = pd.to_datetime(flows["year"].astype(str) + "-01-01")
    year_end = pd.to_datetime((flows["year"] + 1).astype(str) + "-01-01")
    top.plot(year_end, flows["venezuelans"], marker="o", color="#D55E00", label="Venezuelans under UNHCR's mandate (end of year)")
    bottom.bar(year_start, flows["applications"], width=(year_end - year_start).dt.days * 0.9, align="edge",
               color="#56B4E9", label="Asylum applications by Venezuelans (in the year)")
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(lambda value, _: f"{value / 1e3:,.0f} k" if value >= 1e3 else f"{value:,.0f}")
        if rows is not None:
            for row in rows.itertuples():
                ax.axvline(row.placed, color=DIRECTION_COLOURS[row.direction], linewidth=1, alpha=0.8, zorder=0)
    top.set(ylabel="persons")
    bottom.set(ylabel="applications")
    handles = [*top.get_legend_handles_labels()[0], *bottom.get_legend_handles_labels()[0]]
    if rows is not None:
        handles += [Line2D([], [], color=colour, label=f"{name} legislation (date)")
                    for name, colour in DIRECTION_COLOURS.items() if name in set(rows["direction"])]
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    top.set_title(f"Venezuelans in {country_name} and their asylum applications"
                  + (", with legislation" if rows is not None else ""))
    return fig
