"""Execute a section's notebook with papermill and publish its outputs.

A run is built in a scratch folder beside its destination and swapped in only when it succeeds,
so a failed run never touches earlier good reports; the failed notebook is kept in
``reports/failed/`` with its error.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perumig import params, paths
from perumig.errors import NotebookRunError, ParameterError


@dataclass(frozen=True)
class Section:
    id: str
    notebook: str
    title: str
    module: str  # the perumig module whose `check_parameters` validates the run

    @property
    def path(self) -> Path:
        return paths.NOTEBOOKS / self.notebook

    def check_parameters(self, resolved: dict[str, Any]) -> None:
        importlib.import_module(f"perumig.{self.module}").check_parameters(resolved)


SECTIONS = {
    section.id: section
    for section in (
        Section("flows", "01_migration_flows.ipynb", "Sec. 2 - The profile of migration flows towards Peru", "flows"),
        Section("government_response", "02_government_response.ipynb",
                "Sec. 3-4 - The government's response to migration and its impact", "government"),
        Section("economic_impact", "03_economic_impact.ipynb", "Sec. 5 - Impact of the migrant population on Peru",
                "economy"),
        # Runs last: it reads the values.json of the sections above.
        Section("reproduction_report", "04_reproduction_report.ipynb", "Reproduction report - every claim checked",
                "claims"),
    )
}


def section(section_id: str) -> Section:
    try:
        return SECTIONS[section_id]
    except KeyError:
        raise ParameterError(f"unknown section '{section_id}'; choose one of: {', '.join(SECTIONS)}, all") from None


def validated_parameters(chosen: Section, given: dict[str, Any]) -> dict[str, Any]:
    """All parameters of the run, typed and checked; raises ParameterError before any kernel starts."""
    resolved = params.resolve(params.declared(chosen.path), given)
    chosen.check_parameters(resolved)
    return resolved


def _slug(changed: dict[str, Any]) -> str:
    parts = []
    for name, value in sorted(changed.items()):
        text = "+".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{name}-{text}")
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", "_".join(parts))


def destination(chosen: Section, resolved: dict[str, Any], output: str | None = None) -> tuple[Path, dict[str, Any]]:
    """Where the run is published, and the parameters that differ from the notebook's defaults."""
    defaults = {name: p.default for name, p in params.declared(chosen.path).items()}
    changed = {name: value for name, value in resolved.items() if value != defaults[name]}
    if output:
        return Path(output).resolve(), changed
    if not changed:
        return paths.REPORTS / chosen.id, changed
    return paths.REPORT_RUNS / f"{chosen.id}-{_slug(changed)}", changed


def _local_kernel_manager():
    """Kernels that talk over local sockets (IPC) instead of TCP: no network port is opened, and
    ipykernel's warning about unencrypted TCP traffic does not clutter the run's output."""
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        transport = "ipc"

    return LocalKernelManager


def _make_deterministic(notebook_path: Path):
    """Drop what changes from run to run: papermill's timings and the random id of the injected cell."""
    import nbformat  # deferred: importing nbformat costs about two seconds

    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.metadata.pop("papermill", None)
    for position, cell in enumerate(notebook.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = f"injected-parameters-{position}"
    nbformat.write(notebook, notebook_path)
    return notebook


def _export_html(notebook, target: Path) -> None:
    from perumig import site

    target.write_text(site.notebook_html(notebook), encoding="utf-8")


def _failure_message(error: Exception) -> str:
    name = getattr(error, "ename", type(error).__name__)
    value = str(getattr(error, "evalue", error)).strip().splitlines()
    cell = getattr(error, "exec_count", None)
    where = f" in cell [{cell}]" if cell else ""
    return f"{name}{where}: {value[0] if value else ''}"


def _swap_in(built: Path, target: Path) -> None:
    """Replace ``target`` by ``built`` with two renames, so readers never see a half-written folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    built.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def run(section_id: str, given: dict[str, Any], output: str | None = None, progress: bool = True) -> Path:
    """Run one section; returns the folder its outputs were published to."""
    import papermill  # deferred: importing papermill costs about a second

    chosen = section(section_id)
    resolved = validated_parameters(chosen, given)
    target, changed = destination(chosen, resolved, output)
    scratch = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    executed = scratch / chosen.notebook
    environment = {paths.OUTPUT_ENV: str(scratch), "PYTHONHASHSEED": "0", "PERUMIG_ROOT": str(paths.ROOT)}
    saved_environment = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)  # the kernel inherits the runner's environment
    try:
        papermill.execute_notebook(
            str(chosen.path),
            str(executed),
            parameters=changed,
            kernel_name="python3",
            progress_bar=progress,
            cwd=str(paths.NOTEBOOKS),
            record_timing=False,
            kernel_manager_class=_local_kernel_manager(),
        )
    except Exception as error:
        failed = paths.FAILED_RUNS / f"{target.name}.ipynb"
        failed.parent.mkdir(parents=True, exist_ok=True)
        if executed.exists():
            shutil.copyfile(executed, failed)
        shutil.rmtree(scratch, ignore_errors=True)
        raise NotebookRunError(
            f"section '{chosen.id}' failed: {_failure_message(error)}. The failed notebook is kept at "
            f"{failed.relative_to(paths.ROOT) if failed.is_relative_to(paths.ROOT) else failed}; "
            f"earlier reports in {target.name}/ are untouched"
        ) from None
    finally:
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    notebook = _make_deterministic(executed)
    _export_html(notebook, executed.with_suffix(".html"))
    _swap_in(scratch, target)
    return target


def run_all(output: str | None = None, progress: bool = True) -> list[Path]:
    """Every section with its default parameters, in the paper's order."""
    published = []
    for section_id in SECTIONS:
        print(f"perumig: running {section_id} ({SECTIONS[section_id].title})", file=sys.stderr)
        published.append(run(section_id, {}, None if output is None else str(Path(output) / section_id), progress))
    return published
