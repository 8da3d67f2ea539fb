"""Sparse embeddings with pymilvus.model's API: BM25 (offline analyzers for English and Japanese)
and learned SPLADE vectors (torch and the model load on first use).

>>> from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
>>> bm25_ef = BM25EmbeddingFunction(build_default_analyzer(language="en"))
"""

from helpers.model.sparse.analyzers import (
    Analyzer,
    LowercaseFilter,
    RegexTokenizer,
    SnowballStemmer,
    StopwordFilter,
    SudachiTokenizer,
    build_default_analyzer,
)
from helpers.model.sparse.bm25 import BM25EmbeddingFunction, NotFittedError, TermContributions
from helpers.model.sparse.splade import SpladeEmbeddingFunction, TruncationWarning

__all__ = [
    "BM25EmbeddingFunction",
    "Analyzer",
    "build_default_analyzer",
    "NotFittedError",
    "TermContributions",
    "RegexTokenizer",
    "SudachiTokenizer",
    "LowercaseFilter",
    "StopwordFilter",
    "SnowballStemmer",
    "SpladeEmbeddingFunction",
    "TruncationWarning",
]

