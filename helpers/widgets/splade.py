"""A query box that shows a query's SPLADE expansion and the top results of BM25 beside SPLADE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from helpers.plots.splade import expansion_bars
from helpers.plots.style import shorten
from helpers.widgets import live_view, query_box

EMPTY_QUERY = "Type a query and press Enter to see its SPLADE expansion and the top results."


def top_results(scores: np.ndarray, labels: Sequence[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` best ``(label, score)`` pairs of one query's scores, best first (ties by position)."""
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return [(labels[i], float(scores[i])) for i in order]


def results_table(columns: dict[str, list[tuple[str, float]]], width: int = 34) -> str:
    """Ranked lists side by side as plain text, scores at 4 significant digits."""
    names = list(columns)
    lines = ["rank  " + "".join(f"{name:<{width + 9}}" for name in names)]
    for rank in range(max(len(c) for c in columns.values())):
        cells = [columns[n][rank] if rank < len(columns[n]) else ("", float("nan")) for n in names]
        lines.append(f"{rank + 1:>4}  " + "".join(f"{shorten(label, width):<{width}} {score:>7.4g}  " for label, score in cells))
    return "\n".join(lines)


def update(
    splade_ef: Any,
    bm25_ef: Any,
    query: str,
    splade_docs: Any,
    bm25_docs: Any,
    labels: Sequence[str],
    k: int = 5,
    top_terms: int = 12,
) -> tuple[list[tuple[str, float, bool]], str, Figure] | str:
    """What the widget shows for ``query``: its expansion, the results table, and the expansion chart.

    Parameters
    ----------
    splade_ef, bm25_ef : SpladeEmbeddingFunction, BM25EmbeddingFunction
        The encoders (BM25 fitted on the corpus).
    query : str
        The learner's query.
    splade_docs, bm25_docs : scipy sparse matrix
        The corpus encoded by each.
    labels : sequence of str
        A short name per document.
    k : int
        Results per method.
    top_terms : int
        Query terms in the chart.

    Returns
    -------
    (terms, table, Figure) or str
        The hint ``EMPTY_QUERY`` for a blank query.
    """
    if not query.strip():
        return EMPTY_QUERY
    terms = splade_ef.expansion(query, top=top_terms)
    splade = (splade_ef.encode_queries([query]) @ splade_docs.T).toarray()[0]
    bm25 = (bm25_ef.encode_queries([query]) @ bm25_docs.T).toarray()[0]
    table = results_table({"BM25": top_results(bm25, labels, k), "SPLADE": top_results(splade, labels, k)})
    return terms, table, expansion_bars({f"query: {query}": terms})


def expansion_widget(
    splade_ef: Any, bm25_ef: Any, splade_docs: Any, bm25_docs: Any, labels: Sequence[str],
    value: str = "machines that learn from examples",
) -> Any:
    """A Text box (press Enter) above the results of BM25 and SPLADE and the query's expansion chart.

    Parameters are those of :func:`update`; ``value`` is the query shown first.

    Returns
    -------
    ipywidgets.VBox
    """
    box = query_box(value)

    def render() -> list[Any]:
        result = update(splade_ef, bm25_ef, box.value, splade_docs, bm25_docs, labels)
        return [result] if isinstance(result, str) else [result[1], result[2]]

    return live_view([box], render)
