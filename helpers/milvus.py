"""Thin helpers for storing and searching the tutorial's embeddings in Milvus.

The notebooks call ``pymilvus.MilvusClient`` directly; this module holds only what would
otherwise be repeated or is easy to get wrong:

* :func:`connect`: ``MILVUS_URI`` / ``MILVUS_TOKEN`` select a Milvus server or Zilliz Cloud;
  without them a Milvus Lite file in a working folder is used. The token never appears in
  reprs or messages.
* :func:`hybrid_schema`, :func:`hybrid_index_params`, :func:`create_hybrid_collection`: one
  collection with a dense (``FLOAT_VECTOR``, COSINE) and a sparse (``SPARSE_FLOAT_VECTOR``, IP) field.
* :func:`create_bm25_collection`: a collection whose sparse field Milvus fills itself with its
  built-in BM25 function (full-text search).
* :func:`sparse_rows` and :func:`insert_documents`: scipy rows to Milvus sparse dicts, and the
  pitfall of a document whose sparse vector is empty (Milvus refuses it).
* :func:`ensure_loaded`: a reopened database has its collections released.
* :func:`hit_scores`, :func:`normalize_scores`, :func:`weighted_ranker`: read scores back and
  reproduce what Milvus's ``WeightedRanker`` computes.

pymilvus (and milvus-lite for local files) are imported on first use.
"""

from __future__ import annotations

import math
import os
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import scipy.sparse as sp

from helpers.validation import check_positive_int

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

# Relative to the working directory: notebooks run in notebooks/, so this is notebooks/work/,
# which is gitignored and safe to delete.
DEFAULT_LITE_PATH = Path("work") / "milvus_demo.db"

ID_FIELD = "id"
TEXT_FIELD = "text"
DENSE_FIELD = "dense"
SPARSE_FIELD = "sparse"

# Milvus accepts sparse indices in [0, 2**32 - 1); the last one is reserved as a marker term
# that no query vector contains, so a row holding only it never scores in a sparse search.
EMPTY_SPARSE_INDEX = 2**32 - 2

_INSTALL_HINT = "pip install pymilvus==3.0.2 milvus-lite==3.2.2 (both are in this project's pyproject.toml)"


def _pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError:  # pragma: no cover - the project pins it
        raise ImportError(f"helpers.milvus needs pymilvus: {_INSTALL_HINT}") from None
    return pymilvus


# --------------------------------------------------------------------------------------
# Connecting
# --------------------------------------------------------------------------------------

# Milvus Lite runs one server per database file inside this process; pymilvus shares it
# between clients but never stops it. Count our clients per file so the last close stops it.
_lite_clients: Counter[str] = Counter()
_lite_lock = threading.Lock()


_LITE_GRPC_OPTIONS = {"grpc.keepalive_permit_without_calls": 0, "grpc.keepalive_time_ms": 300_000}


def _redact(uri: str) -> str:
    """``uri`` without any ``user:password@`` part."""
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


@dataclass(eq=False)
class MilvusConnection:
    """A ``MilvusClient`` and where it points, printable without secrets.

    Use it as a context manager, or call :meth:`close`, so a Milvus Lite server started for
    the file stops when its last client closes.

    Attributes
    ----------
    client : pymilvus.MilvusClient
        The client; every pymilvus call goes through it.
    uri : str
        Where it points, with any ``user:password@`` removed.
    lite_path : Path or None
        The database file when this is Milvus Lite, else None.
    has_token : bool
        Whether a token was given (the token itself is not kept here).
    """

    client: Any = field(repr=False)
    uri: str
    lite_path: Path | None = None
    has_token: bool = False
    closed: bool = field(default=False, repr=False)

    @property
    def is_lite(self) -> bool:
        """True when the database is a local Milvus Lite file."""
        return self.lite_path is not None

    def describe(self) -> str:
        """One line for learners: which Milvus this is."""
        if self.is_lite:
            return f"Milvus Lite, database file {self.uri}"
        return f"Milvus server at {self.uri}" + (" (token set)" if self.has_token else "")

    def close(self) -> None:
        """Close the client; for Milvus Lite, stop its server once no client of ours uses it."""
        if self.closed:
            return
        self.closed = True
        self.client.close()
        if self.lite_path is not None:
            key = str(self.lite_path.resolve())
            with _lite_lock:
                _lite_clients[key] -= 1
                last = _lite_clients[key] <= 0
                if last:
                    del _lite_clients[key]
            if last:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(key)

    def __enter__(self) -> MilvusConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        token = ", token=<set>" if self.has_token else ""
        kind = "Milvus Lite" if self.is_lite else "Milvus server"
        state = ", closed" if self.closed else ""
        return f"MilvusConnection({kind}, uri={self.uri!r}{token}{state})"


