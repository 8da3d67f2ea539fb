"""Storing and searching the tutorial's embeddings in Milvus: what would otherwise be repeated or easy to get wrong.

The notebooks call ``pymilvus.MilvusClient`` directly; this package holds the rest, one job per module:

* :mod:`helpers.milvus.client`: :func:`connect` (``MILVUS_URI`` / ``MILVUS_TOKEN`` select a server
  or Zilliz Cloud, else a Milvus Lite file) and the Milvus Lite server's lifetime.
* :mod:`helpers.milvus.collection`: the fields, :func:`hybrid_schema`, :func:`create_hybrid_collection`
  (dense COSINE + sparse IP), :func:`create_bm25_collection` (Milvus's built-in BM25) and
  :func:`ensure_loaded`.
* :mod:`helpers.milvus.insert`: :func:`sparse_rows` and :func:`insert_documents`, with the pitfall of
  an empty sparse vector.
* :mod:`helpers.milvus.results`: :func:`hit_ids`, :func:`hit_scores`, :func:`align_scores`,
  :func:`compare_rankings` and :func:`format_hits`.

What Milvus's rankers compute is plain numpy and lives in :mod:`helpers.fusion`
(:func:`normalize_scores`, :func:`weighted_ranker`, re-exported here); comparing rankings lives in
:mod:`helpers.metrics`. ``import helpers.milvus as hm`` gives every name below.

pymilvus (and milvus-lite for local files) are imported on first use.
"""

from __future__ import annotations

from helpers.fusion import normalize_scores, weighted_ranker
from helpers.metrics import RankingComparison
from helpers.milvus.client import DEFAULT_LITE_PATH, MilvusConnection, connect
from helpers.milvus.collection import (
    DENSE_FIELD,
    ID_FIELD,
    SPARSE_FIELD,
    TEXT_FIELD,
    create_bm25_collection,
    create_hybrid_collection,
    ensure_loaded,
    hybrid_index_params,
    hybrid_schema,
    recreate_collection,
)
from helpers.milvus.insert import EMPTY_SPARSE_INDEX, InsertReport, insert_documents, sparse_rows
from helpers.milvus.results import align_scores, compare_rankings, format_hits, hit_ids, hit_scores

__all__ = [
    "DEFAULT_LITE_PATH",
    "ID_FIELD",
    "TEXT_FIELD",
    "DENSE_FIELD",
    "SPARSE_FIELD",
    "EMPTY_SPARSE_INDEX",
    "MilvusConnection",
    "InsertReport",
    "connect",
    "hybrid_schema",
    "hybrid_index_params",
    "recreate_collection",
    "create_hybrid_collection",
    "create_bm25_collection",
    "sparse_rows",
    "insert_documents",
    "ensure_loaded",
    "hit_ids",
    "hit_scores",
    "align_scores",
    "normalize_scores",
    "weighted_ranker",
    "RankingComparison",
    "compare_rankings",
    "format_hits",
]
