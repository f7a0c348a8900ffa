"""Run parameters: read from each notebook's tagged `parameters` cell, parsed and checked
before any kernel starts (papermill itself neither rejects unknown names nor checks types).
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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
    """The parameters of a notebook: name, default (a Python literal) and the comment beside it.

    Read from the notebook's JSON directly rather than with ``papermill.inspect_notebook``, which gives
    the same answer (tested) but costs three seconds of imports; the no-op rebuild must stay fast.
    """
    if not notebook.is_file():
        raise PerumigError(f"notebook {notebook.name} is missing from notebooks/; restore it from git (git checkout -- notebooks)")
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError):
        raise PerumigError(f"notebook {notebook.name} is not valid notebook JSON; restore it from git (git checkout -- notebooks)") from None
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise ParameterError(f"{notebook.name} has no cell tagged 'parameters'")
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    found = {}
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            found[name] = Parameter(name, ast.literal_eval(statement.value), comments.get(statement.lineno, ""))
    return found


def parse_assignment(text: str) -> tuple[str, str]:
    """`name=value` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"-p expects name=value, got {text!r}")
    return name.strip(), value.strip()


def read_file(path: str) -> dict[str, Any]:
    """Parameters from a YAML file of `name: value` pairs."""
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"parameter file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"parameter file '{path}' cannot be read as UTF-8 text ({type(exc).__name__})") from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # a number too long to read; nesting too deep
        raise ParameterError(f"parameter file '{path}' is not valid YAML ({type(exc).__name__})") from None
    if not isinstance(loaded, dict) or not all(isinstance(name, str) for name in loaded):
        raise ParameterError(f"parameter file '{path}' must hold name: value pairs, each name a word such as country")
    return loaded


def coerce(parameter: Parameter, value: Any) -> Any:
    """The value converted to the type of the parameter's default, or a ParameterError."""
    expected = type(parameter.default)
    problem = f"{parameter.name}: expected {parameter.type_name} (default {parameter.default!r}), got {_shown(value)}"
    if expected is list:
        items = value if isinstance(value, list) else [v for v in str(value).split(",") if v.strip()]
        return [str(item).strip() for item in items]
    if expected is int and isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**9:
        raise ParameterError(problem)  # no parameter is that large, and messages could not even print it
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    try:
        if not isinstance(value, str):
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            raise ParameterError(problem)
        if expected is bool:
            return {"true": True, "false": False}[value.lower()]
        return coerce(parameter, expected(value)) if expected is int else expected(value)
    except (KeyError, ValueError, OverflowError):
        raise ParameterError(problem) from None


def _shown(value: Any, limit: int = 60) -> str:
    """A value as a message shows it: its repr, cut short (and never failing on a huge number)."""
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits has no repr
        return "a number too long to show"
    return text if len(text) <= limit else f"{text[:limit]}..."


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
