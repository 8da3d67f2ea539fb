"""A query box that shows how much each query term adds to each document's BM25 score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from helpers.model.sparse.bm25 import BM25EmbeddingFunction, TermContributions
from helpers.plots.bm25 import contribution_bars
from helpers.widgets import live_view, query_box, readable_query

EMPTY_QUERY = "Type a query and press Enter to see each term's share of the BM25 score."


def update(
    bm25_ef: BM25EmbeddingFunction, query: str, docs: Sequence[str], labels: Sequence[str] | None = None
) -> tuple[TermContributions, Figure] | str:
    """What the widget shows for ``query``: the per-term contributions and their chart, or a hint.

    Parameters
    ----------
    bm25_ef : BM25EmbeddingFunction
        A fitted BM25 function.
    query : str
        The learner's query.
    docs : sequence of str
        The documents to score.
    labels : sequence of str, optional
        Short names for the documents; the texts themselves by default.

    Returns
    -------
    (TermContributions, Figure) or str
        The hint ``EMPTY_QUERY`` for a blank query.
    """
    query = readable_query(query)
    if query is None:
        return EMPTY_QUERY
    explained = bm25_ef.term_contributions(query, list(docs))
    return explained, contribution_bars(explained, list(labels if labels is not None else docs), query)


def contribution_widget(
    bm25_ef: BM25EmbeddingFunction,
    docs: Sequence[str],
    labels: Sequence[str] | None = None,
    value: str = "Where was Turing born?",
) -> Any:
    """A Text box (press Enter) above the chart of each query term's contribution per document.

    Parameters
    ----------
    bm25_ef : BM25EmbeddingFunction
        A fitted BM25 function.
    docs : sequence of str
        The documents to score.
    labels : sequence of str, optional
        Short names for the documents.
    value : str
        The query shown first.

    Returns
    -------
    ipywidgets.VBox
    """
    box = query_box(value)

    def render() -> list[Any]:
        result = update(bm25_ef, box.value, docs, labels)
        return [result if isinstance(result, str) else result[1]]

    return live_view([box], render)
