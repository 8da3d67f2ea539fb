"""Sparse rows back to readable ``{term: weight}`` dicts (shared by BM25 and SPLADE)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_array

__all__ = ["decode_rows"]


def decode_rows(
    vectors: Any, names: Callable[[list[int]], Sequence[str]], top: int | None = None
) -> list[dict[str, float]]:
    """Turn each row of ``vectors`` into ``{term: weight}``, heaviest first.

    Parameters
    ----------
    vectors : scipy sparse matrix or array
        One row per text.
    names : callable
        Maps a list of column indices to their terms (a vocabulary lookup).
    top : int, optional
        Keep at most this many terms per row.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> decode_rows(csr_array(np.array([[0.5, 0.0, 2.0]])), lambda ids: [["a", "b", "c"][i] for i in ids])
    [{'c': 2.0, 'a': 0.5}]
    """
    rows = csr_array(vectors)
    decoded = []
    for start, end in zip(rows.indptr[:-1], rows.indptr[1:]):
        order = start + np.argsort(-rows.data[start:end], kind="stable")[:top]
        decoded.append(dict(zip(names(rows.indices[order].tolist()), rows.data[order].astype(float).tolist())))
    return decoded
