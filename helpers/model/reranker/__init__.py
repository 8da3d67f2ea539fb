"""Rerank functions with the names and call shape of ``pymilvus.model.reranker``.

Every function is called as ``rf(query, documents, top_k=5)`` and returns a list of
:class:`~helpers.model.base.RerankResult`, highest score first:

- :class:`MaxSimRerankFunction`: late interaction over all-MiniLM-L6-v2 token embeddings,
  training-free, runs offline (the tutorial's default);
- :class:`CrossEncoderRerankFunction`: a sentence-transformers cross-encoder (downloads
  its weights once, so it needs the network the first time);
- :class:`JinaRerankFunction`: Jina AI's hosted rerank API (needs an API key);
- :class:`BiEncoderRerankFunction`: the cosine of any dense embedding function, e.g. the
  multilingual one, as an offline second stage for Japanese (not a cross-encoder).

Importing this package loads neither torch nor a model; each function loads its model when created.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from helpers.model.reranker.maxsim import MaxSimRerankFunction

if TYPE_CHECKING:
    from helpers.model.reranker.bi_encoder import BiEncoderRerankFunction
    from helpers.model.reranker.cross_encoder import CrossEncoderRerankFunction
    from helpers.model.reranker.jinaai import JinaRerankFunction

__all__ = ["MaxSimRerankFunction", "CrossEncoderRerankFunction", "JinaRerankFunction", "BiEncoderRerankFunction"]

# Imported on first use: the Jina client imports requests, which a kernel reranking with MaxSim never needs.
_LAZY = {"CrossEncoderRerankFunction": "cross_encoder", "JinaRerankFunction": "jinaai", "BiEncoderRerankFunction": "bi_encoder"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
