"""The trail of every number, read back from a run's outputs: the published provenance of the values
(``data/values_sources.csv``, written by ``present.provenance``), the data package (a table's sha256 and its raw
sources or seed documents) and the registry (each raw file's URL, path and sha256). ``perumig explain KEY`` prints
it; the reproduction report gives each claim its trail as columns.
"""

from __future__ import annotations

import json

import pandas as pd

from perumig import paths
from perumig.data import tables
from perumig.errors import DataValidationError, ParameterError, PerumigError, reason

SEPARATOR = "; "  # between the items of one trail column (reports/claims.csv)


def published_provenance(with_report: bool = True) -> pd.DataFrame:
    """Every key of the published default runs with its provenance (each section's data/values_sources.csv);
    ``with_report=False`` leaves out the sections that read the others (the reproduction report itself)."""
    from perumig.sections import SECTIONS

    frames = []
    for section in (s for s in SECTIONS.values() if with_report or not s.reads_sections):
        path = paths.section_reports() / section.id / "data" / "values_sources.csv"
        if path.is_file():
            frames.append(tables.read_csv_file(path).assign(section=section.id))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["key", "section"])


def table_sources(table: str) -> list[dict]:
    """A committed table's sources as the data package records them, with the registry's URL, file and sha256."""
    from perumig.data import sources

    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == table)
    found = []
    for source in resource["sources"]:
        entry = sources.registry().get(source["title"])
        if entry:
            found.append({"id": entry.id, "url": entry.url, "file": f"data/raw/{entry.path}", "sha256": entry.sha256})
        else:
            found.append({"id": source["title"], "url": "", "file": f"data/{source['path']}",
                          "sha256": source.get("hash", "").removeprefix("sha256:")})
    return found


def _table_lines(tables_text: str, indent: str) -> list[str]:
    from perumig.data import build
    from perumig.data.schemas import all_tables

    lines = []
    package = {r["name"]: r for r in json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))["resources"]}
    for part in (p.strip() for p in tables_text.split(";") if p.strip()):
        name, _, columns = part.partition("[")
        spec = all_tables()[name]
        built = f", built by perumig.data.build.{build.BUILDERS[name].__name__}" if name in build.BUILDERS else ""
        lines.append(f"{indent}table data/{spec.relative_path} ({package[name]['hash']}){built}")
        lines.append(f"{indent}  columns: {columns.rstrip(']') or 'none named in the functions that read it'}")
        for source in table_sources(name):
            lines.append(f"{indent}  source {source['id']}: {source['file']} sha256:{source['sha256']}"
                         + (f"\n{indent}    {source['url']}" if source["url"] else ""))
    return lines


def explain(key: str) -> str:
    """Where a values.json key or a claim id comes from, as text (a ParameterError for an unknown key, a
    DataValidationError when what the reports record cannot be read)."""
    try:
        return _explained(key)
    except PerumigError:
        raise
    except (OSError, ValueError, KeyError, IndexError, TypeError, StopIteration) as exc:  # pandas' errors are ValueErrors
        raise DataValidationError(f"explain: what the published reports record cannot be read ({reason(exc)}); "
                                  "rebuild them with `make reproduce` (or `perumig run all --force`)") from None


def _explained(key: str) -> str:
    provenance = published_provenance().drop_duplicates("key", keep="last").set_index("key")
    if key in provenance.index:
        return "\n".join(_value_lines(key, provenance.loc[key], ""))
    report = paths.CLAIMS_REPORT
    claims = pd.read_csv(report, keep_default_na=False).set_index("claim_id") if report.is_file() else pd.DataFrame()
    if key in claims.index:
        return "\n".join(_claim_lines(key, claims, provenance))
    raise ParameterError(f"explain: '{key}' is neither a key of a published values.json nor a claim id of "
                         f"reports/claims.csv; see reports/<section>/values.json or data/transcribed/claims.csv")


