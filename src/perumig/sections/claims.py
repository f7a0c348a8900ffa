"""The reproduction report: every quantitative statement of the seeds (the claims ledger,
``data/transcribed/claims.csv``) beside what the compendium recomputes, with a verdict.

A claim is checked one of three ways:
- ``recomputed``: a section run wrote the number to its ``values.json`` (key ``values_key``);
- ``consistency``: it follows from other published numbers (``consistency_rule`` over claim ids);
- ``transcribed``: its source is closed (microdata, private surveys); it is cited, not checked.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from perumig import paths
from perumig.data import schemas, tables
from perumig.sections import SECTIONS

REPRODUCED, DIFFERS, NOT_RECOMPUTABLE = "reproduced", "differs", "not recomputable"
RULE_REFERENCE = re.compile(r"\{([^{}]+)\}")


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


def within(published: float, reproduced: float, qualifier: str, tolerance: float) -> bool:
    """Whether a reproduced number supports the published one, read with its wording.

    "about 0.5" holds within the tolerance either side; "more than 530,000" holds at or above the
    published value (less the tolerance); "just over 3.5" holds above it and within the tolerance;
    "less than 0.3" and "up to" hold at or below; "almost" holds just below.
    """
    tolerance = 0.0 if tolerance is None or math.isnan(tolerance) else tolerance
    lower_bounded = {"more_than", "over", "at_least", "between_low"}
    upper_bounded = {"less_than", "up_to", "between_high"}
    if qualifier in lower_bounded:
        return reproduced >= published - tolerance
    if qualifier in upper_bounded:
        return reproduced <= published + tolerance
    if qualifier == "just_over":
        return published <= reproduced <= published + tolerance
    if qualifier == "almost":
        return published - tolerance <= reproduced <= published
    return abs(reproduced - published) <= tolerance


def _evaluate_rule(rule: str, published: dict[str, float]) -> float:
    """A consistency rule such as ``{a} + {b}``: claim ids in braces, arithmetic only."""
    missing = [claim for claim in RULE_REFERENCE.findall(rule) if claim not in published]
    if missing:
        raise KeyError(f"rule refers to unknown claim(s) {', '.join(missing)}")
    expression = RULE_REFERENCE.sub(lambda match: repr(float(published[match.group(1)])), rule)
    if not re.fullmatch(r"[0-9eE.+\-*/() ]+", expression):
        raise ValueError(f"rule is not plain arithmetic: {rule}")
    return float(eval(expression, {"__builtins__": {}}))  # only digits and operators reach here


def reproduce(ledger: pd.DataFrame, values: dict[str, float], tolerance_scale: float = 1.0) -> pd.DataFrame:
    """One row per claim: published and reproduced values, differences, tolerance, status, reason.

    ``tolerance_scale`` multiplies every tolerance of the ledger, to see how the verdicts depend on it.
    """
    ledger = ledger.assign(tolerance=ledger["tolerance"] * tolerance_scale)
    published = dict(zip(ledger["claim_id"], ledger["published_value"]))
    rows = []
    for claim in ledger.itertuples():
        reproduced, reason, source = math.nan, "", ""
        if claim.check == "recomputed":
            if claim.values_key in values:
                reproduced = float(values[claim.values_key])
                source = f"{claim.dataset} (values.json: {claim.values_key})"
            else:
                reason = f"no section run reports {claim.values_key or 'a value for it'}"
        elif claim.check == "consistency":
            try:
                reproduced = _evaluate_rule(claim.consistency_rule, published)
                source = f"consistency: {claim.consistency_rule}"
            except (KeyError, ValueError, SyntaxError, ZeroDivisionError) as error:
                reason = f"rule cannot be evaluated ({error})"
        else:
            reason = claim.reason
        if math.isnan(reproduced):
            status = NOT_RECOMPUTABLE if claim.check == "transcribed" else DIFFERS
        else:
            status = REPRODUCED if within(claim.published_value, reproduced, claim.qualifier, claim.tolerance) else DIFFERS
            if status == DIFFERS:
                reason = _difference_reason(claim, reproduced)
        difference = reproduced - claim.published_value
        rows.append(
            {
                "claim_id": claim.claim_id,
                "section": f"{schemas.seed_label(claim.seed_file)}, {claim.seed_section}",
                "sentence": claim.sentence,
                "published_value": claim.published_value,
                "qualifier": claim.qualifier,
                "unit": claim.unit,
                "year": claim.year,
                "check": claim.check,
                "reproduced_value": reproduced,
                "abs_difference": difference,
                "rel_difference": difference / claim.published_value if claim.published_value else math.nan,
                "tolerance": claim.tolerance,
                "status": status,
                "reason": reason,
                "reproduced_from": source,
            }
        )
    return pd.DataFrame(rows)


def _difference_reason(claim, reproduced: float) -> str:
    """One line for a claim that differs: what was compared, and the ledger's note on why."""
    note = claim.note if isinstance(claim.note, str) and claim.note else "no explanation recorded in the ledger"
    return (f"published {claim.published_value:g} ({claim.qualifier.replace('_', ' ')}) vs reproduced {reproduced:.6g} "
            f"beyond tolerance {claim.tolerance:g}; {note}")


def summary(report: pd.DataFrame) -> pd.DataFrame:
    """Counts by seed section and status."""
    return report.pivot_table(index="section", columns="status", values="claim_id", aggfunc="count", fill_value=0)


def load_ledger() -> pd.DataFrame:
    return tables.load("claims")


def plot_published_vs_reproduced(report: pd.DataFrame):
    import numpy as np
    import seaborn as sns

    from perumig.present import plotting

    checked = report[report["reproduced_value"].notna() & (report["published_value"] > 0) & (report["reproduced_value"] > 0)]
    fig, ax = plotting.new_figure(figsize=(7, 6.5))
    sns.scatterplot(data=checked, x="published_value", y="reproduced_value", hue="status", style="check", s=60, ax=ax,
                    hue_order=[REPRODUCED, DIFFERS], palette={REPRODUCED: "#1b9e77", DIFFERS: "#d95f02"})
    low, high = checked[["published_value", "reproduced_value"]].min().min(), checked[["published_value", "reproduced_value"]].max().max()
    line = np.geomspace(low, high, 50)
    ax.plot(line, line, color="grey", linewidth=1, linestyle="--", label="published = reproduced")
    ax.set(xscale="log", yscale="log", xlabel="Published value (paper and seeds)", ylabel="Value reproduced by the compendium")
    ax.minorticks_off()  # invisible in this style (the saved image is the same) and a third of the figure's cost
    ax.set_title("Published vs reproduced values (log scales)")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def check_parameters(resolved: dict) -> None:
    """The reproduction report's parameter rule (called by the runner before any kernel starts)."""
    from perumig.errors import ParameterError

    if not resolved["tolerance_scale"] > 0:
        raise ParameterError(f"tolerance_scale: {resolved['tolerance_scale']} must be above 0 (1 = the ledger's tolerances)")
