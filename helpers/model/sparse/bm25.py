"""BM25 as sparse embeddings, with pymilvus-model's API, scoring and file format, offline.

A document vector holds, for each of its terms, the BM25 term-frequency weight
``tf (k1 + 1) / (tf + k1 (1 - b + b |D| / avgdl))``; a query vector holds the IDF
``ln((N - df + 0.5) / (df + 0.5))`` of each query term (once per occurrence). Their dot
product is the Okapi BM25 score, so a vector database can rank by inner product.
Terms in more than half of the documents would get a negative IDF; like pymilvus-model
(and rank_bm25), they get ``epsilon`` times the mean IDF instead.

Counting and weighting run on whole batches with numpy/scipy; the only per-word
Python work is one dictionary look-up (word -> column) per token.

>>> from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
>>> bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
>>> bm25_ef.fit(["Turing was born in London.", "AI was founded in 1956.", "Turing studied AI."])
>>> bm25_ef.encode_queries(["Where was Turing born?"]).shape
(1, 7)
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import csr_array

from helpers.model.base import BaseEmbeddingFunction, check_texts
from helpers.model.sparse.analyzers import Analyzer, build_default_analyzer
from helpers.model.sparse.decode import decode_rows
from helpers.model.sparse.params import FORMAT_VERSION, read_params, write_params
from helpers.progress import progress_bar
from helpers.validation import check_number

__all__ = ["BM25EmbeddingFunction", "NotFittedError", "TermContributions", "Analyzer", "build_default_analyzer"]

# Texts are analysed in blocks: big enough for numpy to pay off, small enough that the
# Python strings of one block's words stay a few MB.
_BLOCK = 1024
_DROPPED = -1  # the analyzer removed the word (stopword): not counted in |D|
_UNKNOWN = -2  # a term outside the fitted vocabulary: counted in |D|, no column


class NotFittedError(RuntimeError):
    """Raised when encoding with a BM25EmbeddingFunction that has no statistics yet."""


class _ColumnCache(dict):
    """word -> column memo: a miss analyzes the word once and looks up (or adds) its term."""

    def __init__(self, to_term: Callable[[str], str | None], vocabulary: dict[str, int], grow: bool):
        super().__init__()
        self.to_term, self.vocabulary, self.grow = to_term, vocabulary, grow

    def __missing__(self, word: str) -> int:
        term = self.to_term(word)
        if term is None:
            column = _DROPPED
        elif term in self.vocabulary:
            column = self.vocabulary[term]
        elif self.grow:
            column = self.vocabulary[term] = len(self.vocabulary)
        else:
            column = _UNKNOWN
        self[word] = column
        return column


class _Counts(NamedTuple):
    """Term counts of a block of texts, row after row (the parts of a CSR matrix)."""

    columns: np.ndarray  # int32 column of each (text, term) pair, ascending within a text
    counts: np.ndarray  # int32 occurrences of the term in the text
    row_sizes: np.ndarray  # distinct known terms per text
    lengths: np.ndarray  # |D|: terms per text, unknown ones included (as pymilvus-model counts)


def _count_block(texts: list[str], split: Callable[[str], list[str]], cache: _ColumnCache) -> _Counts:
    """Count the terms of a few thousand texts with one dictionary look-up per word."""
    words = [split(text) for text in texts]
    per_text = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    columns = np.fromiter(map(cache.__getitem__, chain.from_iterable(words)), np.int64, int(per_text.sum()))
    rows = np.repeat(np.arange(len(texts)), per_text)
    kept = columns != _DROPPED
    columns, rows = columns[kept], rows[kept]
    lengths = np.bincount(rows, minlength=len(texts))
    known = columns >= 0
    width = max(len(cache.vocabulary), 1)
    # One key per (text, column) pair: sorting groups each text's terms, in column order.
    pairs, counts = np.unique(rows[known] * width + columns[known], return_counts=True)
    row_sizes = np.bincount(pairs // width, minlength=len(texts))
    return _Counts((pairs % width).astype(np.int32), counts.astype(np.int32), row_sizes, lengths)


def _assemble(blocks: list[_Counts], width: int, weigh: Callable[[_Counts], np.ndarray]) -> csr_array:
    """Write weighted blocks into one float32 CSR matrix, freeing each block once copied."""
    n_rows = sum(len(block.lengths) for block in blocks)
    nnz = sum(block.columns.size for block in blocks)
    index = np.int32 if max(nnz, width) < 2**31 else np.int64
    data, indices = np.empty(nnz, dtype=np.float32), np.empty(nnz, dtype=index)
    indptr = np.zeros(n_rows + 1, dtype=index)
    position = row = 0
    blocks.reverse()  # pop from the end: the first block first
    while blocks:
        block = blocks.pop()
        size, n = block.columns.size, len(block.lengths)
        data[position : position + size] = weigh(block)
        indices[position : position + size] = block.columns
        indptr[row + 1 : row + n + 1] = position + np.cumsum(block.row_sizes)
        position, row = position + size, row + n
    return csr_array((data, indices, indptr), shape=(n_rows, width))


def _fingerprint(texts: list[str]) -> tuple[int, int]:
    """Identify a list of texts (strings cache their hashes, so this is cheap)."""
    return len(texts), hash(tuple(texts))


def _check_replaceable(path: Path) -> None:
    """Refuse to replace ``path`` unless it is a BM25 parameter file: other files are the user's."""
    try:
        read_params(path)
    except (ValueError, OSError):
        raise FileExistsError(
            f"{path} exists and is not a BM25 parameter file that load() can read, so save() keeps it: "
            "it may be yours. Choose another path, or pass overwrite=True to replace it anyway"
        ) from None


