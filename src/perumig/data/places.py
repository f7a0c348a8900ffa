"""Countries and regions: ISO3 codes, M49 codes and the regions a country is compared with."""

from __future__ import annotations

from functools import cache

import pandas as pd

from perumig.data import tables
from perumig.errors import ParameterError, shown

WORLD = 900
LATIN_AMERICA_AND_CARIBBEAN = 1830  # UN DESA's SDG region
# Short, stable keys for the aggregates the paper compares Peru with (used in values.json keys).
REGION_KEYS = {900: "WORLD", 1830: "LAC", 931: "SOUTH_AMERICA"}


@cache
def _countries() -> pd.DataFrame:
    locations = tables.load("undesa_locations")
    return locations[locations["iso3"].notna()].set_index("iso3")


def known_iso3() -> list[str]:
    return sorted(_countries().index)


def check_iso3(code: str, parameter: str = "country") -> str:
    """The code, upper-cased, if UN DESA lists it as a country or area; else a ParameterError."""
    candidate = str(code).strip().upper()
    if candidate not in _countries().index:
        raise ParameterError(
            f"{parameter}: {shown(code)} is not an ISO3 code of a country or area in UN DESA's list "
            f"(e.g. PER, COL, CHL, ECU, ESP); see data/processed/undesa_locations.csv"
        )
    return candidate


def m49(iso3: str) -> int:
    return int(_countries().loc[check_iso3(iso3), "location_code"])


def name(iso3: str) -> str:
    return str(_countries().loc[check_iso3(iso3), "name"])


def members(sdg_region_code: int) -> set[str]:
    """ISO3 codes of the countries and areas of an SDG region."""
    return set(_countries().index[_countries()["sdg_region_code"] == sdg_region_code])


def subregion_members(subregion_code: int) -> set[str]:
    """ISO3 codes of the countries and areas of a UN DESA subregion (South America is 931)."""
    return set(_countries().index[_countries()["subregion_code"] == subregion_code])


def region_key(location_code: int) -> str:
    return REGION_KEYS.get(location_code, f"M49_{location_code}")


def comparators(iso3: str) -> list[int]:
    """M49 codes the country's migrant share is set beside: its SDG region, its subregion, the world.

    For Peru these are Latin America and the Caribbean, South America and the World, as in the paper's Figure 2.
    UN DESA gives some areas no subregion (those of Northern America: see `missing_comparators`); they are
    set beside their SDG region and the world only.
    """
    row = _countries().loc[check_iso3(iso3)]
    codes = [int(row[column]) for column in ("sdg_region_code", "subregion_code") if pd.notna(row[column])]
    return list(dict.fromkeys([*codes, WORLD]))  # a subregion can coincide with its SDG region


def missing_comparators(iso3: str) -> list[str]:
    """Which comparison regions UN DESA does not give the country: ``"subregion"``, ``"SDG region"`` or none."""
    row = _countries().loc[check_iso3(iso3)]
    labels = {"sdg_region_code": "SDG region", "subregion_code": "subregion"}
    return [label for column, label in labels.items() if pd.isna(row[column])]
