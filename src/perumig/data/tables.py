"""Tidy tables: load the committed tables (checked against the data package and their schema)
and write them deterministically.

``load("undesa_destination")`` is the way every other module and notebook reads data.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.errors

from perumig import paths, stamps
from perumig.data import sources
from perumig.errors import DataValidationError, reason
from perumig.data.schemas import TableSpec, all_tables

# Every data file this process has read (provenance name -> sha256): a section run lists them in its
# manifest, and the incremental rebuild reruns the section when one of them changes.
_inputs_read: dict[str, str] = {}
# Every load, in order: (the perumig functions that asked for it, outermost first; the table). A section run's
# provenance (present.provenance) reads it to say which function computed a value from which table.
_loads: list[tuple[tuple[str, ...], str]] = []

FIELD_TYPES = {"int64": "integer", "Int64": "integer", "float64": "number", "str": "string", "bool": "boolean"}


def inputs_read() -> dict[str, str]:
    """The data files read so far, with the sha256 of the bytes that were read."""
    return dict(sorted(_inputs_read.items()))


def read_json(path: Path):
    """A JSON file read as data (a section's ``values.json``), recorded as an input."""
    content = path.read_bytes()
    _inputs_read[paths.input_name(path)] = hashlib.sha256(content).hexdigest()
    return json.loads(content)


def loads() -> list[tuple[tuple[str, ...], str]]:
    """Every table loaded so far, with the chain of perumig functions that asked for it (outermost first)."""
    return list(_loads)


def _callers() -> tuple[str, ...]:
    chain, frame = [], sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("perumig.") and module != __name__:
            chain.append(f"{module}.{frame.f_code.co_qualname}")
        frame = frame.f_back
    return tuple(reversed(chain))


def read_csv_file(path: Path) -> pd.DataFrame:
    """A CSV file another run published (a section's values_sources.csv), read as data and recorded as an input."""
    content = path.read_bytes()
    _inputs_read[paths.input_name(path)] = hashlib.sha256(content).hexdigest()
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def read_text(path: Path) -> str:
    """A text file read as data (a seed document), recorded as an input."""
    content = path.read_bytes()
    _inputs_read[paths.input_name(path)] = hashlib.sha256(content).hexdigest()
    return content.decode("utf-8")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """CSV with fixed line endings and float formatting, so a rebuild gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
    return path


def spec(name: str) -> TableSpec:
    try:
        return all_tables()[name]
    except KeyError:
        raise DataValidationError(f"unknown table '{name}'; known tables: {', '.join(sorted(all_tables()))}") from None


def _file_hash(path: Path, shown: str) -> str:
    """``sha256:...`` of a file the data package describes; a DataValidationError when it is not a file."""
    digest = stamps.file_digest(path)
    if digest is None:
        raise DataValidationError(f"data/{shown} is missing or is not a regular file (a folder, a pipe or a device); "
                                  f"restore it with `git checkout -- data/{shown}` (or rebuild it with `perumig build-data`)")
    return f"sha256:{digest}"


def _datapackage_resource(table: TableSpec, data_dir: Path) -> dict:
    path = data_dir / table.relative_path
    registry = sources.registry()
    content_hash = _file_hash(path, table.relative_path)
    return {
        "name": table.name,
        "path": table.relative_path,
        "title": table.title,
        "description": table.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": path.stat().st_size,
        "hash": content_hash,
        "sources": [
            {"title": source_id, "path": registry[source_id].url, "licence": registry[source_id].licence}
            if source_id in registry
            else {"title": source_id, "path": f"seeds/{source_id}", "hash": _file_hash(paths.SEEDS / source_id, f"seeds/{source_id}")}
            for source_id in table.sources
        ],
        "schema": {
            "fields": [
                {"name": name, "type": FIELD_TYPES.get(str(column.dtype), "string"), "description": column.description}
                for name, column in table.schema.columns.items()
            ],
            **({"primaryKey": list(table.schema.unique)} if table.schema.unique else {}),
        },
    }


def write_datapackage(data_dir: Path = paths.DATA) -> Path:
    """The frictionless descriptor of every committed table, with sizes, hashes, sources and schemas."""
    package = {
        "name": "perumig",
        "title": "Peru's response to Venezuelan migration: data of the research compendium",
        "licenses": [
            {"name": "CC-BY-3.0-IGO", "title": "UN DESA International Migrant Stock"},
            {"name": "CC-BY-4.0", "title": "UNHCR Refugee Population Statistics; World Bank WDI"},
        ],
        "resources": [_datapackage_resource(table, data_dir) for table in all_tables().values()],
    }
    target = data_dir / "datapackage.json"
    target.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def forget_loaded() -> None:
    """Drop cached tables and recorded hashes, so loads after a rebuild read the new files."""
    _seed_hashes.cache_clear()
    _recorded_hashes.cache_clear()
    _load_cached.cache_clear()


def _damaged_package(exc: Exception) -> DataValidationError:
    name = paths.input_name(paths.DATAPACKAGE)
    return DataValidationError(
        f"{name}, the record of the tables' checksums, cannot be read ({reason(exc)}); restore the committed "
        f"copy with `git checkout -- {name}`, or rebuild it with `perumig build-data`"
    )


def _package() -> dict:
    if not paths.DATAPACKAGE.is_file():
        raise DataValidationError(f"{paths.DATAPACKAGE} is missing: run `perumig build-data` to recreate it")
    try:
        return json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: not JSON, not UTF-8
        raise _damaged_package(exc) from None


@cache
def _recorded_hashes() -> dict[str, str]:
    try:
        return {resource["name"]: resource["hash"].removeprefix("sha256:") for resource in _package()["resources"]}
    except (KeyError, TypeError, AttributeError) as exc:
        raise _damaged_package(exc) from None


@cache
def _seed_hashes() -> dict[str, str]:
    try:
        return {source["path"].removeprefix("seeds/"): source["hash"].removeprefix("sha256:")
                for resource in _package()["resources"] for source in resource.get("sources", [])
                if source.get("path", "").startswith("seeds/") and "hash" in source}
    except (KeyError, TypeError, AttributeError) as exc:
        raise _damaged_package(exc) from None


def recorded_seed_hash(seed_file: str) -> str | None:
    """The sha256 data/datapackage.json records for a seed document (a source of the transcribed tables)."""
    return _seed_hashes().get(seed_file)


def _read_dtypes(table: TableSpec) -> dict[str, str]:
    return {name: str(column.dtype) for name, column in table.schema.columns.items()}


@cache
def _load_cached(name: str) -> pd.DataFrame:
    table = spec(name)
    path = paths.DATA / table.relative_path
    if not path.is_file():
        raise DataValidationError(f"table '{name}' is missing ({path}): run `perumig build-data` to rebuild it")
    recorded = _recorded_hashes().get(name)
    if recorded != stamps.file_digest(path):
        fix = (
            "rebuild it from the raw sources with `perumig build-data`"
            if table.folder == "processed"
            else "if you edited it on purpose, run `perumig build-data` to record the new version"
        )
        raise DataValidationError(f"{table.relative_path} differs from the version recorded in data/datapackage.json: {fix}")
    try:
        # Only empty cells are missing: UNHCR uses the code "NA" (a decision level) as a value.
        frame = table.schema.validate(pd.read_csv(path, dtype=_read_dtypes(table), keep_default_na=False, na_values=[""]))
        _inputs_read[paths.input_name(path)] = recorded
        return frame
    except (pandera.errors.SchemaError, ValueError, TypeError) as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise DataValidationError(f"{table.relative_path} does not match its schema ({first_line}); fix the file or rebuild it with `perumig build-data`") from None


def load(name: str) -> pd.DataFrame:
    """A committed table, validated; the caller gets its own copy."""
    _loads.append((_callers(), name))
    return _load_cached(name).copy()
