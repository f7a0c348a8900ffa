"""The verdicts of the claims ledger and their tolerances, defined once: the ledger (``sections.claims``) and every
notebook that sets a published number beside the data use these words and these bands.
"""

from __future__ import annotations

import math
import re

CLOSE_BAND = 0.10  # relative: "close" beyond the rounding tolerance; also the band of "on par with", "just over", "almost"
FAR_RATIO = 2.0  # "far larger than": at least twice as large
MAJORITY_PCT = 50.0  # "the majority", "most": more than half
REPRODUCED, CLOSE, DIFFERS, CONTRADICTED, NOT_RECOMPUTABLE = VERDICTS = (
    "reproduced", "close", "differs", "contradicted", "not recomputable")
VERDICT_DEFINITIONS = {
    REPRODUCED: "the data give the published number within half a unit of its last printed digit (its rounding), "
                "satisfy the bound it states, or bear out the direction, rank or comparison in every case checked",
    CLOSE: f"the data miss the published number (or bound) by no more than the close band, {CLOSE_BAND * 100:g} % of "
           "it, or match it only with a related quantity (another year, a subgroup, a stock for a flow)",
    DIFFERS: "the data miss it by more than the close band, or a comparison holds in some cases and fails in others, or "
             "a matter of degree (\"on par with\", \"far larger\") fails in every case",
    CONTRADICTED: "the direction, rank or comparison stated is the opposite of what the data show, in every case",
    NOT_RECOMPUTABLE: "no registered source has the data, or the data only bound the number and the bound is "
                      "consistent with it; the ledger names the data needed and checks that no registered source has them",
}
LOWER_BOUNDS = {"more_than", "over", "at_least"}
UPPER_BOUNDS = {"less_than", "up_to", "at_most"}

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twenty": 20}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "decade": 10, "decades": 10}
# Vague words read as the weakest bound they imply ("millions": at least one million).
VAGUE_WORDS = {"millions": 1e6, "thousands": 1e3, "dozens": 12, "majority": 50, "most": 50, "half": 50}


# Tolerances.


def tolerance_text(tolerance_scale: float = 1.0) -> str:
    """The tolerances in words, from the constants and the rounding rule below: the report and the website explain
    them with this text."""
    band = CLOSE_BAND * tolerance_scale * 100
    examples = "; ".join(f"\"{words}\" ± {printed_value(words)[1] * tolerance_scale:,g}"
                         for words in ("1.3 million", "12.4 percent"))
    return (f"a number is reproduced within half a unit of its last printed digit ({examples}; round numbers of a "
            "thousand or more in running text are rounded where their zeros start, table cells count every digit); a "
            f"bound (\"more than\", \"less than\") holds or not; the close band reaches {band:g} % of the published number "
            "beyond the rounding or the bound; \"just over\" and \"almost\" reach one close band beyond or below it; "
            f"\"on par with\" means within the close band, \"far larger\" at least {FAR_RATIO:g} times, \"the majority\" "
            f"and \"most\" more than {MAJORITY_PCT:g} %. Vague words are read as the weakest bound they imply "
            "(\"millions\": at least one million). The relative difference is (reproduced − published) / published, in "
            "percent.")



def printed_value(printed: str, in_table: bool = False) -> tuple[float, float]:
    """The number a claim's printed words state, and half a unit of its last printed digit.

    "1.3 million" is 1,300,000 ± 50,000; "12.4 percent" ± 0.05; "7 out of 10" is 70 % ± 5. In running text a
    round number of a thousand or more is rounded where its zeros start ("8,000" ± 500, "110,000" ± 5,000); in a
    table every digit counts (Table 2 prints counts to the unit). Number words are exact to their unit ("two
    decades" is 20 ± 5); ordinals and ranks are exact; vague words give their weakest bound with no tolerance.
    """
    text = printed.lower()
    fraction = re.search(r"(\d+) out of (\d+)", text)
    if fraction:
        whole = int(fraction.group(2))
        return int(fraction.group(1)) / whole * 100, 50 / whole
    number = re.search(r"(\d[\d,]*)(\.\d+)?(st|nd|rd|th)?", text)
    if number:
        digits, decimals, ordinal = number.group(1).replace(",", ""), number.group(2) or "", number.group(3)
        scale_word = re.match(r"\s*(?:-\s*)?(thousand|million|billion)\b", text[number.end():])
        scale = SCALES[scale_word.group(1)] if scale_word else 1
        value = float(digits + decimals) * scale
        if decimals:
            step = 10 ** -(len(decimals) - 1) * scale
        elif ordinal or in_table or value < 1000 or not digits.strip("0"):
            step = scale
        else:
            full = f"{value:.0f}"
            step = 10 ** (len(full) - len(full.rstrip("0")))
        return value, step / 2
    for word, bound in VAGUE_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return bound, 0.0
    for word, rank in ORDINALS.items():
        if re.search(rf"\b{word}\b", text):
            return float(rank), 0.0
    for word, count in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            unit = re.search(rf"\b{word}\s+(decades?)\b", text)
            scale = SCALES[unit.group(1)] if unit else 1
            return count * scale, 0.5 * scale
    raise ValueError(f"no number in {printed!r}")


def accepted_interval(published: float, qualifier: str, tolerance: float, band: float = CLOSE_BAND) -> tuple[float, float]:
    """The values that bear out a published number read with its wording.

    "around 1.3 million" takes its rounding either side; a bound ("more than", "less than") holds or not, with
    no rounding; "just over" and "almost" reach one close band beyond and below the number.
    """
    if qualifier in LOWER_BOUNDS:
        return published, math.inf
    if qualifier in UPPER_BOUNDS:
        return -math.inf, published
    if qualifier == "just_over":
        return published, published * (1 + band)
    if qualifier == "almost":
        return published * (1 - band), published
    return published - tolerance, published + tolerance


def grade(published: float, qualifier: str, value: float, tolerance: float, unit: str,
          band: float = CLOSE_BAND) -> str:
    """reproduced / close / differs for a number (a rank: reproduced or contradicted)."""
    low, high = accepted_interval(published, qualifier, tolerance, band)
    if low <= value <= high:
        return REPRODUCED
    if unit == "rank":
        return CONTRADICTED
    miss = (low - value) if value < low else (value - high)
    return CLOSE if miss <= band * abs(published) else DIFFERS


def combined(holds, degree: bool = False) -> str:
    """The verdict of a direction, rank or comparison checked case by case (each year, revision, alternative):
    reproduced when every case holds, differs when only some do, contradicted when none does - differs for a matter
    of degree ("on par", "far larger"), whose failing is not the opposite statement."""
    holds = [bool(h) for h in holds]
    if all(holds):
        return REPRODUCED
    return DIFFERS if any(holds) or degree else CONTRADICTED
