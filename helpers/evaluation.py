"""Evaluate retrieval methods on a BEIR collection: one score matrix per method, fusion, tuning, a table.

Every method produces a score matrix of shape ``(n_queries, n_documents)`` (``nan`` where a
method did not score a document, e.g. outside a reranker's candidates);
:func:`evaluate` turns a matrix into nDCG@10 and Recall@100 with :mod:`helpers.metrics`.
Fusion reuses :mod:`helpers.fusion` query by query, exactly as a search over one query would.
:class:`CorpusScoring` scores a batch of queries by the methods of the registry
(:func:`helpers.methods.score_methods`), the same functions :class:`helpers.search.Search` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers.embedding_cache import cached_array, corpus_hash, encode_documents_cached, encode_queries_cached
from helpers.metrics import ndcg_per_query, ndcg_per_query_from_scores, recall_at_k, run_from_scores
from helpers.model.reranker.maxsim import shares_encoder
from helpers.scoring import check_score_matrices, rrf_scores, weighted_scores

__all__ = [
    "PUBLISHED",
    "CorpusScoring",
    "MethodResult",
    "ResultsTable",
    "bm25_scores",
    "encode_corpus",
    "dense_scores",
    "rerank_scores",
    "reranker_settings",
    "rrf_scores",
    "weighted_scores",
    "tune_weight",
    "tune_weights",
    "simplex_grid",
    "evaluate",
    "relevant_ranks",
]

# Published SciFact nDCG@10 figures, with their sources, for the table beside ours.
PUBLISHED = {
    "BM25": (0.665, "BEIR paper (Thakur et al. 2021), Table 2"),
    "BM25 + cross-encoder": (0.688, "BEIR paper, Table 2: BM25 top 100 + MiniLM-L6 cross-encoder"),
    "all-MiniLM-L6-v2": (0.645, "MTEB results"),
    "BM25 with stemming": (0.687, "bm25s (Lù 2024)"),
}


def bm25_scores(bm25_ef: Any, documents: list[str], queries: list[str]) -> np.ndarray:
    """BM25 score of every document for every query; ``bm25_ef`` must be fitted on ``documents``."""
    return (bm25_ef.encode_queries(queries) @ bm25_ef.encode_documents(documents).T).toarray()


def encode_corpus(
    ef: Any,
    documents: list[str],
    rerank_fn: Any = None,
    cache_folder: str | Path | None = None,
    show_progress: bool = True,
) -> np.ndarray:
    """Dense document vectors from the disk cache, or from one forward pass that also feeds a MaxSim reranker.

    all-MiniLM-L6-v2's sentence vector is the mean of its token vectors, and MaxSim scores those
    very token vectors. So when the reranker shares the dense function's model, one pass over
    the corpus yields both: the sentence vectors go to the disk cache (exactly what
    ``ef.encode_documents`` gives) and the token vectors into the reranker's cache
    (:meth:`~helpers.model.reranker.MaxSimRerankFunction.add_documents`), instead of encoding
    the corpus twice. Otherwise this is :func:`~helpers.embedding_cache.encode_documents_cached`.

    Parameters
    ----------
    ef : SentenceTransformerEmbeddingFunction
        The dense function.
    documents : list of str
        The corpus.
    rerank_fn : MaxSimRerankFunction, optional
        Gets the token vectors when it runs on ``ef``'s model; give it a ``cache_mb`` large
        enough for the corpus (about 150 KB per SciFact document), or it re-encodes the rest.
    cache_folder : str or Path, optional
        Where the dense vectors are cached (see :func:`helpers.embedding_cache.cache_dir`).
    show_progress : bool
        Show a progress bar while encoding.

    Returns
    -------
    ndarray of shape (len(documents), ef.dim), float32
    """
    def one_pass(texts: list[str]) -> np.ndarray:
        vectors, tokens = ef.encode_with_tokens(texts)
        rerank_fn.add_documents(texts, tokens)
        return vectors

    shared = shares_encoder(ef, rerank_fn)
    return encode_documents_cached(ef, documents, cache_folder, show_progress, one_pass if shared else None)


def dense_scores(
    ef: Any, documents: list[str], queries: list[str], cache_folder: str | Path | None = None, show_progress: bool = True
) -> np.ndarray:
    """Cosine of every document with every query; both sides' embeddings come from the disk cache when there."""
    doc_vectors = encode_documents_cached(ef, documents, cache_folder, show_progress=show_progress)
    return encode_queries_cached(ef, queries, cache_folder, show_progress=show_progress) @ doc_vectors.T


