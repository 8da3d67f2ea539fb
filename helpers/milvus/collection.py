"""Milvus collections for the tutorial: their fields, schemas and indexes, created afresh.

* :func:`hybrid_schema`, :func:`hybrid_index_params`, :func:`create_hybrid_collection`: one
  collection with a dense (``FLOAT_VECTOR``, COSINE) and a sparse (``SPARSE_FLOAT_VECTOR``, IP) field.
* :func:`create_bm25_collection`: a collection whose sparse field Milvus fills itself with its
  built-in BM25 function (full-text search).
* :func:`ensure_loaded`: a reopened database has its collections released.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.milvus.client import require_pymilvus

__all__ = [
    "ID_FIELD",
    "TEXT_FIELD",
    "DENSE_FIELD",
    "SPARSE_FIELD",
    "hybrid_schema",
    "hybrid_index_params",
    "recreate_collection",
    "create_hybrid_collection",
    "create_bm25_collection",
    "ensure_loaded",
]

ID_FIELD = "id"
TEXT_FIELD = "text"
DENSE_FIELD = "dense"
SPARSE_FIELD = "sparse"


def hybrid_schema(dim: int = 384, *, id_max_length: int = 128, text_max_length: int = 65_535) -> Any:
    """Schema of the hybrid collection: ``id``, ``text``, ``dense`` and ``sparse``.

    Parameters
    ----------
    dim : int
        Length of the dense vectors (384 for all-MiniLM-L6-v2).
    id_max_length, text_max_length : int
        Longest id and text, in UTF-8 bytes (Milvus's VARCHAR limit is 65,535).

    Returns
    -------
    pymilvus.CollectionSchema
    """
    if not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive integer (384 for all-MiniLM-L6-v2), got {dim!r}")
    pymilvus = require_pymilvus()
    DataType = pymilvus.DataType
    schema = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field(ID_FIELD, DataType.VARCHAR, is_primary=True, max_length=id_max_length)
    schema.add_field(TEXT_FIELD, DataType.VARCHAR, max_length=text_max_length)
    schema.add_field(DENSE_FIELD, DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field(SPARSE_FIELD, DataType.SPARSE_FLOAT_VECTOR)
    return schema


def hybrid_index_params(client: Any) -> Any:
    """Index parameters: exact FLAT/COSINE on ``dense``, an inverted index with IP on ``sparse``.

    FLAT scans every vector, so Milvus returns exactly the in-memory top-k; past about a
    million vectors switch to ``HNSW`` or ``AUTOINDEX`` and accept approximate results.
    """
    params = client.prepare_index_params()
    params.add_index(field_name=DENSE_FIELD, index_type="FLAT", metric_type="COSINE")
    params.add_index(field_name=SPARSE_FIELD, index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    return params


def recreate_collection(client: Any, name: str, schema: Any, index_params: Any) -> bool:
    """Drop ``name`` if it exists, then create it with its indexes (it is loaded and empty).

    Returns
    -------
    bool
        True if an existing collection was dropped.
    """
    existed = bool(client.has_collection(name))
    if existed:
        client.drop_collection(name)
    client.create_collection(name, schema=schema, index_params=index_params)
    return existed


def create_hybrid_collection(client: Any, name: str, dim: int = 384, **schema_kwargs: Any) -> bool:
    """(Re)create the dense + sparse collection ``name``; see :func:`hybrid_schema`.

    Returns
    -------
    bool
        True if an existing collection of that name was dropped first.
    """
    return recreate_collection(client, name, hybrid_schema(dim, **schema_kwargs), hybrid_index_params(client))


def create_bm25_collection(
    client: Any,
    name: str,
    *,
    k1: float = 1.2,
    b: float = 0.75,
    analyzer_params: Mapping[str, Any] | None = None,
    id_max_length: int = 128,
    text_max_length: int = 65_535,
) -> bool:
    """(Re)create a collection whose ``sparse`` field Milvus's BM25 function fills from ``text``.

    Insert only ``id`` and ``text``; search with the query text itself and ``metric_type="BM25"``.

    Parameters
    ----------
    k1, b : float
        BM25 parameters, stored with the index (``bm25_k1``, ``bm25_b``). Pass them
        explicitly: defaults differ between Milvus versions (1.2 on servers, 1.5 in this
        Milvus Lite).
    analyzer_params : mapping, optional
        Milvus analyzer; default ``{"tokenizer": "standard", "filter": ["lowercase"]}``.

    Returns
    -------
    bool
        True if an existing collection of that name was dropped first.
    """
    if k1 <= 0 or not 0 <= b <= 1:
        raise ValueError(f"BM25 needs k1 > 0 and 0 <= b <= 1; got k1={k1}, b={b}")
    pymilvus = require_pymilvus()
    DataType = pymilvus.DataType
    analyzer = dict(analyzer_params or {"tokenizer": "standard", "filter": ["lowercase"]})
    schema = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field(ID_FIELD, DataType.VARCHAR, is_primary=True, max_length=id_max_length)
    schema.add_field(
        TEXT_FIELD, DataType.VARCHAR, max_length=text_max_length, enable_analyzer=True, analyzer_params=analyzer
    )
    schema.add_field(SPARSE_FIELD, DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        pymilvus.Function(
            name="text_bm25",
            function_type=pymilvus.FunctionType.BM25,
            input_field_names=[TEXT_FIELD],
            output_field_names=[SPARSE_FIELD],
        )
    )
    params = client.prepare_index_params()
    # Nested under "params" (a JSON string on the wire, as older clients sent it): Milvus
    # servers read both forms, but Milvus Lite 3.2.2 ignores the flat keys that pymilvus 3
    # sends for params={"bm25_k1": ...} and silently scores with its own k1=1.5.
    params.add_index(
        field_name=SPARSE_FIELD,
        index_type="SPARSE_INVERTED_INDEX",
        metric_type="BM25",
        params={"params": {"bm25_k1": float(k1), "bm25_b": float(b)}},
    )
    return recreate_collection(client, name, schema, params)


def ensure_loaded(client: Any, name: str) -> bool:
    """Load collection ``name`` unless it is loaded already.

    A database reopened by a new process (or after Milvus Lite restarted) has every
    collection released, and searching a released collection fails.

    Returns
    -------
    bool
        True if the collection had to be loaded.
    """
    if not client.has_collection(name):
        raise ValueError(f"collection {name!r} does not exist; create it first (e.g. create_hybrid_collection)")
    require_pymilvus()
    from pymilvus.client.types import LoadState

    if client.get_load_state(name)["state"] == LoadState.Loaded:
        return False
    client.load_collection(name)
    return True