def connect(
    uri: str | os.PathLike[str] | None = None,
    token: str | None = None,
    *,
    lite_path: str | os.PathLike[str] = DEFAULT_LITE_PATH,
    timeout: float | None = 10.0,
) -> MilvusConnection:
    """Connect to Milvus: a server when ``MILVUS_URI`` is set, else a Milvus Lite file.

    Parameters
    ----------
    uri : str or path, optional
        ``http://host:19530``, a Zilliz Cloud endpoint, or a ``.db`` file for Milvus Lite.
        Defaults to the ``MILVUS_URI`` environment variable, then to ``lite_path``.
    token : str, optional
        ``user:password`` or an API key. Defaults to ``MILVUS_TOKEN``. It is passed to the
        client and never stored, printed or put in an error message here.
    lite_path : str or path
        The Milvus Lite file used when no URI is given; its folder is created. Must end in ``.db``.
    timeout : float, optional
        Seconds to wait for a server before giving up.

    Returns
    -------
    MilvusConnection
        Holds ``.client``; close it (or use ``with``) when done.

    Raises
    ------
    ConnectionError
        If the server cannot be reached; the message says how to fall back to Milvus Lite.
    ValueError
        If the URI is neither a server address nor a ``.db`` path, or the ``.db`` path is a plain
        file (a Milvus Lite 2.x database, which Milvus Lite 3 cannot open).

    Examples
    --------
    >>> with connect(lite_path="work/demo.db") as conn:  # doctest: +SKIP
    ...     conn.client.list_collections()
    []
    """
    env_uri = os.environ.get("MILVUS_URI", "").strip()
    uri = str(uri) if uri is not None else env_uri
    token = token if token is not None else os.environ.get("MILVUS_TOKEN", "")
    lite_file: Path | None = None
    if not uri:
        uri = str(lite_path)
    if uri.endswith(".db"):
        lite_file = Path(uri).expanduser()
        if lite_file.is_file():  # Milvus Lite 3 keeps a database in a folder named *.db
            raise ValueError(
                f"{lite_file} is a plain file, not a Milvus Lite database folder: an older Milvus Lite (2.x) "
                "made it, and this version cannot read it. Fix: move or delete it and insert the documents "
                "again, or pass another lite_path"
            )
        lite_file.parent.mkdir(parents=True, exist_ok=True)
        uri = str(lite_file)
    elif "://" not in uri:
        raise ValueError(
            f"Milvus URI {_redact(uri)!r} is neither a server address (http://host:19530) nor a "
            "Milvus Lite file ending in .db; fix MILVUS_URI or the uri argument"
        )
    pymilvus = _pymilvus()
    shown = _redact(uri)
    # pymilvus pings every 10 s even when idle; Milvus Lite's in-process gRPC server allows one
    # idle ping per 5 minutes and answers more with GOAWAY "too_many_pings", which gRPC prints
    # to stderr (into notebook outputs). A loopback channel needs no keepalive while idle.
    options = {"grpc_options": _LITE_GRPC_OPTIONS} if lite_file is not None else {}
    try:
        client = pymilvus.MilvusClient(uri=uri, token=token, timeout=timeout, **options)
    except pymilvus.MilvusException as exc:
        detail = _scrub(str(exc), [token, uri])
        where = "the Milvus Lite file" if lite_file else "the Milvus server"
        fix = (
            "check that the folder is writable and that no other process has the file open"
            if lite_file
            else "check that the server is running and MILVUS_URI/MILVUS_TOKEN are right, "
            "or unset MILVUS_URI to use Milvus Lite"
        )
        raise ConnectionError(f"could not open {where} at {shown}: {detail}. Fix: {fix}.") from None
    if lite_file is not None:
        with _lite_lock:
            _lite_clients[str(lite_file.resolve())] += 1
    return MilvusConnection(client=client, uri=shown, lite_path=lite_file, has_token=bool(token))


# --------------------------------------------------------------------------------------
# Schemas, indexes and collections
# --------------------------------------------------------------------------------------


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
    pymilvus = _pymilvus()
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
    pymilvus = _pymilvus()
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
    _pymilvus()
    from pymilvus.client.types import LoadState

    if client.get_load_state(name)["state"] == LoadState.Loaded:
        return False
    client.load_collection(name)
    return True