def reranker_settings(rerank_fn: Any) -> dict[str, str]:
    """Everything about a rerank function that can change its scores, as text (a cache key's part).

    The class, the model, the backend and precision it runs on, the activation applied to raw
    scores and the length at which texts are truncated. Settings a reranker does not have are
    left out; secrets such as an API key are never read.
    """
    model = getattr(rerank_fn, "model", None)
    activation = getattr(rerank_fn, "activation_fct", None)
    settings = {
        "class": f"{type(rerank_fn).__module__}.{type(rerank_fn).__qualname__}",
        "model_name": getattr(rerank_fn, "model_name", None),
        "backend": getattr(rerank_fn, "backend", None),
        "precision": getattr(rerank_fn, "precision", getattr(model, "precision", None)),
        "activation": getattr(activation, "__qualname__", None) or (repr(activation) if activation is not None else None),
        "max_length": getattr(model, "max_seq_length", getattr(model, "max_length", None)),
    }
    return {key: str(value) for key, value in settings.items() if value is not None}


def rerank_scores(
    rerank_fn: Any,
    queries: list[str],
    documents: list[str],
    first_stage: np.ndarray,
    depth: int = 100,
    cache_folder: str | Path | None = None,
    show_progress: bool = True,
) -> np.ndarray:
    """Rerank each query's first-stage top ``depth`` documents; ``nan`` for every other document.

    The result is cached on disk, since reranking is the slowest step of an evaluation. The key
    holds everything that changes a score: the reranker's class and settings (see
    :func:`reranker_settings`), the queries, the documents and the candidates.

    Parameters
    ----------
    rerank_fn : BaseRerankFunction
        Called as ``rerank_fn(query, candidates, top_k=depth)``.
    queries : list of str
        One per row of ``first_stage``.
    documents : list of str
        One per column of ``first_stage``.
    first_stage : ndarray of shape (n_queries, n_documents)
        Scores of the retriever whose top ``depth`` is reranked.
    depth : int
        Candidates per query (BEIR reranks the top 100).
    cache_folder : str or Path, optional
        Where the scores are cached (see :func:`helpers.embedding_cache.cache_dir`).
    show_progress : bool
        Show a progress bar over the queries.

    Returns
    -------
    ndarray of shape (n_queries, n_documents)
    """
    first_stage = np.asarray(first_stage, dtype=np.float64)
    depth = min(depth, first_stage.shape[1])
    keyed = np.where(np.isnan(first_stage), -np.inf, first_stage)
    candidates = np.argsort(-keyed, axis=1, kind="stable")[:, :depth]
    name = str(getattr(rerank_fn, "model_name", ""))
    key = corpus_hash(queries + documents, reranker_settings(rerank_fn), candidates.tobytes())

    def compute() -> np.ndarray:
        from helpers.progress import progress_bar

        # Queries whose candidates overlap run back to back, so a reranker's document cache hits.
        order = np.lexsort((candidates[:, 0],))
        reranked = np.full(first_stage.shape, np.nan, dtype=np.float32)
        for q in progress_bar(order, show=show_progress, desc="reranking", unit="query"):
            cols = candidates[q]
            results = rerank_fn(queries[q], [documents[i] for i in cols], top_k=depth)
            reranked[q, cols[[r.index for r in results]]] = [r.score for r in results]
        return reranked

    return cached_array(
        f"{type(rerank_fn).__name__}-{Path(name).name}-top{depth}", key, compute, cache_folder,
        shape=first_stage.shape, allow_nan=True,  # nan: not among the query's candidates
    )  # fmt: skip


