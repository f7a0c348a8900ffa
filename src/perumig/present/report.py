"""What a section run leaves behind: figures (SVG + PNG), the data behind each figure (CSV),
tables, and ``values.json`` with the run's headline numbers.

The runner tells the notebook where to write through ``PERUMIG_OUTPUT_DIR`` (``paths.OUTPUT_ENV``). When it is unset
(a notebook run with plain papermill or nbconvert, opened in JupyterLab, or re-executed by nbval) nothing is written:
the notebook only shows, and says so at the top (:meth:`SectionReport.publication_notice`).
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import pandas as pd

from perumig import paths
from perumig.data import tables
from perumig.present import display, plotting, prose, provenance

VALUE_DECIMALS = 6


class SectionReport:
    """Collects a section's outputs; one instance per notebook."""

    def __init__(self, section: str):
        self.section = section
        target = os.environ.get(paths.OUTPUT_ENV)
        self.output_dir = Path(target) if target else None
        self.values: dict[str, float] = {}
        self.value_sources: dict[str, str] = {}
        self.manifest: list[dict] = []
        # Where each value comes from; only a run that writes its outputs records it (nbval reruns only show).
        self.recorder = provenance.Recorder(_notebook(section)) if self.output_dir else None

    def publication_notice(self) -> prose.Markdown:
        """Where this run's outputs go, said in the notebook's first output: nothing when the runner (or the user)
        named a folder; otherwise that the run publishes nothing and how to make it publish."""
        if self.output_dir:
            return prose.Markdown("")
        return prose.fill(
            "**This run publishes nothing**: its figures, tables and headline numbers are only shown here, and no "
            "`values.json` is written. To publish them, run `perumig run {section}` (it checks the parameters first "
            "and publishes to `reports/{section}/`, or `reports/runs/` for other parameters), or set the environment "
            "variable `{variable}` to a folder before the kernel starts, e.g. "
            "`{variable}=reports/runs/my-{section} papermill notebooks/{notebook} out.ipynb -p ...`.",
            section=prose.trusted(self.section), variable=prose.trusted(paths.OUTPUT_ENV),
            notebook=prose.trusted(self._notebook_name()))

    def _notebook_name(self) -> str:
        from perumig.sections import SECTIONS  # deferred: sections import this module's callers

        return SECTIONS[self.section].notebook if self.section in SECTIONS else f"{self.section}.ipynb"

    def figure(self, fig, name: str, data: pd.DataFrame, title: str, source: str) -> None:
        """Label the figure with its source, save it with its data, then show it."""
        plotting.fix_layout(fig)
        area = plotting.source_note(fig, source)
        png = plotting.png_bytes(fig, area)
        if self.output_dir:
            plotting.save(fig, self.output_dir / "figures" / name, png, area)
            tables.write_csv(data, self.output_dir / "data" / f"{name}.csv")
        entry = {"kind": "figure", "name": name, "title": title, "source": source,
                 "files": [f"figures/{name}.svg", f"figures/{name}.png", f"data/{name}.csv"]}
        self.manifest.append(entry)
        plotting.show(fig, png, display.figure_description(title, source), entry)

    def table(self, data: pd.DataFrame, name: str, title: str, source: str) -> pd.DataFrame:
        """Save a table as CSV; returns it for display."""
        if self.output_dir:
            tables.write_csv(data, self.output_dir / "data" / f"{name}.csv")
        self.manifest.append({"kind": "table", "name": name, "title": title, "source": source,
                              "files": [f"data/{name}.csv"]})
        return data

    def value(self, key: str, value: float, source: str) -> float:
        """Record a headline number under a dotted key such as ``migrant_share_pct.PER.2020``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return value
        number = round(float(value), VALUE_DECIMALS)
        self.values[key] = int(number) if number.is_integer() else number
        self.value_sources[key] = source
        if self.recorder:
            self.recorder.record(key, _notebook_frame())
        return value

    def values_from(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Record every row of a ``key, value, source`` frame (as the evidence functions return them)."""
        for row in frame.itertuples():
            self.value(row.key, row.value, row.source)
        return frame

    def values_table(self) -> pd.DataFrame:
        """The headline numbers recorded so far, with their sources, for display."""
        return pd.DataFrame(
            {"key": list(self.values), "value": [json.dumps(v) for v in self.values.values()],
             "source": [self.value_sources[k] for k in self.values]}
        ).sort_values("key").reset_index(drop=True)

    def provenance_table(self) -> pd.DataFrame:
        """The values with their sources and where each was computed (notebook cell, functions, tables)."""
        recorded = self.recorder.table() if self.recorder else pd.DataFrame(columns=provenance.PROVENANCE_COLUMNS)
        return self.values_table().merge(recorded, left_on="key", right_index=True, how="left")

    def finish(self) -> None:
        """Write values.json (flat, sorted) and manifest.json; call in the notebook's last cell."""
        if not self.output_dir:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        (self.output_dir / "values.json").write_text(json.dumps(dict(sorted(self.values.items())), indent=2) + "\n")
        tables.write_csv(self.provenance_table(), self.output_dir / "data" / "values_sources.csv")
        inputs = [{"path": name, "sha256": digest} for name, digest in tables.inputs_read().items()]
        manifest = {"section": self.section, "outputs": self.manifest, "inputs": inputs}
        (self.output_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _notebook(section: str) -> Path | None:
    """The section's source notebook; none for a section the registry does not know (the tests' stand-ins), whose
    values then record no cell id, the same on every executor."""
    from perumig.sections import SECTIONS

    return SECTIONS[section].path if section in SECTIONS else None


def _notebook_frame():
    """The frame of the notebook code that called the report (the first one outside this module)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    return frame
