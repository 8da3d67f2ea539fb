"""Fusing the rankings of several retrievers: reciprocal rank fusion and weighted sums.

Each takes one score array per method, aligned on the same documents (``np.nan`` or
``-np.inf`` marks a document that a method did not retrieve), and returns one fused
score per document: higher is better. ``+inf`` is a top score (it ranks first, and scales to 1).
Bad settings (a ``nan`` weight, ``top_n=0``) are errors, never a silently empty fusion.

* :func:`reciprocal_rank_fusion`: what Milvus's ``RRFRanker`` computes, too.
* :func:`weighted_sum`: min-max scaling per method, then a weighted sum.
* :func:`weighted_ranker`: what Milvus's ``WeightedRanker`` computes, with its per-metric
  :func:`normalize_scores` instead of min-max (so a score's scaling depends on the metric alone).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from helpers.validation import check_number, check_positive_int


def _stack(scores: Sequence[np.ndarray]) -> np.ndarray:
    if len(scores) == 0:
        raise ValueError("fusion needs at least one score array; got none")
    arrays = [np.asarray(s, dtype=np.float64) for s in scores]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"fusion needs 1-d score arrays of one length, one per method; got shapes {shapes}")
    return np.vstack(arrays)


def matched_only(scores: np.ndarray) -> np.ndarray:
    """Scores of a sparse method (BM25, SPLADE) with the documents that share no term with the query marked missing.

    A BM25 or SPLADE score of 0 means the document shares no term with the query: the method did
    not retrieve it, as a sparse index would not (Milvus returns only documents with a non-zero
    inner product). Fusing those zeros as ranks would hand out votes in corpus order; marked
    ``nan``, :func:`reciprocal_rank_fusion` leaves them out.

    Examples
    --------
    >>> matched_only(np.array([2.5, 0.0, 1.0]))
    array([2.5, nan, 1. ])
    """
    scores = np.asarray(scores, dtype=np.float64)
    return np.where(scores > 0, scores, np.nan)


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank of each document by descending score, starting at 1 (ties broken by position).

    Missing scores (``nan`` or ``-inf``) rank last.
    """
    scores = np.asarray(scores, dtype=np.float64)
    keyed = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-keyed, kind="stable")
    result = np.empty(len(scores), dtype=np.int64)
    result[order] = np.arange(1, len(scores) + 1)
    return result


def reciprocal_rank_fusion(scores: Sequence[np.ndarray], k: int = 60, top_n: int | None = None) -> np.ndarray:
    """Reciprocal rank fusion (Cormack et al., 2009): sum over methods of ``1 / (k + rank)``.

    Parameters
    ----------
    scores : sequence of ndarray
        One array of scores per method, aligned on the same documents.
    k : int
        Damping constant; 60 is the paper's value and Milvus's ``RRFRanker`` default.
    top_n : int, optional
        Only each method's ``top_n`` best documents contribute, as when each method
        retrieves a top-n list first (1 or more). ``None`` uses every scored document.

    Returns
    -------
    ndarray
        The fused score of every document.

    Examples
    --------
    >>> reciprocal_rank_fusion([np.array([3.0, 2.0, 1.0]), np.array([1.0, 3.0, 2.0])], k=60).round(5)
    array([0.03227, 0.03252, 0.032  ])
    """
    k = check_number(k, "k", low=0, hint=" (the damping constant; 60 is usual)")
    if top_n is not None:
        top_n = check_positive_int(top_n, "top_n", hint="; or None to use every scored document")
    stacked = _stack(scores)
    fused = np.zeros(stacked.shape[1])
    for row in stacked:
        r = ranks(row)
        keep = ~(np.isnan(row) | np.isneginf(row))
        if top_n is not None:
            keep &= r <= top_n
        fused += np.where(keep, 1.0 / (k + r), 0.0)
    return fused