@dataclass(frozen=True)
class CorpusScoring:
    """The :class:`~helpers.scoring.ScoringContext` of an evaluation: a corpus, its functions and settings.

    ``score_methods(CorpusScoring(...), queries)`` gives every method's score matrix, scored
    as :class:`helpers.search.Search` scores one query (same registry, same fusion rules).

    Attributes
    ----------
    documents : list of str
        The corpus.
    dense_ef : embedding function
        Its document vectors come from the disk cache (:func:`dense_scores`).
    bm25_ef : BM25 function
        Fitted on ``documents``.
    rerank_fn : rerank function, optional
        For the ``rerank`` method (:func:`rerank_scores`, cached on disk).
    weight : float
        Dense weight of the ``weighted`` method.
    first_stage : str
        The method whose top ``depth`` documents are reranked.
    depth : int
        Candidates reranked per query.
    rrf_k : int
        Damping constant of the ``rrf`` method.
    cache_folder : str or Path, optional
        Where vectors and rerank scores are cached.
    show_progress : bool
        Show progress bars.
    """

    documents: list[str]
    dense_ef: Any
    bm25_ef: Any
    rerank_fn: Any = None
    weight: float = 0.5
    first_stage: str = "bm25"
    depth: int = 100
    rrf_k: int = 60
    cache_folder: str | Path | None = None
    show_progress: bool = True

    def dense_scores(self, queries: Sequence[str]) -> np.ndarray:
        return dense_scores(self.dense_ef, self.documents, list(queries), self.cache_folder, self.show_progress)

    def bm25_scores(self, queries: Sequence[str]) -> np.ndarray:
        return bm25_scores(self.bm25_ef, self.documents, list(queries))

    def rerank_scores(self, queries: Sequence[str], first_stage: np.ndarray) -> np.ndarray:
        if self.rerank_fn is None:
            raise ValueError("the rerank method needs a reranker: pass rerank_fn=MaxSimRerankFunction() or another")
        return rerank_scores(
            self.rerank_fn, list(queries), self.documents, first_stage, self.depth, self.cache_folder, self.show_progress
        )


@dataclass(frozen=True)
class MethodResult:
    """One method's quality on one split: means and per-query nDCG@10."""

    name: str
    ndcg10: float
    recall100: float
    per_query: dict[str, float] = field(repr=False)

    def __repr__(self) -> str:
        # Three decimals, as papers report them; the last digits of a mean are not meaningful.
        return f"MethodResult({self.name!r}: nDCG@10 {self.ndcg10:.3f}, Recall@100 {self.recall100:.3f})"


def evaluate(
    name: str,
    scores: np.ndarray,
    query_ids: list[str],
    doc_ids: list[str],
    qrels: dict,
) -> MethodResult:
    """nDCG@10 (mean and per query) and Recall@100 of a score matrix against ``qrels``."""
    run = run_from_scores(query_ids, doc_ids, scores, k=100)
    per_query = ndcg_per_query(qrels, run, k=10)
    ndcg10 = float(np.mean(list(per_query.values())))
    return MethodResult(name, ndcg10, recall_at_k(qrels, run, k=100), per_query)


def tune_weight(
    dense: np.ndarray,
    bm25: np.ndarray,
    query_ids: list[str],
    doc_ids: list[str],
    qrels: dict,
    grid: Sequence[float] = tuple(np.round(np.linspace(0, 1, 21), 2)),
) -> tuple[float, dict[float, float]]:
    """The dense weight ``w`` (BM25 gets ``1 - w``) with the best nDCG@10 on the given (train) split.

    Returns
    -------
    best : float
        The best weight; ties go to the smaller weight.
    curve : dict of float to float
        nDCG@10 at every weight in ``grid``, to plot.
    """
    best, curve = tune_weights([dense, bm25], query_ids, doc_ids, qrels, [(w, 1 - w) for w in grid])
    return best[0], {weights[0]: ndcg for weights, ndcg in curve.items()}


