"""Plotting style and deterministic figure files.

Figures carry their source as a note under the axes, so a figure copied out of the compendium
still says where its numbers come from. Saved files contain no dates and a fixed SVG hash salt,
so two runs give byte-identical SVG and PNG.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.transforms import Bbox

from perumig.present import display

SVG_HASH_SALT = "perumig"
NOTE_FONT_SIZE = 8
# Okabe & Ito's colour-blind-safe colours (yellow left out: too pale on white), ordered so that neighbours
# differ strongly also for protan, deutan and tritan vision (seaborn's "colorblind" puts orange by vermillion).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#999999", "#56B4E9", "#CC79A7"]
# Colours that keep their meaning across figures.
SOURCE_COLOURS = {"UN DESA": "#0072B2", "UNHCR": "#D55E00", "seed": "#000000"}


def use_style() -> None:
    """The compendium's look, for figures and tables; called once at the top of every notebook."""
    display.register()
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
            # Labels come from data (names, categories, sources): a pair of "$" there is text, never math to
            # typeset (a transcribed "$x^{\sqrt{}$" once made every figure of a section fail to draw).
            "text.parse_math": False,
        }
    )


def fix_layout(fig: mpl.figure.Figure) -> None:
    """Lay the figure out now and keep that layout for every file saved from it.

    Without this, matplotlib lays the figure out again before each save: constrained layout runs at
    every draw, and ``tight_layout()`` leaves a placeholder engine that costs one more draw per file.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    engine.execute(fig)  # a no-op for the placeholder left by tight_layout()
    fig.set_layout_engine(None)


def source_note(fig: mpl.figure.Figure, text: str) -> Bbox:
    """Write 'Source: ...' under everything already drawn (rotated tick labels included).

    Returns the area to save, in inches: everything drawn plus the usual padding, what
    ``bbox_inches="tight"`` would crop to. It is computed once, here, and passed to every save,
    because "tight" lays the whole figure out again for each file.
    """
    renderer = fig.canvas.get_renderer()
    drawn = fig.get_tightbbox(renderer)  # in inches
    bottom = drawn.y0 / fig.get_figheight()
    note = fig.text(0.01, bottom - 0.02, _wrapped(f"Source: {text}", fig, renderer, NOTE_FONT_SIZE), ha="left",
                    va="top", fontsize=NOTE_FONT_SIZE, color="#444444")
    noted = note.get_tightbbox(renderer).transformed(fig.dpi_scale_trans.inverted())
    return Bbox.union([drawn, noted]).padded(mpl.rcParams["savefig.pad_inches"])


def _wrapped(text: str, fig: mpl.figure.Figure, renderer, size: float) -> str:
    """``text`` broken into lines that fit the figure's width.

    matplotlib's own ``wrap=True`` measures word after word at every layout (a second per figure
    for section 3); one measure of the whole line gives the characters per line.
    """
    font = mpl.font_manager.FontProperties(size=size)
    width, _, _ = renderer.get_text_width_height_descent(text, font, ismath=False)
    available = 0.97 * fig.get_figwidth() * fig.dpi
    if width <= available:
        return text
    return textwrap.fill(text, width=int(len(text) * available / width))


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


def show(fig: mpl.figure.Figure, png: bytes, description: str, figure: dict | None = None) -> None:
    """Display the saved PNG at screen size, described for screen readers, and close the figure.

    Rendering once for both file and notebook saves a third of each figure's cost; the image keeps
    the saved resolution, so it stays sharp on high-density screens. ``figure`` (name, title, source,
    files) travels in the output's metadata: the website turns it into links under the figure.
    """
    from IPython.display import Image
    from IPython.display import display as show_output

    width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR width
    image = Image(data=png, width=round(width * mpl.rcParams["figure.dpi"] / mpl.rcParams["savefig.dpi"]), alt=description)
    show_output(image, metadata={"perumig_figure": figure} if figure else None)
    plt.close(fig)


def new_figure(**kwargs) -> tuple[mpl.figure.Figure, mpl.axes.Axes]:
    return plt.subplots(**kwargs)
