"""What the charts comparing methods on one query show, and the scoreboard over many queries.

Dense cosines (about -0.1 to 0.8), BM25 scores (0 to 20 or more) and MaxSim scores (about
0.3 to 0.9) live on different scales, so bars side by side would only show the scales. Each
method's scores are min-max scaled over the *whole corpus* (1 = that method's best
document, 0 = its worst), and the raw score is written at the end of each bar.

The two per-query charts are live (the explorer and the app redraw them on every query), so
:mod:`helpers.plots.svg` draws them, from :func:`bar_content` and :func:`rank_shift_arguments`
here; the module says why SVG. :func:`scoreboard` is drawn once per notebook run, by matplotlib.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers.fusion import min_max
from helpers.methods import METHODS
from helpers.plots.style import METHOD_COLORS, METHOD_HATCHES, shorten, tutorial_style
from helpers.search_result import SearchResult

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn: the SVG charts need none of it
    from matplotlib.figure import Figure

__all__ = [
    "bar_content", "bar_axis_label", "bar_alt_text", "absolute_scale", "rank_shift_arguments", "scoreboard",
]  # fmt: skip

_LABEL_CHARS = 34  # document titles are cut to this many characters
_QUERY_CHARS = 60  # the query in the title is cut so the title fits the 11-inch chart's width


def _raw_label(method: str, value: float) -> str:
    if np.isnan(value):
        return " not reranked"
    return f" {value:.1f}" if method == "bm25" else f" {value:.3f}"


SCALES = ("corpus", "absolute")


def absolute_scale(result: SearchResult, method: str) -> np.ndarray:
    """Each document's ``method`` score on a 0-to-1 scale that does not depend on the other documents' spread.

    Min-max scaling stretches any spread to 0..1, so RRF's fifth hit (0.030 against the best
    0.032) looked nearly as good as its first. Here a bar is long only when the score is high
    on the method's own terms: cosines and MaxSim as they are (0 below zero), RRF as a share of
    its best possible score ``2 / (rrf_k + 1)`` (first by both methods), and BM25, which has no
    ceiling, as a share of its best score for this query. Missing scores become 0.
    """
    scores = np.nan_to_num(result.scores[method], nan=0.0)
    if method == "bm25":
        best = scores.max()
        return scores / best if best > 0 else np.zeros_like(scores)
    if method == "rrf":
        return np.clip(scores / (2 / (result.rrf_k + 1)), 0.0, 1.0)
    return np.clip(scores, 0.0, 1.0)


def bar_axis_label(scale: str = "corpus") -> str:
    """The x-axis label of the score bars for ``scale`` (see :func:`bar_content`)."""
    if scale == "absolute":
        return "score on each method's own scale (cosine; BM25 / its best; RRF / its maximum); raw score on each bar"
    return "scaled score (1 = the method's best document); raw score on each bar"


def bar_alt_text(result: SearchResult, top_k: int, by: str, methods: Sequence[str]) -> str:
    """A text equivalent of the score bars, for screen readers: each row's raw score per method."""
    positions = result.top(by, top_k)
    rows = "; ".join(
        f"{int(result.ranks[by][p])}. {result.titles[p]}: "
        + ", ".join(f"{METHODS[m].label} {_raw_label(m, result.scores[m][p]).strip()}" for m in methods)
        for p in positions
    )
    return f"Bar chart of the top {len(positions)} documents by {METHODS[by].label} for {result.query!r}. {rows}."


