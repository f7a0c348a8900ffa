"""Where every number comes from: recorded as a section run writes its values, explained on demand.

Recording is automatic. When a notebook calls ``SectionReport.value``, :class:`Recorder` notes

- the cell that wrote it: the running cell's source (IPython keeps it in ``In``) found in the source notebook;
- the expression the value was written from (``row.migrant_share_pct``);
- the perumig functions that computed it: the calls in the statements that assigned the names the expression uses,
  followed back through the loops and cells the notebook ran;
- the tables those functions read (``tables.load`` notes every load with the perumig functions that asked for it)
  and their columns (the column names those functions' code spells out). A table that a cached helper loads once
  (``places``' country list) is credited to the first function that needed it.

The run writes these to ``data/values_sources.csv`` beside ``values.json``; ``present.trail`` reads them back
(``perumig explain``). This module imports nothing of the sections, so recording adds no section to what a
notebook's outputs depend on.

``DataFrame.attrs`` was tried as the carrier first: pandas 3.1 keeps it through selections, ``assign``, ``rename``,
``sort_values`` and ``groupby(...).sum()``, but drops it in every ``merge``, ``join``, named aggregation, ``concat`` of
frames with different attrs and in ``pd.DataFrame(...)`` built from columns, which the section functions use
throughout; the load log and the code survive all of them.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
from functools import cache
from pathlib import Path

import pandas as pd

from perumig.data import tables

PROVENANCE_COLUMNS = ["notebook", "cell", "expression", "functions", "tables"]
REPORT_METHODS = ("value", "values_from")


@cache
def _notebook_cells(notebook: Path | None) -> dict[str, tuple[str, int]]:
    """Source notebook cells by their (stripped) source: (cell id, code cell number from 1); none for a notebook that
    is not in notebooks/ (a stand-in section of the tests)."""
    if notebook is None or not notebook.is_file():
        return {}
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found, number = {}, 0
    for cell in cells:
        if cell["cell_type"] == "code":
            number += 1
            found["".join(cell["source"]).strip()] = (cell.get("id", ""), number)
    return found


@cache
def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython magics: such a cell writes no value
        return None


def _assigned(node: ast.AST) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}


def _statements(tree: ast.Module):
    """Every statement of a cell, nested ones included, in source order."""
    return sorted((n for n in ast.walk(tree) if isinstance(n, ast.stmt)), key=lambda n: (n.lineno, n.col_offset))


def _assignments(tree: ast.Module | None) -> list[ast.stmt]:
    """The statements of a cell that bind names, in source order."""
    if tree is None:
        return []
    return [s for s in _statements(tree) if isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For))
            and getattr(s, "value", True) is not None]


@cache
def _cell_assignments(source: str) -> tuple[ast.stmt, ...]:
    return tuple(_assignments(_parse(source)))


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


class Recorder:
    """The provenance of the values one notebook run writes (one per ``SectionReport``)."""

    def __init__(self, notebook: Path | None):
        self.notebook = notebook
        self.rows: dict[str, dict] = {}
        self._sites: dict[tuple, dict] = {}  # one call site (a loop over values) is read once

    def record(self, key: str, frame) -> None:
        """Note where ``key`` was written from; ``frame`` is the notebook's frame that called the report."""
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the kernel
            return
        shell = get_ipython()
        if shell is None or frame is None:
            return
        history = list(shell.user_ns.get("In", []))
        source = history[-1] if history else ""
        site = (source, frame.f_lineno, len(history), len(tables.loads()))
        if site not in self._sites:
            cell_id, number = _notebook_cells(self.notebook).get(source.strip(), ("not found in the notebook", 0))
            tree = _parse(source)
            call = self._call(tree, frame.f_lineno) if tree else None
            functions = self._functions(call, tree, history[:-1], frame.f_globals) if call is not None else []
            self._sites[site] = {
                "notebook": f"notebooks/{self.notebook.name}" if self.notebook else "",
                "cell": f"{cell_id} (code cell {number})",
                "expression": ast.unparse(call) if call is not None else "",
                "functions": "; ".join(functions),
                "tables": "; ".join(f"{name}[{', '.join(columns)}]" for name, columns in _tables_read(functions).items()),
            }
        self.rows[key] = self._sites[site]

    @staticmethod
    def _call(tree: ast.Module, line: int) -> ast.AST | None:
        """The value argument of the ``report.value(...)`` (or ``values_from``) call on ``line``."""
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in REPORT_METHODS
                    and node.lineno <= line <= node.end_lineno):
                return node.args[1] if node.func.attr == "value" and len(node.args) > 1 else node.args[0]
        return None

    def _functions(self, expression: ast.AST, tree: ast.Module, earlier: list[str], namespace: dict) -> list[str]:
        """perumig functions behind an expression: the calls of the statements that assigned the names it uses,
        followed back through the cells the notebook ran (``x = f(x)`` leads on to the ``x`` before it)."""
        ran = [s for source in earlier for s in _cell_assignments(source)]
        here = [s for s in _assignments(tree) if s.lineno <= expression.lineno]
        ordered = ran + here
        wanted = {(name, len(ordered)) for name in _names(expression)}
        # A loop variable stands for the loop's iterable.
        for node in ast.walk(tree):
            if isinstance(node, ast.For) and node.lineno <= expression.lineno <= node.end_lineno:
                if _assigned(node) & {name for name, _ in wanted}:
                    wanted |= {(name, len(ran) + here.index(node)) for name in _names(node.iter)} if node in here else set()
        found, seen = _perumig_calls(expression, namespace), set()
        while wanted - seen:
            name, before = next(iter(sorted(wanted - seen)))
            seen.add((name, before))
            position = next((i for i in range(before - 1, -1, -1) if name in _assigned(ordered[i])), None)
            if position is None:
                continue
            statement = ordered[position]
            value = statement.iter if isinstance(statement, ast.For) else statement.value
            found.extend(f for f in _perumig_calls(value, namespace) if f not in found)
            wanted |= {(used, position) for used in _names(value)}
        return found

    def table(self) -> pd.DataFrame:
        return pd.DataFrame.from_dict(self.rows, orient="index", columns=PROVENANCE_COLUMNS)


