"""Plotting style and deterministic figure files.

Figures carry their source as a note under the axes, so a figure copied out of the compendium
still says where its numbers come from. Saved files contain no dates and a fixed SVG hash salt,
so two runs give byte-identical SVG and PNG.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

SVG_HASH_SALT = "perumig"
PALETTE = "colorblind"
# Colours that keep their meaning across figures.
SOURCE_COLOURS = {"UN DESA": "#0072B2", "UNHCR": "#D55E00", "seed": "#000000"}


def use_style() -> None:
    """The compendium's look; called once at the top of every notebook."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    mpl.rcParams.update(
        {
            "svg.hashsalt": SVG_HASH_SALT,
            "svg.fonttype": "path",
            "figure.figsize": (9, 4.8),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.family": "DejaVu Sans",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "legend.frameon": False,
        }
    )


def source_note(fig: mpl.figure.Figure, text: str) -> None:
    """Write 'Source: ...' under everything already drawn (rotated tick labels included)."""
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # in inches
    bottom = drawn.y0 / fig.get_figheight()
    fig.text(0.01, bottom - 0.02, f"Source: {text}", ha="left", va="top", fontsize=8, color="#444444", wrap=True)


def save(fig: mpl.figure.Figure, stem: Path) -> list[Path]:
    """Save ``stem``.svg and ``stem``.png without timestamps or software tags."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
    with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.savefig(png, format="png", metadata={"Software": None})
    return [svg, png]


def new_figure(**kwargs) -> tuple[mpl.figure.Figure, mpl.axes.Axes]:
    return plt.subplots(**kwargs)
