"""Document embeddings cached on disk, so encoding a corpus happens once per machine, not once per run.

A cache file is named after everything that changes the vectors: the model, the precision it ran
in, and a hash of the texts together with the encoding settings (instruction prefix, normalization,
maximum sequence length)::

    notebooks/work/embeddings/all-MiniLM-L6-v2-bfloat16-3f2a9c0d1e4b5a69.npy

Change one character of one document and the hash, and so the file, changes: a stale cache is
never used. Files are written atomically (``np.save`` to a temporary file, then ``os.replace``),
so an interrupted run leaves either the old state or the finished file, never half a file.

Where the files go: the ``folder`` argument; else ``$RETRIEVAL_CACHE``; else
``<user cache>/retrieval-tutorial/embeddings``. The notebooks pass ``work/embeddings`` so that
everything they write stays under ``notebooks/work/`` (safe to delete).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.model.base import check_texts

__all__ = [
    "CACHE_ENV", "cache_dir", "cache_path", "cached_array", "cached_ragged", "corpus_hash", "encode_documents_cached",
]

CACHE_ENV = "RETRIEVAL_CACHE"
_CHUNK = 512  # texts per progress-bar step; large enough that length-sorted batches stay tight


def cache_dir(folder: str | Path | None = None) -> Path:
    """The cache folder: ``folder``, else ``$RETRIEVAL_CACHE``, else ``<user cache>/retrieval-tutorial/embeddings``."""
    if folder is not None:
        return Path(folder).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "retrieval-tutorial" / "embeddings"


def corpus_hash(texts: list[str], *settings: Any) -> str:
    """A 16-hex-digit fingerprint of ``texts`` (order matters) and any extra ``settings``.

    Every text is length-prefixed, so ``["ab", "c"]`` and ``["a", "bc"]`` differ.
    """
    digest = hashlib.sha256()
    for value in (*settings, len(texts)):
        digest.update(repr(value).encode() + b"\0")
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()[:16]


def _slug(name: object) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(name)).name).strip("_") or "model"


def cache_path(ef: Any, documents: list[str], folder: str | Path | None = None) -> Path:
    """Where :func:`encode_documents_cached` keeps the embeddings of ``documents`` made by ``ef``.

    Parameters
    ----------
    ef : SentenceTransformerEmbeddingFunction
        The embedding function (its model name, precision and settings are part of the key).
    documents : list of str
        The corpus, in order.
    folder : str or Path, optional
        Cache folder (see :func:`cache_dir`).

    Returns
    -------
    Path
        ``<folder>/<model>-<precision>-<hash>.npy``; the precision reads ``onnx-float32`` and
        the like for a backend other than torch.
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
    return cache_dir(folder) / f"{_slug(settings[0])}-{precision}-{corpus_hash(documents, *settings)}.npy"


def _save_atomic(path: Path, array: np.ndarray | None = None, **arrays: np.ndarray) -> None:
    """``np.save(array)``, or ``np.savez(**arrays)``, to a temporary file that then replaces ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=f"{path.suffix}.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if array is not None:
                np.save(f, array)
            else:
                np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_array(name: str, key: str, compute: Callable[[], np.ndarray], folder: str | Path | None = None) -> np.ndarray:
    """Load ``<folder>/<name>-<key>.npy``, or ``compute()`` it and save it atomically.

    For any expensive result that is a pure function of its inputs (e.g. reranker scores):
    ``key`` must change whenever an input does; build it with :func:`corpus_hash`.

    Parameters
    ----------
    name : str
        Readable part of the file name (``"maxsim-bm25-top100"``).
    key : str
        Fingerprint of everything the result depends on.
    compute : callable
        Returns the array when it is not cached.
    folder : str or Path, optional
        Cache folder (see :func:`cache_dir`).

    Returns
    -------
    ndarray
    """
    path = cache_dir(folder) / f"{_slug(name)}-{key}.npy"
    if path.is_file():
        return np.load(path)
    array = np.asarray(compute())
    _save_atomic(path, array)
    return array


def cached_ragged(
    name: str, key: str, compute: Callable[[], Sequence[np.ndarray]], folder: str | Path | None = None
) -> list[np.ndarray]:
    """Like :func:`cached_array`, for a list of 2-D arrays of one width but different lengths.

    For per-document token vectors (a reranker's ``(length_i, dim)`` matrices): they are
    stored as one concatenated float32 matrix plus row offsets in ``<folder>/<name>-<key>.npz``,
    written atomically, and come back as float32 views into that matrix.

    Parameters
    ----------
    name : str
        Readable part of the file name (``"maxsim-tokens-all-MiniLM-L6-v2"``).
    key : str
        Fingerprint of everything the arrays depend on; build it with :func:`corpus_hash`.
    compute : callable
        Returns the arrays when they are not cached.
    folder : str or Path, optional
        Cache folder (see :func:`cache_dir`).

    Returns
    -------
    list of ndarray
        In the order ``compute`` returned them; an array may have zero rows.
    """
    path = cache_dir(folder) / f"{_slug(name)}-{key}.npz"
    if not path.is_file():
        arrays = [np.asarray(a, dtype=np.float32) for a in compute()]
        widths = {a.shape[1] if a.ndim == 2 else None for a in arrays}
        if None in widths or len(widths) > 1:
            shapes = sorted({a.shape for a in arrays}, key=str)[:5]
            raise ValueError(f"cached_ragged stores 2-D arrays of one width; got shapes {shapes}")
        offsets = np.cumsum([0] + [len(a) for a in arrays])
        data = np.concatenate(arrays) if arrays else np.zeros((0, 0), dtype=np.float32)
        _save_atomic(path, data=data, offsets=offsets)
    with np.load(path) as stored:
        data, offsets = stored["data"], stored["offsets"]
    return [data[start:end] for start, end in zip(offsets[:-1], offsets[1:])]


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

    Examples
    --------
    >>> from helpers.model.dense import SentenceTransformerEmbeddingFunction
    >>> ef = SentenceTransformerEmbeddingFunction()                     # doctest: +SKIP
    >>> encode_documents_cached(ef, ["a cat", "a dog"], "/tmp/emb").shape  # doctest: +SKIP
    (2, 384)
    """
    documents = check_texts(documents, "documents")
    if not documents:
        return np.zeros((0, ef.dim), dtype=np.float32)
    path = cache_path(ef, documents, folder)
    if path.is_file():
        cached = np.load(path)
        if cached.shape == (len(documents), ef.dim):
            return cached
        # A file of the wrong shape cannot come from this key; re-encode and replace it.
    from helpers.progress import progress_bar

    # Encoding longest first in chunks keeps each chunk's batches of similar length (little padding)
    # and lets the progress bar move steadily.
    order = np.argsort([-len(d) for d in documents], kind="stable")
    embeddings = np.zeros((len(documents), ef.dim), dtype=np.float32)
    with progress_bar(show=show_progress, total=len(documents), desc="encoding documents", unit="doc") as bar:
        for start in range(0, len(documents), _CHUNK):
            chunk = order[start : start + _CHUNK]
            vectors = (encode or ef.encode_documents)([documents[i] for i in chunk])
            embeddings[chunk] = np.asarray(vectors, dtype=np.float32).reshape(len(chunk), ef.dim)
            bar.update(len(chunk))
    _save_atomic(path, embeddings)
    return embeddings
