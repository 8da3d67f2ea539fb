"""Plots for BM25: term-to-weight tables, query-document score bars, per-term contributions."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from helpers.model.sparse.bm25 import TermContributions
from helpers.plots.bars import query_score_bars
from helpers.plots.style import OKABE_ITO, SEQUENTIAL_CMAP, shorten, tutorial_style

# Colours for query terms, in query order; black is kept for text.
_TERM_COLORS = [color for name, color in OKABE_ITO.items() if name != "black"]


def _check_labels(n: int, labels: Sequence[str], what: str) -> None:
    if len(labels) != n:
        raise ValueError(f"got {n} {what} but {len(labels)} labels; give one label per row")


def term_weight_table(weights: Sequence[Mapping[str, float]], labels: Sequence[str], width: int = 40) -> str:
    """A plain-text table of each row's terms and weights, heaviest first.

    Parameters
    ----------
    weights : sequence of dict
        ``{term: weight}`` per row, e.g. ``bm25_ef.decode(vectors)``.
    labels : sequence of str
        One label per row (a document or query; cut to ``width`` characters).

    Returns
    -------
    str
        One line per row: ``label | term weight, term weight, ...``.
    """
    _check_labels(len(weights), labels, "rows")
    lines = []
    for label, row in zip(labels, weights):
        terms = ", ".join(f"{term} {weight:.3f}" for term, weight in row.items()) or "(no known terms)"
        lines.append(f"{shorten(label, width):<{width}} | {terms}")
    return "\n".join(lines)


def term_weight_heatmap(
    weights: Sequence[Mapping[str, float]], labels: Sequence[str], title: str = "BM25 term weights"
) -> Figure:
    """A table-like heatmap: one row per term, one column per text, the weight written in each cell.

    Terms run down the rows so that a vocabulary of any size stays readable at a page's
    width; a colour bar gives the scale.

    Parameters
    ----------
    weights : sequence of dict
        ``{term: weight}`` per text, e.g. ``bm25_ef.decode(vectors)``.
    labels : sequence of str
        One label per text (a column heading).
    title : str
        The figure title.
    """
    _check_labels(len(weights), labels, "rows")
    terms = list(dict.fromkeys(term for row in weights for term in row))
    matrix = np.array([[row.get(term, 0.0) for row in weights] for term in terms]).reshape(len(terms), len(weights))
    top = float(matrix.max()) if matrix.size else 1.0
    with tutorial_style():
        fig = Figure(figsize=(3.0 + 1.9 * len(weights), 1.6 + 0.3 * max(len(terms), 1)), layout="constrained")
        ax = fig.add_subplot()
        image = ax.imshow(np.where(matrix > 0, matrix, np.nan), cmap=SEQUENTIAL_CMAP, vmin=0, vmax=top or 1.0, aspect="auto")
        for (i, j), value in np.ndenumerate(matrix):
            if value:
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=10,
                        color="white" if value < 0.55 * top else "black")
        ax.set_yticks(range(len(terms)), terms)
        ax.set_xticks(range(len(labels)), [textwrap.fill(shorten(label, 48), 18) for label in labels], fontsize=10)
        ax.xaxis.tick_top()
        ax.grid(False)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label="term weight (blank: 0)", shrink=0.8)
    return fig


def bm25_score_bars(scores: Sequence[float], labels: Sequence[str], query: str) -> Figure:
    """Horizontal bars of one query's BM25 score for each document, best on top.

    Parameters
    ----------
    scores : sequence of float
        One BM25 score per document (``query_vector @ document_vectors.T``).
    labels : sequence of str
        The documents (cut to fit).
    query : str
        The query, shown in the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    top = max(float(np.max(scores, initial=0)), 1e-9)
    return query_score_bars(scores, labels, query, "bm25", "BM25 score (dot product of sparse vectors)", (0, top * 1.2))


def contribution_bars(explained: TermContributions, labels: Sequence[str], query: str) -> Figure:
    """Stacked bars: how much each query term adds to each document's BM25 score.

    Parameters
    ----------
    explained : TermContributions
        From ``bm25_ef.term_contributions(query, documents)``.
    labels : sequence of str
        One label per document.
    query : str
        The query, shown in the title.

    Returns
    -------
    matplotlib.figure.Figure
        Terms outside the fitted vocabulary are named in the legend as contributing nothing.
    """
    contributions = explained.contributions
    _check_labels(contributions.shape[0], labels, "documents")
    order = np.argsort(explained.scores, kind="stable")
    with tutorial_style():
        fig = Figure(figsize=(10, 1.4 + 0.6 * len(labels)), layout="constrained")
        ax = fig.add_subplot()
        names = [shorten(labels[i], 45) for i in order]
        left = np.zeros(len(order))
        for j, term in enumerate(explained.terms):
            color = _TERM_COLORS[j % len(_TERM_COLORS)]
            if explained.in_vocabulary[j]:
                ax.barh(names, contributions[order, j], left=left, color=color,
                        label=f"{term} (idf×count {explained.query_weights[j]:.2f})")
                left += contributions[order, j]
            else:
                ax.barh(names, np.zeros(len(order)), color="white", edgecolor="grey", label=f"{term} (not in vocabulary)")
        if not explained.terms:
            ax.barh(names, np.zeros(len(order)))
        for y, total in enumerate(left):
            ax.text(total, y, f" {total:.3f}", va="center")
        ax.set_xlim(0, max(float(left.max(initial=0)), 1e-9) * 1.25)
        ax.set_xlabel("contribution to the BM25 score")
        ax.set_title(f"Query: {shorten(query, 60)!r}, per query term")
        if explained.terms:
            ax.legend(loc="lower right", fontsize=10, title="query term")
    return fig