def _check_bm25_params(k1: Any, b: Any, epsilon: Any) -> None:
    check_number(k1, "k1", low=0, hint=" (typical: 1.2 to 2.0)")
    check_number(b, "b", low=0, high=1, hint=" (typical: 0.75)")
    check_number(epsilon, "epsilon", low=0, hint=" (typical: 0.25)")


@dataclass(frozen=True)
class TermContributions:
    """How much each query term adds to each document's BM25 score.

    Attributes
    ----------
    terms : list of str
        The analyzed query terms, each once, in query order.
    in_vocabulary : ndarray of bool, shape (n_terms,)
        False for terms the fitted corpus never saw; they contribute nothing.
    query_weights : ndarray, shape (n_terms,)
        Query vector entries: IDF times the number of times the term is in the query.
    document_weights : ndarray, shape (n_documents, n_terms)
        Document vector entries (the saturated, length-normalized term frequency).
    contributions : ndarray, shape (n_documents, n_terms)
        ``query_weights * document_weights``; each row sums to the document's score.
    """

    terms: list[str]
    in_vocabulary: np.ndarray
    query_weights: np.ndarray
    document_weights: np.ndarray
    contributions: np.ndarray

    @property
    def scores(self) -> np.ndarray:
        """BM25 score of each document: the sum of its term contributions."""
        return self.contributions.sum(axis=1)


