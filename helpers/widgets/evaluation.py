"""Pick a benchmark query and see where each method ranked its relevant documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from helpers.evaluation import relevant_ranks
from helpers.plots.evaluation import query_ranks
from helpers.plots.style import shorten
from helpers.widgets import live_view

__all__ = ["update", "query_ranks_widget"]


def update(
    dataset: Any, scores: Mapping[str, np.ndarray], query_id: str, *, keys: Mapping[str, str | None] | None = None
) -> tuple[dict[str, list[int | None]], Figure]:
    """What the widget shows for one query: the ranks of its relevant documents per method, and their chart.

    Parameters
    ----------
    dataset : BeirDataset
        The split whose queries are the rows of the score matrices.
    scores : dict of str to ndarray
        One ``(n_queries, n_documents)`` score matrix per method.
    query_id : str
        The query to show.
    keys : dict of str to str, optional
        The registry method of each name in ``scores``, for its colour (see :func:`helpers.plots.evaluation.query_ranks`).

    Returns
    -------
    (dict, Figure)
        ``{method: [rank of each relevant document, or None]}`` and the chart.
    """
    if query_id not in dataset.queries:
        raise KeyError(f"query {query_id!r} is not in the {dataset.split} split; pick one of dataset.query_ids")
    row = dataset.query_ids.index(query_id)
    column = {doc_id: i for i, doc_id in enumerate(dataset.doc_ids)}
    relevant = [d for d, rel in dataset.qrels[query_id].items() if rel > 0]
    ranks = relevant_ranks(scores, row, [column[d] for d in relevant])
    labels = [f"{d}: {dataset.titles[column[d]]}" for d in relevant]
    return ranks, query_ranks(ranks, labels, dataset.queries[query_id], len(dataset.doc_ids), keys=keys)


def query_ranks_widget(
    dataset: Any, scores: Mapping[str, np.ndarray], value: str | None = None, *, keys: Mapping[str, str | None] | None = None
) -> Any:
    """A Dropdown of the split's queries above the chart of where each method ranked the relevant documents.

    Parameters
    ----------
    dataset : BeirDataset
        The split whose queries are the rows of the score matrices.
    scores : dict of str to ndarray
        One score matrix per method.
    value : str, optional
        The query id shown first; default the first query.
    keys : dict of str to str, optional
        The registry method of each name in ``scores``, for its colour, as in :func:`update`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    options = [(f"{q}: {shorten(text, 70)}", q) for q, text in dataset.queries.items()]
    box = widgets.Dropdown(options=options, value=value or options[0][1], description="Query:",
                           layout=widgets.Layout(width="90%"))
    return live_view([box], lambda: [update(dataset, scores, box.value, keys=keys)[1]])
