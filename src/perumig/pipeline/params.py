"""Run parameters: read from each notebook's tagged `parameters` cell, parsed and checked
before any kernel starts (papermill itself neither rejects unknown names nor checks types).
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import math
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from perumig.errors import ParameterError, PerumigError, reason, shown


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
    restore = f"restore it from git (git checkout -- notebooks/{notebook.name})"
    source = _parameters_source(notebook, restore)
    try:
        statements = ast.parse(source).body
    except SyntaxError as exc:
        line = f"line {exc.lineno}: " if exc.lineno else ""
        raise PerumigError(f"the parameters cell of {notebook.name} is not valid Python ({line}{exc.msg}); "
                           f"fix it or {restore}") from None
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    found = {}
    for statement in statements:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            try:
                default = ast.literal_eval(statement.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                raise PerumigError(
                    f"{name} in the parameters cell of {notebook.name} (line {statement.lineno}) is not a literal such as "
                    f"'PER', 2020 or ['COL', 'CHL'], so it cannot be a parameter; write its value out or {restore}"
                ) from None
            found[name] = Parameter(name, default, comments.get(statement.lineno, ""))
    return found


def _parameters_source(notebook: Path, restore: str) -> str:
    """The code of the notebook's cell tagged `parameters`."""
    if not notebook.is_file():
        raise PerumigError(f"notebook {notebook.name} is missing from notebooks/; {restore}")
    damaged = PerumigError(f"notebook {notebook.name} is not valid notebook JSON; {restore}")
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
        source = None if cell is None else cell["source"]
        source = "".join(source) if isinstance(source, list) else source
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # ValueError: not JSON, not UTF-8
        raise damaged from None
    if cell is None:
        raise ParameterError(f"{notebook.name} has no cell tagged 'parameters'")
    if not isinstance(source, str):
        raise damaged
    return source