# --------------------------------------------------------------------------------------
# Sparse vectors and inserting
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Reading results, and Milvus's WeightedRanker
# --------------------------------------------------------------------------------------


# Metrics whose ``distance`` is already a similarity (higher is better); RRF and WEIGHTED
# stand for the fused scores that ``hybrid_search`` returns.
_AS_REPORTED = {"COSINE", "IP", "RRF", "WEIGHTED"}


def hit_ids(hits: Sequence[Mapping[str, Any]]) -> list:
    """The ids of one query's hits, best first."""
    return [hit["id"] for hit in hits]


def hit_scores(hits: Sequence[Mapping[str, Any]], metric: str) -> np.ndarray:
    """The similarity scores of one query's hits (higher is better), as float64.

    ``metric`` is the search's metric, or ``"RRF"`` / ``"WEIGHTED"`` for ``hybrid_search``
    results. For COSINE and IP, Milvus's ``distance`` is the similarity itself. For BM25, Milvus
    Lite reports the negated score (smaller distance is better) while Milvus servers
    report the score; BM25 scores are never negative, so the absolute value is right for both.
    """
    metric = metric.upper()
    distances = np.array([hit["distance"] for hit in hits], dtype=np.float64)
    if metric == "BM25":
        return np.abs(distances)
    if metric in _AS_REPORTED:
        return distances
    raise ValueError(
        f"hit_scores knows {', '.join(sorted(_AS_REPORTED | {'BM25'}))}; got {metric!r} (for L2 smaller is better)"
    )


def align_scores(hits: Sequence[Mapping[str, Any]], ids: Sequence, metric: str) -> np.ndarray:
    """One query's hit scores placed on ``ids``; documents not retrieved get ``nan``.

    The result lines up with :mod:`helpers.fusion`'s convention (one array per method).
    """
    position = {doc_id: i for i, doc_id in enumerate(ids)}
    missing = [hit["id"] for hit in hits if hit["id"] not in position]
    if missing:
        raise ValueError(f"hits contain ids that are not in ids: {missing[:5]}")
    out = np.full(len(ids), np.nan)
    out[[position[hit["id"]] for hit in hits]] = hit_scores(hits, metric)
    return out


def normalize_scores(scores: Any, metric: str) -> np.ndarray:
    """Map scores to [0, 1] the way Milvus's ``WeightedRanker(norm_score=True)`` does.

    Per metric, with no dependence on the other hits (unlike min-max):

    * COSINE: ``(1 + s) / 2``
    * IP: ``0.5 + arctan(s) / pi``
    * BM25: ``2 * arctan(s) / pi`` (scores are never negative)
    * L2 (a distance, smaller is better): ``1 - 2 * arctan(d) / pi``

    ``nan`` (not retrieved) stays ``nan``.
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
    scores: Sequence[Any], metrics: Sequence[str], weights: Sequence[float], *, norm_score: bool = True
) -> np.ndarray:
    """Reproduce Milvus's ``WeightedRanker``: a weighted sum of (normalized) route scores.

    Parameters
    ----------
    scores : sequence of array
        One array per search request (route), aligned on the same documents; ``nan`` where
        a route did not retrieve the document (it then adds nothing), as :func:`align_scores` gives.
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
    routes = [np.asarray(s, dtype=np.float64) for s in scores]
    if norm_score:
        routes = [normalize_scores(s, m) for s, m in zip(routes, metrics)]
    stacked = np.vstack(routes)
    fused = np.asarray(weights, dtype=np.float64) @ np.nan_to_num(stacked, nan=0.0)
    return np.where(np.isnan(stacked).all(axis=0), np.nan, fused)


@dataclass(frozen=True)
class RankingComparison:
    """How Milvus's top-k lists compare with top-k lists from in-memory scores.

    Attributes
    ----------
    queries : int
        Queries compared.
    same_ranking : int
        Queries whose top-k lists are the same ranking: the same documents in the same order,
        except that documents with tied scores may come in either order (and a tie at rank k
        may be broken either way).
    same_top1 : int
        Queries whose best document is the same, or tied with it.
    mean_overlap : float
        Mean share of Milvus's top-k that is also in the in-memory top-k.
    max_score_diff : float
        Largest difference between Milvus's score of a hit and the in-memory score of
        the same document.
    """

    queries: int
    same_ranking: int
    same_top1: int
    mean_overlap: float
    max_score_diff: float

    def __str__(self) -> str:
        return (
            f"same top-k ranking for {self.same_ranking}/{self.queries} queries, same top-1 for "
            f"{self.same_top1}/{self.queries}, mean overlap {self.mean_overlap:.2f}"
        )