def min_max(scores: np.ndarray) -> np.ndarray:
    """Scale scores to [0, 1]; all-equal scores become 0, ``+inf`` becomes 1. Missing scores stay missing."""
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    top = np.isposinf(scores)
    if not finite.any():
        return np.where(top, 1.0, np.nan)
    low, high = scores[finite].min(), scores[finite].max()
    with np.errstate(invalid="ignore"):  # inf - inf where a score is +inf; replaced just below
        scaled = np.zeros_like(scores) if high == low else (scores - low) / (high - low)
    return np.where(finite, scaled, np.where(top, 1.0, np.nan))


def weighted_sum(scores: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of min-max normalized scores; a missing score counts as 0.

    Parameters
    ----------
    scores : sequence of ndarray
        One array of scores per method, aligned on the same documents.
    weights : sequence of float
        One finite, non-negative weight per method (they need not sum to 1); numpy scalars work.

    Returns
    -------
    ndarray
        The fused score of every document.
    """
    stacked = _stack(scores)
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__"):
        raise TypeError(f"weights must be a sequence of numbers, one per method, got {type(weights).__name__}")
    if len(weights) != stacked.shape[0]:
        raise ValueError(f"weighted_sum needs one weight per method: {stacked.shape[0]} methods, {len(weights)} weights")
    weights = np.array([check_number(w, f"weights[{i}]", low=0) for i, w in enumerate(weights)])
    normalized = np.nan_to_num(np.vstack([min_max(row) for row in stacked]), nan=0.0)
    return weights @ normalized


def normalize_scores(scores: np.ndarray, metric: str) -> np.ndarray:
    """Map scores to [0, 1] the way Milvus's ``WeightedRanker(norm_score=True)`` does.

    Per metric, with no dependence on the other hits (unlike :func:`min_max`):

    * COSINE: ``(1 + s) / 2``
    * IP: ``0.5 + arctan(s) / pi``
    * BM25: ``2 * arctan(s) / pi`` (scores are never negative)
    * L2 (a distance, smaller is better): ``1 - 2 * arctan(d) / pi``

    ``nan`` (not retrieved) stays ``nan``.

    Examples
    --------
    >>> normalize_scores(np.array([-1.0, 0.0, 1.0]), "COSINE")
    array([0. , 0.5, 1. ])
    """
    s = np.asarray(scores, dtype=np.float64)
    metric = metric.upper()
    if metric == "COSINE":
        return (1.0 + s) / 2.0
    if metric == "IP":
        return 0.5 + np.arctan(s) / math.pi
    if metric == "BM25":
        return 2.0 * np.arctan(s) / math.pi
    if metric == "L2":
        return 1.0 - 2.0 * np.arctan(s) / math.pi
    raise ValueError(f"normalize_scores knows COSINE, IP, BM25 and L2; got {metric!r}")


def weighted_ranker(
    scores: Sequence[np.ndarray], metrics: Sequence[str], weights: Sequence[float], *, norm_score: bool = True
) -> np.ndarray:
    """Reproduce Milvus's ``WeightedRanker``: a weighted sum of (normalized) route scores.

    Parameters
    ----------
    scores : sequence of array
        One array per search request (route), aligned on the same documents; ``nan`` where
        a route did not retrieve the document (it then adds nothing), as
        :func:`helpers.milvus.align_scores` gives.
    metrics : sequence of str
        The metric of each route (``"COSINE"``, ``"IP"``, ``"BM25"``).
    weights : sequence of float
        The ``WeightedRanker`` weights, one per route.
    norm_score : bool
        Apply :func:`normalize_scores` first (pymilvus's default).

    Returns
    -------
    ndarray
        The fused score of every document; documents no route retrieved get ``nan``.
    """
    if not (len(scores) == len(metrics) == len(weights)) or not scores:
        raise ValueError(
            f"weighted_ranker needs one metric and one weight per score array; got {len(scores)} arrays, "
            f"{len(metrics)} metrics, {len(weights)} weights"
        )
    stacked = _stack(scores)
    if norm_score:
        stacked = np.vstack([normalize_scores(row, m) for row, m in zip(stacked, metrics)])
    fused = np.asarray(weights, dtype=np.float64) @ np.nan_to_num(stacked, nan=0.0)
    return np.where(np.isnan(stacked).all(axis=0), np.nan, fused)
