"""Input checks and top-k selection shared by every rerank function."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers.model.base import RerankResult
from helpers.validation import check_positive_int, check_text, check_texts


def check_rerank_args(query: str, documents: Sequence[str], top_k: int) -> tuple[str, list[str], int]:
    """Validate a rerank call; return the query, the documents as a list and the number of results.

    The number of results is ``min(top_k, len(documents))``: asking for more than there are
    returns them all, as in pymilvus.

    Raises
    ------
    TypeError
        If ``query`` is not a string, ``documents`` is not a list of strings or ``top_k`` is not an int.
    InvalidTextError
        If the query or a document holds a lone surrogate (the message names which).
    ValueError
        If ``top_k`` is 0 or negative.
    """
    query = check_text(query, "query")
    documents = check_texts(documents, "documents")
    top_k = check_positive_int(top_k, "top_k", hint="; pass top_k=len(documents) to get every document back")
    return query, documents, min(top_k, len(documents))


def top_results(documents: list[str], scores: np.ndarray, top_k: int) -> list[RerankResult]:
    """Return the ``top_k`` best documents as RerankResults, highest score first.

    Ties keep the input order (a stable sort), so the first-stage order breaks them.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(scores) != len(documents):
        raise ValueError(f"got {len(scores)} scores for {len(documents)} documents")
    order = np.argsort(-scores, kind="stable")[:top_k]
    return [RerankResult(text=documents[i], score=float(scores[i]), index=int(i)) for i in order]