def _value_lines(key: str, row, indent: str) -> list[str]:
    value = row["value"]
    shown = f"{value:.0f}" if isinstance(value, float) and value.is_integer() else value
    lines = [f"{indent}{key} = {shown}  ({row['section']} run)",
             f"{indent}  source: {row['source']}",
             f"{indent}  written by {row['notebook']}, cell {row['cell']}: {row['expression']}"]
    if isinstance(row.get("functions"), str):
        lines.append(f"{indent}  computed by {row['functions']}")
    lines += _table_lines(row["tables"] if isinstance(row.get("tables"), str) else "", indent + "  ")
    return lines


def _claim_lines(claim_id: str, claims: pd.DataFrame, provenance: pd.DataFrame) -> list[str]:
    claim = claims.loc[claim_id]
    lines = [f"{claim_id}: {claim['verdict']} ({claim['check']})",
             f"  statement ({claim['seed']}, {claim['section']}): {claim['sentence']}",
             f"  published: {claim['printed']}" + (f"; reproduced: {claim['reproduced_value']}" if claim["reproduced_value"] else ""),
             f"  rule: {claim['rule']}" if claim["rule"] else "  rule: none (transcribed)",
             f"  reason: {claim['reason']}" if claim["reason"] else ""]
    seed_file = next(s for s in items(claim["trail_sources"])[::-1] if s.endswith(".txt"))
    lines.append(f"  ledger: data/transcribed/claims.csv ({_package_hash('claims')}); seed: data/seeds/{seed_file} "
                 f"sha256:{tables.recorded_seed_hash(seed_file)}")
    for key in items(claim["trail_keys"]):
        if key in provenance.index:
            lines += _value_lines(key, provenance.loc[key], "  ")
        else:
            stated = claims.loc[key]
            lines.append(f"  {key} = {stated['published_value']}: stated by the {stated['seed']}, {stated['section']} "
                         f"(\"{stated['printed']}\")")
    return [line for line in lines if line]


def _package_hash(table: str) -> str:
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    return next(r["hash"] for r in package["resources"] if r["name"] == table)


def claim_trail(report: pd.DataFrame, ledger: pd.DataFrame, provenance: pd.DataFrame) -> pd.DataFrame:
    """The report's rows with where their numbers come from: the values keys and seed claims each rule uses, the
    notebook cells that wrote them, the functions, the tables (with columns) and the raw sources or seeds."""
    from perumig.sections import claims as ledger_checks

    rows = provenance.drop_duplicates("key", keep="last").set_index("key")
    seed_of = dict(zip(ledger["claim_id"], ledger["seed_file"]))
    trails = []
    for claim in ledger.itertuples():
        keys = ledger_checks.rule_references(claim.rule) if isinstance(claim.rule, str) else []
        values = [k for k in keys if k in rows.index]
        claimed = [k for k in keys if k in seed_of]
        cells = _unique(f"{rows.loc[k, 'notebook']}#{rows.loc[k, 'cell'].split(' ')[0]}" for k in values
                        if isinstance(rows.loc[k, "cell"], str))
        functions = _unique(f for k in values for f in items(rows.loc[k, "functions"]))
        table_parts = _unique(t for k in values for t in items(rows.loc[k, "tables"]))
        sources = _unique([*(s["id"] for t in table_parts for s in table_sources(t.partition("[")[0])),
                           *(seed_of[k] for k in claimed), claim.seed_file])
        trails.append({"trail_keys": SEPARATOR.join(values + claimed), "trail_cells": SEPARATOR.join(cells),
                       "trail_functions": SEPARATOR.join(functions), "trail_tables": SEPARATOR.join(table_parts),
                       "trail_sources": SEPARATOR.join(sources)})
    return pd.concat([report.reset_index(drop=True), pd.DataFrame(trails)], axis=1)


def items(text) -> list[str]:
    """The items of one trail column (empty for a missing value)."""
    return [p.strip() for p in text.split(SEPARATOR.strip()) if p.strip()] if isinstance(text, str) else []


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))
