"""Run every Section 2 function notebook 01 calls, for every country and area of UN DESA's table, in both
revisions, and list each failure and each sentence that prints nan or inf:

    .venv/bin/python tests/every_country.py

About 40 s of CPU (two minutes on 2 busy cores), so the test suite runs a fixed broad sample of it (tests/test_countries.py);
run this after changing Section 2's functions or its data. Exit code 1 when anything failed.
"""

from __future__ import annotations

import re
import sys

NAN = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)
VENEZUELAN_YEARS = (2000, 2025)  # the span notebook 01 gives `venezuelans_over_time`
REVISION_YEARS = {2020: (1995, 2020), 2024: (1995, 2024)}  # the notebook's default years, per revision


def section2_texts(code: str, revision: int, with_revision_free_parts: bool = True) -> list[str]:
    """The sentences notebook 01 writes for one country, built by the calls it makes (figures aside)."""
    from perumig.sections import flows

    start, end = REVISION_YEARS[revision]
    share = flows.migrant_share(code, revision, start, end)
    texts = [flows.run_heading(code, revision, start, end), flows.share_notes(share, code, revision),
             flows.share_summary(share, code)]
    if flows.has_origin_data(code, revision):
        composition = flows.origin_composition(code, revision, start, end, 6)
        texts.append(flows.composition_summary(composition, code, revision))
    else:
        texts.append(flows.origin_data_note(code, revision))
    texts.append(flows.profiles_note(code, revision))
    if with_revision_free_parts:
        venezuelans = flows.venezuelans_over_time(code, *VENEZUELAN_YEARS)
        ranks = flows.host_rank(code).merge(flows.host_rank(code, "asylum_seekers"), on="year", suffixes=("", "_seekers"))
        year = flows.emigrant_year(end)
        texts += [flows.venezuelans_summary(venezuelans, code, *VENEZUELAN_YEARS),
                  flows.rank_summary(ranks[ranks["year"] >= 2015], code), flows.emigrants_intro(code, year),
                  flows.emigrants_summary(flows.emigrants_by_destination(code, year, 8), code, year)]
    return texts


def problems(codes: list[str]) -> tuple[dict, dict]:
    """Failures ({(code, revision): error}) and sentences with nan ({(code, revision): [sentences]})."""
    failures, with_nan = {}, {}
    for revision in REVISION_YEARS:
        for code in codes:
            try:
                # The Venezuelan and emigrant parts do not depend on the revision: checked once.
                texts = section2_texts(code, revision, with_revision_free_parts=revision == min(REVISION_YEARS))
            except Exception as error:  # collected, so that one run names every failing country
                failures[(code, revision)] = f"{type(error).__name__}: {error}"
                continue
            found = [text for text in texts if NAN.search(text)]
            if found:
                with_nan[(code, revision)] = found
    return failures, with_nan


def main() -> int:
    from perumig.data import places

    codes = places.known_iso3()
    failures, with_nan = problems(codes)
    for (code, revision), error in sorted(failures.items()):
        print(f"FAILED {code} {revision}: {error}")
    for (code, revision), texts in sorted(with_nan.items()):
        print(f"NAN {code} {revision}: {texts}")
    print(f"{len(codes)} countries and areas, revisions {', '.join(map(str, REVISION_YEARS))}: "
          f"{len(failures)} failures, {len(with_nan)} with nan")
    return 1 if failures or with_nan else 0


if __name__ == "__main__":
    sys.exit(main())
