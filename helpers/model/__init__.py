"""Embedding and rerank functions, laid out like ``pymilvus.model``.

``from helpers import model`` then ``model.DefaultEmbeddingFunction()``,
``model.sparse.BM25EmbeddingFunction()`` or ``model.reranker.MaxSimRerankFunction()``.
Subpackages are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from helpers.model import dense
from helpers.model.base import BaseEmbeddingFunction, BaseRerankFunction, RerankResult
from helpers.model.dense import DefaultEmbeddingFunction

__all__ = [
    "DefaultEmbeddingFunction",
    "BaseEmbeddingFunction",
    "BaseRerankFunction",
    "RerankResult",
    "dense",
    "sparse",
    "reranker",
]


def __getattr__(name: str) -> Any:
    if name in {"sparse", "reranker"}:
        return importlib.import_module(f"helpers.model.{name}")
    raise AttributeError(f"module 'helpers.model' has no attribute {name!r}")
