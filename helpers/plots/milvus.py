"""Plots for notebook 05: how Milvus normalizes scores in WeightedRanker, and its BM25 IDF."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from helpers.fusion import normalize_scores
from helpers.plots.style import METHOD_COLORS, OKABE_ITO, tutorial_style

__all__ = ["plot_weighted_normalization", "plot_idf_formulas"]

_METRIC_COLORS = {"COSINE": METHOD_COLORS["dense"], "IP": METHOD_COLORS["bm25"], "BM25": OKABE_ITO["sky_blue"]}


def plot_weighted_normalization(route_scores: Mapping[str, np.ndarray]) -> Figure:
    """Draw Milvus's WeightedRanker normalization per metric, with real scores marked on it.

    Parameters
    ----------
    route_scores : mapping of str to array
        Metric name (``"COSINE"``, ``"IP"``, ``"BM25"``) to scores that a search returned;
        they are drawn as dots on the metric's curve, so one sees which part of [0, 1]
        they land in.

    Returns
    -------
    matplotlib.figure.Figure
    """
    unknown = set(route_scores) - set(_METRIC_COLORS)
    if unknown:
        raise ValueError(f"plot_weighted_normalization draws COSINE, IP and BM25; got {sorted(unknown)}")
    with tutorial_style():
        fig = Figure(figsize=(11, 4.2), layout="constrained")
        ax_cos, ax_arc = fig.subplots(1, 2)
        cos = np.linspace(-1, 1, 201)
        ax_cos.plot(cos, normalize_scores(cos, "COSINE"), color=_METRIC_COLORS["COSINE"], label="COSINE: (1 + s) / 2")
        ax_cos.set(xlabel="cosine similarity s", ylabel="normalized score", title="Dense route", ylim=(0, 1.02))
        top = max([20.0] + [float(np.nanmax(v)) * 1.1 for m, v in route_scores.items() if m != "COSINE" and len(v)])
        s = np.linspace(0, top, 400)
        ax_arc.plot(s, normalize_scores(s, "IP"), color=_METRIC_COLORS["IP"], label="IP: 0.5 + arctan(s) / π")
        ax_arc.plot(s, normalize_scores(s, "BM25"), color=_METRIC_COLORS["BM25"], label="BM25: 2 arctan(s) / π")
        ax_arc.set(xlabel="sparse score s", title="Sparse route", ylim=(0, 1.02))
        for metric, values in route_scores.items():
            values = np.asarray(values, dtype=float)
            values = values[np.isfinite(values)]
            ax = ax_cos if metric == "COSINE" else ax_arc
            ax.scatter(
                values, normalize_scores(values, metric), s=28, zorder=3, color=_METRIC_COLORS[metric],
                edgecolor="black", linewidth=0.5, label=f"this query's {metric} hits",
            )
        ax_cos.legend(loc="upper left", fontsize=10)
        ax_arc.legend(loc="lower right", fontsize=10)
        fig.suptitle("WeightedRanker(norm_score=True) maps each route's scores to [0, 1] before weighting")
    return fig


def plot_idf_formulas(n_docs: int, df: np.ndarray | None = None, ours: np.ndarray | None = None) -> Figure:
    """Draw BM25's IDF against document frequency: Okapi (ours) and Milvus's ``ln(1 + ...)``.

    Parameters
    ----------
    n_docs : int
        Number of documents N.
    df, ours : array, optional
        Document frequency and our fitted IDF of each vocabulary term, drawn as dots (they
        show the ``epsilon`` floor for terms in more than half of the documents).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if n_docs < 1:
        raise ValueError(f"n_docs must be at least 1, got {n_docs}")
    with tutorial_style():
        fig = Figure(figsize=(8, 4.5), layout="constrained")
        ax = fig.subplots()
        grid = np.arange(1, n_docs + 1, dtype=float)
        okapi = np.log((n_docs - grid + 0.5) / (grid + 0.5))
        milvus = np.log1p((n_docs - grid + 0.5) / (grid + 0.5))
        ax.plot(grid, okapi, color=METHOD_COLORS["bm25"], label="Okapi: ln((N − df + 0.5) / (df + 0.5))")
        ax.plot(grid, milvus, color=OKABE_ITO["sky_blue"], label="Milvus: ln(1 + (N − df + 0.5) / (df + 0.5))")
        if df is not None and ours is not None:
            ax.scatter(df, ours, s=14, color=METHOD_COLORS["bm25"], alpha=0.6, zorder=3, label="our fitted IDF per term")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(n_docs / 2, color="grey", linestyle=":", label="df = N / 2")
        ax.set(xscale="log", xlabel="document frequency df (log scale)", ylabel="IDF", title=f"IDF over N = {n_docs} documents")
        ax.legend(fontsize=10, loc="lower left")
    return fig
