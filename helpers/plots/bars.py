"""One query's score for each document as horizontal bars, best on top: the chart both the dense
(:func:`helpers.plots.dense.similarity_bars`) and the BM25 (:func:`helpers.plots.bm25.bm25_score_bars`)
notebooks draw, each on its method's scale."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from helpers.methods import method as method_entry
from helpers.plots.style import shorten, tutorial_style


def query_score_bars(
    scores: Sequence[float],
    labels: Sequence[str],
    query: str,
    method: str,
    xlabel: str,
    xlim: tuple[float, float],
    margin: float = 1.0,
) -> Figure:
    """Horizontal bars of ``scores``, one per document, in ``method``'s colour and hatch, best on top.

    Parameters
    ----------
    scores : sequence of float
        One score per document.
    labels : sequence of str
        One label per document (cut to fit).
    query : str
        The query, shown in the title.
    method : str
        Key of :data:`helpers.methods.METHODS` whose colour and hatch the bars take.
    xlabel : str
        What the scores are.
    xlim : (float, float)
        The x-axis range.
    margin : float
        Inches for the title and axis label on top of 0.6 per bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    scores = np.asarray(scores, dtype=float)
    if len(labels) != len(scores):
        raise ValueError(f"got {len(scores)} scores but {len(labels)} labels; give one label per score")
    look = method_entry(method)
    order = np.argsort(scores, kind="stable")  # barh draws bottom-up: best ends on top
    with tutorial_style():
        fig = Figure(figsize=(9, margin + 0.6 * len(scores)), layout="constrained")
        ax = fig.add_subplot()
        ax.barh([shorten(labels[i], 45) for i in order], scores[order], color=look.colour, hatch=look.hatch)
        for y, i in enumerate(order):
            ax.text(scores[i], y, f" {scores[i]:.3f}", va="center")
        ax.set_xlim(*xlim)
        ax.set_xlabel(xlabel)
        ax.set_title(f"Query: {shorten(query, 60)!r}")
    return fig
