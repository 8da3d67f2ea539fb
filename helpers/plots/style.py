"""Shared look of every plot: Okabe-Ito colours, large fonts, light grids."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}

# One colour per method, used consistently across notebooks.
METHOD_COLORS = {
    "dense": OKABE_ITO["blue"],
    "bm25": OKABE_ITO["orange"],
    "hybrid": OKABE_ITO["green"],
    "rerank": OKABE_ITO["vermillion"],
    "rrf": OKABE_ITO["green"],
    "weighted": OKABE_ITO["purple"],
}

# A hatch per method as well, so that methods differ by more than hue (in print, and for
# readers who cannot tell orange from vermillion).
METHOD_HATCHES = {
    "dense": "",
    "bm25": "//",
    "hybrid": "..",
    "rerank": "xx",
    "rrf": "..",
    "weighted": "\\\\",
}

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


@contextmanager
def tutorial_style() -> Iterator[None]:
    """Apply the tutorial's style inside a ``with`` block, leaving global settings untouched."""
    import matplotlib as mpl  # here, not at the top: the palette alone (e.g. for SVG charts) needs no matplotlib

    with mpl.rc_context({**_RC, "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values()))}):
        yield


def shorten(text: str, width: int = 40) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis, for axis labels."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
