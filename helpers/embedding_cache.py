"""Document embeddings cached on disk, so encoding a corpus happens once per machine, not once per run.

A cache file is named after everything that changes the vectors: the model, the precision it ran
in, and a hash of the texts together with the encoding settings (instruction prefix, normalization,
maximum sequence length)::

    notebooks/work/embeddings/all-MiniLM-L6-v2-bfloat16-3f2a9c0d1e4b5a69.npy

Change one character of one document and the hash, and so the file, changes: a stale cache is
never used. Files are written atomically (:func:`helpers.atomic.write_atomic`), so an interrupted
run leaves either the old state or the finished file, never half a file.

Every read is checked (:func:`read_or_build`): a file that does not load, or has the wrong shape or
dtype, or holds ``nan`` or ``inf`` where none can be, is reported in a :class:`CacheWarning` naming
the file, computed again and replaced. When the folder is read-only, the computed result is still
returned (with a warning that it was not kept), so no work is lost.

Where the files go: the ``folder`` argument; else ``$RETRIEVAL_CACHE``; else
``<user cache>/retrieval-tutorial/embeddings`` (:func:`helpers.paths.cache_dir`). The notebooks pass ``work/embeddings`` so that
everything they write stays under ``notebooks/work/`` (safe to delete).
"""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from helpers.atomic import save_arrays_atomic
from helpers.paths import CACHE_ENV, cache_dir
from helpers.validation import check_texts

__all__ = [
    "CACHE_ENV", "CacheWarning", "cache_dir", "cache_path", "cached_array", "cached_ragged", "cached_sparse",
    "corpus_hash", "encode_documents_cached", "encode_queries_cached", "read_or_build",
]

T = TypeVar("T")
# What a damaged file raises on load: truncated (EOFError, ValueError), not an .npy/.npz
# (ValueError, BadZipFile), a missing member (KeyError), unreadable (OSError).
_LOAD_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile)


class CacheWarning(UserWarning):
    """A cache file was damaged (and rebuilt), or could not be written; the message names the file."""


_CHUNK = 512  # texts per progress-bar step; large enough that length-sorted batches stay tight


def corpus_hash(texts: list[str], *settings: Any) -> str:
    """A 16-hex-digit fingerprint of ``texts`` (order matters) and any extra ``settings``.

    Every text is length-prefixed, so ``["ab", "c"]`` and ``["a", "bc"]`` differ. A text that is
    not valid Unicode (a lone surrogate) is hashed by its code points, so hashing never fails.
    """
    digest = hashlib.sha256()
    for value in (*settings, len(texts)):
        digest.update(repr(value).encode() + b"\0")
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()[:16]


def _slug(name: object) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(name)).name).strip("_") or "model"


def cache_path(ef: Any, documents: list[str], folder: str | Path | None = None, role: str = "documents") -> Path:
    """Where :func:`encode_documents_cached` (or :func:`encode_queries_cached`) keeps the embeddings of ``documents`` made by ``ef``.

    Parameters
    ----------
    ef : SentenceTransformerEmbeddingFunction
        The embedding function (its model name, precision and settings are part of the key).
    documents : list of str
        The corpus, in order.
    folder : str or Path, optional
        Cache folder (see :func:`cache_dir`).
    role : {"documents", "queries"}
        Which side the texts are: queries get their own file (and the query instruction in the key).

    Returns
    -------
    Path
        ``<folder>/<model>-<precision>-<hash>.npy``, ``<model>-<precision>-queries-<hash>.npy`` for
        queries; the precision reads ``onnx-float32`` and the like for a backend other than torch.
    """
    precision = getattr(ef, "precision", "float32")
    backend = getattr(ef, "backend", "torch")
    if backend != "torch":  # e.g. "onnx-float32": equal to torch's vectors only within rounding
        precision = f"{backend}-{precision}"
    settings = (
        str(getattr(ef, "model_name", type(ef).__name__)),
        precision,
        getattr(ef, "doc_instruction", ""),
        getattr(ef, "normalize_embeddings", True),
        getattr(getattr(ef, "model", None), "max_seq_length", None),
    )
    if role == "queries":  # documents keep the key they always had, so their files stay valid
        settings = (*settings, "queries", getattr(ef, "query_instruction", ""))
        precision = f"{precision}-queries"
    elif role != "documents":
        raise ValueError(f"role must be 'documents' or 'queries', got {role!r}")
    return cache_dir(folder) / f"{_slug(settings[0])}-{precision}-{corpus_hash(documents, *settings)}.npy"