def parse_assignment(text: str) -> tuple[str, str]:
    """`name=value` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"-p expects name=value, got {shown(text)}")
    return name.strip(), value.strip()


# A parameter file holds a few `name: value` lines; these bounds are far above any real one and keep
# a hostile or mistaken file (/dev/zero, a YAML alias bomb, a value of megabytes) from costing more than
# a fraction of a second (PyYAML's pure-Python parser reads about 30 KB a second of the densest YAML).
# Every ISO3 code UN DESA lists, comma-separated, is 939 characters.
MAX_FILE_BYTES = 16 * 1024
MAX_NESTING = 8
MAX_VALUE_CHARACTERS = 2000
_YAML_HINT = "write one name: value pair a line, e.g. country: COL"


class _Refused(yaml.YAMLError):
    """YAML that parses but that a parameter file never needs."""


class _ParameterLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases and with bounded nesting.

    Aliases let nine short lines stand for billions of values (the "billion laughs"); no parameter
    needs one, so they are refused before anything is built.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def construct_mapping(self, node, deep=False):
        """A name given twice is refused: YAML would keep the last value without a word (a merge key, <<, is
        another way to give one twice)."""
        lines: dict[str, int] = {}
        for key, _ in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                raise _Refused(f"uses a YAML merge key (<<, line {key.start_mark.line + 1}); write each name once")
            if isinstance(key, yaml.ScalarNode):
                if key.value in lines:
                    raise _Refused(f"gives '{key.value[:40]}' twice (lines {lines[key.value]} and "
                                   f"{key.start_mark.line + 1}); keep one")
                lines[key.value] = key.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            alias = self.peek_event()
            raise _Refused(f"uses a YAML alias (*{alias.anchor}, line {alias.start_mark.line + 1}); write each value out in full")
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise _Refused(f"nests values more than {MAX_NESTING} levels deep; "
                               "a parameter is a single value or a list such as [COL, CHL]")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _file_text(path: str) -> str:
    """The text of a parameter file, read only up to the size limit (``-f /dev/zero`` must not fill memory)."""
    try:
        # Opened without blocking, so that a named pipe nobody writes to reads as empty instead of hanging.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(descriptor, True)
        with open(descriptor, "rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ParameterError(f"parameter file '{path}' does not exist") from None
    except OSError as exc:
        raise ParameterError(f"parameter file '{path}' cannot be read ({reason(exc)}); "
                             "give a YAML file of name: value lines") from None
    if b"\0" in content:
        raise ParameterError(f"parameter file '{path}' contains NUL bytes: it is binary (or UTF-16) data, "
                             "not YAML text; save the parameters as UTF-8 text")
    if len(content) > MAX_FILE_BYTES:
        raise ParameterError(f"parameter file '{path}' is larger than {MAX_FILE_BYTES // 1024} KiB; "
                             "a parameter file holds a few name: value lines")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ParameterError(f"parameter file '{path}' cannot be read as UTF-8 text (UnicodeDecodeError); "
                             "save it as UTF-8") from None


def read_file(path: str) -> dict[str, Any]:
    """Parameters from a YAML file of `name: value` pairs."""
    text = _file_text(path)
    try:
        loaded = yaml.load(text, Loader=_ParameterLoader)
    except _Refused as refusal:
        raise ParameterError(f"parameter file '{path}' {refusal}") from None
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}: " if exc.problem_mark else ""
        problem = (exc.problem or type(exc).__name__)[:100]
        raise ParameterError(f"parameter file '{path}' is not valid YAML ({where}{problem}); {_YAML_HINT}") from None
    except yaml.YAMLError as exc:  # the reader's: a control character
        raise ParameterError(f"parameter file '{path}' is not valid YAML ({reason(exc)}); {_YAML_HINT}") from None
    except ValueError as exc:  # a number too long to convert; a date that does not exist
        raise ParameterError(f"parameter file '{path}' is not valid YAML: a value cannot be converted "
                             f"({type(exc).__name__}); check its numbers and dates") from None
    if not isinstance(loaded, dict) or not all(isinstance(name, str) for name in loaded):
        raise ParameterError(f"parameter file '{path}' must hold name: value pairs, each name a word such as country")
    return loaded


def coerce(parameter: Parameter, value: Any) -> Any:
    """The value converted to the type of the parameter's default, or a ParameterError."""
    if _characters(value) > MAX_VALUE_CHARACTERS:
        raise ParameterError(f"{parameter.name}: the value is longer than {MAX_VALUE_CHARACTERS} characters, "
                             "more than any parameter takes; shorten it")
    converted = _converted(parameter, value)
    if isinstance(converted, float) and not math.isfinite(converted):
        raise ParameterError(f"{parameter.name}: {shown(value)} is not a finite number; "
                             f"give a number such as {parameter.default!r}")
    return converted


def _converted(parameter: Parameter, value: Any) -> Any:
    expected = type(parameter.default)
    problem = f"{parameter.name}: expected {parameter.type_name} (default {parameter.default!r}), got {shown(value)}"
    if expected is list:
        if isinstance(value, dict) or isinstance(value, list) and any(isinstance(item, (list, dict)) for item in value):
            raise ParameterError(problem)
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
        return _converted(parameter, expected(value)) if expected is int else expected(value)
    except (KeyError, ValueError, OverflowError):
        raise ParameterError(problem) from None


def _characters(value: Any, budget: int = MAX_VALUE_CHARACTERS + 1) -> int:
    """The length of a value written out (a number counts as one character: numbers have their own
    bounds), counted only until it passes ``budget``: a value may share its parts a billion times."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, dict)):
        return 1
    count = 0
    for part in itertools.chain.from_iterable(value.items()) if isinstance(value, dict) else value:
        count += 1 + _characters(part, budget - count)
        if count > budget:
            break
    return count


def resolve(declared_parameters: dict[str, Parameter], given: dict[str, Any]) -> dict[str, Any]:
    """All parameters with defaults filled in; unknown names and wrong types are errors."""
    unknown = sorted(set(given) - set(declared_parameters))
    if unknown:
        raise ParameterError(
            f"unknown parameter {shown(unknown[0])}; this section takes: {', '.join(declared_parameters)}"
        )
    resolved = {name: parameter.default for name, parameter in declared_parameters.items()}
    for name, value in given.items():
        resolved[name] = coerce(declared_parameters[name], value)
    return resolved
