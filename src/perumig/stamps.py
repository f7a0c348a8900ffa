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
import stat
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from perumig import paths

PACKAGE = Path(__file__).resolve().parent


def file_digest(path: Path) -> str | None:
    """sha256 of a regular file, or None when there is none at ``path``: nothing, a folder, a pipe or a device
    (never read: a pipe waits for a writer, and /dev/zero never ends)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return None
    with open(descriptor, "rb") as handle:
        digest = hashlib.sha256()
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
        return digest.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def module_file(module: str) -> Path | None:
    """The source of a perumig module named relative to the package (``sections.flows``, ``paths``, ``data``)."""
    base = PACKAGE.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(tree: ast.AST) -> set[str]:
    """perumig modules imported by ``tree``, relative to the package; importing ``a.b`` imports ``a`` too."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "perumig":
            parent = node.module.removeprefix("perumig").lstrip(".")
            for alias in node.names:
                child = f"{parent}.{alias.name}" if parent else alias.name
                found.add(child if module_file(child) else parent)
        elif isinstance(node, ast.Import):
            found |= {alias.name.removeprefix("perumig.") for alias in node.names if alias.name.startswith("perumig.")}
    with_parents = set()
    for module in found - {""}:
        parts = module.split(".")
        with_parents |= {".".join(parts[: end]) for end in range(1, len(parts) + 1)}
    return with_parents


@cache
def _module_imports(module: str) -> frozenset[str]:
    source = module_file(module)
    return frozenset(_imported_modules(ast.parse(source.read_text(encoding="utf-8")))) if source else frozenset()


def module_closure(modules: Iterable[str]) -> set[str]:
    """The perumig modules ``modules`` import, directly or not, themselves included."""
    closure, pending = set(), list(modules)
    while pending:
        module = pending.pop()
        if module not in closure and module_file(module):
            closure.add(module)
            pending.extend(_module_imports(module))
    return closure


def notebook_modules(notebook: Path) -> set[str]:
    """The perumig modules a notebook's code imports (cells that are not plain Python, e.g. magics, are skipped)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            try:
                found |= _imported_modules(ast.parse("".join(cell["source"])))
            except SyntaxError:
                continue
    return found


def code_digest(modules: Iterable[str], with_templates: bool = False) -> dict[str, str]:
    """sha256 of each module's source (and of the templates, which shape the HTML), by name."""
    files = sorted(module_file(m) for m in module_closure(modules))
    digests = {f"src/perumig/{path.relative_to(PACKAGE).as_posix()}": file_digest(path) for path in files}
    if with_templates:
        digests.update({f"src/perumig/present/templates/{name}": digest for name, digest in folder_files(paths.TEMPLATES).items()})
    return digests


def environment_digest() -> str | None:
    """The locked environment: a new lock can change any output."""
    return file_digest(paths.ROOT / "requirements" / "lock.txt")


def read(folder: Path, name: str = paths.STAMP) -> dict[str, Any] | None:
    """The folder's stamp (``name``: or the one being written), or None when it has none or the file is not one
    perumig wrote."""
    try:
        stamp = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or not isinstance(stamp.get("inputs"), dict) or not isinstance(stamp.get("outputs"), dict):
        return None
    return stamp


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
        "code": code_digest({"data.build"}),
        "environment": environment_digest(),
    }


def _processed_data_files() -> dict[str, str]:
    return {**folder_files(paths.PROCESSED), "../datapackage.json": file_digest(paths.DATAPACKAGE)}


def processed_data_current() -> bool:
    """Whether data/processed/ and the descriptor were built from the current inputs and are intact."""
    return is_current(paths.PROCESSED, _processed_data_inputs(), _processed_data_files())


def record_processed_data() -> None:
    write(paths.PROCESSED, _processed_data_inputs(), _processed_data_files())
