"""Run parameters: read from each notebook's tagged `parameters` cell, parsed and checked
before any kernel starts (papermill itself neither rejects unknown names nor checks types).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from perumig import places
from perumig.errors import ParameterError, PerumigError


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    help: str

    @property
    def type_name(self) -> str:
        return type(self.default).__name__


def declared(notebook: Path) -> dict[str, Parameter]:
    """The parameters of a notebook: name, default (a Python literal) and the comment beside it."""
    import papermill  # deferred: importing papermill costs about a second

    if not notebook.is_file():
        raise PerumigError(f"notebook {notebook.name} is missing from notebooks/; restore it from git (git checkout -- notebooks)")
    found = papermill.inspect_notebook(str(notebook))
    if not found:
        raise ParameterError(f"{notebook.name} has no cell tagged 'parameters'")
    return {
        name: Parameter(name, ast.literal_eval(info["default"]), (info.get("help") or "").strip())
        for name, info in found.items()
    }


def parse_assignment(text: str) -> tuple[str, str]:
    """`name=value` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"-p expects name=value, got '{text}'")
    return name.strip(), value.strip()


def read_file(path: str) -> dict[str, Any]:
    """Parameters from a YAML file of `name: value` pairs."""
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"parameter file '{path}' does not exist") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameter file '{path}' is not valid YAML ({type(exc).__name__})") from None
    if not isinstance(loaded, dict):
        raise ParameterError(f"parameter file '{path}' must hold name: value pairs")
    return loaded


def coerce(parameter: Parameter, value: Any) -> Any:
    """The value converted to the type of the parameter's default, or a ParameterError."""
    expected = type(parameter.default)
    problem = f"{parameter.name}: expected {parameter.type_name} (default {parameter.default!r}), got {value!r}"
    if expected is list:
        items = value if isinstance(value, list) else [v for v in str(value).split(",") if v.strip()]
        return [str(item).strip() for item in items]
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    if not isinstance(value, str):
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        raise ParameterError(problem)
    try:
        if expected is bool:
            return {"true": True, "false": False}[value.lower()]
        return expected(value)
    except (KeyError, ValueError):
        raise ParameterError(problem) from None


def resolve(declared_parameters: dict[str, Parameter], given: dict[str, Any]) -> dict[str, Any]:
    """All parameters with defaults filled in; unknown names and wrong types are errors."""
    unknown = sorted(set(given) - set(declared_parameters))
    if unknown:
        raise ParameterError(
            f"unknown parameter '{unknown[0]}'; this section takes: {', '.join(declared_parameters)}"
        )
    resolved = {name: parameter.default for name, parameter in declared_parameters.items()}
    for name, value in given.items():
        resolved[name] = coerce(declared_parameters[name], value)
    return resolved


# Checks shared by the sections' own parameter rules.


def check_country(params: dict[str, Any], name: str = "country") -> None:
    params[name] = places.check_iso3(params[name], name)


def check_countries(params: dict[str, Any], name: str, minimum: int = 1) -> None:
    codes = [places.check_iso3(code, name) for code in params[name]]
    if len(set(codes)) < minimum:
        raise ParameterError(f"{name}: give at least {minimum} distinct ISO3 code(s), e.g. {name}=COL,CHL,ECU")
    params[name] = list(dict.fromkeys(codes))


def check_choice(params: dict[str, Any], name: str, choices: list) -> None:
    if params[name] not in choices:
        raise ParameterError(f"{name}: {params[name]!r} is not one of {', '.join(map(str, choices))}")


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
