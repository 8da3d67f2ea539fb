"""Search a small corpus with dense embeddings, BM25, two fusions and a reranker, side by side.

:class:`Search` encodes the documents once; :meth:`Search.search` then scores *every*
document by every method for one query and returns a :class:`SearchResult`: one score
array and one rank array per method, aligned on the corpus order, plus a table of the top
documents. The methods, named as in :data:`helpers.plots.style.METHOD_COLORS`:

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

import html
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers.fusion import matched_only, ranks, reciprocal_rank_fusion, weighted_sum
from helpers.language import language_note
from helpers.model.base import check_texts
from helpers.model.tokens import token_offsets
from helpers.validation import EmptyQueryError, check_number, check_positive_int, check_query

__all__ = ["METHODS", "BM25_NO_MATCH", "EmptyQueryError", "Search", "SearchResult", "ResultTable"]

METHODS = ("dense", "bm25", "rrf", "weighted", "rerank")
FIRST_STAGES = ("dense", "bm25", "rrf", "weighted")
_ENCODE_BATCH = 32  # documents per progress-bar step


@dataclass(frozen=True)
class SearchResult:
    """Every document's score and rank by every method, for one query.

    Arrays are aligned on the corpus order: ``scores["bm25"][i]`` is document ``i``'s
    BM25 score. Rank 1 is the best; a document without a score (``nan``, e.g. not reranked)
    ranks last.

    Attributes
    ----------
    query : str
        The query as typed.
    doc_ids, titles, texts : list of str
        The corpus, in its order.
    scores : dict of str to ndarray
        One float64 array per method in :data:`METHODS`.
    ranks : dict of str to ndarray
        One int array per method: rank of each document, 1 = best.
    weight : float
        The dense weight used by the ``weighted`` fusion (BM25 gets ``1 - weight``).
    first_stage : str
        The method whose top ``rerank_depth`` documents were reranked.
    rerank_depth : int
        How many documents the reranker scored.
    notes : tuple of str
        Things the learner should know about this query (e.g. it was truncated).
    rrf_k : int
        The damping constant of the ``rrf`` fusion: its best possible score is ``2 / (rrf_k + 1)``.
    """

    query: str
    doc_ids: list[str]
    titles: list[str]
    texts: list[str]
    scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    weight: float
    first_stage: str
    rerank_depth: int
    notes: tuple[str, ...] = field(default=())
    rrf_k: int = 60

    def __len__(self) -> int:
        return len(self.doc_ids)

    def retrieved(self, method: str) -> np.ndarray:
        """Which documents ``method`` found: a score that is not missing, and for BM25 above 0.

        BM25 scores a document that contains none of the query's words 0: it was not found,
        and is neither a BM25 hit nor a BM25 vote in the ``rrf`` fusion.
        """
        self._check_method(method)
        scores = self.scores[method]
        found = np.isfinite(scores)
        return found & (scores > 0) if method == "bm25" else found

    def hits(self, method: str, k: int = 10) -> np.ndarray:
        """Positions of the ``k`` best documents that ``method`` found (:meth:`retrieved`); maybe fewer."""
        top = self.top(method, k)
        return top[self.retrieved(method)[top]]

    def _check_method(self, method: str) -> None:
        if method not in self.scores:
            raise ValueError(f"unknown method {method!r}; choose one of {', '.join(self.scores)}")

    def cap(self, k: int) -> int:
        """Return ``k`` limited to the corpus size; ``k`` below 1 is an error."""
        return min(check_positive_int(k, "top_k"), len(self))

    def order(self, method: str) -> np.ndarray:
        """Document positions sorted best first by ``method`` (ties keep corpus order)."""
        self._check_method(method)
        return np.argsort(self.ranks[method], kind="stable")

    def top(self, method: str, k: int = 10) -> np.ndarray:
        """Positions of the ``k`` best documents by ``method``; ``k`` is capped at the corpus size."""
        return self.order(method)[: self.cap(k)]

    def rank_of(self, doc_id: str) -> dict[str, int]:
        """Where each method ranks document ``doc_id``: ``{method: rank}``, 1 = best."""
        try:
            position = self.doc_ids.index(doc_id)
        except ValueError:
            raise KeyError(f"no document with id {doc_id!r} in this corpus") from None
        return {m: int(r[position]) for m, r in self.ranks.items()}

    def table(self, top_k: int = 10, by: str = "rerank", methods: Sequence[str] = METHODS) -> ResultTable:
        """The ``top_k`` documents by ``by``, with each method's score and rank.

        Parameters
        ----------
        top_k : int
            Rows; capped at the corpus size.
        by : str
            The method that orders the rows.
        methods : sequence of str
            The methods to show as columns.

        Returns
        -------
        ResultTable
            Renders as HTML in a notebook and as aligned text in a terminal.
        """
        for method in (by, *methods):
            self._check_method(method)
        rows = []
        for position in self.top(by, top_k):
            row: dict[str, Any] = {"id": self.doc_ids[position], "title": self.titles[position]}
            for method in methods:
                row[method] = float(self.scores[method][position])
                row[f"{method}_rank"] = int(self.ranks[method][position])
            rows.append(row)
        return ResultTable(self.query, by, tuple(methods), rows, self.notes)


@dataclass(frozen=True)
class ResultTable:
    """The rows of :meth:`SearchResult.table`: plain dicts, rendered for notebooks and terminals.

    Each row has ``id``, ``title`` and, per method, its score (``row["bm25"]``) and rank
    (``row["bm25_rank"]``). Scores print with 3 decimals; a missing score prints as "–".
    """

    query: str
    by: str
    methods: tuple[str, ...]
    rows: list[dict[str, Any]]
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    def _header(self) -> list[str]:
        return ["#", "id", "title"] + [f"{m} (rank)" for m in self.methods]

    def _cells(self) -> list[list[str]]:
        cells = []
        for i, row in enumerate(self.rows, start=1):
            line = [str(i), row["id"], row["title"]]
            for m in self.methods:
                score = row[m]
                line.append("–" if np.isnan(score) else f"{score:.3f} ({row[f'{m}_rank']})")
            cells.append(line)
        return cells

    def __str__(self) -> str:
        header, cells = self._header(), self._cells()
        widths = [max(len(r[c]) for r in [header, *cells]) for c in range(len(header))]
        lines = [f"Query: {self.query!r}, ordered by {self.by}"]
        lines += [f"Note: {n}" for n in self.notes]
        for r in [header, *cells]:
            lines.append("  ".join(cell.ljust(w) if c < 3 else cell.rjust(w) for c, (cell, w) in enumerate(zip(r, widths))))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._header())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self._cells()
        )
        notes = "".join(f"<p><b>Note:</b> {html.escape(n)}</p>" for n in self.notes)
        caption = f"Query: {html.escape(repr(self.query))}, ordered by {html.escape(self.by)}"
        return f"{notes}<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
        self._tokens: _TokenIndex | None = None
        if not (warm_up and hasattr(self.rerank_fn, "cache_info")):
            return
        if cache_dir is None or cache_dir is False or not hasattr(self.rerank_fn, "add_documents"):
            self._warm_up_reranker(show_progress)
            self._tokens = _TokenIndex.build(self.dense_ef, self.rerank_fn, self.texts)
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
        self._tokens = _TokenIndex.build(self.dense_ef, rf, self.texts)

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

        if self._tokens is not None:  # one forward pass gives the dense vector and MaxSim's token vectors
            query_vector, query_tokens = self._tokens.encode_query(query)
        else:
            query_vector, query_tokens = self.dense_ef.encode_queries([query])[0], None
        scores = {
            "dense": self._dense_docs @ query_vector,
            "bm25": (self._bm25_docs @ self.bm25_ef.encode_queries([query]).T).toarray().ravel(),
        }
        scores = {m: s.astype(np.float64) for m, s in scores.items()}
        scores["rrf"] = reciprocal_rank_fusion([scores["dense"], matched_only(scores["bm25"])], k=self.rrf_k)
        # The weighted sum needs no such rule: min-max scaling already maps BM25's zeros to 0.
        scores["weighted"] = weighted_sum([scores["dense"], scores["bm25"]], [weight, 1 - weight])
        depth = len(self) if self.rerank_depth is None else min(self.rerank_depth, len(self))
        scores["rerank"] = self._rerank(query, scores[first_stage], depth, query_tokens)
        return SearchResult(
            query=query,
            doc_ids=self.doc_ids,
            titles=self.titles,
            texts=self.texts,
            scores=scores,
            ranks={m: ranks(s) for m, s in scores.items()},
            weight=float(weight),
            first_stage=first_stage,
            rerank_depth=depth,
            notes=self._notes(query) + _bm25_notes(scores["bm25"]),
            rrf_k=self.rrf_k,
        )

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

    def _rerank(self, query: str, first_stage: np.ndarray, depth: int, query_tokens: np.ndarray | None) -> np.ndarray:
        candidates = np.argsort(ranks(first_stage), kind="stable")[:depth]
        reranked = np.full(len(self), np.nan)
        if query_tokens is not None:  # MaxSim of the candidates' token vectors, one matrix product
            reranked[candidates] = self._tokens.maxsim(query_tokens, candidates)
            return reranked
        results = self.rerank_fn(query, [self.texts[i] for i in candidates], top_k=depth)
        reranked[candidates[[r.index for r in results]]] = [r.score for r in results]
        return reranked

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


@dataclass(frozen=True)
class _TokenIndex:
    """MaxSim's token vectors of every document as one matrix, for a reranker that shares the dense model.

    all-MiniLM-L6-v2's sentence vector is the (normalized) mean of its token vectors, and MaxSim
    scores those token vectors; so one forward pass of the query serves both, and the MaxSim of
    every document is one matrix product and one segmented maximum instead of a padded
    (documents x longest document x query tokens) array per query. Tests check both scores
    against the dense and rerank functions' own.
    """

    model: Any  # the SentenceTransformer or ONNX Runtime encoder both functions run on
    normalize: bool  # whether the dense function returns unit vectors
    matrix: np.ndarray  # (total tokens, dim): unit token vectors of every document, in corpus order
    offsets: np.ndarray  # (n_documents + 1,): document i's rows are offsets[i]:offsets[i + 1]; none scores 0, as in MaxSim

    @classmethod
    def build(cls, dense_ef: Any, rerank_fn: Any, texts: list[str]) -> _TokenIndex | None:
        model = getattr(dense_ef, "model", None)
        shares_model = (
            model is not None
            and getattr(rerank_fn, "model", None) is model
            and hasattr(rerank_fn, "document_tokens")
            and (hasattr(model, "preprocess") or _is_onnx(model))
            and not getattr(dense_ef, "query_instruction", "")
        )
        if not shares_model:
            return None
        tokens = rerank_fn.document_tokens(texts)  # the warm-up just cached them
        offsets = np.concatenate([[0], np.cumsum([len(t) for t in tokens])]).astype(np.int64)
        matrix = np.concatenate(tokens).astype(np.float32, copy=False)
        return cls(model, getattr(dense_ef, "normalize_embeddings", True), matrix, offsets)

    def encode_query(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's dense vector (as ``dense_ef.encode_queries`` gives it) and its unit token vectors.

        A SentenceTransformer is called directly rather than through ``encode()``, which per call
        walks every module to set evaluation mode and every parameter to find the device: for one
        short query that bookkeeping cost as much as the forward pass itself. An ONNX Runtime
        encoder has no such overhead and gives both outputs of one pass from ``encode()``.
        """
        if _is_onnx(self.model):
            out = self.model.encode(query, output_value=None)  # numpy, padding already removed
            return self._split(out["sentence_embedding"], out["token_embeddings"])
        import torch

        if self.model.training:
            self.model.eval()  # no dropout
        device = self.model.device
        features = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in self.model.preprocess([query]).items()}
        with torch.inference_mode():
            out = self.model(features)
        length = int(out["attention_mask"][0].sum())
        return self._split(
            out["sentence_embedding"][0].float().cpu().numpy(), out["token_embeddings"][0, :length].float().cpu().numpy()
        )

    def _split(self, vector: np.ndarray, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The dense vector as the dense function gives it, and unit token vectors without [CLS] and [SEP]."""
        tokens = tokens[1:-1].astype(np.float32, copy=False)
        if len(tokens) == 0:
            raise ValueError("the query has no words to match; type a question or some keywords")
        vector = vector.astype(np.float32, copy=False)
        if self.normalize:
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return vector, tokens / np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)

    def maxsim(self, query_tokens: np.ndarray, documents: np.ndarray | None = None) -> np.ndarray:
        """MaxSim score of ``documents`` (positions; default every one): mean over query tokens of the best cosine.

        Only the given documents' token rows are multiplied: reranking the top 30 of the demo
        corpus costs a ninth of scoring all 267 (what a room's worth of simultaneous queries needs).
        """
        docs = np.arange(len(self.offsets) - 1) if documents is None else np.asarray(documents, dtype=np.int64)
        lengths = self.offsets[docs + 1] - self.offsets[docs]
        scores = np.zeros(len(docs), dtype=np.float32)
        found = lengths > 0
        if found.any():
            kept = lengths[found]
            starts = np.concatenate([[0], np.cumsum(kept)[:-1]])
            rows = np.repeat(self.offsets[docs[found]] - starts, kept) + np.arange(kept.sum())
            best = np.maximum.reduceat(self.matrix[rows] @ query_tokens.T, starts, axis=0)  # (documents, query tokens)
            scores[found] = best.mean(axis=1)
        return scores


def _is_onnx(model: Any) -> bool:
    # By class, not by import: checking must not import onnxruntime (nor torch) for a torch model.
    return type(model).__name__ == "OnnxSentenceEncoder"


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
