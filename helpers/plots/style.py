"""Shared look of every plot: Okabe-Ito colours, large fonts, light grids, and glyphs for Japanese."""

from __future__ import annotations

import functools
import importlib.util
import logging
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from helpers.methods import METHODS, OKABE_ITO

# One colour and one hatch per method, from the registry, used consistently across notebooks.
# The hatches make methods differ by more than hue (in print, and for readers who cannot tell
# orange from vermillion).
METHOD_COLORS = {key: m.colour for key, m in METHODS.items()}
METHOD_HATCHES = {key: m.hatch for key, m in METHODS.items()}

SEQUENTIAL_CMAP = "cividis"  # perceptually uniform and colour-blind safe

_RC = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
    "hatch.color": "white",
    "hatch.linewidth": 1.0,
}


@functools.cache
def font_family() -> tuple[str, ...]:
    """Fonts to draw text with: matplotlib's DejaVu Sans, then IPAexGothic for kana and kanji.

    IPAexGothic ships in the ``matplotlib-fontja`` package; it is registered with matplotlib
    here, once, without importing that package (whose import changes global settings).
    matplotlib draws each character with the first font that has it, so Latin text looks as
    before and a Japanese query or title is readable instead of empty boxes.
    """
    spec = importlib.util.find_spec("matplotlib_fontja")
    font = Path(spec.submodule_search_locations[0]) / "fonts" / "ipaexg.ttf" if spec else None
    if font is None or not font.is_file():
        return ("DejaVu Sans",)
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font))
    # IPAexGothic has one weight: bold Japanese is drawn regular, and saying so on every bold
    # title would fill the notebooks' outputs.
    logging.getLogger("matplotlib.font_manager").addFilter(_NoBoldIPAexWarning())
    return ("DejaVu Sans", "IPAexGothic")


class _NoBoldIPAexWarning:
    """Drops matplotlib's "Failed to find font weight bold for IPAexGothic" log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("findfont: Failed to find font weight") and "IPAexGothic" in message)


@contextmanager
def tutorial_style() -> Iterator[None]:
    """Apply the tutorial's style inside a ``with`` block, leaving global settings untouched."""
    import matplotlib as mpl  # here, not at the top: the palette alone (e.g. for SVG charts) needs no matplotlib

    rc = {**_RC, "font.family": list(font_family()), "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values()))}
    with mpl.rc_context(rc):
        yield


def shorten(text: str, width: int = 40) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis, for axis labels."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
