"""Plots comparing methods on one query: normalized score bars with the raw scores written on them.

Dense cosines (about -0.1 to 0.8), BM25 scores (0 to 20 or more) and MaxSim scores (about
0.3 to 0.9) live on different scales, so bars side by side would only show the scales. Each
method's scores are min-max scaled over the *whole corpus* (1 = that method's best
document, 0 = its worst), and the raw score is written at the end of each bar.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers.fusion import min_max
from helpers.plots.rerank import rank_shift
from helpers.plots.style import METHOD_COLORS, METHOD_HATCHES, shorten, tutorial_style
from helpers.search import SearchResult

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn: the app's SVG chart needs none of it
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = [
    "score_bars", "bar_content", "bar_axis_label", "bar_alt_text", "absolute_scale",
    "result_rank_shift", "rank_shift_arguments", "scoreboard", "METHOD_LABELS",
]  # fmt: skip

_LABEL_CHARS = 34  # document titles are cut to this many characters
_LABEL_INCHES = 3.9  # room they need at the tutorial's tick font size
_QUERY_CHARS = 60  # the query in the title is cut so the title fits the 11-inch figure's width

METHOD_LABELS = {
    "dense": "dense (cosine)",
    "bm25": "BM25",
    "rrf": "RRF fusion",
    "weighted": "weighted sum",
    "rerank": "reranked (MaxSim)",
}


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
        + ", ".join(f"{METHOD_LABELS[m]} {_raw_label(m, result.scores[m][p]).strip()}" for m in methods)
        for p in positions
    )
    return f"Bar chart of the top {len(positions)} documents by {METHOD_LABELS[by]} for {result.query!r}. {rows}."


def bar_content(
    result: SearchResult, top_k: int, by: str, methods: Sequence[str], scale: str = "corpus"
) -> tuple[list[str], list[np.ndarray], list[list[str]], str]:
    """What :func:`score_bars` draws, shared with its SVG twin :func:`helpers.plots.svg.score_bars_svg`.

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
    title = f"{shorten(result.query, _QUERY_CHARS)!r}: top {len(positions)} by {METHOD_LABELS[by]}"
    return labels, scaled, values, title


def score_bars(
    result: SearchResult,
    top_k: int = 8,
    by: str = "rerank",
    methods: Sequence[str] = ("dense", "bm25", "rerank"),
    fig: Figure | None = None,
) -> Figure:
    """Grouped horizontal bars: for each of the top documents, one bar per method.

    Parameters
    ----------
    result : SearchResult
        From :meth:`helpers.search.Search.search`.
    top_k : int
        Documents shown, the best by ``by`` on top; capped at the corpus size.
    by : str
        The method that picks and orders the documents.
    methods : sequence of str
        One bar per method, in this order; see :data:`helpers.search.METHODS`.
    fig : Figure, optional
        A figure from an earlier call to draw into; default a new figure. With the same
        ``top_k`` and ``methods`` its bars and labels are moved rather than rebuilt, which
        is several times faster (a widget passes its figure on every new query).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = score_bars(search.search("RFC 791"), top_k=5)  # doctest: +SKIP
    """
    labels, scaled, values, title = bar_content(result, top_k, by, methods)
    layout = (len(labels), tuple(methods))
    with tutorial_style():
        if fig is not None and getattr(fig, "_score_bars_layout", None) == layout:
            # Same rows and methods as last time: move the existing bars and labels instead of
            # building new artists (what a widget does on every new query).
            _refresh(fig, labels, scaled, values, title)
            return fig
        fig = _draw_bars(fig, labels, scaled, values, methods, title)
        fig._score_bars_layout = layout
    return fig


def bar_figure_height(rows: int, methods: int) -> float:
    """Height in inches of the score-bar figure: room for every bar, the title, legend and axis label."""
    return 1.7 + 0.2 * rows * methods + 0.15 * rows


