"""The reproduction report: every statement of the seeds that data can speak to (the claims ledger,
``data/transcribed/claims.csv``), checked, with a graded verdict and the numbers behind it.

A claim is checked one of four ways (its ``check``), each by its ``rule``:

- ``recomputed``: against values computed from open data (the section runs' ``values.json`` and the values this
  report computes from the processed tables, ``sections.evidence``). The rule lists cases,
  ``label = expression ; label = expression``, over ``{values.key}`` references; the first case is the one the
  statement means, the others (another UN DESA revision, the year after) are shown beside it.
- ``consistency``: against other numbers the seeds state, the same way, over ``{claim.id}`` references.
- ``comparison``: a direction, rank or comparison, ``relation(a, b) for var in x, y; var2 in ...``, evaluated for
  every case (each year of the period the data cover, each UN DESA revision); ``$var`` in a reference is
  replaced by each value of ``var``. Relations: :data:`POINTWISE` and :data:`SERIES`.
- ``transcribed``: no registered source holds the data; ``data_needed`` says which data would, and ``missing``
  names the checks (``sections.evidence.confirm_missing``) that confirm no registered source has them.

Verdicts, one vocabulary everywhere, and the tolerances are defined once, in ``sections.verdicts``:
:func:`printed_value` (half a unit of the last printed digit), :data:`CLOSE_BAND`, :data:`FAR_RATIO`.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import pandas as pd

from perumig import paths
from perumig.data import schemas, tables
from perumig.sections import SECTIONS, verdicts
from perumig.sections.verdicts import (  # noqa: F401 (the ledger's vocabulary, used through this module too)
    CLOSE, CLOSE_BAND, CONTRADICTED, DIFFERS, FAR_RATIO, LOWER_BOUNDS, MAJORITY_PCT, NOT_RECOMPUTABLE, REPRODUCED,
    UPPER_BOUNDS, VERDICT_DEFINITIONS, VERDICTS, accepted_interval, grade, printed_value,
)

CHECKS = ("recomputed", "consistency", "comparison", "transcribed")
SHOWN_CASES = 6  # a comparison's reason lists every case up to this many, else the failing ones
# How the data relate to the quantity a recomputed claim states.
SAME, PROXY, LOWER_BOUND, UPPER_BOUND = COMPARATORS = ("same", "proxy", "lower_bound", "upper_bound")

REFERENCE = re.compile(r"\{([^{}]+)\}")
ARITHMETIC = re.compile(r"[0-9eE.+\-*/() ]+")
COMPARISON_RULE = re.compile(r"^(\w+)\((.*)\)(?:\s+for\s+(.+))?$")


# Rules.


def evaluate(expression: str, lookup: dict[str, float], bindings: dict[str, str] | None = None) -> float:
    """Arithmetic over ``{reference}``s (claim ids or values keys); ``$var`` is replaced from ``bindings`` first."""
    for name, value in (bindings or {}).items():
        expression = expression.replace(f"${name}", value)
    missing = [ref for ref in REFERENCE.findall(expression) if ref not in lookup]
    if missing:
        raise KeyError(", ".join(missing))
    text = REFERENCE.sub(lambda match: repr(float(lookup[match.group(1)])), expression)
    if not ARITHMETIC.fullmatch(text):
        raise ValueError(f"not plain arithmetic: {expression}")
    return float(eval(text, {"__builtins__": {}}))  # only digits and operators reach here


def numeric_cases(rule: str) -> list[tuple[str, str]]:
    """``label = expression`` cases of a recomputed or consistency rule; a bare expression is its own label."""
    cases = []
    for part in (p.strip() for p in rule.split(";") if p.strip()):
        label, _, expression = part.rpartition("=")
        cases.append((label.strip() or expression.strip(), expression.strip()))
    return cases


def rule_references(rule: str) -> list[str]:
    """Every ``{reference}`` a rule uses, with a comparison's ``$var``s replaced by each of their values."""
    if is_relation(rule):
        _, arguments, loops = comparison_parts(rule)
        bindings = [dict(zip(loops, combination)) for combination in itertools.product(*loops.values())] or [{}]
        found = []
        for binding in bindings:
            for argument in arguments:
                for name, value in binding.items():
                    argument = argument.replace(f"${name}", value)
                found.extend(REFERENCE.findall(argument))
        return list(dict.fromkeys(found))
    return list(dict.fromkeys(REFERENCE.findall(rule)))


