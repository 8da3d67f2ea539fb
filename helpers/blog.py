"""The pymilvus blog's examples: their documents (read from ``data/blog``) and what the blog printed.

The blog is "Introducing PyMilvus Integration with Embedding Models" (Milvus blog, June
2024, :data:`URL`). Its three examples encode three sentences with the default dense model,
fit BM25 on them, and rerank four sentences with Jina AI's hosted reranker. It prints the
dense vectors (shortened with ``...``) and the reranker's results; the BM25 example prints
nothing.

The documents and queries live once, in ``data/blog`` (BEIR layout, read by
:func:`helpers.datasets.load_beir`); :func:`documents` and :func:`queries` read them, and
``DOCS``, ``RERANK_DOCUMENTS`` and ``RERANK_QUERY`` are the same texts as module attributes,
read on first use. Only the printed numbers are written here; compare with them at float32
precision (``np.allclose(ours, blog, atol=1e-6)``), never digit by digit.

Examples
--------
>>> documents(example=1)[2]
'Born in Maida Vale, London, Turing was raised in southern England.'
>>> len(documents())
7
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "URL", "BLOG_DIR", "load_blog", "documents", "queries", "DOCS", "RERANK_QUERY", "RERANK_DOCUMENTS",
    "EMBEDDING_HEAD", "EMBEDDING_TAIL", "RERANK_MODEL", "RERANK_RESULTS",
]  # fmt: skip

URL = "https://milvus.io/blog/introducing-pymilvus-integrations-with-embedding-models.md"
BLOG_DIR = Path(__file__).resolve().parent.parent / "data" / "blog"


@lru_cache(maxsize=1)
def load_blog() -> Any:
    """The blog's documents and queries as a :class:`~helpers.datasets.BeirDataset` (ids ``blog-1`` to ``blog-7``)."""
    from helpers.datasets import load_beir

    return load_beir(BLOG_DIR, strict=True)


def _of_example(ids: list[str], texts: list[str], fields: dict, example: int | None) -> list[str]:
    if example is not None and example not in (1, 2, 3):
        raise ValueError(f"the blog has examples 1, 2 and 3, got {example!r}; pass one of them, or None for all")
    return [text for i, text in zip(ids, texts) if example is None or example in fields[i]["examples"]]


def documents(example: int | None = None) -> list[str]:
    """The blog's documents, in its order: all seven, or those of ``example`` (1, 2 or 3)."""
    blog = load_blog()
    return _of_example(blog.doc_ids, blog.texts, blog.doc_fields, example)


def queries(example: int | None = None) -> list[str]:
    """The blog's queries: example 2's (BM25) and example 3's (reranking), or those of ``example``."""
    blog = load_blog()
    return _of_example(blog.query_ids, blog.query_texts, blog.query_fields, example)


_TEXTS = {
    "DOCS": lambda: tuple(documents(example=1)),  # the three sentences of examples 1 and 2
    "RERANK_DOCUMENTS": lambda: tuple(documents(example=3)),  # the four documents of example 3
    "RERANK_QUERY": lambda: queries(example=3)[0],  # example 3's query
}


def __getattr__(name: str) -> Any:
    """``DOCS``, ``RERANK_DOCUMENTS`` and ``RERANK_QUERY``, read from ``data/blog`` on first use."""
    if name in _TEXTS:
        return _TEXTS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


EMBEDDING_HEAD = (
    -3.09392996e-02, -1.80662833e-02, 1.34775648e-02, 2.77156215e-02,
    -4.86349640e-03, -3.12581174e-02, -3.55921760e-02, 5.76934684e-03,
    2.80773244e-03, 1.35783911e-01, 3.59678417e-02, 6.17732145e-02,
)  # fmt: skip
"""Example 1: the first 12 values of the first document's vector, as printed."""

EMBEDDING_TAIL = (
    -4.61330153e-02, -4.85207550e-02, 3.13997865e-02, 7.82178566e-02,
    -4.75336798e-02, 5.21207601e-02, 9.04406682e-02, -5.36676683e-02,
)  # fmt: skip
"""Example 1: the last 8 values of the last document's vector, as printed."""

RERANK_MODEL = "jina-reranker-v1-base-en"
"""The Jina model example 3 names (pymilvus's own default is jina-reranker-v2-base-multilingual)."""

RERANK_RESULTS = ((1, 0.937096), (3, 0.354210), (0, 0.349866), (2, 0.272896))
"""Example 3: ``(index, score)`` of each result, best first, as printed (6 decimals)."""
