"""Base classes and the rerank result type, with pymilvus.model's names and shapes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from helpers.validation import check_texts

__all__ = ["BaseEmbeddingFunction", "BaseRerankFunction", "RerankResult", "check_texts"]


class BaseEmbeddingFunction(ABC):
    """An embedding function: ``encode_documents``, ``encode_queries`` and ``__call__``."""

    @abstractmethod
    def __call__(self, texts: list[str]) -> Any:
        """Encode texts as documents."""

    @abstractmethod
    def encode_queries(self, queries: list[str]) -> Any:
        """Encode search queries."""


class BaseRerankFunction(ABC):
    """A rerank function: ``__call__(query, documents, top_k)`` returns RerankResults."""

    @abstractmethod
    def __call__(self, query: str, documents: list[str], top_k: int = 5) -> list[RerankResult]:
        """Score ``documents`` against ``query`` and return the best ``top_k``."""


class RerankResult:
    """One reranked document: its text, its score and its index in the input list.

    Parameters
    ----------
    text : str
        The document text.
    score : float
        The relevance score (higher is more relevant).
    index : int
        Position of the document in the list that was reranked.
    """

    __slots__ = ("text", "score", "index")

    def __init__(self, text: str, score: float, index: int):
        self.text = text
        self.score = float(score)
        self.index = int(index)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"text": ..., "score": ..., "index": ...}``."""
        return {"text": self.text, "score": self.score, "index": self.index}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RerankResult):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"RerankResult(text={self.text!r}, score={self.score}, index={self.index})"
