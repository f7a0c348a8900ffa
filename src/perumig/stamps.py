"""Incremental rebuilds: what a published folder was made from, and whether that still holds.

Each published folder (a section run, the processed data, the website) keeps a stamp file
(``paths.STAMP``, local, never committed) with the sha256 of everything its content depends on -
the notebook, the parameters, the package modules it imports, the locked environment, every data
file the run read - and of every file it holds. The folder is current when a stamp made now equals
the stored one; the work is then skipped. A fresh clone has no stamps, so it rebuilds everything.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from perumig import paths

PACKAGE = Path(__file__).resolve().parent
# `from perumig import a, b` / `import perumig.a` / `from perumig.a import x`, in notebook code (which may hold magics).
NOTEBOOK_IMPORT = re.compile(r"^\s*(?:from\s+perumig(?:\.(\w+))?\s+import\s+([\w ,]+)|import\s+perumig\.(\w+))", re.M)


def file_digest(path: Path) -> str | None:
    """sha256 of a file, or None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError):
        return None


def folder_files(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (hidden ones, such as the stamp, left out) with its sha256."""
    found = {}
    for root, directories, files in os.walk(folder):
        directories[:] = sorted(d for d in directories if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(root) / name
                found[path.relative_to(folder).as_posix()] = file_digest(path)
    return found


def _imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "perumig":
            found |= {node.module.split(".")[1]} if "." in node.module else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("perumig.")}
    return found


@cache
def _module_imports(module: str) -> frozenset[str]:
    source = PACKAGE / f"{module}.py"
    return frozenset(_imported_modules(ast.parse(source.read_text(encoding="utf-8")))) if source.is_file() else frozenset()


def module_closure(modules: Iterable[str]) -> set[str]:
    """The perumig modules ``modules`` import, directly or not, themselves included."""
    closure, pending = set(), list(modules)
    while pending:
        module = pending.pop()
        if module not in closure and (PACKAGE / f"{module}.py").is_file():
            closure.add(module)
            pending.extend(_module_imports(module))
    return closure


def notebook_modules(notebook: Path) -> set[str]:
    """The perumig modules a notebook's code imports."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    found = set()
    for package_module, names, plain in NOTEBOOK_IMPORT.findall(code):
        found |= {package_module or plain} if package_module or plain else {n.strip() for n in names.split(",")}
    return found


def code_digest(modules: Iterable[str], with_templates: bool = False) -> dict[str, str]:
    """sha256 of each module's source (and of the templates, which shape the HTML), by name."""
    digests = {f"src/perumig/{m}.py": file_digest(PACKAGE / f"{m}.py") for m in sorted(module_closure(modules))}
    if with_templates:
        digests.update({f"src/perumig/templates/{name}": digest for name, digest in folder_files(paths.TEMPLATES).items()})
    return digests


def environment_digest() -> str | None:
    """The locked environment: a new lock can change any output."""
    return file_digest(paths.ROOT / "requirements" / "lock.txt")


def read(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / paths.STAMP).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def write(folder: Path, inputs: dict[str, Any], outputs: dict[str, str] | None = None) -> None:
    """Record ``inputs`` and the folder's files (or the given ``outputs``) as the folder's stamp."""
    stamp = {"inputs": inputs, "outputs": folder_files(folder) if outputs is None else outputs}
    partial = folder / f"{paths.STAMP}.partial"
    partial.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(folder / paths.STAMP)


def is_current(folder: Path, inputs: dict[str, Any], outputs: dict[str, str] | None = None) -> bool:
    """Whether the folder was made from exactly ``inputs`` and still holds what was made."""
    stored = read(folder)
    if stored is None or stored.get("inputs") != json.loads(json.dumps(inputs)):
        return False
    return stored.get("outputs") == (folder_files(folder) if outputs is None else outputs)


def _processed_data_inputs() -> dict[str, Any]:
    """What data/processed/ is made from: the registry's raw hashes, the transcribed tables, the build code."""
    return {
        "sources": file_digest(paths.SOURCES_REGISTRY),
        "transcribed": folder_files(paths.TRANSCRIBED),
        "code": code_digest({"build"}),
        "environment": environment_digest(),
    }


def _processed_data_files() -> dict[str, str]:
    return {**folder_files(paths.PROCESSED), "../datapackage.json": file_digest(paths.DATAPACKAGE)}


def processed_data_current() -> bool:
    """Whether data/processed/ and the descriptor were built from the current inputs and are intact."""
    return is_current(paths.PROCESSED, _processed_data_inputs(), _processed_data_files())


def record_processed_data() -> None:
    write(paths.PROCESSED, _processed_data_inputs(), _processed_data_files())
