"""Plotting style and deterministic figure files.

Figures carry their source as a note under the axes, so a figure copied out of the compendium
still says where its numbers come from. Saved files contain no dates and a fixed SVG hash salt,
so two runs give byte-identical SVG and PNG.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.transforms import Bbox

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


def saved_area(fig: mpl.figure.Figure) -> Bbox:
    """Everything drawn, plus the usual padding, in inches: what ``bbox_inches="tight"`` would crop to.

    Computed once and passed to every save, because "tight" lays the whole figure out again for each
    file (two draws per file instead of one).
    """
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])


def png_bytes(fig: mpl.figure.Figure, area: Bbox) -> bytes:
    """The figure as PNG, without a software tag: what is saved and what the notebook shows."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches=area)
    return buffer.getvalue()


def save(fig: mpl.figure.Figure, stem: Path, png: bytes, area: Bbox) -> list[Path]:
    """Save ``stem``.svg (without its date) and ``stem``.png (the bytes of :func:`png_bytes`)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg_path, png_path = stem.with_suffix(".svg"), stem.with_suffix(".png")
    with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        fig.savefig(svg_path, format="svg", metadata={"Date": None}, bbox_inches=area)
    png_path.write_bytes(png)
    return [svg_path, png_path]


def show(fig: mpl.figure.Figure, png: bytes) -> None:
    """Display the saved PNG at screen size and close the figure.

    Rendering once for both file and notebook saves a third of each figure's cost; the image keeps
    the saved resolution, so it stays sharp on high-density screens.
    """
    from IPython.display import Image, display

    width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR width
    display(Image(data=png, width=round(width * mpl.rcParams["figure.dpi"] / mpl.rcParams["savefig.dpi"])))
    plt.close(fig)


def new_figure(**kwargs) -> tuple[mpl.figure.Figure, mpl.axes.Axes]:
    return plt.subplots(**kwargs)
