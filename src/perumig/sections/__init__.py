"""The paper's parts as the compendium runs them: one notebook per section, the module that checks its
parameters, and the parameter rules every section shares.

Each section module (flows, government, economy, claims) computes tidy frames for its notebook and
has a ``check_parameters(resolved)`` that the runner calls before any kernel starts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perumig import paths
from perumig.errors import ParameterError, shown


@dataclass(frozen=True)
class Section:
    id: str
    notebook: str
    title: str
    module: str  # the perumig module (dotted, below perumig) whose `check_parameters` validates the run
    reads_sections: bool = False  # reads the other sections' values.json: runs after them
    publishes_beside: str | None = None  # a file of a default run that is also published beside the section folders

    @property
    def path(self) -> Path:
        return paths.NOTEBOOKS / self.notebook

    def check_parameters(self, resolved: dict[str, Any]) -> None:
        importlib.import_module(f"perumig.{self.module}").check_parameters(resolved)


SECTIONS = {
    section.id: section
    for section in (
        Section("flows", "01_migration_flows.ipynb", "Sec. 2 - The profile of migration flows towards Peru",
                "sections.flows"),
        Section("government_response", "02_government_response.ipynb",
                "Sec. 3-4 - The government's response to migration and its impact", "sections.government"),
        Section("economic_impact", "03_economic_impact.ipynb", "Sec. 5 - Impact of the migrant population on Peru",
                "sections.economy"),
        Section("reproduction_report", "04_reproduction_report.ipynb", "Reproduction report - every claim checked",
                "sections.claims", reads_sections=True, publishes_beside="data/claims.csv"),
    )
}


def section(section_id: str) -> Section:
    try:
        return SECTIONS[section_id]
    except KeyError:
        raise ParameterError(f"unknown section {shown(section_id)}; choose one of: {', '.join(SECTIONS)}, all") from None


def check_country(params: dict[str, Any], name: str = "country") -> None:
    from perumig.data import places  # deferred: it loads a table (pandas)

    params[name] = places.check_iso3(params[name], name)


def check_countries(params: dict[str, Any], name: str, minimum: int = 1) -> None:
    from perumig.data import places

    codes = [places.check_iso3(code, name) for code in params[name]]
    if len(set(codes)) < minimum:
        raise ParameterError(f"{name}: give at least {minimum} distinct ISO3 code(s), e.g. {name}=COL,CHL,ECU")
    params[name] = list(dict.fromkeys(codes))


def check_choice(params: dict[str, Any], name: str, choices: list) -> None:
    if params[name] not in choices:
        raise ParameterError(f"{name}: {shown(params[name])} is not one of {', '.join(map(str, choices))}")


def check_int_range(params: dict[str, Any], name: str, low: int, high: int) -> None:
    if not low <= params[name] <= high:
        raise ParameterError(f"{name}: {params[name]} is outside {low}-{high}")


def check_years(params: dict[str, Any], available: list[int], data: str) -> None:
    """start_year/end_year must lie within the data's years and in order."""
    low, high = min(available), max(available)
    for name in ("start_year", "end_year"):
        if not low <= params[name] <= high:
            raise ParameterError(f"{name}: {params[name]} is outside the years of {data} ({low}-{high})")
    if params["start_year"] >= params["end_year"]:
        raise ParameterError(f"start_year ({params['start_year']}) must be before end_year ({params['end_year']})")
