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


# Machado, Oliveira & Fernandes (2009) matrices for full protanopia, deuteranopia and tritanopia (linear RGB).
COLOUR_BLINDNESS = {
    "protan": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
    "deutan": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
    "tritan": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]),
}
# CIE76 colour difference below which neighbouring series are hard to tell apart at a glance.
DISTINCT = 20


def _lab(linear_rgb):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear_rgb
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _difference(a, b, vision=None):
    def linear(colour):
        rgb = np.array(mpl.colors.to_rgb(colour))
        rgb = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return np.clip(vision @ rgb, 0, 1) if vision is not None else rgb

    return float(np.linalg.norm(_lab(linear(a)) - _lab(linear(b))))


def test_neighbouring_palette_colours_stay_distinct_for_colour_blind_readers():
    """Series drawn in turn get neighbouring colours; seaborn's "colorblind" palette fails this (its
    reddish purple and light brown, 5th and 6th, differ by less than 12 for tritan vision)."""
    palette = plotting.PALETTE
    assert len(set(palette)) == len(palette) >= 6
    for first, second in zip(palette, palette[1:]):
        for vision in (None, *COLOUR_BLINDNESS.values()):
            assert _difference(first, second, vision) >= DISTINCT, (first, second)


def test_use_style_sets_the_palette():
    plotting.use_style()
    cycle = [mpl.colors.to_hex(colour) for colour in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle[: len(plotting.PALETTE)] == [c.lower() for c in plotting.PALETTE]


def test_figure_output_is_described_by_its_caption(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda image, metadata=None: shown.append((image, metadata)))
    fig = figure("none")
    report.SectionReport("test").figure(fig, "example", pd.DataFrame({"x": [1]}), "Figure 9: an example", "UNHCR")
    (image, metadata), = shown
    assert image.alt == "Figure 9: an example. Source: UNHCR."
    assert metadata["perumig_figure"]["files"] == ["figures/example.svg", "figures/example.png", "data/example.csv"]
