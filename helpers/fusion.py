"""Fusing the rankings of several retrievers: reciprocal rank fusion and a weighted sum.

Both take one score array per method, aligned on the same documents (``np.nan`` or
``-np.inf`` marks a document that a method did not retrieve), and return one fused
score per document: higher is better. ``+inf`` is a top score (it ranks first, and scales to 1).
Bad settings (a ``nan`` weight, ``top_n=0``) are errors, never a silently empty fusion.
"""

from __future__ import annotations

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
    """Scores of a lexical method (BM25) with the documents that matched no query word marked missing.

    A BM25 score of 0 means the document contains none of the query's words: BM25 did not
    retrieve it, as a sparse index would not (Milvus returns only documents with a non-zero
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