LOAD = "perumig.data.tables.load"


def _perumig_calls(node: ast.AST, namespace: dict) -> list[str]:
    """``module.function(...)`` calls in ``node`` whose module is a perumig module of the notebook's namespace;
    a notebook's own ``tables.load("name")`` is given as ``perumig.data.tables.load:name``."""
    found = []
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = namespace.get(func.value.id)
            name = getattr(module, "__name__", "")
            if inspect.ismodule(module) and name.startswith("perumig.") and callable(getattr(module, func.attr, None)):
                qualified = f"{name}.{func.attr}"
                if qualified == LOAD and call.args and isinstance(call.args[0], ast.Constant):
                    qualified += f":{call.args[0].value}"
                found.append(qualified)
    return sorted(set(found), key=found.index)


def _tables_read(functions: list[str]) -> dict[str, list[str]]:
    """The tables loaded under these functions, each with the columns the loading functions' code names."""
    found: dict[str, set[str]] = {}
    for function in functions:
        if function.startswith(f"{LOAD}:"):
            table = function.partition(":")[2]
            found.setdefault(table, set()).update(tables.spec(table).schema.columns)
    for chain, table in tables.loads():
        if chain and chain[0] in functions:
            columns = set(tables.spec(table).schema.columns)
            found.setdefault(table, set()).update(c for f in chain for c in _literals(f) if c in columns)
    return {name: sorted(columns, key=list(tables.spec(name).schema.columns).index) for name, columns in found.items()}


@cache
def _literals(qualified: str) -> frozenset[str]:
    """The string constants in one perumig function's source (a column it reads is named there)."""
    module_name, _, qualname = qualified.rpartition(".")
    while module_name and module_name not in sys.modules:
        module_name, _, head = module_name.rpartition(".")
        qualname = f"{head}.{qualname}"
    target = importlib.import_module(module_name) if module_name else None
    for part in qualname.split("."):
        target = getattr(target, part, None)
    try:
        tree = ast.parse(inspect.getsource(target).lstrip() if target else "")
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    return frozenset(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
