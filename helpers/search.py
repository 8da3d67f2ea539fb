"""Search a small corpus with dense embeddings, BM25, two fusions and a reranker, side by side.

:class:`Search` encodes the documents once; :meth:`Search.search` then scores *every*
document by every method for one query and returns a :class:`~helpers.search_result.SearchResult`:
one score array and one rank array per method, aligned on the corpus order, plus a table of the
top documents. The methods are those of the registry, :data:`helpers.methods.METHODS`, each
scored by its function in :mod:`helpers.scoring`:

``dense``
    cosine of the query and document embeddings (all-MiniLM-L6-v2 by default);
``bm25``
    the BM25 score (dot product of the sparse query and document vectors);
``rrf``
    reciprocal rank fusion of the dense and BM25 rankings (:func:`helpers.fusion.reciprocal_rank_fusion`);
    documents that match no query word have BM25 score 0 and are not BM25 hits
    (:func:`helpers.fusion.matched_only`), so they get no BM25 vote;
``weighted``
    ``weight * dense + (1 - weight) * bm25`` after min-max scaling (:func:`helpers.fusion.weighted_sum`);
``rerank``
    the rerank function's score for the first stage's top ``rerank_depth`` documents
    (every document by default: the demo corpus is small); ``nan`` for the rest.

Example
-------
>>> from helpers.search import Search
>>> search = Search.from_demo_corpus(show_progress=False)
>>> result = search.search("Where was Alan Turing born?")
>>> result.doc_ids[result.top("rerank", 1)[0]]
'turing-birth'
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.fusion import ranks
from helpers.language import language_note
from helpers.methods import FIRST_STAGES, METHODS, score_methods
from helpers.model.base import check_texts
from helpers.model.reranker.maxsim import TokenIndex, shares_encoder
from helpers.model.tokens import token_offsets
from helpers.search_result import SearchResult, TopDocumentsTable
from helpers.validation import EmptyQueryError, check_number, check_positive_int, check_query

__all__ = ["METHODS", "BM25_NO_MATCH", "EmptyQueryError", "Search", "SearchResult", "TopDocumentsTable"]

_ENCODE_BATCH = 32  # documents per progress-bar step


class Search:
    """An in-memory search over a small corpus with every method at once.

    The documents are encoded once, here: dense vectors (loaded from a disk cache when
    ``cache_dir`` is given and the corpus was encoded before), BM25 vectors (the BM25 function
    is fitted on this corpus when it is not fitted yet), and, for rerankers that cache document
    encodings such as :class:`~helpers.model.reranker.MaxSimRerankFunction` (they have a
    ``cache_info`` method), optionally a warm-up pass so the first query is as fast as the next.

    Parameters
    ----------
    documents : list of str
        The texts to search. Empty documents are an error; duplicate texts are kept (they
        tie) with a warning.
    ids : list of str, optional
        One unique id per document; default ``"0"``, ``"1"``, ...
    titles : list of str, optional
        Display labels; default the first words of each document.
    dense_ef : embedding function, optional
        Has ``encode_documents`` and ``encode_queries`` returning unit-length vectors;
        default :class:`~helpers.model.dense.DefaultEmbeddingFunction`.
    bm25_ef : BM25 function, optional
        Default ``BM25EmbeddingFunction(build_default_analyzer("en"))``, fitted on ``documents``.
    rerank_fn : rerank function, optional
        ``rerank_fn(query, documents, top_k)`` returning RerankResults; default
        :class:`~helpers.model.reranker.MaxSimRerankFunction`.
    rerank_depth : int, optional
        Rerank only the first stage's top ``rerank_depth`` documents, as a production
        pipeline does; ``None`` (default) reranks every document.
    rrf_k : int
        Damping constant of reciprocal rank fusion (60, as in Milvus's RRFRanker).
    show_progress : bool
        Show a progress bar while encoding the documents.
    warm_up : bool, optional
        Encode every document for the reranker now (when it caches document encodings),
        so that the first query is as fast as the next. ``None`` (default) warms up only
        when every query reranks every document (``rerank_depth=None``); with a shallow
        ``rerank_depth`` the reranker encodes just the documents it is given, as they come.
    cache_dir : str, Path or True, optional
        Keep the dense document vectors on disk (:mod:`helpers.embedding_cache`), keyed by
        model, precision, settings and the texts, so the next ``Search`` of the same corpus
        loads them instead of encoding. A folder (notebooks pass ``"work/embeddings"``), or
        ``True`` for the default folder (``$RETRIEVAL_CACHE``, else the user cache folder);
        ``None`` or ``False`` (default) encodes every time and writes nothing. When the
        reranker warms up and can take precomputed token vectors (MaxSim's
        ``add_documents``), its warm-up is cached there too, so it is paid once per machine.

    Examples
    --------
    >>> search = Search(["Turing was born in London.", "ENIAC filled a room."], show_progress=False)
    >>> search.search("Where was Turing born?").table(top_k=5).rows[0]["id"]
    '0'
    """

    def __init__(
        self,
        documents: Sequence[str],
        ids: Sequence[str] | None = None,
        titles: Sequence[str] | None = None,
        dense_ef: Any = None,
        bm25_ef: Any = None,
        rerank_fn: Any = None,
        rerank_depth: int | None = None,
        rrf_k: int = 60,
        show_progress: bool = True,
        warm_up: bool | None = None,
        cache_dir: str | Path | bool | None = None,
    ):
        self.texts = _check_corpus(documents)
        self.doc_ids = _check_ids(ids, len(self.texts))
        self.titles = _check_titles(titles, self.texts)
        if rerank_depth is not None:
            rerank_depth = check_positive_int(rerank_depth, "rerank_depth", hint="; or None to rerank everything")
        if warm_up is not None and not isinstance(warm_up, bool):
            raise TypeError(f"warm_up must be True, False or None (automatic), got {warm_up!r}")
        if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike, bool)):
            raise TypeError(f"cache_dir must be a folder, True (the default folder) or None (no cache), got {cache_dir!r}")
        self.rerank_depth = rerank_depth
        self.rrf_k = rrf_k
        self.dense_ef, self.bm25_ef, self.rerank_fn = _default_functions(dense_ef, bm25_ef, rerank_fn)
        self._encode(show_progress, rerank_depth is None if warm_up is None else warm_up, cache_dir)

    @classmethod
    def from_demo_corpus(cls, corpus: Any = None, **kwargs: Any) -> Search:
        """Search the tutorial's demo corpus (:func:`helpers.demo_data.load_demo_corpus`).

        Parameters
        ----------
        corpus : DemoCorpus, optional
            A loaded corpus; default the project's own.
        **kwargs
            Passed to :class:`Search`.
        """
        from helpers.demo_data import load_demo_corpus

        corpus = corpus if corpus is not None else load_demo_corpus()
        return cls(corpus.texts, ids=corpus.doc_ids, titles=corpus.titles, **kwargs)

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        return (
            f"Search({len(self)} documents, dense={type(self.dense_ef).__name__}, "
            f"bm25={type(self.bm25_ef).__name__}, rerank={type(self.rerank_fn).__name__})"
        )

    def _encode(self, show_progress: bool, warm_up: bool, cache_dir: str | Path | bool | None) -> None:
        if not _is_fitted(self.bm25_ef):
            self.bm25_ef.fit(self.texts)
        self._bm25_docs = self.bm25_ef.encode_documents(self.texts).tocsr()
        if cache_dir is None or cache_dir is False:
            dense = self._encode_dense(show_progress)
        else:
            from helpers.embedding_cache import encode_documents_cached

            folder = None if cache_dir is True else cache_dir
            dense = encode_documents_cached(self.dense_ef, self.texts, folder, show_progress=show_progress)
        self._dense_docs = np.asarray(dense, dtype=np.float32)
        # Rerankers with a document cache (MaxSim's token embeddings; they expose cache_info())
        # may get a warm-up pass, so the first real query pays only for itself. Others (a paid
        # API) are never called before a real query.
        self._tokens: TokenIndex | None = None  # MaxSim's index, when the reranker shares the dense model
        if not (warm_up and hasattr(self.rerank_fn, "cache_info")):
            return
        if cache_dir is None or cache_dir is False or not hasattr(self.rerank_fn, "add_documents"):
            self._warm_up_reranker(show_progress)
            self._index_tokens()
            return
        from helpers.embedding_cache import cached_ragged, corpus_hash

        # The token vectors (about 15 CPU-seconds for the demo corpus) are read from disk after
        # the first run; the key changes with the model, its settings and every text.
        rf = self.rerank_fn
        model_name = str(getattr(rf, "model_name", type(rf).__name__))
        backend = getattr(rf, "backend", "torch")  # ONNX Runtime's vectors differ from torch's in the last bits
        settings = (type(rf).__name__, model_name, getattr(rf, "max_length", None), getattr(rf, "precision", "float32"), backend)
        tokens = cached_ragged(
            f"maxsim-tokens-{Path(model_name).name}",
            corpus_hash(self.texts, *settings),
            lambda: self._warm_up_reranker(show_progress),
            None if cache_dir is True else cache_dir,
            count=len(self.texts),
        )
        rf.add_documents(self.texts, tokens)
        self._index_tokens()

    def _index_tokens(self) -> None:
        """One MaxSim index over the corpus, when one query pass can serve the dense function and the reranker."""
        if shares_encoder(self.dense_ef, self.rerank_fn):
            self._tokens = TokenIndex.from_tokens(self.rerank_fn.document_tokens(self.texts))  # cached by the warm-up

    def _warm_up_reranker(self, show_progress: bool) -> list[np.ndarray] | None:
        """Fill the reranker's document cache; return the token vectors when it exposes them."""
        from helpers.progress import progress_bar

        tokens: list[np.ndarray] = []
        has_tokens = hasattr(self.rerank_fn, "document_tokens")
        with progress_bar(show=show_progress, total=len(self.texts), desc="Warming up the reranker", unit="doc") as bar:
            for i in range(0, len(self.texts), _ENCODE_BATCH):
                batch = self.texts[i : i + _ENCODE_BATCH]
                if has_tokens:
                    tokens.extend(self.rerank_fn.document_tokens(batch))
                else:  # a document cache without a public way in: score once, discard the answer
                    self.rerank_fn("warm-up", batch, top_k=1)
                bar.update(len(batch))
        return tokens if has_tokens else None

    def _encode_dense(self, show_progress: bool) -> np.ndarray:
        from helpers.progress import progress_bar

        dense = []
        with progress_bar(show=show_progress, total=len(self.texts), desc="Encoding documents", unit="doc") as bar:
            for i in range(0, len(self.texts), _ENCODE_BATCH):
                batch = self.texts[i : i + _ENCODE_BATCH]
                dense.extend(self.dense_ef.encode_documents(batch))
                bar.update(len(batch))
        return np.vstack(dense)

    def search(self, query: str, weight: float = 0.5, first_stage: str = "rrf") -> SearchResult:
        """Score every document for ``query`` by every method.

        Parameters
        ----------
        query : str
            What the learner typed.
        weight : float
            Dense weight of the ``weighted`` fusion, from 0 (BM25 only) to 1 (dense only).
        first_stage : str
            Which ranking feeds the reranker: ``"dense"``, ``"bm25"``, ``"rrf"`` or ``"weighted"``.

        Returns
        -------
        SearchResult

        Raises
        ------
        EmptyQueryError
            If the query is empty or shows nothing to read: only whitespace, zero-width or
            control characters (a ValueError whose message can be shown as is).
        InvalidTextError
            If the query holds a lone surrogate (not valid Unicode).
        TypeError
            If the query is not a string, or ``weight`` is not a number (numpy scalars are).
        ValueError
            If ``weight`` is not finite or outside [0, 1], or ``first_stage`` is unknown.
        """
        query = check_query(query)
        weight = check_number(weight, "weight", low=0, high=1, hint=" (0 = BM25 only, 1 = dense only)")
        if first_stage not in FIRST_STAGES:
            raise ValueError(f"first_stage must be one of {', '.join(FIRST_STAGES)}, got {first_stage!r}")

        scores = {m: s[0] for m, s in score_methods(_QueryScoring(self, weight, first_stage), [query]).items()}
        return SearchResult(
            query=query,
            doc_ids=self.doc_ids,
            titles=self.titles,
            texts=self.texts,
            scores=scores,
            ranks={m: ranks(s) for m, s in scores.items()},
            weight=float(weight),
            first_stage=first_stage,
            rerank_depth=self._depth(),
            notes=self._notes(query) + _bm25_notes(scores["bm25"]),
            rrf_k=self.rrf_k,
        )

    def _depth(self) -> int:
        return len(self) if self.rerank_depth is None else min(self.rerank_depth, len(self))

    def score_matrices(self, queries: Sequence[str], **kwargs: Any) -> dict[str, np.ndarray]:
        """Search every query; return one (n_queries, n_documents) score matrix per method.

        Feed a matrix to :func:`helpers.metrics.run_from_scores` to evaluate a method.

        Parameters
        ----------
        queries : list of str
            Query texts.
        **kwargs
            Passed to :meth:`search` (``weight``, ``first_stage``).
        """
        results = [self.search(q, **kwargs) for q in check_texts(queries, "queries")]
        return {m: np.vstack([r.scores[m] for r in results]) for m in METHODS}

    def _notes(self, query: str) -> tuple[str, ...]:
        """Warn when the query is not English and a model is English-only, or when a model reads only its beginning."""
        language = language_note(query, self.dense_ef, self.rerank_fn)
        return ((language,) if language else ()) + self._length_notes(query)

    def _length_notes(self, query: str) -> tuple[str, ...]:
        model = getattr(self.dense_ef, "model", None)
        tokenizer, limit = getattr(model, "tokenizer", None), getattr(model, "max_seq_length", None)
        if tokenizer is None or limit is None:
            return ()
        # Counted untruncated, with the special tokens the model adds, whichever tokenizer it has
        # (transformers' on torch, a `tokenizers.Tokenizer` on ONNX Runtime).
        pieces = len(token_offsets(tokenizer, query)) + tokenizer.num_special_tokens_to_add(False)
        if pieces <= limit:
            return ()
        return (
            f"the query is {pieces} word pieces long; the dense model and the reranker read only the "
            f"first {limit}, BM25 reads it all. Shorten it to a question or a few keywords.",
        )


BM25_NO_MATCH = (
    "BM25 found no document containing a word of the query (it skips common words such as 'the'); "
    "the hybrid column is the dense ranking alone."
)


def _bm25_notes(bm25_scores: np.ndarray) -> tuple[str, ...]:
    return () if (bm25_scores > 0).any() else (BM25_NO_MATCH,)


class _QueryScoring:
    """The :class:`~helpers.scoring.ScoringContext` of one :meth:`Search.search`: the corpus's vectors, one query.

    When the reranker shares the dense model, the query's one forward pass gives both its dense
    vector and its token vectors, and MaxSim scores the candidates on the corpus's
    :class:`~helpers.model.reranker.maxsim.TokenIndex`; otherwise the rerank function is called.
    """

    def __init__(self, search: Search, weight: float, first_stage: str):
        self.search, self.weight, self.first_stage, self.rrf_k = search, weight, first_stage, search.rrf_k
        self._query_tokens: np.ndarray | None = None

    def dense_scores(self, queries: Sequence[str]) -> np.ndarray:
        search = self.search
        if search._tokens is not None:
            vectors, tokens = search.dense_ef.encode_with_tokens(list(queries))
            self._query_tokens = tokens[0]
        else:
            vectors = np.stack(search.dense_ef.encode_queries(list(queries)))
        return np.stack([search._dense_docs @ vector for vector in vectors]).astype(np.float64)

    def bm25_scores(self, queries: Sequence[str]) -> np.ndarray:
        search = self.search
        return (search._bm25_docs @ search.bm25_ef.encode_queries(list(queries)).T).toarray().T

    def rerank_scores(self, queries: Sequence[str], first_stage: np.ndarray) -> np.ndarray:
        search, depth = self.search, self.search._depth()
        reranked = np.full(first_stage.shape, np.nan)
        for row, (query, stage) in enumerate(zip(queries, first_stage)):
            candidates = np.argsort(ranks(stage), kind="stable")[:depth]
            if self._query_tokens is not None:  # MaxSim of the candidates' token vectors, one matrix product
                reranked[row, candidates] = search._tokens.scores(self._query_tokens, candidates)
                continue
            results = search.rerank_fn(query, [search.texts[i] for i in candidates], top_k=depth)
            reranked[row, candidates[[r.index for r in results]]] = [r.score for r in results]
        return reranked


def _check_corpus(documents: Sequence[str]) -> list[str]:
    texts = check_texts(documents, "documents")
    if not texts:
        raise ValueError("the corpus is empty; pass a list with at least one document")
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(
            f"documents {empty[:10]} are empty or only whitespace; drop them before searching, "
            "e.g. [d for d in documents if d.strip()]"
        )
    first_seen: dict[str, int] = {}
    duplicates = []
    for i, t in enumerate(texts):
        key = " ".join(t.split())
        if key in first_seen:
            duplicates.append((first_seen[key], i))
        else:
            first_seen[key] = i
    if duplicates:
        warnings.warn(
            f"{len(duplicates)} documents repeat an earlier one (pairs {duplicates[:5]}); copies get "
            "equal scores and crowd the top results. Deduplicate with list(dict.fromkeys(documents)).",
            UserWarning,
            stacklevel=3,
        )
    return texts


def _check_ids(ids: Sequence[str] | None, n: int) -> list[str]:
    if ids is None:
        return [str(i) for i in range(n)]
    ids = [str(i) for i in ids]
    if len(ids) != n:
        raise ValueError(f"got {len(ids)} ids for {n} documents; pass one id per document")
    if len(set(ids)) != n:
        seen: set[str] = set()
        repeated = sorted({i for i in ids if i in seen or seen.add(i)})
        raise ValueError(f"ids must be unique; repeated: {repeated[:10]}")
    return ids


def _check_titles(titles: Sequence[str] | None, texts: list[str]) -> list[str]:
    if titles is None:
        return [" ".join(t.split()[:6]) for t in texts]
    titles = check_texts(titles, "titles")
    if len(titles) != len(texts):
        raise ValueError(f"got {len(titles)} titles for {len(texts)} documents; pass one title per document")
    return titles


def _is_fitted(bm25_ef: Any) -> bool:
    return getattr(bm25_ef, "dim", 0) > 0


def _default_functions(dense_ef: Any, bm25_ef: Any, rerank_fn: Any) -> tuple[Any, Any, Any]:
    """Build the defaults lazily: importing this module must not load torch or a model."""
    if dense_ef is None:
        from helpers.model.dense import DefaultEmbeddingFunction

        dense_ef = DefaultEmbeddingFunction()
    if bm25_ef is None:
        from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

        bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    if rerank_fn is None:
        from helpers.model.reranker import MaxSimRerankFunction

        rerank_fn = MaxSimRerankFunction()
    return dense_ef, bm25_ef, rerank_fn