def _draw_bars(fig: Figure | None, labels: list[str], scaled: list[np.ndarray], values: list[list[str]],
               methods: Sequence[str], title: str) -> Figure:
    n, m = len(labels), len(methods)
    height = 0.8 / m
    size = (11.0, bar_figure_height(n, m))
    if fig is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size)
    else:
        fig.clear()
        fig.set_size_inches(size)
    # Fixed margins in inches instead of a layout engine: labels are cut to a known
    # width, and constrained layout would measure every text again on each redraw.
    left, right = _LABEL_INCHES / size[0], 0.98
    fig.subplots_adjust(left=left, right=right, top=1 - 1.05 / size[1], bottom=0.7 / size[1])
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]  # best document on top
    artists = []
    for j, method in enumerate(methods):
        offsets = y + (m - 1) / 2 * height - j * height
        bars = ax.barh(offsets, scaled[j], height=height * 0.92, color=METHOD_COLORS[method], hatch=METHOD_HATCHES[method],
                       label=METHOD_LABELS[method])
        texts = [ax.text(w, yy, v, va="center", fontsize=10, parse_math=False) for yy, w, v in zip(offsets, scaled[j], values[j])]
        artists.append((list(bars), texts))
    ax.set_yticks(y, labels)
    _plain_text(ax.get_yticklabels())
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_xlim(0, 1.25)  # room for the raw-value labels
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel(bar_axis_label())
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=m, frameon=False, borderaxespad=0.2)
    # The title starts at the figure's left edge, above the labels, so it gets the figure's
    # whole width rather than only the axes' (the query in it can be long).
    ax.set_title(title, pad=32, loc="left", x=(0.01 - left) / (right - left), parse_math=False)
    fig._score_bars_artists = artists
    return fig


def _refresh(fig: Figure, labels: list[str], scaled: list[np.ndarray], values: list[list[str]], title: str) -> None:
    ax = fig.axes[0]
    for (bars, texts), widths, strings in zip(fig._score_bars_artists, scaled, values):
        for bar, text, width, string in zip(bars, texts, widths, strings):
            bar.set_width(width)
            text.set_x(width)
            text.set_text(string)
    ax.set_yticklabels(labels)
    _plain_text(ax.get_yticklabels())
    ax.set_title(title, pad=32, loc="left")


def _plain_text(texts: Sequence[Text]) -> None:
    """Show user text as typed: matplotlib would read ``$...$`` in it as mathematics
    (and fail to draw an unbalanced ``$\\frac{$``)."""
    for text in texts:
        text.set_parse_math(False)


def rank_shift_arguments(
    result: SearchResult, top_k: int = 10, first_stage: str | None = None, relevant: Collection[str] = ()
) -> dict[str, Any]:
    """The arguments of :func:`helpers.plots.rerank.rank_shift` (or its SVG twin) for one result.

    See :func:`result_rank_shift` for the parameters.
    """
    first_stage = first_stage or result.first_stage
    candidates = result.top(first_stage, min(result.cap(top_k), result.rerank_depth))
    rerank = result.scores["rerank"][candidates]
    # Not-reranked candidates (nan) drop out of the right column; rank_shift greys them.
    kept = np.flatnonzero(~np.isnan(rerank))
    return {
        "labels": [result.titles[i] for i in candidates],
        "reranked_order": kept[np.argsort(-rerank[kept], kind="stable")],
        "first_stage": METHOD_LABELS[first_stage],
        "reranker": METHOD_LABELS["rerank"],
        "relevant": [result.doc_ids[i] in relevant for i in candidates] if relevant else None,
    }


def result_rank_shift(
    result: SearchResult,
    top_k: int = 10,
    first_stage: str | None = None,
    relevant: Collection[str] = (),
) -> Figure:
    """Slope chart of the first stage's top ``top_k`` documents, reordered by the reranker.

    A thin adapter from a :class:`~helpers.search.SearchResult` to
    :func:`helpers.plots.rerank.rank_shift`: the left column is the first stage's order, the
    right column the same documents sorted by their rerank score.

    Parameters
    ----------
    result : SearchResult
        From :meth:`helpers.search.Search.search`.
    top_k : int
        Candidates shown; capped at the corpus size and at the number of reranked documents.
    first_stage : str, optional
        The left column's method; default the one that fed the reranker (``result.first_stage``).
    relevant : collection of str
        Ids of documents known to be relevant (e.g. from the demo corpus's judgments); they get a star.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = rank_shift(**rank_shift_arguments(result, top_k, first_stage, relevant))
    # The chart keeps its labels inside the axes, so fixed margins (room for the title and
    # column names on top) look the same as constrained layout and render twice as fast.
    _plain_text(fig.axes[0].texts)  # document titles are user text
    fig.set_layout_engine("none")
    height = fig.get_size_inches()[1]
    top, bottom = 0.95 / height, 0.1 / height
    fig.axes[0].set_position([0.01, bottom, 0.98, 1 - top - bottom])
    return fig


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
                          hatch=METHOD_HATCHES[m], label=METHOD_LABELS[m])
            ax.bar_label(bars, fmt="%.2f", fontsize=9)
        ax.set_xticks(x, [f"{g}\n({len(members[g])} queries)" for g in members])
        ax.set_ylim(0, 1.12)
        ax.set_ylabel(f"mean {metric}")
        ax.set_xlabel("queries written to favour")
        ax.grid(axis="x", visible=False)
        fig.legend(loc="outside upper center", ncols=len(methods), frameon=False)
    return fig
