"""Rerank by the cosine of a dense embedding function: the offline second stage for any language it reads.

This is not a cross-encoder: query and documents are still encoded apart, so it orders the
candidates exactly as dense search would. Its use is to put a *multilingual* dense model
(:class:`~helpers.model.multilingual.UniversalSentenceEncoderEmbeddingFunction`) behind a
keyword first stage, with the rerank call of ``pymilvus.model.reranker``, where no trained
multilingual reranker is available offline.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.model.base import BaseRerankFunction

__all__ = ["BiEncoderRerankFunction"]


class BiEncoderRerankFunction(BaseRerankFunction):
    """Score each candidate by its cosine with the query under ``ef``; ``rf(query, documents, top_k)``.

    Parameters
    ----------
    ef : embedding function
        Has ``encode_queries`` and ``encode_documents`` returning unit-length vectors.

    Examples
    --------
    >>> from helpers.model.multilingual import UniversalSentenceEncoderEmbeddingFunction
    >>> rf = BiEncoderRerankFunction(UniversalSentenceEncoderEmbeddingFunction())
    >>> rf("チューリングはどこで生まれた？", ["人工知能の歴史", "チューリングはロンドンで生まれた"], top_k=1)[0].index
    1
    """

    def __init__(self, ef: Any):
        if not (hasattr(ef, "encode_queries") and hasattr(ef, "encode_documents")):
            raise TypeError(
                f"ef must be an embedding function with encode_queries and encode_documents, got {type(ef).__name__}; "
                "e.g. BiEncoderRerankFunction(UniversalSentenceEncoderEmbeddingFunction())"
            )
        self.ef = ef
        self.model_name = getattr(ef, "model_name", type(ef).__name__)
        self.english_only = getattr(ef, "english_only", None)

    def score(self, query: str, documents: list[str]) -> np.ndarray:
        """The cosine of every document with ``query`` under ``ef``, in input order."""
        return np.stack(self.ef.encode_documents(documents)) @ self.ef.encode_queries([query])[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ef={self.ef!r})"
