"""One section run for many host countries in parallel, and tables across them.

``perumig sweep flows --countries hosts`` runs Section 2 for each of the main Latin American hosts
of Venezuelans (a preset; also ``lac``, ``south-america`` and ``all``, every country the section can
run for) and writes, under ``reports/sweeps/``: how each country's run ended (``runs.csv``: a country
that failed is listed with its reason and does not stop the others), every country-specific value the
runs published (``values.csv``, long), the numbers all of them share (``summary.csv``: one row per
measure and year, one column per country) and, for Section 2, the atlas (``atlas.csv``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from perumig import paths, publish
from perumig.errors import ParameterError
from perumig.pipeline import runner
from perumig.sections import SECTIONS, section

MAIN_HOSTS = 6  # how many of the largest hosts the preset takes
PRESETS = {
    "hosts": f"the {MAIN_HOSTS} largest Latin American hosts of Venezuelans in UNHCR's latest year",
    "lac": "every country or area of Latin America and the Caribbean (UN DESA's SDG region)",
    "south-america": "every country or area of South America (UN DESA's subregion)",
    "all": "every country or area the section can run for",
}
SOUTH_AMERICA = 931  # UN DESA M49 code of the subregion
ATLAS_SECTION = "flows"  # the section whose sweeps publish an atlas across countries
YEAR = re.compile(r"^(19|20)\d\d$")


def eligible(section_id: str) -> list[str]:
    """The countries a section can run for: Section 2 every country or area in UN DESA's destination
    table; Sections 3-4 every country with UNHCR asylum decisions on Venezuelans."""
    from perumig.data import places, tables

    if section_id == "government_response":
        from perumig.sections import government

        decisions = tables.load("unhcr_asylum_decisions")
        decided = decisions[decisions["origin_iso3"] == government.ORIGIN]["asylum_iso3"].unique()
        return sorted(set(decided) & set(places.known_iso3()))
    destination = tables.load("undesa_destination")
    located = {places.m49(code): code for code in places.known_iso3()}
    return sorted({located[code] for code in destination["location_code"].unique() if code in located})


def countries(chosen: list[str], section_id: str = "flows") -> list[str]:
    """ISO3 codes from the command line, a preset name expanded (to the countries the section can run for)."""
    from perumig.data import places
    from perumig.sections import flows

    if len(chosen) == 1 and chosen[0].lower() in PRESETS:
        preset = chosen[0].lower()
        if preset == "hosts":
            return flows.venezuelan_host_ranking()["iso3"].head(MAIN_HOSTS).tolist()
        possible = eligible(section_id)
        if preset == "all":
            return possible
        region = (places.members(places.LATIN_AMERICA_AND_CARIBBEAN) if preset == "lac"
                  else places.subregion_members(SOUTH_AMERICA))
        return [code for code in possible if code in region]
    codes = [places.check_iso3(code, "--countries") for code in chosen]
    if not codes:
        raise ParameterError(f"--countries: give ISO3 codes (e.g. COL,PER,CHL) or a preset: {', '.join(PRESETS)}")
    return list(dict.fromkeys(codes))


def plan(section_id: str, codes: list[str], given: dict[str, Any], output: str | None = None) -> list[runner.Job]:
    """One job per country; every other parameter as given. Runs go to reports/ (or ``output``)."""
    chosen = section(section_id)
    from perumig.pipeline import params

    declared = params.declared(chosen.path)
    if "country" not in declared:
        sweepable = [s.id for s in SECTIONS.values() if "country" in params.declared(s.path)]
        raise ParameterError(f"section '{section_id}' has no country parameter to sweep; sweepable: {', '.join(sweepable)}")
    if "country" in given:
        raise ParameterError("the sweep sets country itself; give the countries with --countries")
    return [
        runner.Job(chosen, {**given, "country": code}, None if output is None else str(Path(output) / f"{section_id}-{code}"),
                   key=f"{section_id}:{code}")
        for code in codes
    ]


def _measure(key: str, country: str) -> tuple[str, str] | None:
    """(measure, year) of a values.json key about ``country``, e.g. ('venezuelans.UNHCR.{country}', '2019')."""
    parts = key.split(".")
    if country not in parts:
        return None
    year = parts.pop() if YEAR.match(parts[-1]) else ""
    return ".".join("{country}" if part == country else part for part in parts), year


def collect(jobs: list[runner.Job], table_folder: Path):
    """Every country-specific value of the runs that published (long), those every such country has
    (wide), and one row per country with how its run ended. Runs are named relative to ``table_folder``."""
    import pandas as pd

    from perumig.data import places, tables

    rows, runs = [], []
    for job in jobs:
        country = job.resolved["country"]
        outcome = job.outcome
        published = outcome is not None and outcome.status in ("ran", "skipped")
        link = Path(os.path.relpath(job.target, table_folder)).as_posix()
        runs.append({"country": country, "country_name": places.name(country),
                     "status": outcome.status if outcome else "not run",
                     "reason": "" if published or outcome is None else outcome.reason or outcome.message,
                     "run": link if published else ""})
        if not published:
            continue
        values = tables.read_json(job.target / "values.json")
        sources = pd.read_csv(job.target / "data" / "values_sources.csv", keep_default_na=False).set_index("key")["source"]
        for key, value in values.items():
            found = _measure(key, country)
            if found:
                rows.append({"country": country, "country_name": places.name(country), "measure": found[0],
                             "year": found[1], "value": value, "source": sources.get(key, ""), "run": link})
    columns = ["country", "country_name", "measure", "year", "value", "source", "run"]
    long = pd.DataFrame(rows, columns=columns).sort_values(["measure", "year", "country"], kind="stable").reset_index(drop=True)
    published_countries = [row["country"] for row in runs if row["run"]]
    wide = long.pivot_table(index=["measure", "year"], columns="country", values="value", aggfunc="first")
    wide = wide.dropna()[[c for c in published_countries if c in wide.columns]].reset_index()
    return long, wide, pd.DataFrame(runs)


def table_target(section_id: str, label: str, output: str | None = None) -> Path:
    """reports/sweeps/<section>-<label>/, or <output>/<section>-sweep-<label>/ beside the runs it tabulates
    (a run's folder there is <section>-<ISO3>, so the two never meet)."""
    if output:
        return Path(os.path.abspath(output)) / f"{section_id}-sweep-{label}"
    return paths.SWEEPS / f"{section_id}-{label}"


def table_identity(section_id: str, label: str) -> dict:
    return {"kind": "sweep", "section": section_id, "label": label}


def check_table_target(section_id: str, label: str, output: str | None = None) -> Path:
    """The sweep's table folder may be (re)published; checked before any run starts."""
    return publish.check_target(table_target(section_id, label, output), table_identity(section_id, label),
                                user_given=output is not None)


def write(section_id: str, label: str, jobs: list[runner.Job], output: str | None = None) -> Path:
    """Publish values.csv, summary.csv and runs.csv of a finished sweep (in reports/sweeps/ or ``output``),
    and for Section 2 the atlas (atlas.csv, its sources in atlas_sources.csv)."""
    from perumig.data import tables

    target = check_table_target(section_id, label, output)
    with publish.scratch_beside(target) as scratch:
        long, wide, runs = collect(jobs, target)
        tables.write_csv(long, scratch / "values.csv")
        tables.write_csv(wide, scratch / "summary.csv")
        tables.write_csv(runs, scratch / "runs.csv")
        if section_id == ATLAS_SECTION:
            from perumig.sections import atlas

            tables.write_csv(atlas.atlas([job.resolved["country"] for job in jobs], runs), scratch / "atlas.csv")
            tables.write_csv(atlas.sources(), scratch / "atlas_sources.csv")
        publish.publish_folder(scratch, target, table_identity(section_id, label), user_given=output is not None)
    return target
