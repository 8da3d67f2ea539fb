"""The app's set-up: which corpora it offers, and how their searches are built and cached.

Both front ends (the ipywidgets app and the room server) search through :func:`build_search`;
``make app`` calls :func:`build_cache` once before serving, so every later start only loads
files. The model runs on ONNX Runtime when it is installed (:func:`app_backend`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from helpers.paths import CACHE_ENV, env_dir

__all__ = [
    "CORPORA", "EXAMPLES", "RERANK_DEPTH", "APP_NOTEBOOK", "BACKEND_ENV", "app_backend", "app_cache_dir",
    "build_search", "build_cache",
]  # fmt: skip

CORPORA = {
    "demo": "Demo corpus: history of computing (267 documents)",
    "blog": "The pymilvus blog's examples (7 documents)",
}

# Example queries per corpus: each shows one method at its best (see data/demo_corpus/README.md).
EXAMPLES = {
    "demo": ("Where was Alan Turing born?", "RFC 791", "an insect caused a malfunction in an early machine"),
    "blog": ("Where was Turing born?", "What event in 1956 marked the official birth of artificial intelligence as a discipline?"),
}

RERANK_DEPTH = 30  # the reranker rescores the hybrid top 30, as a production pipeline would
APP_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "app.ipynb"
BACKEND_ENV = "APP_BACKEND"


def app_cache_dir(folder: str | Path | None = None) -> Path:
    """Where the app keeps the corpora's dense vectors and the reranker's token vectors:
    ``folder`` when given, else ``$RETRIEVAL_CACHE`` if set, else ``notebooks/work/embeddings``
    (gitignored, safe to delete; the next start encodes again)."""
    if folder is not None:
        return Path(folder).expanduser()
    return env_dir(CACHE_ENV, APP_NOTEBOOK.parent / "work" / "embeddings")


def app_backend() -> str:
    """What runs all-MiniLM-L6-v2 in the app: ``$APP_BACKEND`` when set (``"torch"`` or ``"onnx"``),
    else ``"onnx"`` when ONNX Runtime is installed, else ``"torch"``.

    With ONNX Runtime a kernel never imports torch (about 11 CPU-seconds and 400 MB less per
    visitor, see docs/app.md); ``make app`` exports the model once, with torch, before serving.
    """
    chosen = os.environ.get(BACKEND_ENV)
    if chosen:
        if chosen not in ("torch", "onnx"):
            raise ValueError(f"{BACKEND_ENV} must be 'torch' or 'onnx', got {chosen!r}; unset it for the default")
        return chosen
    from helpers.model.onnx_encoder import onnx_available

    return "onnx" if onnx_available() else "torch"


def build_search(corpus: str, cache_dir: str | Path | None = None, backend: str | None = None) -> Any:
    """The :class:`~helpers.search.Search` the app uses for ``corpus`` ("demo" or "blog").

    Every document's dense vector and reranker token vectors come from the disk cache in
    ``cache_dir`` (default :func:`app_cache_dir`), and are encoded and saved there on a miss:
    a kernel that finds the cache encodes nothing but the queries. The model runs on
    ``backend`` (default :func:`app_backend`): with ONNX Runtime, a kernel whose caches and
    model export exist never imports torch (about 10 CPU-seconds less at start).
    """
    from helpers.blog import load_blog
    from helpers.model.dense import DefaultEmbeddingFunction
    from helpers.model.reranker.maxsim import MaxSimRerankFunction
    from helpers.search import Search

    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; choose one of {list(CORPORA)}")
    folder = app_cache_dir(cache_dir)
    backend = backend or app_backend()
    options = {
        "rerank_depth": RERANK_DEPTH, "show_progress": False, "warm_up": True, "cache_dir": folder,
        "dense_ef": DefaultEmbeddingFunction(backend=backend), "rerank_fn": MaxSimRerankFunction(backend=backend),
    }  # fmt: skip
    if corpus == "demo":
        return Search.from_demo_corpus(**options)
    blog = load_blog()
    return Search(blog.texts, ids=blog.doc_ids, titles=blog.titles, **options)


def build_cache(cache_dir: str | Path | None = None) -> Path:
    """Encode every corpus the app offers into the disk cache (no-op for those already there).

    ``make app`` runs this before serving, so the server (and any notebook kernel) loads the
    dense and token vectors, and the ONNX export of the model, instead of making them.
    Returns the cache folder.
    """
    folder = app_cache_dir(cache_dir)
    for corpus in CORPORA:
        build_search(corpus, folder)
    return folder