def _same_ranking(got: list[int], column: np.ndarray, expected: list[int], tol: float) -> bool:
    """Is ``got`` (row numbers) a best-first top-k of ``column``, allowing ties to swap?"""
    if len(got) != len(expected) or len(set(got)) != len(got):
        return False
    if not got:
        return True
    values = column[got]
    if not np.isfinite(values).all():  # Milvus returned a document the in-memory side left out
        return False
    kth = column[expected[-1]]
    in_order = bool(np.all(np.diff(values) <= tol))
    nothing_better_missing = set(np.flatnonzero(column > kth + tol)) <= set(got)
    return in_order and nothing_better_missing and bool(values.min() >= kth - tol)


def compare_rankings(
    results: Sequence[Sequence[Mapping[str, Any]]],
    scores: Any,
    doc_ids: Sequence,
    metric: str,
    k: int = 10,
    positive_only: bool | None = None,
    tol: float = 1e-5,
) -> RankingComparison:
    """Compare Milvus's hits for each query with the top-k of in-memory scores.

    Parameters
    ----------
    results : list of hit lists
        What ``client.search`` returned, one hit list per query (``limit=k``).
    scores : array, shape (n_documents, n_queries)
        In-memory scores of every document for every query, e.g. ``doc_dense @ queries.T``.
    doc_ids : sequence
        The id of each row of ``scores``.
    metric : str
        The metric of the search (see :func:`hit_scores`).
    k : int
        Length of the lists compared.
    positive_only : bool, optional
        Leave documents whose in-memory score is 0 or less out of the in-memory list, as a
        sparse search returns only documents that share a term with the query. Default:
        True for IP and BM25, False for COSINE.
    tol : float
        In-memory scores closer than this count as tied (Milvus computes in float32).

    Returns
    -------
    RankingComparison
    """
    scores = np.asarray(scores.toarray() if sp.issparse(scores) else scores, dtype=np.float64)
    doc_ids = list(doc_ids)
    if scores.shape != (len(doc_ids), len(results)):
        raise ValueError(
            f"scores must have one row per document and one column per query: expected "
            f"{(len(doc_ids), len(results))}, got {scores.shape}"
        )
    if positive_only is None:
        positive_only = metric.upper() in {"IP", "BM25"}
    row = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    same = top1 = 0
    overlaps, diffs = [], [0.0]
    for column, hits in zip(scores.T, results):
        if positive_only:
            column = np.where(column > 0, column, -np.inf)
        expected = [int(i) for i in np.argsort(-column, kind="stable")[:k] if np.isfinite(column[i])]
        unknown = [hit["id"] for hit in hits if hit["id"] not in row]
        if unknown:
            raise ValueError(f"hits contain ids that are not in doc_ids: {unknown[:5]}")
        got = [row[doc_id] for doc_id in hit_ids(hits)[:k]]
        same += _same_ranking(got, column, expected, tol)
        top1 += bool(got and expected) and column[got[0]] >= column[expected[0]] - tol
        overlaps.append(len(set(got) & set(expected)) / max(len(got), 1))
        diffs.extend(np.abs(hit_scores(hits, metric)[: len(got)] - column[got]).tolist())
    return RankingComparison(len(results), same, top1, float(np.mean(overlaps)), float(max(diffs)))


def format_hits(hits: Sequence[Mapping[str, Any]], metric: str, *, digits: int = 4, width: int = 60) -> str:
    """A small text table of one query's hits: rank, score, id and text.

    Scores are rounded to ``digits`` (Milvus computes in float32), texts shortened to ``width``.
    Hits with equal scores are listed by id, so the printed order never depends on how a
    server happened to order a tie.
    """
    from helpers.plots.style import shorten

    scores = hit_scores(hits, metric)
    order = sorted(range(len(hits)), key=lambda i: (-scores[i], str(hits[i]["id"])))
    id_width = max([len(str(hit["id"])) for hit in hits] + [2])
    lines = []
    for rank, (hit, score) in enumerate(((hits[i], scores[i]) for i in order), start=1):
        text = (hit.get("entity") or {}).get(TEXT_FIELD, "")
        lines.append(f"{rank:>2}  {score:>{digits + 4}.{digits}f}  {str(hit['id']):<{id_width}}  {shorten(text, width)}")
    return "\n".join(lines)
