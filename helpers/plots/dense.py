"""Plots for dense embeddings: a similarity heatmap and query-to-document bars."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from helpers.plots.bars import query_score_bars
from helpers.plots.style import SEQUENTIAL_CMAP, shorten, tutorial_style


def similarity_heatmap(
    matrix: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str] | None = None, title: str = "Cosine similarity"
) -> Figure:
    """Draw a similarity matrix with each cell's value written in it.

    Parameters
    ----------
    matrix : ndarray of shape (n_rows, n_cols)
        Similarities, e.g. ``doc_vectors @ doc_vectors.T``.
    row_labels, col_labels : sequence of str
        Texts for the rows and columns (cut to fit); ``col_labels`` defaults to ``row_labels``.
    title : str
        The figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    matrix = np.asarray(matrix, dtype=float)
    col_labels = row_labels if col_labels is None else col_labels
    if matrix.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"matrix of shape {matrix.shape} needs {matrix.shape[0]} row and {matrix.shape[1]} column labels")
    with tutorial_style():
        fig = Figure(figsize=(2.2 + 1.3 * len(col_labels), 1.2 + 0.8 * len(row_labels)), layout="constrained")
        ax = fig.add_subplot()
        image = ax.imshow(matrix, cmap=SEQUENTIAL_CMAP, vmin=min(0.0, matrix.min()), vmax=1.0)
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="white" if value < 0.6 else "black")
        ax.set_xticks(range(len(col_labels)), [shorten(t, 18) for t in col_labels], rotation=30, ha="right")
        ax.set_yticks(range(len(row_labels)), [shorten(t, 40) for t in row_labels])
        ax.grid(False)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def similarity_bars(scores: Sequence[float], labels: Sequence[str], query: str) -> Figure:
    """Horizontal bars of one query's cosine similarity to each document, best on top.

    Parameters
    ----------
    scores : sequence of float
        One cosine similarity per document, e.g. ``doc_vectors @ query_vector``.
    labels : sequence of str
        One label per document, cut to 45 characters.
    query : str
        The sentence compared, for the title.

    Returns
    -------
    matplotlib.figure.Figure
        The x axis runs from just below the lowest cosine (or 0) to 1.
    """
    low = min(0.0, float(np.min(scores))) - 0.05
    return query_score_bars(scores, labels, query, "dense", "cosine similarity", (low, 1.0), margin=0.9)