class BM25EmbeddingFunction(BaseEmbeddingFunction):
    """BM25 sparse embeddings: ``fit`` on a corpus, then ``encode_documents`` / ``encode_queries``.

    Parameters
    ----------
    analyzer : callable, optional
        ``text -> list[str]`` of terms; default ``build_default_analyzer("en")``. Our
        :class:`~helpers.model.sparse.analyzers.Analyzer` is fastest (it caches each
        word's term) and is saved with the parameters; any callable works, including
        pymilvus-model's analyzers.
    corpus : list of str, optional
        If given, ``fit(corpus)`` runs right away.
    k1 : float
        Term-frequency saturation: how much a term's tenth occurrence still adds.
    b : float
        Length normalization: 0 ignores document length, 1 normalizes fully.
    epsilon : float
        Terms in more than half the documents get ``epsilon * mean IDF`` as IDF.
    show_progress : bool
        Show a progress bar over blocks of texts (worth it from about 100k documents).

    Examples
    --------
    >>> bm25_ef = BM25EmbeddingFunction(corpus=["a cat sat", "a dog ran", "birds fly"])
    >>> bm25_ef.dim
    6
    >>> bm25_ef.encode_documents(["the cat"]).nnz
    1
    """

    def __init__(
        self,
        analyzer: Callable[[str], list[str]] | None = None,
        corpus: Sequence[str] | None = None,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        show_progress: bool = False,
    ):
        _check_bm25_params(k1, b, epsilon)
        if analyzer is None:
            analyzer = build_default_analyzer(language="en")
        if not callable(analyzer):
            raise TypeError(f"analyzer must be a callable text -> list[str], got {type(analyzer).__name__}")
        self.analyzer = analyzer
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.show_progress = show_progress
        self.corpus_size = 0
        self.avgdl = 0.0
        self._vocabulary: dict[str, int] = {}
        self._idf = np.zeros(0)
        self._columns: _ColumnCache | None = None
        self._columns_analyzer: Any = None
        self._fitted_counts: tuple[Any, ...] | None = None
        if corpus is not None:
            self.fit(corpus)

    # ----------------------------------------------------------------- state
    @property
    def dim(self) -> int:
        """Number of vocabulary terms: the width of every vector."""
        return len(self._vocabulary)

    @property
    def vocabulary(self) -> list[str]:
        """The terms, in column order."""
        return list(self._vocabulary)

    @property
    def idf(self) -> np.ndarray:
        """IDF of each column (read-only), after the epsilon replacement."""
        view = self._idf.view()
        view.flags.writeable = False
        return view

    def _check_fitted(self) -> None:
        if not self._vocabulary:
            raise NotFittedError(
                "this BM25EmbeddingFunction has no statistics yet: call fit(corpus) or load(path) first"
            )

    # ------------------------------------------------------------ analysis
    def _word_source(self) -> tuple[Callable[[str], list[str]], Callable[[str], str | None]]:
        """Split texts into words, and map one word to its term (or None)."""
        if isinstance(self.analyzer, Analyzer):
            return self.analyzer.tokenizer, self.analyzer.term
        # Any other analyzer yields finished terms: each word is its own term.
        return lambda text: list(self.analyzer(text)), lambda term: term

    def _column_cache(self) -> _ColumnCache:
        """The word -> column cache of the fitted vocabulary, rebuilt if the analyzer changed."""
        if self._columns is None or self._columns_analyzer is not self.analyzer:
            self._columns = _ColumnCache(self._word_source()[1], self._vocabulary, grow=False)
            self._columns_analyzer = self.analyzer
        return self._columns

    def _blocks(self, texts: list[str], what: str) -> Iterator[list[str]]:
        """Yield blocks of texts, with a progress bar if asked for."""
        starts = range(0, len(texts), _BLOCK)
        for start in progress_bar(starts, show=self.show_progress and len(texts) > _BLOCK, desc=what, unit="block"):
            yield texts[start : start + _BLOCK]

    def _count(self, texts: list[str], cache: _ColumnCache, what: str) -> list[_Counts]:
        """Term counts of ``texts``, block by block."""
        split = self._word_source()[0]
        return [_count_block(block, split, cache) for block in self._blocks(texts, what)]

    # ----------------------------------------------------------------- fit
    def fit(self, corpus: Sequence[str]) -> None:
        """Learn the vocabulary, IDF and average document length from ``corpus``.

        The term counts of ``corpus`` are kept until the next ``encode_documents(corpus)``
        (same texts), which then skips the analysis.

        Raises
        ------
        ValueError
            If the corpus is empty or no document has a single term after analysis.
        TypeError
            If ``corpus`` is not a list of strings.
        """
        texts = check_texts(corpus, "corpus")
        if not texts:
            raise ValueError("fit() needs at least one document; got an empty corpus")
        vocabulary: dict[str, int] = {}
        cache = _ColumnCache(self._word_source()[1], vocabulary, grow=True)
        blocks = self._count(texts, cache, "fit")
        if not vocabulary:
            raise ValueError(
                f"fit() found no terms in {len(texts)} documents: all are empty or only stopwords; "
                "check the texts and the analyzer's language"
            )
        n, width = len(texts), len(vocabulary)
        document_frequency = sum(np.bincount(block.columns, minlength=width) for block in blocks)
        idf = np.log(n - document_frequency + 0.5) - np.log(document_frequency + 0.5)
        idf[idf < 0] = self.epsilon * idf.mean()
        self.corpus_size, self.avgdl = n, sum(int(block.lengths.sum()) for block in blocks) / n
        self._vocabulary, self._idf = vocabulary, idf
        cache.grow = False  # from now on new terms are unknown, not added
        self._columns, self._columns_analyzer = cache, self.analyzer
        self._fitted_counts = (_fingerprint(texts), self.analyzer, blocks)

    # -------------------------------------------------------------- encode
    def encode_documents(self, documents: Sequence[str]) -> csr_array:
        """Encode documents as BM25 term weights.

        Returns
        -------
        scipy.sparse.csr_array
            float32, shape ``(len(documents), dim)``. An empty document, or one with only
            unknown words, is an all-zero row.
        """
        self._check_fitted()
        texts = check_texts(documents, "documents")
        fitted, self._fitted_counts = self._fitted_counts, None  # used once: its memory becomes the result
        if fitted is not None and fitted[1] is self.analyzer and fitted[0] == _fingerprint(texts):
            blocks = fitted[2]
        else:
            blocks = self._count(texts, self._column_cache(), "encode_documents")
        k1, b, avgdl = self.k1, self.b, self.avgdl

        def weigh(counts: _Counts) -> np.ndarray:
            tf = counts.counts.astype(np.float64)
            length = np.repeat(counts.lengths, counts.row_sizes)
            return tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))

        return _assemble(blocks, self.dim, weigh)

    def encode_queries(self, queries: Sequence[str]) -> csr_array:
        """Encode queries as the IDF of each known term, once per occurrence.

        Returns
        -------
        scipy.sparse.csr_array
            float32, shape ``(len(queries), dim)``. Unknown words and stopwords are
            ignored: a query with no known term is an all-zero row.
        """
        self._check_fitted()
        blocks = self._count(check_texts(queries, "queries"), self._column_cache(), "encode_queries")
        return _assemble(blocks, self.dim, lambda counts: counts.counts * self._idf[counts.columns])

    def __call__(self, texts: list[str]) -> csr_array:
        raise ValueError(
            "BM25EmbeddingFunction weighs documents and queries differently: "
            "call encode_documents(texts) or encode_queries(texts)"
        )

    # ---------------------------------------------------------- explaining
    def term_contributions(self, query: str, documents: Sequence[str]) -> TermContributions:
        """Break each document's BM25 score for ``query`` into per-term contributions.

        Parameters
        ----------
        query : str
            One query.
        documents : list of str
            The documents to score (usually a few, for a chart).

        Returns
        -------
        TermContributions
            One column per analyzed query term, including terms outside the vocabulary
            (contribution 0), so learners see why a word did not count.

        Examples
        --------
        >>> bm25_ef = BM25EmbeddingFunction(corpus=["cats purr", "dogs bark", "cats and dogs"])
        >>> bm25_ef.term_contributions("do cats purr?", ["cats purr"]).terms
        ['do', 'cat', 'purr']
        """
        if not isinstance(query, str):
            raise TypeError(f"query must be one string, got {type(query).__name__}")
        self._check_fitted()
        terms = list(dict.fromkeys(self.analyzer(query)))
        columns = np.array([self._vocabulary.get(term, -1) for term in terms], dtype=np.int64)
        known = columns >= 0
        safe = np.where(known, columns, 0)  # any valid column; unknown terms are zeroed below
        query_weights = self.encode_queries([query]).toarray()[0, safe] * known
        document_weights = self.encode_documents(documents)[:, safe].toarray() * known
        return TermContributions(terms, known, query_weights, document_weights, document_weights * query_weights)

    def decode(self, vectors: csr_array) -> list[dict[str, float]]:
        """Turn each row of ``vectors`` into ``{term: weight}``, heaviest first."""
        vocabulary = self.vocabulary
        rows = csr_array(vectors)
        if rows.shape[1] != self.dim:
            raise ValueError(f"vectors have {rows.shape[1]} columns but this vocabulary has {self.dim}")
        return decode_rows(rows, lambda columns: [vocabulary[c] for c in columns])

    # --------------------------------------------------------- save / load
    def save(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Save the statistics as pymilvus-model's v1 JSON, plus the analyzer's settings.

        Parameters
        ----------
        path : str or PathLike
            The JSON file to write (atomically: a crash never leaves half a file).
        overwrite : bool
            Replace any existing file. Without it, an existing BM25 parameter file (one that
            :meth:`load` can read) is replaced, so the blog's ``save("bm25_params.json")`` runs
            as often as you re-run it, while any other file is kept and refused.

        Raises
        ------
        FileExistsError
            If ``path`` holds a file that is not a BM25 parameter file and ``overwrite`` is false.
        """
        self._check_fitted()
        if not overwrite and Path(path).is_file():
            _check_replaceable(Path(path))
            overwrite = True
        params: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "corpus_size": self.corpus_size,
            "avgdl": self.avgdl,
            "idf_word": self.vocabulary,
            "idf_value": self._idf.tolist(),
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
        }
        config = self.analyzer.config() if isinstance(self.analyzer, Analyzer) else None
        if config is not None:
            params["analyzer"] = config
        write_params(path, params, overwrite=overwrite)

    def load(self, path: str | os.PathLike) -> None:
        """Load statistics saved by :meth:`save` or by pymilvus-model.

        If the file holds analyzer settings (files saved by this class), the analyzer is
        rebuilt from them, so queries are tokenized as the corpus was. Files from
        pymilvus-model keep the current analyzer. On any error nothing changes.

        Raises
        ------
        FileNotFoundError, ValueError
            For a missing file, or one that is corrupt, truncated or of another version.
        """
        params = read_params(path)
        try:
            _check_bm25_params(params["k1"], params["b"], params["epsilon"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} holds unusable BM25 parameters: {error}") from None
        analyzer = self.analyzer
        if params.get("analyzer") is not None:
            try:
                analyzer = Analyzer.from_config(params["analyzer"])
            except (TypeError, ValueError) as error:
                raise ValueError(f"{path} has analyzer settings this version cannot rebuild: {error}") from None
            current = self.analyzer.config() if isinstance(self.analyzer, Analyzer) else None
            if current is not None and current != analyzer.config():
                warnings.warn(
                    f"{path} was saved with a different analyzer; using the saved one so that queries "
                    "are tokenized like the fitted corpus",
                    stacklevel=2,
                )
        self.analyzer = analyzer
        self.k1, self.b, self.epsilon = params["k1"], params["b"], params["epsilon"]
        self.corpus_size, self.avgdl = params["corpus_size"], float(params["avgdl"])
        self._vocabulary = {word: column for column, word in enumerate(params["idf_word"])}
        self._idf = np.asarray(params["idf_value"], dtype=np.float64)
        self._columns = self._fitted_counts = None

    def __repr__(self) -> str:
        return (
            f"BM25EmbeddingFunction(dim={self.dim}, corpus_size={self.corpus_size}, k1={self.k1}, "
            f"b={self.b}, epsilon={self.epsilon}, analyzer={self.analyzer!r})"
        )
