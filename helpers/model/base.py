"""Base classes and the rerank result type, with pymilvus.model's names and shapes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.validation import check_positive_int, check_text, check_texts

__all__ = ["BaseEmbeddingFunction", "BaseRerankFunction", "RerankResult", "check_rerank_args", "check_texts", "top_results"]


class BaseEmbeddingFunction(ABC):
    """An embedding function: ``encode_documents``, ``encode_queries`` and ``__call__``."""

    @abstractmethod
    def __call__(self, texts: list[str]) -> Any:
        """Encode texts as documents."""

    @abstractmethod
    def encode_queries(self, queries: list[str]) -> Any:
        """Encode search queries."""


class BaseRerankFunction:
    """A rerank function: ``rf(query, documents, top_k)`` returns the best ``top_k`` as RerankResults.

    :meth:`__call__` checks the arguments and handles an empty list for every reranker. A
    reranker that scores each document defines :meth:`score` (one score per document, in input
    order); one whose backend ranks by itself (a hosted API) overrides :meth:`_rank` instead.
    """

    def __call__(self, query: str, documents: list[str], top_k: int = 5) -> list[RerankResult]:
        """Score ``documents`` against ``query`` and return the ``top_k`` best, highest score first.

        Parameters
        ----------
        query : str
            The search query.
        documents : list of str
            Candidate documents, e.g. a first stage's top 100.
        top_k : int
            How many results to return; more than ``len(documents)`` returns them all.

        Returns
        -------
        list of RerankResult
            ``index`` is the document's position in ``documents``; ties keep the input order.
        """
        query, documents, top_k = check_rerank_args(query, documents, top_k)
        if not documents:
            return []
        return self._rank(query, documents, top_k)

    def _rank(self, query: str, documents: list[str], top_k: int) -> list[RerankResult]:
        """The ``top_k`` best of checked, non-empty ``documents``: by default, by :meth:`score`."""
        return top_results(documents, self.score(query, documents), top_k)

    def score(self, query: str, documents: list[str]) -> np.ndarray:
        """One relevance score per document, in input order (higher is more relevant)."""
        raise NotImplementedError(f"{type(self).__name__} must define score(query, documents) or override _rank")


class RerankResult:
    """One reranked document: its text, its score and its index in the input list.

    Parameters
    ----------
    text : str
        The document text.
    score : float
        The relevance score (higher is more relevant).
    index : int
        Position of the document in the list that was reranked.
    """

    __slots__ = ("text", "score", "index")

    def __init__(self, text: str, score: float, index: int):
        self.text = text
        self.score = float(score)
        self.index = int(index)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"text": ..., "score": ..., "index": ...}``."""
        return {"text": self.text, "score": self.score, "index": self.index}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RerankResult):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"RerankResult(text={self.text!r}, score={self.score}, index={self.index})"


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
