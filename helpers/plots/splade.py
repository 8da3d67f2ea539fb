"""Plots that explain a SPLADE vector: which terms carry weight, and which of them the text never says."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from helpers.plots.style import METHOD_COLORS, OKABE_ITO, shorten, tutorial_style

__all__ = ["expansion_bars", "bm25_vs_splade"]

IN_TEXT_COLOR = OKABE_ITO["blue"]
EXPANSION_COLOR = OKABE_ITO["orange"]


def _expansion_panel(ax, terms: Sequence[tuple[str, float, bool]], title: str) -> None:
    y = np.arange(len(terms))[::-1]
    colors = [IN_TEXT_COLOR if own else EXPANSION_COLOR for _, _, own in terms]
    ax.barh(y, [w for _, w, _ in terms], color=colors, height=0.7)
    ax.set_yticks(y, [t for t, _, _ in terms])
    ax.set_title(title, loc="left")
    ax.set_xlabel("SPLADE weight")
    ax.grid(axis="y", visible=False)


def expansion_bars(panels: Mapping[str, Sequence[tuple[str, float, bool]]]) -> Figure:
    """One bar chart per text of its heaviest terms: blue if the text contains the word piece, orange if not.

    Parameters
    ----------
    panels : dict of str to list of (term, weight, in_text)
        Title of each panel (e.g. the text, shortened) to what
        :meth:`SpladeEmbeddingFunction.expansion` returns.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not panels:
        raise ValueError("expansion_bars needs at least one panel: {title: splade_ef.expansion(text)}")
    rows = max(len(terms) for terms in panels.values())
    with tutorial_style():
        fig = Figure(figsize=(5.2 * len(panels), 1.4 + 0.32 * rows), layout="constrained")
        for ax, (title, terms) in zip(np.atleast_1d(fig.subplots(1, len(panels))), panels.items()):
            _expansion_panel(ax, terms, shorten(title, 45))
        handles = [Patch(color=IN_TEXT_COLOR, label="in the text"), Patch(color=EXPANSION_COLOR, label="expansion")]
        fig.legend(handles=handles, loc="outside lower center", ncols=2)
    return fig


def bm25_vs_splade(bm25: Mapping[str, float], splade: Mapping[str, float], title: str) -> Figure:
    """Side-by-side bars of each term's BM25 and SPLADE weight in the same text.

    Parameters
    ----------
    bm25 : dict of str to float
        BM25 document weights per (stemmed) term, e.g. from ``BM25EmbeddingFunction.decode``.
    splade : dict of str to float
        SPLADE weights per word piece.
    title : str
        What the text is.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with tutorial_style():
        fig = Figure(figsize=(11, 1.4 + 0.3 * max(len(bm25), len(splade))), layout="constrained")
        left, right = fig.subplots(1, 2)
        for ax, weights, name, color in ((left, bm25, "BM25", METHOD_COLORS["bm25"]),
                                         (right, splade, "SPLADE", OKABE_ITO["sky_blue"])):
            terms = sorted(weights, key=lambda t: -weights[t])
            y = np.arange(len(terms))[::-1]
            ax.barh(y, [weights[t] for t in terms], color=color, height=0.7)
            ax.set_yticks(y, terms)
            ax.set_title(f"{name}: {len(terms)} terms", loc="left")
            ax.set_xlabel(f"{name} weight")
            ax.grid(axis="y", visible=False)
        fig.suptitle(shorten(title, 90))
    return fig
