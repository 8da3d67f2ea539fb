"""A query box that shows a sentence's cosine similarity to each document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from helpers.language import language_note
from helpers.plots.dense import similarity_bars
from helpers.widgets import live_view, query_box, readable_query

EMPTY_QUERY = "Type a sentence and press Enter to compare it with the documents."


def query_similarity(ef: Any, query: str, doc_vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of ``query`` to each document vector.

    Parameters
    ----------
    ef : embedding function
        Anything with ``encode_queries(list[str])`` returning unit vectors.
    query : str
        The learner's sentence.
    doc_vectors : ndarray of shape (n_docs, dim)
        Unit-length document embeddings.

    Returns
    -------
    ndarray of shape (n_docs,)
    """
    return np.asarray(doc_vectors) @ ef.encode_queries([query])[0]


def update(ef: Any, query: str, docs: Sequence[str], doc_vectors: np.ndarray) -> tuple[np.ndarray, Figure] | str:
    """What the widget shows for ``query``: scores and bar chart, or a hint when it is empty."""
    query = readable_query(query)
    if query is None:
        return EMPTY_QUERY
    scores = query_similarity(ef, query, doc_vectors)
    return scores, similarity_bars(scores, docs, query)


def render(ef: Any, query: str, docs: Sequence[str], doc_vectors: np.ndarray) -> list[Any]:
    """What the widget's output area shows, in order: a note when the query is not English and
    ``ef`` is English-only (:func:`helpers.language.language_note`), then the chart or the hint."""
    result = update(ef, query, docs, doc_vectors)
    note = language_note(query, ef)
    return ([note] if note else []) + [result if isinstance(result, str) else result[1]]


def similarity_widget(ef: Any, docs: Sequence[str], value: str = "Who was Alan Turing?") -> Any:
    """A Text box (press Enter) above a bar chart of the query's similarity to each document.

    Parameters
    ----------
    ef : embedding function
        E.g. ``DefaultEmbeddingFunction()``.
    docs : sequence of str
        The documents to compare against; encoded once here.
    value : str
        The query shown first.

    Returns
    -------
    ipywidgets.VBox
    """
    doc_vectors = np.stack(ef.encode_documents(list(docs)))
    box = query_box(value)

    return live_view([box], lambda: render(ef, box.value, docs, doc_vectors))
