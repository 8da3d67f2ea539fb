"""Putting documents into a hybrid collection: sparse rows as Milvus stores them, and batched inserts.

* :func:`sparse_rows`: scipy rows to the ``{index: weight}`` dicts Milvus takes.
* :func:`insert_documents`: batched inserts, and the pitfall of a document whose sparse vector is
  empty (Milvus refuses it), reported in an :class:`InsertReport`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from helpers.milvus.collection import DENSE_FIELD, ID_FIELD, SPARSE_FIELD, TEXT_FIELD
from helpers.validation import check_positive_int

__all__ = ["EMPTY_SPARSE_INDEX", "sparse_rows", "InsertReport", "insert_documents"]

# Milvus accepts sparse indices in [0, 2**32 - 1); the last one is reserved as a marker term
# that no query vector contains, so a row holding only it never scores in a sparse search.
EMPTY_SPARSE_INDEX = 2**32 - 2


def sparse_rows(matrix: Any) -> list[dict[int, float]]:
    """Turn sparse rows into the ``{index: weight}`` dicts that Milvus stores.

    Parameters
    ----------
    matrix : scipy sparse matrix or array, or a list of them or of dicts
        One row per document, such as ``BM25EmbeddingFunction.encode_documents`` returns.
        Explicit zeros are dropped; a row with no non-zero weight becomes ``{}``.

    Returns
    -------
    list of dict
        ``{int index: float weight}`` per row.

    Examples
    --------
    >>> sparse_rows(sp.csr_array(np.array([[0.0, 1.5, 0.0], [0.0, 0.0, 0.0]])))
    [{1: 1.5}, {}]
    """
    if isinstance(matrix, (list, tuple)):
        if all(isinstance(row, Mapping) for row in matrix):
            return [{int(k): float(v) for k, v in row.items() if v != 0} for row in matrix]
        if not all(sp.issparse(row) for row in matrix):
            raise TypeError("sparse_rows takes a scipy sparse matrix, or a list of sparse rows or of dicts")
        matrix = sp.vstack(matrix) if matrix else sp.csr_array((0, 0))
    if not sp.issparse(matrix):
        raise TypeError(f"sparse_rows takes a scipy sparse matrix, got {type(matrix).__name__}")
    csr = sp.csr_array(matrix)
    csr.eliminate_zeros()
    csr.sort_indices()
    if csr.shape[1] > EMPTY_SPARSE_INDEX:
        raise ValueError(f"Milvus sparse indices must be below {EMPTY_SPARSE_INDEX}; got {csr.shape[1]} columns")
    indices, weights = csr.indices.tolist(), csr.data.astype(float).tolist()
    bounds = csr.indptr.tolist()
    return [dict(zip(indices[s:e], weights[s:e])) for s, e in zip(bounds[:-1], bounds[1:])]


@dataclass
class InsertReport:
    """What :func:`insert_documents` did.

    Attributes
    ----------
    inserted : int
        Rows stored.
    placeholder_ids : list
        Documents whose sparse vector was empty, stored with the marker term only: dense
        search finds them, sparse search never does.
    skipped_ids : list
        Documents with an empty sparse vector that were not stored at all.
    """

    inserted: int
    placeholder_ids: list = field(default_factory=list)
    skipped_ids: list = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"inserted {self.inserted} documents"]
        if self.placeholder_ids:
            lines.append(
                f"{len(self.placeholder_ids)} with an empty sparse vector, stored with a marker term "
                f"(found by dense search only): {self.placeholder_ids}"
            )
        if self.skipped_ids:
            lines.append(f"{len(self.skipped_ids)} with an empty sparse vector, skipped: {self.skipped_ids}")
        return "\n".join(lines)


def insert_documents(
    client: Any,
    name: str,
    ids: Sequence[str],
    texts: Sequence[str],
    dense: Any,
    sparse: Any,
    *,
    empty_sparse: str = "raise",
    batch_size: int = 512,
) -> InsertReport:
    """Insert documents with their dense and sparse embeddings into a hybrid collection.

    Milvus refuses a sparse vector without a non-zero weight, which is what BM25 gives a
    document made only of stopwords. ``empty_sparse`` says what to do with such documents.

    Parameters
    ----------
    client : pymilvus.MilvusClient
    name : str
        A collection made by :func:`create_hybrid_collection`.
    ids, texts : sequence of str
        One id and one text per document.
    dense : array-like, shape (n, dim)
        Dense embeddings (a list of vectors or a 2-d array).
    sparse : scipy sparse matrix (n rows) or list of sparse rows or dicts
        Sparse embeddings; see :func:`sparse_rows`.
    empty_sparse : {"raise", "placeholder", "skip"}
        ``"raise"`` (default) stops before inserting anything and lists the documents;
        ``"placeholder"`` stores them with a marker term at :data:`EMPTY_SPARSE_INDEX` that
        no query contains (dense search still finds them); ``"skip"`` leaves them out.
    batch_size : int
        Rows sent per insert call.

    Returns
    -------
    InsertReport
    """
    if empty_sparse not in {"raise", "placeholder", "skip"}:
        raise ValueError(f"empty_sparse must be 'raise', 'placeholder' or 'skip', got {empty_sparse!r}")
    batch_size = check_positive_int(batch_size, "batch_size")
    ids, texts = list(ids), list(texts)
    dense = np.asarray(dense, dtype=np.float32)
    rows = sparse_rows(sparse)
    n = len(ids)
    if dense.ndim != 2 or not (len(texts) == len(rows) == dense.shape[0] == n):
        raise ValueError(
            f"insert_documents needs one id, text, dense row and sparse row per document; got {n} ids, "
            f"{len(texts)} texts, dense of shape {dense.shape} and {len(rows)} sparse rows"
        )
    if len(set(ids)) != n:
        duplicates = sorted(k for k, c in Counter(ids).items() if c > 1)[:5]
        raise ValueError(f"ids must be unique (they are the primary key); repeated: {duplicates}")
    empty = [i for i, row in enumerate(rows) if not row]
    empty_ids = [ids[i] for i in empty]
    if empty and empty_sparse == "raise":
        raise ValueError(
            f"{len(empty)} document(s) have an empty sparse vector (e.g. only stopwords) and Milvus would "
            f"refuse them: {empty_ids[:10]}. Pass empty_sparse='placeholder' to keep them for dense search, "
            "or empty_sparse='skip' to leave them out"
        )
    if empty_sparse == "skip":
        keep = sorted(set(range(n)) - set(empty))
    else:
        keep = list(range(n))
        for i in empty:
            rows[i] = {EMPTY_SPARSE_INDEX: 1.0}
    records = [
        {ID_FIELD: ids[i], TEXT_FIELD: texts[i], DENSE_FIELD: dense[i].tolist(), SPARSE_FIELD: rows[i]} for i in keep
    ]
    inserted = 0
    for start in range(0, len(records), batch_size):
        inserted += client.insert(name, records[start : start + batch_size])["insert_count"]
    if empty_sparse == "skip":
        return InsertReport(inserted=inserted, skipped_ids=empty_ids)
    return InsertReport(inserted=inserted, placeholder_ids=empty_ids)