def simplex_grid(n_methods: int, step: float = 0.1) -> list[tuple[float, ...]]:
    """Every weight vector of ``n_methods`` non-negative multiples of ``step`` that sum to 1."""
    units = round(1 / step)
    if n_methods < 1 or not np.isclose(units * step, 1):
        raise ValueError(f"need n_methods >= 1 and a step that divides 1 (0.1, 0.05, ...); got {n_methods}, {step}")
    grid = [c for c in np.ndindex(*(units + 1,) * (n_methods - 1)) if sum(c) <= units]
    return [tuple(round(v * step, 10) for v in (*c, units - sum(c))) for c in grid]


def tune_weights(
    scores: Sequence[np.ndarray],
    query_ids: list[str],
    doc_ids: list[str],
    qrels: dict,
    grid: Sequence[Sequence[float]] | None = None,
) -> tuple[tuple[float, ...], dict[tuple[float, ...], float]]:
    """The weights of a min-max weighted sum of several methods with the best nDCG@10 on the given (train) split.

    Parameters
    ----------
    scores : list of ndarray
        One ``(n_queries, n_documents)`` score matrix per method, on the tuning split.
    query_ids, doc_ids : list of str
        Rows and columns of the matrices.
    qrels : dict
        Judgements of the tuning split.
    grid : list of weight tuples, optional
        Candidates; default :func:`simplex_grid` with step 0.1.

    Returns
    -------
    best : tuple of float
        The best weights; ties go to the one listed first in ``grid``.
    curve : dict of tuple to float
        nDCG@10 of every candidate.
    """
    grid = simplex_grid(len(scores)) if grid is None else grid
    # Min-max scaling does not depend on the weights: scale each method once (a weighted sum of
    # one method with weight 1 is exactly its scaled scores), then each candidate is one product.
    scaled = np.stack([weighted_scores([matrix], [1.0]) for matrix in check_score_matrices(scores)])
    curve = {}
    for weights in grid:
        key = tuple(float(w) for w in weights)
        fused = np.tensordot(np.asarray(key), scaled, axes=1)
        curve[key] = float(np.mean(list(ndcg_per_query_from_scores(qrels, query_ids, doc_ids, fused).values())))
    best = max(curve, key=lambda w: (curve[w], -list(curve).index(w)))
    return best, curve


class ResultsTable:
    """Our nDCG@10 and Recall@100 per method beside the published figures, as text and HTML."""

    def __init__(self, results: list[MethodResult], published: dict[str, str] | None = None):
        self.results = results
        self.published = published or {}  # method name -> key of PUBLISHED

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(method, nDCG@10, Recall@100, published nDCG@10 and source)`` per method."""
        rows = []
        for r in self.results:
            figure = PUBLISHED.get(self.published.get(r.name, ""))
            cite = f"{figure[0]:.3f} ({self.published[r.name]}: {figure[1]})" if figure else ""
            rows.append((r.name, f"{r.ndcg10:.3f}", f"{r.recall100:.3f}", cite))
        return rows

    def __str__(self) -> str:
        header = ("method", "nDCG@10", "Recall@100", "published nDCG@10")
        rows = [header, *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        return "\n".join(
            "  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2]), row[3]]).rstrip()
            for row in rows
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows()
        )
        head = "".join(f"<th>{h}</th>" for h in ("method", "nDCG@10", "Recall@100", "published nDCG@10"))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


def relevant_ranks(scores: dict[str, np.ndarray], row: int, relevant: Sequence[int]) -> dict[str, list[int | None]]:
    """Where each method ranked each relevant document of one query (1 = top; None = not retrieved).

    Parameters
    ----------
    scores : dict of str to ndarray
        Score matrix per method.
    row : int
        The query's row.
    relevant : list of int
        Column indices of the query's relevant documents.
    """
    from helpers.fusion import ranks

    out = {}
    for method, matrix in scores.items():
        values = matrix[row]
        r = ranks(values)
        out[method] = [None if not np.isfinite(values[i]) else int(r[i]) for i in relevant]
    return out
