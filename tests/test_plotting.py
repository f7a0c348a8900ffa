"""Figure helpers: one layout per figure, a crop box that holds everything, notes that fit."""

import matplotlib

matplotlib.use("agg")

import matplotlib as mpl  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from perumig import paths
from perumig.present import plotting, report  # noqa: E402

LONG_SOURCE = "UN DESA International Migrant Stock 2024, Table 1 (destination and origin); " * 5


def figure(layout):
    """A figure with long rotated tick labels, laid out in one of the three ways the sections use."""
    plotting.use_style()
    fig, axes = plotting.new_figure(nrows=2, layout="constrained" if layout == "constrained" else None)
    for ax in axes:
        ax.plot(range(12))
        ax.set_xticks(range(12), [f"a long tick label {i}" for i in range(12)], rotation=60)
        ax.set_title("A title at the top")
    if layout == "tight":
        fig.tight_layout()
    return fig


def tight_area(fig):
    fig.canvas.draw()  # a real draw: any layout engine left on the figure would move things now
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])


@pytest.mark.parametrize("layout", ["none", "tight", "constrained"])
def test_saved_area_holds_everything_the_figure_draws(layout):
    """The crop box computed once equals what bbox_inches="tight" finds after a full draw.

    Before the layout was fixed first, the crop box of a constrained-layout figure was computed
    before the layout ran, which cut off its top and put the note over the axis label.
    """
    fig = figure(layout)
    plotting.fix_layout(fig)
    area = plotting.source_note(fig, LONG_SOURCE)
    assert np.allclose(area.bounds, tight_area(fig).bounds)


@pytest.mark.parametrize("layout", ["tight", "constrained"])
def test_fixed_layout_costs_one_draw_per_saved_file(layout, tmp_path, monkeypatch):
    fig = figure(layout)
    plotting.fix_layout(fig)
    assert fig.get_layout_engine() is None
    draws = []
    real_draw = type(fig).draw
    monkeypatch.setattr(type(fig), "draw", lambda self, renderer: draws.append(1) or real_draw(self, renderer))
    area = plotting.source_note(fig, "UNHCR")
    plotting.save(fig, tmp_path / "figure", plotting.png_bytes(fig, area), area)
    assert len(draws) == 2, "one draw for the PNG, one for the SVG"


def test_long_source_note_is_wrapped_to_the_figure_width():
    fig = figure("none")
    plotting.source_note(fig, LONG_SOURCE)
    note = fig.texts[-1]
    lines = note.get_text().splitlines()
    assert len(lines) > 1 and " ".join(lines) == f"Source: {LONG_SOURCE}".strip()
    assert note.get_window_extent(fig.canvas.get_renderer()).width <= fig.get_figwidth() * fig.dpi


def test_short_source_note_stays_on_one_line():
    fig = figure("none")
    plotting.source_note(fig, "UNHCR Refugee Population Statistics")
    assert fig.texts[-1].get_text() == "Source: UNHCR Refugee Population Statistics"


def test_section_report_saves_figures_without_a_layout_engine(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.OUTPUT_ENV, str(tmp_path))
    fig = figure("constrained")
    report.SectionReport("test").figure(fig, "example", pd.DataFrame({"x": [1]}), "Example", LONG_SOURCE)
    assert fig.get_layout_engine() is None
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["example.png", "example.svg"]
