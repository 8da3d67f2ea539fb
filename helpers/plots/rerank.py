"""Plots for reranking: the reranker's scores, MaxSim's token matches, and what the rank-shift chart shows.

The rank-shift chart itself is drawn as SVG by :func:`helpers.plots.svg.rank_shift_svg` (a live
chart: the widgets redraw it on every query); :func:`shift_rows` is what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from helpers.model.base import RerankResult
from helpers.plots.style import METHOD_COLORS, METHOD_HATCHES, OKABE_ITO, shorten, tutorial_style

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn: the SVG charts need none of it
    from matplotlib.figure import Figure

__all__ = ["shift_rows", "ShiftRow", "rerank_score_bars", "maxsim_matches", "MOVE_COLORS", "CUT_COLOR"]

# Up, down, same place: colour-blind-safe and readable in greyscale (solid, dashed, dotted).
MOVE_COLORS = {"up": OKABE_ITO["green"], "down": OKABE_ITO["vermillion"], "same": "#777777"}
CUT_COLOR = "#999999"  # candidates cut by top_k


class ShiftRow(NamedTuple):
    """One candidate of a rank-shift chart."""

    before: int  # first-stage rank, 1 = best
    after: int | None  # reranked rank; None when cut by top_k
    move: str  # "up", "down" or "same" (a key of MOVE_COLORS)
    relevant: bool  # starred and bold
    label: str  # "★ title", cut to the chart's width


def shift_rows(
    labels: Sequence[str], reranked_order: Sequence[int], relevant: Sequence[bool] | None = None, width: int = 38
) -> list[ShiftRow]:
    """One :class:`ShiftRow` per candidate, in first-stage order; see :func:`helpers.plots.svg.rank_shift_svg`.

    Examples
    --------
    >>> [(r.before, r.after, r.move) for r in shift_rows(["a", "b", "c"], [2, 0])]
    [(1, 2, 'down'), (2, None, 'same'), (3, 1, 'up')]
    """
    n = len(labels)
    if n == 0:
        raise ValueError("rank_shift needs at least one candidate; got an empty list")
    order = [int(i) for i in reranked_order]
    if len(set(order)) != len(order) or any(not 0 <= i < n for i in order):
        raise ValueError(
            f"reranked_order must list distinct candidate positions from 0 to {n - 1}, got {order}; "
            "pass [r.index for r in results]"
        )
    if relevant is not None and len(relevant) != n:
        raise ValueError(f"relevant needs one flag per candidate: got {len(relevant)} for {n} labels")
    new_rank = {position: rank for rank, position in enumerate(order, start=1)}
    rows = []
    for i, label in enumerate(labels):
        before, after = i + 1, new_rank.get(i)
        star = relevant is not None and bool(relevant[i])
        move = "same" if after is None or after == before else "up" if after < before else "down"
        rows.append(ShiftRow(before, after, move, star, ("★ " if star else "") + shorten(label, width)))
    return rows


def rerank_score_bars(
    results: Sequence[RerankResult],
    labels: Sequence[str] | None = None,
    reranker: str = "reranker",
    first_stage_scores: Sequence[float] | None = None,
    first_stage: str = "first stage",
    width: int = 45,
) -> Figure:
    """Horizontal bars of the reranker's scores, best at the top; optionally beside the first stage's.

    Parameters
    ----------
    results : sequence of RerankResult
        A rerank function's answer, best first.
    labels : sequence of str, optional
        Display text per input position (``labels[r.index]``); default the document text.
    reranker : str
        Name of the reranker, for the axis label.
    first_stage_scores : sequence of float, optional
        The first stage's score of every input document (indexed like the input list), drawn
        in a second panel on the same rows: the two scales differ, so they are not mixed.
    first_stage : str
        Name of the first stage.
    width : int
        Characters of each label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if len(results) == 0:
        raise ValueError("rerank_score_bars needs at least one result; got an empty list")
    names = [
        f"[{r.index}] " + shorten(labels[r.index] if labels is not None else r.text, width) for r in results
    ]
    scores = np.array([r.score for r in results])
    rows = np.arange(len(results))
    panels = [(scores, reranker, "rerank")]
    if first_stage_scores is not None:
        first = np.asarray(first_stage_scores, dtype=float)
        panels.insert(0, (first[[r.index for r in results]], first_stage, "bm25"))

    with tutorial_style():
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6 + 3.5 * len(panels), 1.3 + 0.5 * len(results)), layout="constrained")
        axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        for ax, (values, name, method) in zip(axes, panels):
            ax.barh(rows, values, color=METHOD_COLORS[method], hatch=METHOD_HATCHES[method], height=0.6)
            for row, value in zip(rows, values):
                ax.text(value, row, f" {value:.3f}", va="center", ha="left" if value >= 0 else "right", fontsize=11)
            low, high = min(0.0, values.min()), max(0.0, values.max())
            ax.set_xlim(low - 0.05 * (high - low or 1), high + 0.25 * (high - low or 1))
            ax.set_xlabel(f"{name} score")
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(rows, names)
        axes[0].invert_yaxis()  # best at the top
        fig.suptitle(f"Reranked by {reranker}: [input position] document")
    return fig


def maxsim_matches(
    query_pieces: Sequence[str], doc_pieces: Sequence[str], similarities: np.ndarray, title: str = ""
) -> Figure:
    """How MaxSim scores one document: each query word piece, its best match and their cosine.

    Parameters
    ----------
    query_pieces, doc_pieces : sequence of str
        Word pieces of the query and the document (see
        :meth:`~helpers.model.reranker.MaxSimRerankFunction.token_similarities`).
    similarities : ndarray of shape (len(query_pieces), len(doc_pieces))
        Cosine of every query piece with every document piece.
    title : str
        Figure title; by default the document's score.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per query piece; the dashed line is their mean, the document's score.
    """
    similarities = np.asarray(similarities, dtype=float)
    if similarities.shape != (len(query_pieces), len(doc_pieces)) or similarities.size == 0:
        raise ValueError(
            f"similarities of shape {similarities.shape} need {len(query_pieces)} query and "
            f"{len(doc_pieces)} document pieces, at least one of each"
        )
    best = similarities.argmax(axis=1)
    values = similarities[np.arange(len(query_pieces)), best]
    rows = np.arange(len(query_pieces))
    with tutorial_style():
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 1.2 + 0.36 * len(rows)), layout="constrained")
        ax = fig.add_subplot()
        ax.barh(rows, values, color=METHOD_COLORS["rerank"], height=0.65)
        for row, value, match in zip(rows, values, best):
            ax.text(value, row, f" {doc_pieces[match]} ({value:.2f})", va="center", fontsize=10)
        ax.axvline(values.mean(), color=OKABE_ITO["black"], linestyle="--", linewidth=1.5)
        ax.set_yticks(rows, list(query_pieces))
        ax.invert_yaxis()
        ax.set_xlim(min(0.0, values.min()), 1.3)
        ax.set_xlabel("cosine with the best-matching document piece (named at the bar's end)")
        ax.grid(axis="y", visible=False)
        ax.set_title(title or f"MaxSim score = mean of the bars = {values.mean():.3f}")
    return fig