def read_or_build(path: Path, read: Callable[[Path], T], build: Callable[[], T], save: Callable[[Path, T], None]) -> T:
    """The one cache reader: ``read(path)`` when it succeeds, else ``build()`` and ``save`` it.

    Parameters
    ----------
    path : Path
        The cache file.
    read : callable
        Loads and checks the file; raises ``ValueError`` (or a load error) when it is unusable.
    build : callable
        Computes the result.
    save : callable
        Writes the result to ``path`` atomically.

    Returns
    -------
    The result, read or built.

    Warns
    -----
    CacheWarning
        When the file is damaged (it is rebuilt and replaced), or cannot be written (the result
        is returned all the same).
    """
    if path.is_file():
        try:
            return read(path)
        except _LOAD_ERRORS as problem:
            warnings.warn(f"the cache file {path} is damaged ({problem}); computing it again", CacheWarning, stacklevel=3)
    result = build()
    try:
        save(path, result)
    except OSError as problem:
        warnings.warn(
            f"could not write the cache file {path} ({problem.strerror or problem}); the result is used but not "
            f"kept, so the next run computes it again: make the folder writable or set {CACHE_ENV} to another",
            CacheWarning,
            stacklevel=3,
        )
    return result


def _check_array(array: np.ndarray, shape: tuple[int, ...] | None, allow_nan: bool = False) -> np.ndarray:
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"shape {array.shape}, expected {tuple(shape)}")
    if array.dtype.kind not in "fiub":
        raise ValueError(f"dtype {array.dtype} is not numeric")
    if array.dtype.kind == "f":
        values = array[~np.isnan(array)] if allow_nan else array
        if not np.isfinite(values).all():
            raise ValueError("it holds nan or inf values")
        if allow_nan and array.size and values.size == 0:
            raise ValueError("it holds nothing but nan")
    return array


def cached_array(
    name: str,
    key: str,
    compute: Callable[[], np.ndarray],
    folder: str | Path | None = None,
    shape: tuple[int, ...] | None = None,
    allow_nan: bool = False,
) -> np.ndarray:
    """Load ``<folder>/<name>-<key>.npy``, or ``compute()`` it and save it atomically.

    For any expensive result that is a pure function of its inputs (e.g. reranker scores):
    ``key`` must change whenever an input does; build it with :func:`corpus_hash`.
    A damaged file is computed again (see :func:`read_or_build`).

    Parameters
    ----------
    name : str
        Readable part of the file name (``"maxsim-bm25-top100"``).
    key : str
        Fingerprint of everything the result depends on; build it with :func:`corpus_hash`.
    compute : callable
        Returns the array when it is not cached.
    folder : str or Path, optional
        Cache folder (see :func:`cache_dir`).
    shape : tuple of int, optional
        The shape the array must have; a file of another shape is rebuilt.
    allow_nan : bool
        ``nan`` marks missing values (e.g. documents not reranked); ``inf`` is still damage, and
        so is a file of nothing but ``nan``.

    Returns
    -------
    ndarray
    """
    path = cache_dir(folder) / f"{_slug(name)}-{key}.npy"
    return read_or_build(
        path,
        lambda p: _check_array(np.load(p), shape, allow_nan),
        lambda: _check_array(np.asarray(compute()), shape, allow_nan),
        save_arrays_atomic,
    )


