"""Exercises of notebook 01, dense embeddings: unit vectors and a query's best match."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.exercises.verdict import Verdict, right, unanswered, wrong
from helpers.widgets.dense import query_similarity

RAW_VECTOR = (3.0, 4.0)


def check_unit_vector(answer: Any) -> Verdict:
    """Exercise 1: ``RAW_VECTOR`` scaled to length 1 (what ``normalize_embeddings=True`` does)."""
    hint = "divide the vector by its length, np.linalg.norm(raw)"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    raw = np.array(RAW_VECTOR)
    try:
        value = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return wrong(f"give an array of two numbers, not {answer!r}")
    if value.shape != raw.shape:
        return wrong(f"the unit vector has the same shape as raw, {raw.shape}; got {value.shape}")
    if np.allclose(value, raw / raw.sum()):
        return wrong("you divided by the sum of the entries; divide by the length, sqrt(3² + 4²) = 5")
    if not np.isclose(np.linalg.norm(value), 1.0, atol=1e-3):
        return wrong(f"its length is {np.linalg.norm(value):.4g}, not 1. {hint}")
    if not np.allclose(value, raw / np.linalg.norm(raw), atol=1e-3):
        return wrong("it has length 1 but points elsewhere: scale raw, do not change its direction")
    return right("[0.6, 0.8]: same direction, length 1, so dot products of such vectors are cosines")


def check_best_document(answer: Any, ef: Any, docs: Sequence[str], query: str) -> Verdict:
    """Exercise 2: the index of the document that ``query`` is most similar to.

    Parameters
    ----------
    answer : int
        The learner's guess, 0-based.
    ef : embedding function
        Has ``encode_documents`` and ``encode_queries`` returning unit vectors.
    docs : list of str
        The documents.
    query : str
        The query.
    """
    hint = "encode the query, take its dot product with every document vector, pick the largest"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    scores = query_similarity(ef, query, np.stack(ef.encode_documents(list(docs))))
    best = int(np.argmax(scores))
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)) or not 0 <= answer < len(docs):
        return wrong(f"give a document index from 0 to {len(docs) - 1}, not {answer!r}")
    if answer == best:
        return right(f"document {best} scores {scores[best]:.4g}, the highest; it shares few words with the query")
    return wrong(f"document {answer} scores {scores[answer]:.4g}, but another one scores higher. {hint}")
