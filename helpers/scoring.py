"""How each method scores a batch of queries: one function per method, over one context.

A score function takes a :class:`ScoringContext` (what a search or an evaluation knows: the
encoded corpus, the fusion settings, the reranker), the queries, and the score matrices of
the methods computed before it, and returns a ``(n_queries, n_documents)`` float64 matrix
(``nan`` where a method did not score a document). :data:`helpers.methods.METHODS` names the
function of each method and :func:`helpers.methods.score_methods` runs them in order, so
:class:`helpers.search.Search`, :mod:`helpers.evaluation` and the benchmarks score alike.

The fusions work query by query with :mod:`helpers.fusion`, exactly as a search over one
query would. RRF gives BM25's zeros no vote (:func:`helpers.fusion.matched_only`): a document
that contains no query word was not retrieved by BM25.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from helpers.fusion import matched_only, reciprocal_rank_fusion, weighted_sum

__all__ = ["ScoringContext", "check_score_matrices", "rrf_scores", "weighted_scores", "dense", "bm25", "rrf", "weighted", "rerank"]


class ScoringContext(Protocol):
    """What the score functions ask of a search or an evaluation.

    Attributes
    ----------
    weight : float
        Dense weight of the ``weighted`` fusion (BM25 gets ``1 - weight``).
    rrf_k : int
        Damping constant of the ``rrf`` fusion.
    first_stage : str
        The method whose top documents the reranker rescores.
    """

    weight: float
    rrf_k: int
    first_stage: str

    def dense_scores(self, queries: Sequence[str]) -> np.ndarray:
        """Cosine of every query with every document."""

    def bm25_scores(self, queries: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for every query (0: no query word in it)."""

    def rerank_scores(self, queries: Sequence[str], first_stage: np.ndarray) -> np.ndarray:
        """The reranker's scores of each query's top candidates by ``first_stage``; ``nan`` elsewhere."""


def check_score_matrices(scores: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The matrices as float64, checked to share one ``(n_queries, n_documents)`` shape."""
    matrices = [np.asarray(s, dtype=np.float64) for s in scores]
    if len({m.shape for m in matrices}) != 1 or matrices[0].ndim != 2:
        raise ValueError(f"score matrices must share one 2-d shape; got {[m.shape for m in matrices]}")
    return matrices


def rrf_scores(scores: Sequence[np.ndarray], k: int = 60, top_n: int | None = None) -> np.ndarray:
    """Reciprocal rank fusion of several score matrices, query by query (see :func:`helpers.fusion.reciprocal_rank_fusion`).

    A ``nan`` score gets no vote: pass BM25 through :func:`helpers.fusion.matched_only` to
    leave out the documents that contain no query word, as the ``rrf`` method does.
    """
    matrices = check_score_matrices(scores)
    return np.vstack([reciprocal_rank_fusion(rows, k=k, top_n=top_n) for rows in zip(*matrices)])


def weighted_scores(scores: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of min-max normalized scores, query by query (see :func:`helpers.fusion.weighted_sum`)."""
    matrices = check_score_matrices(scores)
    return np.vstack([weighted_sum(rows, weights) for rows in zip(*matrices)])


def dense(context: ScoringContext, queries: Sequence[str], scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """Cosine of the query and document embeddings."""
    return np.asarray(context.dense_scores(queries), dtype=np.float64)


def bm25(context: ScoringContext, queries: Sequence[str], scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """The BM25 score: dot product of the sparse query and document vectors."""
    return np.asarray(context.bm25_scores(queries), dtype=np.float64)


def rrf(context: ScoringContext, queries: Sequence[str], scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """Reciprocal rank fusion of dense and BM25; BM25's zeros get no vote."""
    return rrf_scores([scores["dense"], matched_only(scores["bm25"])], k=context.rrf_k)


def weighted(context: ScoringContext, queries: Sequence[str], scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """``weight * dense + (1 - weight) * bm25`` after min-max scaling (BM25's zeros scale to 0 anyway)."""
    return weighted_scores([scores["dense"], scores["bm25"]], [context.weight, 1 - context.weight])


def rerank(context: ScoringContext, queries: Sequence[str], scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """The reranker's score of the first stage's top documents; ``nan`` for the rest."""
    return np.asarray(context.rerank_scores(queries, scores[context.first_stage]), dtype=np.float64)