def _read_ragged(path: Path, count: int | None) -> list[np.ndarray]:
    with np.load(path) as stored:
        data, offsets = stored["data"], stored["offsets"]
    _check_array(data, None)
    if data.ndim != 2 or data.dtype != np.float32:
        raise ValueError(f"data is {data.dtype} of shape {data.shape}, expected a 2-D float32 matrix")
    if offsets.ndim != 1 or offsets.dtype.kind not in "iu" or len(offsets) < 1:
        raise ValueError("offsets are not a list of row numbers")
    if offsets[0] != 0 or offsets[-1] != len(data) or (np.diff(offsets) < 0).any():
        raise ValueError(f"offsets do not split the {len(data)} rows")
    if count is not None and len(offsets) != count + 1:
        raise ValueError(f"it holds {len(offsets) - 1} arrays, expected {count}")
    return [data[start:end] for start, end in zip(offsets[:-1], offsets[1:])]


def _save_ragged(path: Path, arrays: list[np.ndarray]) -> None:
    offsets = np.cumsum([0] + [len(a) for a in arrays])
    data = np.concatenate(arrays) if arrays else np.zeros((0, 0), dtype=np.float32)
    save_arrays_atomic(path, data=data, offsets=offsets)


def _build_ragged(compute: Callable[[], Sequence[np.ndarray]], count: int | None) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=np.float32) for a in compute()]
    widths = {a.shape[1] if a.ndim == 2 else None for a in arrays}
    if None in widths or len(widths) > 1:
        shapes = sorted({a.shape for a in arrays}, key=str)[:5]
        raise ValueError(f"cached_ragged stores 2-D arrays of one width; got shapes {shapes}")
    if count is not None and len(arrays) != count:
        raise ValueError(f"cached_ragged expected {count} arrays, compute() returned {len(arrays)}")
    for a in arrays:
        _check_array(a, None)
    return arrays


def cached_ragged(
    name: str,
    key: str,
    compute: Callable[[], Sequence[np.ndarray]],
    folder: str | Path | None = None,
    count: int | None = None,
) -> list[np.ndarray]:
    """Like :func:`cached_array`, for a list of 2-D arrays of one width but different lengths.

    For per-document token vectors (a reranker's ``(length_i, dim)`` matrices): they are
    stored as one concatenated float32 matrix plus row offsets in ``<folder>/<name>-<key>.npz``,
    written atomically, and come back as float32 views into that matrix. A damaged file (bad
    offsets, non-finite values, another number of arrays than ``count``) is computed again.

    Parameters
    ----------
    name, key, compute, folder
        As for :func:`cached_array` (``name`` e.g. ``"maxsim-tokens-all-MiniLM-L6-v2"``);
        ``compute`` returns the list of arrays.
    count : int, optional
        How many arrays there must be (one per document).

    Returns
    -------
    list of ndarray
        In the order ``compute`` returned them; an array may have zero rows.
    """
    path = cache_dir(folder) / f"{_slug(name)}-{key}.npz"
    return read_or_build(path, lambda p: _read_ragged(p, count), lambda: _build_ragged(compute, count), _save_ragged)


def cached_sparse(name: str, key: str, compute: Callable[[], Any], folder: str | Path | None = None) -> Any:
    """Like :func:`cached_array`, for a scipy sparse matrix (e.g. SPLADE document vectors).

    Stored as its CSR parts in ``<folder>/<name>-<key>.npz``, written atomically.

    Parameters
    ----------
    name, key, compute, folder
        As for :func:`cached_array` (``name`` e.g. ``"splade-tiny-scifact"``); ``compute``
        returns the matrix.

    Returns
    -------
    scipy.sparse.csr_array
    """
    from scipy.sparse import csr_array

    def read(path: Path) -> csr_array:
        with np.load(path) as stored:
            return csr_array((stored["data"], stored["indices"], stored["indptr"]), shape=tuple(stored["shape"]))

    def save(path: Path, matrix: csr_array) -> None:
        save_arrays_atomic(path, data=matrix.data, indices=matrix.indices, indptr=matrix.indptr, shape=np.array(matrix.shape))

    path = cache_dir(folder) / f"{_slug(name)}-{key}.npz"
    return read_or_build(path, read, lambda: csr_array(compute()), save)


