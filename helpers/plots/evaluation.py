"""Plots for evaluating on a benchmark: nDCG@10 bars beside published figures, the tuning curve,
per-query wins and losses, and where each method ranked one query's relevant documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from helpers.methods import method
from helpers.plots.style import METHOD_COLORS, OKABE_ITO, shorten, tutorial_style

__all__ = ["method_color", "method_hatch", "ndcg_bars", "weight_curve", "win_loss", "query_ranks"]


def method_color(key: str | None) -> str:
    """The colour of registry method ``key`` (:data:`helpers.methods.METHODS`); black for ``None``.

    ``None`` stands for a run that is no method of the registry, such as SPLADE.

    Examples
    --------
    >>> method_color("rerank"), method_color(None)
    ('#D55E00', '#000000')
    """
    return OKABE_ITO["black"] if key is None else method(key).colour


def method_hatch(key: str | None) -> str:
    """The hatch of registry method ``key``, like :func:`method_color`; none for ``None``."""
    return "" if key is None else method(key).hatch


def ndcg_bars(
    ndcg: Mapping[str, float], published: Mapping[str, float] | None = None, *, keys: Mapping[str, str | None] | None = None
) -> Figure:
    """Horizontal bars of nDCG@10 per method, with published figures as black diamonds.

    Parameters
    ----------
    ndcg : dict of str to float
        Our nDCG@10 per method, in display order.
    published : dict of str to float, optional
        A published nDCG@10 for some of the methods, drawn on the same row.
    keys : dict of str to str, optional
        The registry method of each name (``{"BM25 + MaxSim": "rerank"}``), whose colour and hatch
        its bar gets; a name without one (e.g. ``"SPLADE"``) is drawn black, unhatched.

    Returns
    -------
    matplotlib.figure.Figure
    """
    published = published or {}
    names = list(ndcg)
    keys = keys or {}
    with tutorial_style():
        fig = Figure(figsize=(9, 1.3 + 0.55 * len(names)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(names))[::-1]
        bars = ax.barh(y, [ndcg[n] for n in names], color=[method_color(keys.get(n)) for n in names], height=0.6)
        for bar, n in zip(bars, names):
            bar.set_hatch(method_hatch(keys.get(n)))
        for yi, n in zip(y, names):
            ax.text(ndcg[n] + 0.005, yi, f"{ndcg[n]:.3f}", va="center")
        marked = [(yi, published[n]) for yi, n in zip(y, names) if n in published]
        if marked:
            ax.scatter([v for _, v in marked], [yi for yi, _ in marked], marker="D", color="black", zorder=3,
                       label="published")
            ax.legend(loc="upper right")  # the bottom rows are the longest bars
        ax.set_yticks(y, names)
        ax.set_xlim(0.0, 1.0)  # bars start at 0, so their lengths compare honestly
        ax.set_xlabel("nDCG@10 (SciFact test, 300 queries)")
        ax.grid(axis="y", visible=False)
    return fig


def weight_curve(curve: Mapping[float, float], best: float) -> Figure:
    """nDCG@10 on the train split against the dense weight of the weighted sum, best weight marked."""
    weights = np.array(sorted(curve))
    with tutorial_style():
        fig = Figure(figsize=(7, 3.6), layout="constrained")
        ax = fig.subplots()
        ax.plot(weights, [curve[w] for w in weights], marker="o", color=METHOD_COLORS["weighted"])
        ax.axvline(best, color="black", linestyle="--", linewidth=1)
        ax.annotate(f"chosen: {best:.2f}", (best, curve[best]), textcoords="offset points", xytext=(8, -18))
        ax.set_xlabel("dense weight w (BM25 gets 1 - w)")
        ax.set_ylabel("nDCG@10 on train")
        ax.set_title("Tuning the weighted sum on the train split")
    return fig


def win_loss(baseline: Mapping[str, float], other: Mapping[str, float], names: tuple[str, str]) -> Figure:
    """Per-query change in nDCG@10 from ``baseline`` to ``other``, sorted, with counts of wins and losses.

    Parameters
    ----------
    baseline, other : dict of str to float
        Per-query nDCG@10 (``MethodResult.per_query``) over the same queries.
    names : (str, str)
        Display names of baseline and other.
    """
    if set(baseline) != set(other):
        raise ValueError("win_loss needs per-query scores over the same queries")
    diff = np.sort(np.array([other[q] - baseline[q] for q in baseline]))[::-1]
    wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
    colors = np.where(diff > 0, OKABE_ITO["green"], np.where(diff < 0, OKABE_ITO["vermillion"], OKABE_ITO["black"]))
    with tutorial_style():
        fig = Figure(figsize=(9, 3.8), layout="constrained")
        ax = fig.subplots()
        ax.bar(np.arange(len(diff)), diff, width=1.0, color=colors)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlim(-0.5, len(diff) - 0.5)
        ax.set_xlabel("queries, sorted by change")
        ax.set_ylabel("change in nDCG@10")
        ax.set_title(
            f"{names[1]} vs {names[0]}: better on {wins}, worse on {losses}, tied on {len(diff) - wins - losses} queries"
        )
        ax.grid(axis="x", visible=False)
    return fig


def query_ranks(
    ranks: Mapping[str, Sequence[int | None]],
    labels: Sequence[str],
    query: str,
    n_documents: int,
    *,
    keys: Mapping[str, str | None] | None = None,
) -> Figure:
    """Where each method ranked each relevant document of one query, on a log scale (1 = top).

    Parameters
    ----------
    ranks : dict of str to list
        Per method, the rank of every relevant document (``None``: not retrieved, drawn at the right edge).
    labels : list of str
        A short name per relevant document, for the legend.
    query : str
        The query, for the title.
    n_documents : int
        Corpus size: the worst possible rank.
    keys : dict of str to str, optional
        The registry method of each name in ``ranks``, whose colour its markers get; black without one.
    """
    methods = list(ranks)
    keys = keys or {}
    markers = "os^vDP*X"
    with tutorial_style():
        fig = Figure(figsize=(9, 1.6 + 0.55 * len(methods)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(methods))[::-1]
        edge = n_documents * 1.6
        for d, label in enumerate(labels):
            xs = [edge if ranks[m][d] is None else ranks[m][d] for m in methods]
            ax.scatter(xs, y + 0.12 * (d - (len(labels) - 1) / 2), marker=markers[d % len(markers)], s=70,
                       color=[method_color(keys.get(m)) for m in methods], edgecolor="black", zorder=3,
                       label=shorten(label, 45))
        ax.axvspan(0.7, 10.5, color=OKABE_ITO["green"], alpha=0.08)
        ax.text(1, y[0] + 0.45, "top 10", color=OKABE_ITO["green"], va="bottom")
        ax.set_xscale("log")
        ax.set_xlim(0.7, edge * 1.5)
        ax.set_ylim(-0.6, len(methods) - 0.2)
        ax.set_yticks(y, methods)
        ax.set_xlabel("rank of the relevant document (log scale; right edge = not retrieved)")
        ax.set_title(shorten(query, 80))
        # The legend tells documents apart by marker; its colour must not suggest a method.
        legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=1, frameon=False)
        for handle in legend.legend_handles:
            handle.set_facecolor("white")
            handle.set_edgecolor("black")
        ax.grid(axis="y", visible=False)
    return fig