def _split_arguments(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for character in text:
        depth += character in "({" and 1 or character in ")}" and -1 or 0
        if character == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += character
    return [*parts, current.strip()] if current.strip() else parts


def _loop_values(text: str) -> list[str]:
    values = []
    for item in (v.strip() for v in text.split(",")):
        span = re.fullmatch(r"(\d+)\.\.(\d+)", item)
        values.extend(str(y) for y in range(int(span.group(1)), int(span.group(2)) + 1)) if span else values.append(item)
    return values


def comparison_parts(rule: str) -> tuple[str, list[str], dict[str, list[str]]]:
    """(relation, argument expressions, loop variables with their values) of a comparison rule."""
    match = COMPARISON_RULE.match(rule.strip())
    if not match or match.group(1) not in {**POINTWISE, **SERIES}:
        raise ValueError(f"not a comparison: {rule}")
    loops = {}
    for loop in (match.group(3) or "").split(";"):
        if loop.strip():
            name, _, values = loop.partition(" in ")
            loops[name.strip()] = _loop_values(values)
    return match.group(1), _split_arguments(match.group(2)), loops


def is_relation(rule) -> bool:
    """Whether a rule is a comparison (``relation(...)``) rather than numeric cases."""
    match = COMPARISON_RULE.match(rule.strip()) if isinstance(rule, str) else None
    return bool(match) and match.group(1) in {**POINTWISE, **SERIES}


@dataclass(frozen=True)
class Relation:
    test: object
    describe: object  # (values, band) -> what was compared, in words and numbers
    degree: bool = False  # a matter of degree ("on par", "far larger"): failing it everywhere differs, not contradicts


def _pair(symbol: str):
    return lambda values, band: f"{_number(values[0])} {symbol} {_number(values[1])}"


POINTWISE = {
    "less": Relation(lambda a, b, band: a < b, _pair("<")),
    "greater": Relation(lambda a, b, band: a > b, _pair(">")),
    "at_most": Relation(lambda a, b, band: a <= b, _pair("≤")),
    "on_par": Relation(lambda a, b, band: abs(a / b - 1) <= band,
                       lambda v, band: f"{_number(v[0])} against {_number(v[1])} ({(v[0] / v[1] - 1) * 100:+.1f} %, "
                                       f"on par within ±{band * 100:g} %)", degree=True),
    "far_greater": Relation(lambda a, b, band: a >= FAR_RATIO * b,
                            lambda v, band: f"{_number(v[0])} against {_number(v[1])} ({v[0] / v[1]:.1f} times; far "
                                            f"larger from {FAR_RATIO:g} times)", degree=True),
    "majority": Relation(lambda a, band: a > MAJORITY_PCT, lambda v, band: f"{_number(v[0])} % > {MAJORITY_PCT:g} %"),
    "almost_all": Relation(lambda a, band: a >= 100 * (1 - band),
                           lambda v, band: f"{_number(v[0])} % ≥ {100 * (1 - band):g} %", degree=True),
}
SERIES = {
    "rising": Relation(lambda before, after: after > before, ("rises", "does not rise")),
    "falling": Relation(lambda before, after: after < before, ("falls", "does not fall")),
    "not_rising": Relation(lambda before, after: after <= before, ("does not rise", "rises")),
}


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def comparison_cases(rule: str, lookup: dict[str, float], band: float = CLOSE_BAND) -> tuple[list[dict], list[str]]:
    """Every case of a comparison rule: its values and whether it holds; and the cases the data do not cover."""
    relation_name, arguments, loops = comparison_parts(rule)
    names = list(loops)
    # A series runs along the first loop variable, once for each combination of the others.
    order = names[1:] + names[:1] if relation_name in SERIES else names
    bindings = [dict(zip(order, combination)) for combination in itertools.product(*(loops[n] for n in order))] or [{}]
    evaluated, uncovered = [], []
    for binding in bindings:
        label = ", ".join(binding[n] for n in names)
        try:
            evaluated.append((binding, [evaluate(argument, lookup, binding) for argument in arguments]))
        except KeyError:
            uncovered.append(label)
    cases = []
    if relation_name in SERIES:
        relation = SERIES[relation_name]
        series_axis, others = names[0], names[1:]
        for key, group in itertools.groupby(evaluated, key=lambda item: [item[0][n] for n in others]):
            group = list(group)
            for (before_binding, before), (after_binding, after) in zip(group, group[1:]):
                label = f"{before_binding[series_axis]}→{after_binding[series_axis]}" + (f", {', '.join(key)}" if key else "")
                holds = bool(relation.test(before[0], after[0]))
                cases.append({"case": label, "left": before[0], "right": after[0], "holds": holds,
                              "detail": f"{_number(before[0])} → {_number(after[0])}, "
                                        f"{relation.describe[0] if holds else relation.describe[1]}"})
    else:
        relation = POINTWISE[relation_name]
        for binding, values in evaluated:
            holds = bool(relation.test(*values, band))
            cases.append({"case": ", ".join(binding.values()), "left": values[0],
                          "right": values[1] if len(values) > 1 else math.nan, "holds": holds,
                          "detail": f"{relation.describe(values, band)}: {'holds' if holds else 'fails'}"})
    return cases, uncovered


# The ledger against the values.


def section_values() -> dict[str, float]:
    """Headline numbers of every published default run (reports/<section>/values.json), merged.

    The report's own earlier values are not read: they would make each run an input of the next.
    """
    merged: dict[str, float] = {}
    for section in (s for s in SECTIONS.values() if not s.reads_sections):
        published = paths.section_reports() / section.id / "values.json"
        if published.is_file():
            merged.update(tables.read_json(published))
    return merged


def load_ledger() -> pd.DataFrame:
    return tables.load("claims")


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _tolerance(claim) -> float:
    if claim.qualifier in LOWER_BOUNDS | UPPER_BOUNDS | {"just_over", "almost"} or not _text(claim.printed):
        return 0.0
    return printed_value(claim.printed, "Table" in claim.seed_section)[1]


def _numeric(claim, lookup, scale) -> tuple[dict, list[dict]]:
    tolerance, band = _tolerance(claim) * scale, CLOSE_BAND * scale
    cases, missing = [], []
    for position, (label, expression) in enumerate(numeric_cases(claim.rule)):
        try:
            value = evaluate(expression, lookup)
        except KeyError as error:
            missing.append(str(error).strip("'"))
            continue
        verdict = grade(claim.published_value, claim.qualifier, value, tolerance, claim.unit, band)
        cases.append({"case": label, "role": "statement" if position == 0 else "context", "left": value,
                      "right": claim.published_value, "holds": verdict == REPRODUCED, "verdict": verdict,
                      "detail": f"{_number(value)} ({_relative(value, claim.published_value)}): {verdict}"})
    primary = cases[0] if cases and cases[0]["role"] == "statement" else None
    if primary is None:
        reason = f"no value for {', '.join(missing)}: the section run that reports it is missing or failed"
        return {"reproduced_value": math.nan, "verdict": NOT_RECOMPUTABLE, "reason": reason}, cases
    value, verdict = primary["left"], primary["verdict"]
    comparator = _text(claim.comparator) or SAME
    low, high = accepted_interval(claim.published_value, claim.qualifier, tolerance, band)
    if comparator == LOWER_BOUND:
        consistent = claim.published_value >= value - tolerance
        verdict = primary["verdict"] = NOT_RECOMPUTABLE if consistent else DIFFERS
        why = (f"the data give only a lower bound, {_number(value)}; the published {claim.printed} is "
               + ("consistent with it" if consistent else "below it"))
    elif comparator == UPPER_BOUND:
        consistent = claim.published_value <= value + tolerance
        verdict = primary["verdict"] = NOT_RECOMPUTABLE if consistent else DIFFERS
        why = (f"the data give only an upper bound, {_number(value)}; the published {claim.printed} is "
               + ("consistent with it" if consistent else "above it"))
    else:
        if comparator == PROXY and verdict == REPRODUCED:
            verdict = primary["verdict"] = CLOSE
        accepted = _interval_text(low, high, claim.published_value, tolerance)
        why = (f"{_number(value)} against {claim.printed} ({_relative(value, claim.published_value)}; accepted: {accepted})"
               + (" - a related quantity, not the one stated" if comparator == PROXY else ""))
    # The other cases (another revision, the years around): all of them when the statement's case is not borne out,
    # else those that disagree with it.
    beside = [f"{case['case']}: {case['detail']}" for case in cases[1:]
              if verdict != REPRODUCED or case["verdict"] != REPRODUCED]
    if beside:
        why += "; beside it, " + "; ".join(beside)
    return {"reproduced_value": value, "verdict": verdict, "reason": why, "tolerance": tolerance}, cases


def _interval_text(low: float, high: float, published: float, tolerance: float) -> str:
    if math.isinf(high):
        return f"≥ {_number(low)}"
    if math.isinf(low):
        return f"≤ {_number(high)}"
    if math.isclose(high - published, published - low) and tolerance:
        return f"{_number(published)} ± {_number(tolerance)}"
    return f"{_number(low)} to {_number(high)}"


def _relative(value: float, published: float) -> str:
    return f"{(value - published) / published * 100:+.1f} %" if published else "n/a"


def _comparison(claim, lookup, scale) -> tuple[dict, list[dict]]:
    cases, uncovered = comparison_cases(claim.rule, lookup, CLOSE_BAND * scale)
    relation = {**POINTWISE, **SERIES}[comparison_parts(claim.rule)[0]]
    for case in cases:
        case.update(role="statement", verdict=verdicts.combined([case["holds"]], relation.degree))
    if not cases:
        return {"reproduced_value": math.nan, "verdict": NOT_RECOMPUTABLE,
                "reason": f"the data cover none of the cases ({', '.join(uncovered)})"}, cases
    held = [case for case in cases if case["holds"]]
    verdict = verdicts.combined([case["holds"] for case in cases], relation.degree)
    if verdict == REPRODUCED and _text(claim.comparator) == PROXY:
        verdict = CLOSE
    # Every case when there are few; else the ones that fail (the cases table has them all).
    listed = cases if len(cases) <= SHOWN_CASES else [c for c in cases if not c["holds"]]
    shown = "; ".join(f"{c['case']}: {c['detail']}" if c["case"] else c["detail"] for c in listed)
    if len(cases) == 1:
        reason = shown
    else:
        reason = f"holds in {len(held)} of {len(cases)} cases"
        reason += (f" ({shown}" + ("; the other cases hold" if len(listed) < len(cases) else "") + ")" if listed
                   else " (each in the cases table)")
    if uncovered:
        reason += f"; not covered by the data: {', '.join(uncovered)}"
    return {"reproduced_value": math.nan, "verdict": verdict, "reason": reason}, cases


def _data_needed(claim) -> str:
    """The data a claim would need and what the checks of its ``missing`` specs found in the registry."""
    from perumig.sections import evidence

    confirmations = [evidence.confirm_missing(spec) for spec in _text(claim.missing).split(";") if spec.strip()]
    reason = f"needs {claim.data_needed}; " + "; ".join(text for _, text in confirmations)
    if not all(holds for holds, _ in confirmations):
        reason = "a registered source may now hold the data: " + reason
    return reason


def _transcribed(claim) -> tuple[dict, list[dict]]:
    return {"reproduced_value": math.nan, "verdict": NOT_RECOMPUTABLE, "reason": _data_needed(claim)}, []


def _evidence_text(cases: list[dict]) -> str:
    return "; ".join(f"{case['case']}: {case['detail']}" for case in cases)


def check_ledger(ledger: pd.DataFrame, values: dict[str, float], tolerance_scale: float = 1.0):
    """Every claim checked: (report, cases). The report has one row per claim with its verdict, the number
    behind it, the relative difference in percent and the reason; the cases table one row per year, revision or
    alternative compared.

    ``tolerance_scale`` multiplies the rounding tolerance and the close band, to see how verdicts depend on them.
    """
    from perumig.sections import evidence

    lookup = {**values, **{c: v for c, v in zip(ledger["claim_id"], ledger["published_value"]) if pd.notna(v)}}
    rows, all_cases = [], []
    for claim in ledger.itertuples():
        if claim.check == "transcribed":
            outcome, cases = _transcribed(claim)
        elif is_relation(claim.rule):
            outcome, cases = _comparison(claim, lookup, tolerance_scale)
        else:
            outcome, cases = _numeric(claim, lookup, tolerance_scale)
        reason = outcome["reason"]
        if outcome["verdict"] != REPRODUCED and _text(claim.explanation):
            reason += "; " + evidence.explain_difference(claim.explanation, claim)
        if outcome["verdict"] == NOT_RECOMPUTABLE and claim.check != "transcribed" and _text(claim.missing):
            reason += "; " + _data_needed(claim)  # the data bound it only: which data would settle it
        value = outcome["reproduced_value"]
        rows.append({
            "claim_id": claim.claim_id,
            "seed": schemas.seed_label(claim.seed_file),
            "section": claim.seed_section,
            "sentence": claim.sentence,
            "printed": claim.printed,
            "published_value": claim.published_value,
            "qualifier": claim.qualifier,
            "value_source": claim.value_source,
            "unit": claim.unit,
            "year": claim.year,
            "check": claim.check,
            "rule": claim.rule,
            "reproduced_value": value,
            # Two decimals: the verdicts never turn on a hundredth of a percent, readers need no more.
            "rel_difference_pct": round((value - claim.published_value) / claim.published_value * 100, 2)
            if pd.notna(value) and claim.published_value else math.nan,
            "tolerance": outcome.get("tolerance", math.nan),
            "verdict": outcome["verdict"],
            "reason": reason,
            "evidence": _evidence_text(cases),
            "note": claim.note,
        })
        all_cases.extend({"claim_id": claim.claim_id, **case} for case in cases)
    case_columns = ["claim_id", "case", "role", "left", "right", "holds", "verdict", "detail"]
    return pd.DataFrame(rows), pd.DataFrame(all_cases, columns=case_columns)


def summary(report: pd.DataFrame) -> pd.DataFrame:
    """Claims by seed and verdict (every verdict a column, in the vocabulary's order)."""
    table = report.pivot_table(index="seed", columns="verdict", values="claim_id", aggfunc="count", fill_value=0)
    return table.reindex(columns=[v for v in VERDICTS if v in table.columns])


def by_check(report: pd.DataFrame) -> pd.DataFrame:
    """Claims by how they are checked and by verdict."""
    table = pd.crosstab(report["check"], report["verdict"]).reindex(index=list(CHECKS), fill_value=0)
    return table.reindex(columns=[v for v in VERDICTS if v in table.columns], fill_value=0)


# Coverage: every candidate statement of the seeds is a claim or an exclusion.


def load_exclusions() -> pd.DataFrame:
    return tables.load("claim_exclusions")


def coverage(ledger: pd.DataFrame, exclusions: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """Each candidate statement with what became of it: ``claim`` (and which), ``excluded`` (and why) or
    ``uncovered``; exclusions and claims that match no statement of the seeds are listed as ``stale``."""
    claim_ids = ledger.groupby(["seed_file", "sentence"])["claim_id"].agg(", ".join)
    reasons = exclusions.set_index(["seed_file", "sentence"])["reason"]
    rows = []
    for candidate in candidates.itertuples():
        key = (candidate.seed_file, candidate.text)
        status = "claim" if key in claim_ids.index else "excluded" if key in reasons.index else "uncovered"
        rows.append({"seed_file": candidate.seed_file, "position": candidate.position, "location": candidate.location,
                     "statement": candidate.text, "triggers": candidate.triggers, "status": status,
                     "claims": claim_ids.get(key, ""), "exclusion": reasons.get(key, "")})
    frame = pd.DataFrame(rows)
    from perumig.data import seeds

    statements = set(zip(seeds.statements()["seed_file"], seeds.statements()["text"]))
    for source, keys in (("claim", claim_ids.index), ("exclusion", reasons.index)):
        for seed_file, sentence in keys:
            if (seed_file, sentence) not in statements:
                frame.loc[len(frame)] = {"seed_file": seed_file, "position": -1, "location": "", "statement": sentence,
                                         "triggers": "", "status": f"stale {source}", "claims": "", "exclusion": ""}
    return frame


def coverage_counts(covered: pd.DataFrame, exclusions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The counts the report shows: candidates by seed and status, and exclusions by reason."""
    by_seed = covered.assign(seed=covered["seed_file"].map(schemas.seed_label)).pivot_table(
        index="seed", columns="status", values="statement", aggfunc="count", fill_value=0)
    by_reason = exclusions.groupby("reason").size().rename("statements").to_frame()
    by_reason["meaning"] = by_reason.index.map(schemas.EXCLUSION_REASONS)
    return {"by_seed": by_seed, "by_reason": by_reason}


# What the notebook says and records about them (numbers from the code and the data, never typed).


def method_text(tolerance_scale: float = 1.0) -> str:
    """The verdicts and tolerances, as the report explains them (Markdown)."""
    lines = [f"- **{verdict}**: {meaning}." for verdict, meaning in VERDICT_DEFINITIONS.items()]
    scale = f" (this run multiplies the rounding and the close band by {tolerance_scale:g})" if tolerance_scale != 1 else ""
    return ("**Verdicts.**\n\n" + "\n".join(lines) + "\n\n"
            f"**Tolerances, defined once** (`sections/verdicts.py`){scale}: {verdicts.tolerance_text(tolerance_scale)}")


def coverage_values(covered: pd.DataFrame, ledger: pd.DataFrame, exclusions: pd.DataFrame) -> pd.DataFrame:
    """The coverage counts as ``key, value, source`` rows for values.json."""
    source = "data.seeds.candidates; data/transcribed/claims.csv; data/transcribed/claim_exclusions.csv"
    rows = [("claims.candidates", len(covered[covered["position"] > 0]), source),
            *((f"claims.candidates.{status.replace(' ', '_')}", count, source)
              for status, count in covered["status"].value_counts().sort_index().items()),
            ("claims.count", len(ledger), "data/transcribed/claims.csv"),
            *((f"claims.check.{check}", count, "data/transcribed/claims.csv")
              for check, count in ledger["check"].value_counts().sort_index().items()),
            *((f"claims.exclusions.{reason}", count, "data/transcribed/claim_exclusions.csv")
              for reason, count in exclusions["reason"].value_counts().sort_index().items())]
    return pd.DataFrame(rows, columns=["key", "value", "source"])


def coverage_text(covered: pd.DataFrame, ledger: pd.DataFrame) -> str:
    counts = covered["status"].value_counts()
    candidates = int((covered["position"] > 0).sum())
    return (f"The scanner finds **{candidates} candidate statements** in the {covered['seed_file'].nunique()} seed "
            f"documents: {counts.get('claim', 0)} are stated by the {len(ledger)} claims of the ledger (a statement can "
            f"hold several), {counts.get('excluded', 0)} are excluded with a reason, and {counts.get('uncovered', 0)} are "
            f"neither" + (" (a test fails on any of them)." if counts.get("uncovered", 0) else "."))


def verdict_values(report: pd.DataFrame) -> pd.DataFrame:
    """Claims by verdict, and by how they are checked and verdict, as ``key, value, source`` rows."""
    source = "reports/claims.csv"
    rows = [(f"claims.verdict.{verdict.replace(' ', '_')}", int((report["verdict"] == verdict).sum()), source)
            for verdict in VERDICTS]
    rows += [(f"claims.verdict_by_check.{check}.{verdict.replace(' ', '_')}", int(count), source)
             for check, row in by_check(report).iterrows() for verdict, count in row.items()]
    return pd.DataFrame(rows, columns=["key", "value", "source"])


# The chart.


def plot_differences(report: pd.DataFrame):
    """Relative difference (%) of every claim checked against a number, in one row per verdict.

    Ranks, percentages and counts have no common scale, so each claim is drawn as the relative difference of the data
    to its published number. Triangles are bounds ("more than": the data may lie far above it and still bear it out);
    the shaded band is the close band; the claims beyond it that the data do not bear out are named. Comparisons have
    no number and are counted in the title.
    """
    import numpy as np
    from matplotlib.lines import Line2D

    from perumig.present import plotting

    # Not recomputable claims are left out: the data only bound them.
    numeric = report[report["rel_difference_pct"].notna() & (report["verdict"] != NOT_RECOMPUTABLE)].copy()
    rows = [v for v in VERDICTS if (numeric["verdict"] == v).any()]
    colours = {REPRODUCED: "#1b9e77", CLOSE: "#66a61e", DIFFERS: "#d95f02", CONTRADICTED: "#7570b3",
               NOT_RECOMPUTABLE: "#999999"}
    markers = {"lower": "^", "upper": "v", "value": "o"}
    numeric["shape"] = np.where(numeric["qualifier"].isin(LOWER_BOUNDS), "lower",
                                np.where(numeric["qualifier"].isin(UPPER_BOUNDS), "upper", "value"))
    fig, ax = plotting.new_figure(figsize=(10, 1.3 * len(rows) + 1.6))
    ax.axvspan(-CLOSE_BAND * 100, CLOSE_BAND * 100, color="#EEEEEE", zorder=0)
    ax.axvline(0, color="grey", linewidth=0.8, zorder=1)
    for row, verdict in enumerate(rows):
        group = numeric[numeric["verdict"] == verdict].sort_values("rel_difference_pct")
        spread = np.linspace(-0.3, 0.3, len(group)) if len(group) > 1 else np.zeros(1)
        y = len(rows) - 1 - row + spread
        x = group["rel_difference_pct"].clip(-100, 100).to_numpy()
        for shape, marker in markers.items():
            chosen = (group["shape"] == shape).to_numpy()
            ax.scatter(x[chosen], y[chosen], marker=marker, s=30, color=colours[verdict], zorder=3, edgecolor="white",
                       linewidth=0.4)
        for xi, yi, claim, real in zip(x, y, group["claim_id"], group["rel_difference_pct"]):
            if abs(real) > CLOSE_BAND * 100 and verdict != REPRODUCED:
                label = claim.split(".", 1)[1] + (f" ({real:+.0f} %)" if abs(real) > 100 else "")
                ax.annotate(label, (xi, yi), xytext=(4, 0), textcoords="offset points", fontsize=6, va="center")
    ax.set_yticks(range(len(rows)), [f"{v}\n({(numeric['verdict'] == v).sum()} claims)" for v in reversed(rows)])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(-110, 135)
    ax.set_xlabel("Data minus published number, % of the published number (clipped at ±100 %)")
    ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], marker="o", linestyle="", color="grey", label="a number"),
               Line2D([], [], marker="^", linestyle="", color="grey", label="a lower bound ('more than')"),
               Line2D([], [], marker="v", linestyle="", color="grey", label="an upper bound ('less than')"),
               plotting_band(ax)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    relations = report[report["rule"].map(is_relation)]["verdict"].value_counts().reindex(VERDICTS).dropna()
    ax.set_title("Published numbers against the data, by verdict\n"
                 f"Not drawn: {int(relations.sum())} comparisons without a number ("
                 + ", ".join(f"{int(n)} {v}" for v, n in relations.items())
                 + "), and the claims the data only bound", fontsize=10)
    return fig


def plotting_band(ax):
    from matplotlib.patches import Patch

    return Patch(color="#EEEEEE", label=f"close band (±{CLOSE_BAND * 100:g} %)")


# At this scale the close band is 100 times the published number, so every verdict that can be "close" is; beyond
# it the scale says nothing more, and near 1e308 the tolerances overflow to infinity (they were printed as "± inf").
MAX_TOLERANCE_SCALE = 1e3


def check_parameters(resolved: dict) -> None:
    """The reproduction report's parameter rule (called by the runner before any kernel starts)."""
    from perumig.errors import ParameterError

    if not 0 < resolved["tolerance_scale"] <= MAX_TOLERANCE_SCALE:
        raise ParameterError(f"tolerance_scale: {resolved['tolerance_scale']} must be above 0 and at most "
                             f"{MAX_TOLERANCE_SCALE:g} (1 = the ledger's tolerances)")