def encode_documents_cached(
    ef: Any,
    documents: list[str],
    folder: str | Path | None = None,
    show_progress: bool = True,
    encode: Callable[[list[str]], Any] | None = None,
) -> np.ndarray:
    """``ef.encode_documents(documents)`` as one float32 matrix, read from the disk cache when there.

    The first call encodes (longest texts first, with a progress bar) and saves the matrix;
    later calls with the same model, precision, settings and texts load it in milliseconds.

    Parameters
    ----------
    ef : SentenceTransformerEmbeddingFunction
        Anything with ``encode_documents`` and ``dim``.
    documents : list of str
        The corpus.
    folder : str or Path, optional
        Cache folder (see :func:`cache_dir`); notebooks pass ``"work/embeddings"``.
    show_progress : bool
        Show a tqdm progress bar while encoding.
    encode : callable, optional
        Used instead of ``ef.encode_documents`` on each chunk of texts, e.g. a forward pass that
        also keeps the token vectors for a reranker; it must return what ``ef.encode_documents``
        would, since the file is keyed by ``ef``.

    Returns
    -------
    ndarray of shape (len(documents), ef.dim), float32
        Row ``i`` embeds ``documents[i]``.

    Raises
    ------
    InvalidTextError
        If a document holds a lone surrogate (the message names it); nothing is encoded.

    Warns
    -----
    CacheWarning
        When the cached file is damaged (it is re-encoded) or the folder is read-only (the
        vectors are returned but not kept).

    Examples
    --------
    >>> from helpers.model.dense import SentenceTransformerEmbeddingFunction
    >>> ef = SentenceTransformerEmbeddingFunction()                     # doctest: +SKIP
    >>> encode_documents_cached(ef, ["a cat", "a dog"], "/tmp/emb").shape  # doctest: +SKIP
    (2, 384)
    """
    return _encode_cached(ef, documents, folder, show_progress, encode or ef.encode_documents, "documents")


def encode_queries_cached(
    ef: Any, queries: list[str], folder: str | Path | None = None, show_progress: bool = True
) -> np.ndarray:
    """``ef.encode_queries(queries)`` as one float32 matrix, read from the disk cache when there.

    As :func:`encode_documents_cached`, for a fixed set of queries that is scored again and
    again (a benchmark's test and train questions), in a file of its own.
    """
    return _encode_cached(ef, queries, folder, show_progress, ef.encode_queries, "queries")


def _encode_cached(
    ef: Any, texts: list[str], folder: str | Path | None, show_progress: bool, encode: Callable[[list[str]], Any], role: str
) -> np.ndarray:
    texts = check_texts(texts, role)
    if not texts:
        return np.zeros((0, ef.dim), dtype=np.float32)
    shape = (len(texts), ef.dim)

    def read(path: Path) -> np.ndarray:
        cached = _check_array(np.load(path), shape)
        if cached.dtype != np.float32:
            raise ValueError(f"dtype {cached.dtype}, expected float32")
        return cached

    def build() -> np.ndarray:
        from helpers.progress import progress_bar

        # Encoding longest first in chunks keeps each chunk's batches of similar length (little padding)
        # and lets the progress bar move steadily.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        embeddings = np.zeros(shape, dtype=np.float32)
        with progress_bar(show=show_progress, total=len(texts), desc=f"encoding {role}", unit="text") as bar:
            for start in range(0, len(texts), _CHUNK):
                chunk = order[start : start + _CHUNK]
                vectors = encode([texts[i] for i in chunk])
                embeddings[chunk] = np.asarray(vectors, dtype=np.float32).reshape(len(chunk), ef.dim)
                bar.update(len(chunk))
        return embeddings

    return read_or_build(cache_path(ef, texts, folder, role), read, build, save_arrays_atomic)