def bar_content(
    result: SearchResult, top_k: int, by: str, methods: Sequence[str], scale: str = "corpus"
) -> tuple[list[str], list[np.ndarray], list[list[str]], str]:
    """What :func:`helpers.plots.svg.score_bars_svg` draws, and checks of its arguments.

    ``scale="corpus"`` min-max scales each method over the whole corpus (1 = the method's best
    document, 0 = its worst); ``"absolute"`` uses :func:`absolute_scale`, where a weak hit stays short.

    Returns
    -------
    labels : list of str
        One row label per document, best first (``"1. RFC 791"``).
    scaled : list of ndarray
        Per method, the min-max scaled score of each row (0 for a missing score).
    values : list of list of str
        Per method, the raw score written at each bar's end.
    title : str
    """
    if not methods:
        raise ValueError("choose at least one method to plot, e.g. methods=('dense', 'bm25', 'rerank')")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    positions = result.top(by, top_k)  # validates by and top_k
    for method in methods:
        result._check_method(method)
    labels = [f"{int(result.ranks[by][p])}. {shorten(result.titles[p], _LABEL_CHARS)}" for p in positions]
    if scale == "absolute":
        scaled = [absolute_scale(result, method)[positions] for method in methods]
    else:
        scaled = [np.nan_to_num(min_max(result.scores[method])[positions]) for method in methods]
    values = [[_raw_label(method, v) for v in result.scores[method][positions]] for method in methods]
    title = f"{shorten(result.query, _QUERY_CHARS)!r}: top {len(positions)} by {METHODS[by].label}"
    return labels, scaled, values, title


def rank_shift_arguments(
    result: SearchResult, top_k: int = 10, first_stage: str | None = None, relevant: Collection[str] = ()
) -> dict[str, Any]:
    """The arguments of :func:`helpers.plots.svg.rank_shift_svg` for one result.

    See :func:`helpers.plots.svg.result_rank_shift_svg` for the parameters.
    """
    first_stage = first_stage or result.first_stage
    candidates = result.top(first_stage, min(result.cap(top_k), result.rerank_depth))
    rerank = result.scores["rerank"][candidates]
    # Not-reranked candidates (nan) drop out of the right column; the chart greys them.
    kept = np.flatnonzero(~np.isnan(rerank))
    return {
        "labels": [result.titles[i] for i in candidates],
        "reranked_order": kept[np.argsort(-rerank[kept], kind="stable")],
        "first_stage": METHODS[first_stage].label,
        "reranker": METHODS["rerank"].label,
        "relevant": [result.doc_ids[i] in relevant for i in candidates] if relevant else None,
    }


def scoreboard(
    per_query: Mapping[str, Mapping[str, float]],
    groups: Mapping[str, str],
    metric: str = "nDCG@10",
) -> Figure:
    """Grouped bars of each method's mean metric over each group of queries, plus over all.

    Parameters
    ----------
    per_query : mapping
        ``{method: {query_id: value}}``, e.g. from :func:`helpers.metrics.ndcg_per_query`.
    groups : mapping
        ``{query_id: group}``, e.g. the method each demo query was written for.
    metric : str
        Name of the metric, for the axis label.

    Returns
    -------
    matplotlib.figure.Figure
        The mean is written on each bar.
    """
    methods = list(per_query)
    if not methods:
        raise ValueError("scoreboard needs at least one method's per-query values")
    names = sorted(set(groups.values()))
    members = {g: [q for q, gg in groups.items() if gg == g] for g in names}
    members["all queries"] = list(groups)
    means = {m: [float(np.mean([per_query[m][q] for q in members[g]])) for g in members] for m in methods}
    width = 0.8 / len(methods)
    x = np.arange(len(members))
    with tutorial_style():
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 4.8), layout="constrained")
        ax = fig.add_subplot()
        for j, m in enumerate(methods):
            bars = ax.bar(x - 0.4 + width * (j + 0.5), means[m], width * 0.92, color=METHOD_COLORS[m],
                          hatch=METHOD_HATCHES[m], label=METHODS[m].label)
            ax.bar_label(bars, fmt="%.2f", fontsize=9)
        ax.set_xticks(x, [f"{g}\n({len(members[g])} queries)" for g in members])
        ax.set_ylim(0, 1.12)
        ax.set_ylabel(f"mean {metric}")
        ax.set_xlabel("queries written to favour")
        ax.grid(axis="x", visible=False)
        fig.legend(loc="outside upper center", ncols=len(methods), frameon=False)
    return fig
