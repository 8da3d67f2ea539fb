"""Ranking metrics with the data shapes of BEIR and pytrec_eval: nDCG@k, Recall@k, MRR@k.

``qrels`` maps each query id to its judged documents, ``{query_id: {doc_id: relevance}}``,
and ``run`` maps each query id to the scores a retriever gave, ``{query_id: {doc_id: score}}``.
Every metric is computed as ``trec_eval`` (and so pytrec_eval and BEIR) computes it:

- documents are ranked by descending score; ties are broken by descending document id,
  as ``trec_eval`` does, so results match pytrec_eval exactly;
- a score of ``nan`` or ``-inf`` means "not retrieved" (as :func:`run_from_scores` and the
  ``rerank`` column of :class:`helpers.search.Search` mark it): the document is left out of the
  ranking, wherever it sits in the dict. ``+inf`` ranks first. A score that is not a number is an
  error;
- a document counts as relevant when its relevance is 1 or more; unjudged documents
  count as not relevant;
- nDCG uses the relevance itself as the gain (graded, negative judgements count as 0)
  and a ``log2(rank + 1)`` discount;
- the mean is taken over every query in ``qrels``: a query the run has no results for scores 0,
  and so does a query without any relevant document. Queries that are only in the run are ignored.

The ``*_per_query`` functions return ``{query_id: value}``, for per-query comparisons.

:func:`compare_top_k` compares two retrievers' top-k lists rather than judging either: it checks
that a search engine (Milvus, in notebook 05) ranks as in-memory scores do, ties allowed to swap.

Examples
--------
>>> qrels = {"q1": {"d1": 1}}
>>> run = {"q1": {"d2": 0.9, "d1": 0.5}}
>>> mrr_at_k(qrels, run, k=10)
0.5
>>> round(ndcg_at_k(qrels, run, k=10), 4)  # 1 / log2(3)
0.6309
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import scipy.sparse as sp

from helpers.validation import check_positive_int, keep_unique

__all__ = [
    "ndcg_at_k",
    "recall_at_k",
    "mrr_at_k",
    "ndcg_per_query",
    "recall_per_query",
    "mrr_per_query",
    "top_k",
    "run_from_scores",
    "ndcg_per_query_from_scores",
    "RankingComparison",
    "compare_top_k",
]

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


def _check_k(k: int) -> int:
    return check_positive_int(k, "k", hint=" (the rank cut-off, e.g. k=10)")


def _check_mapping(value: object, name: str, example: str) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict like {example}, got {type(value).__name__}")
    for query_id, inner in value.items():
        if not isinstance(inner, Mapping):
            raise TypeError(
                f"{name}[{query_id!r}] must be a dict of document id -> value, like {example}; "
                f"got {type(inner).__name__}"
            )
        break  # checking one entry catches the common mistake (a list of ids) without a full scan


def _check(qrels: Qrels, run: Run) -> None:
    _check_mapping(qrels, "qrels", "{'q1': {'doc7': 1}}")
    _check_mapping(run, "run", "{'q1': {'doc7': 12.5, 'doc3': 9.1}}")
    if not qrels:
        raise ValueError("qrels is empty: the metrics average over the queries in qrels, so give at least one")


def _retrieved(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """The ``(doc_id, score)`` pairs of retrieved documents: ``nan`` and ``-inf`` mean not retrieved."""
    items = []
    for doc_id, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, Real):
            raise TypeError(
                f"run scores must be numbers, but document {doc_id!r} has {type(score).__name__} ({score!r:.40}); "
                "use float('nan') for a document that was not retrieved"
            )
        score = float(score)
        if not math.isnan(score) and score != -math.inf:
            items.append((doc_id, score))
    return items


def top_k(scores: Mapping[str, float], k: int | None = None) -> list[str]:
    """Document ids ranked as trec_eval ranks them: by descending score, ties by descending id.

    Parameters
    ----------
    scores : dict of str to float
        One query's run, ``{doc_id: score}``. ``nan`` and ``-inf`` mark documents that were not
        retrieved: they are left out.
    k : int, optional
        Keep only the best ``k``; ``None`` keeps all.

    Returns
    -------
    list of str
        The ranked document ids.

    Raises
    ------
    TypeError
        If a score is not a number.
    """
    key = lambda item: (item[1], item[0])  # noqa: E731 - a sort key, read together with the docstring
    items = _retrieved(scores)
    ranked = sorted(items, key=key, reverse=True) if k is None else heapq.nlargest(k, items, key=key)
    return [doc_id for doc_id, _ in ranked]


def _per_query(qrels: Qrels, run: Run, k: int, metric: Callable[[Mapping[str, int], list[str], int], float]) -> dict:
    _check(qrels, run)
    k = _check_k(k)
    empty: dict[str, float] = {}
    return {query_id: metric(judged, top_k(run.get(query_id, empty), k), k) for query_id, judged in qrels.items()}


def _ndcg(judged: Mapping[str, int], ranked: list[str], k: int) -> float:
    gains = np.array([max(judged.get(doc_id, 0), 0) for doc_id in ranked], dtype=np.float64)
    ideal = np.sort(np.array([g for g in judged.values() if g > 0], dtype=np.float64))[::-1][:k]
    if ideal.size == 0:
        return 0.0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    return float(gains @ discounts[: gains.size] / (ideal @ discounts[: ideal.size]))


def _recall(judged: Mapping[str, int], ranked: list[str], k: int) -> float:
    relevant = {doc_id for doc_id, rel in judged.items() if rel >= 1}
    if not relevant:
        return 0.0
    return sum(doc_id in relevant for doc_id in ranked) / len(relevant)


def _mrr(judged: Mapping[str, int], ranked: list[str], k: int) -> float:
    for rank, doc_id in enumerate(ranked, start=1):
        if judged.get(doc_id, 0) >= 1:
            return 1.0 / rank
    return 0.0


def ndcg_per_query(qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """nDCG@k of every query in ``qrels``, ``{query_id: value}`` (see :func:`ndcg_at_k`)."""
    return _per_query(qrels, run, k, _ndcg)


def recall_per_query(qrels: Qrels, run: Run, k: int = 100) -> dict[str, float]:
    """Recall@k of every query in ``qrels``, ``{query_id: value}`` (see :func:`recall_at_k`)."""
    return _per_query(qrels, run, k, _recall)


def mrr_per_query(qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """Reciprocal rank (cut at k) of every query in ``qrels``, ``{query_id: value}`` (see :func:`mrr_at_k`)."""
    return _per_query(qrels, run, k, _mrr)


def _mean(values: dict[str, float]) -> float:
    return float(np.mean(list(values.values())))


def ndcg_at_k(qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean normalized discounted cumulative gain at rank ``k`` (pytrec_eval's ``ndcg_cut_k``).

    DCG@k sums ``relevance / log2(rank + 1)`` over the top ``k`` documents; nDCG divides
    it by the DCG of the best possible ranking of the judged documents.

    Parameters
    ----------
    qrels : dict
        ``{query_id: {doc_id: relevance}}``, graded relevance (0 = not relevant): the relevance is the gain.
    run : dict
        ``{query_id: {doc_id: score}}``, higher is better. Any number of documents per query.
    k : int
        Rank cut-off: documents below rank ``k`` earn nothing.

    Returns
    -------
    float
        Mean over the queries in ``qrels``: 1 for ideal rankings, 0 with no relevant document in any top ``k``.

    Examples
    --------
    >>> round(ndcg_at_k({"q": {"a": 2, "b": 1}}, {"q": {"b": 2.0, "a": 1.0}}, k=10), 4)
    0.8597
    """
    return _mean(ndcg_per_query(qrels, run, k))


def recall_at_k(qrels: Qrels, run: Run, k: int = 100) -> float:
    """Mean fraction of each query's relevant documents found in its top ``k`` (pytrec_eval's ``recall_k``).

    Parameters
    ----------
    qrels : dict
        ``{query_id: {doc_id: relevance}}``; relevance 1 or more counts as relevant.
    run : dict
        ``{query_id: {doc_id: score}}``; only the order of the scores matters.
    k : int
        How deep to look: 100 is the recall of a first stage that hands 100 documents to a reranker.

    Returns
    -------
    float
        Mean over the queries in ``qrels``: 1 when every relevant document is in its query's top ``k``.

    Examples
    --------
    >>> recall_at_k({"q": {"a": 1, "b": 1}}, {"q": {"a": 0.9, "c": 0.8}}, k=100)
    0.5
    """
    return _mean(recall_per_query(qrels, run, k))


def mrr_at_k(qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean reciprocal rank of the first relevant document within the top ``k`` (0 when there is none).

    Equal to pytrec_eval's ``recip_rank`` on a run cut to its top ``k`` documents.

    Parameters
    ----------
    qrels : dict
        ``{query_id: {doc_id: relevance}}``; the first document with relevance 1 or more counts.
    run : dict
        ``{query_id: {doc_id: score}}``, higher is better; ties are broken as trec_eval breaks them.
    k : int
        Rank cut-off: a query whose first relevant document comes below rank ``k`` scores 0.

    Returns
    -------
    float
        Mean of ``1 / rank`` over the queries in ``qrels``: 1 when the first document is always relevant.

    Examples
    --------
    >>> mrr_at_k({"q": {"a": 1}}, {"q": {"c": 0.9, "b": 0.8, "a": 0.7}}, k=10)
    0.3333333333333333
    """
    return _mean(mrr_per_query(qrels, run, k))


def run_from_scores(
    query_ids: Sequence[str], doc_ids: Sequence[str], scores: np.ndarray, k: int = 1000, duplicates: str = "error"
) -> dict:
    """Turn a query-by-document score matrix into a run, keeping each query's best ``k`` documents.

    Parameters
    ----------
    query_ids : list of str
        One id per row of ``scores``.
    doc_ids : list of str
        One id per column of ``scores``.
    scores : ndarray of shape (n_queries, n_documents)
        Higher is better; ``nan`` or ``-inf`` marks a document the method did not retrieve.
    k : int
        Documents kept per query (BEIR keeps 1000).
    duplicates : {"error", "first", "last"}
        A query or document id that repeats is an error; or keep the first or the last row or
        column with it (the others are dropped before ranking).

    Returns
    -------
    dict
        ``{query_id: {doc_id: score}}``.

    Raises
    ------
    ValueError
        If the shape does not match the ids, or an id repeats and ``duplicates="error"``.

    Examples
    --------
    >>> run_from_scores(["q"], ["a", "b", "c"], np.array([[0.1, 0.9, 0.5]]), k=2)
    {'q': {'b': 0.9, 'c': 0.5}}
    """
    query_ids, doc_ids, scores = _score_matrix(query_ids, doc_ids, scores, duplicates)
    k = min(_check_k(k), len(doc_ids))
    if k == 0:
        return {query_id: {} for query_id in query_ids}
    keyed = np.where(np.isnan(scores), -np.inf, scores)
    best = np.argpartition(-keyed, k - 1, axis=1)[:, :k]
    ids = np.asarray(doc_ids, dtype=object)
    return {
        query_id: {doc_id: float(s) for doc_id, s in zip(ids[cols], row[cols]) if s > -np.inf}
        for query_id, cols, row in zip(query_ids, best, keyed)
    }


def _score_matrix(
    query_ids: Sequence[str], doc_ids: Sequence[str], scores: np.ndarray, duplicates: str
) -> tuple[list[str], list[str], np.ndarray]:
    """The ids and float64 scores of a query-by-document matrix, checked, one row and column per id."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(query_ids), len(doc_ids)):
        raise ValueError(
            f"scores must have one row per query and one column per document: expected "
            f"{(len(query_ids), len(doc_ids))}, got {scores.shape}"
        )
    rows = keep_unique([str(q) for q in query_ids], duplicates, "query_ids")
    columns = keep_unique([str(d) for d in doc_ids], duplicates, "doc_ids")
    if len(rows) < len(query_ids) or len(columns) < len(doc_ids):
        query_ids, doc_ids, scores = [query_ids[i] for i in rows], [doc_ids[j] for j in columns], scores[np.ix_(rows, columns)]
    return list(query_ids), list(doc_ids), scores


def ndcg_per_query_from_scores(
    qrels: Qrels, query_ids: Sequence[str], doc_ids: Sequence[str], scores: np.ndarray, k: int = 10
) -> dict[str, float]:
    """nDCG@k of every query in ``qrels`` straight from a score matrix, without building a run.

    The same values as ``ndcg_per_query(qrels, run_from_scores(query_ids, doc_ids, scores), k)``
    (ranks by descending score, ties by descending id, ``nan`` and ``-inf`` not retrieved), about
    twenty times faster on a SciFact-sized matrix: for loops that score many candidates, such as
    tuning fusion weights.

    Parameters
    ----------
    qrels : dict
        ``{query_id: {doc_id: relevance}}``.
    query_ids, doc_ids : list of str
        Rows and columns of ``scores``; an id that repeats is an error.
    scores : ndarray of shape (n_queries, n_documents)
        Higher is better.
    k : int
        Rank cut-off.

    Returns
    -------
    dict of str to float
        ``{query_id: nDCG@k}`` for every query in ``qrels`` (0 for one without a row).

    Examples
    --------
    >>> ndcg_per_query_from_scores({"q": {"a": 1}}, ["q"], ["a", "b"], np.array([[0.5, 0.9]]))
    {'q': 0.6309297535714575}
    """
    _check_mapping(qrels, "qrels", "{'q1': {'doc7': 1}}")
    query_ids, doc_ids, scores = _score_matrix(query_ids, doc_ids, scores, "error")
    k = _check_k(k)
    keyed = np.where(np.isnan(scores), -np.inf, scores)
    n = min(k, len(doc_ids))
    # The k-th best score of each row: every document at or above it may make the top k (ties).
    kth = -np.partition(-keyed, n - 1, axis=1)[:, n - 1] if n else np.full(len(query_ids), np.inf)
    id_rank = np.argsort(np.argsort(np.asarray(doc_ids, dtype=str), kind="stable"), kind="stable")
    ids = np.asarray(doc_ids, dtype=object)
    rows = {str(q): i for i, q in enumerate(query_ids)}
    ranked: dict[str, list[str]] = {}
    for query_id in qrels:
        if (i := rows.get(str(query_id))) is not None:
            candidates = np.flatnonzero((keyed[i] >= kth[i]) & (keyed[i] > -np.inf))
            order = np.lexsort((id_rank[candidates], keyed[i, candidates]))[::-1][:k]
            ranked[query_id] = list(ids[candidates[order]])
    return {query_id: _ndcg(judged, ranked.get(query_id, []), k) for query_id, judged in qrels.items()}


@dataclass(frozen=True)
class RankingComparison:
    """How a search engine's top-k lists compare with top-k lists from in-memory scores.

    :func:`compare_top_k` makes it; ``str()`` gives the one line a notebook prints.

    Attributes
    ----------
    queries : int
        Queries compared.
    same_ranking : int
        Queries whose top-k lists are the same ranking: the same documents in the same order,
        except that documents with tied scores may come in either order (and a tie at rank k
        may be broken either way).
    same_top1 : int
        Queries whose best document is the same, or tied with it.
    mean_overlap : float
        Mean share of the engine's top-k that is also in the in-memory top-k.
    max_score_diff : float
        Largest difference between the engine's score of a hit and the in-memory score of
        the same document.
    """

    queries: int
    same_ranking: int
    same_top1: int
    mean_overlap: float
    max_score_diff: float

    def __str__(self) -> str:
        return (
            f"same top-k ranking for {self.same_ranking}/{self.queries} queries, same top-1 for "
            f"{self.same_top1}/{self.queries}, mean overlap {self.mean_overlap:.2f}"
        )


def _same_ranking(got: list[int], column: np.ndarray, expected: list[int], tol: float) -> bool:
    """Is ``got`` (row numbers) a best-first top-k of ``column``, allowing ties to swap?"""
    if len(got) != len(expected) or len(set(got)) != len(got):
        return False
    if not got:
        return True
    values = column[got]
    if not np.isfinite(values).all():  # the engine returned a document the in-memory side left out
        return False
    kth = column[expected[-1]]
    in_order = bool(np.all(np.diff(values) <= tol))
    nothing_better_missing = set(np.flatnonzero(column > kth + tol)) <= set(got)
    return in_order and nothing_better_missing and bool(values.min() >= kth - tol)


def compare_top_k(
    ranked_ids: Sequence[Sequence],
    ranked_scores: Sequence[np.ndarray],
    scores: np.ndarray,
    doc_ids: Sequence,
    *,
    k: int = 10,
    positive_only: bool = False,
    tol: float = 1e-5,
) -> RankingComparison:
    """Compare each query's ranked list from a search engine with the top-k of in-memory scores.

    Parameters
    ----------
    ranked_ids : sequence of sequences
        Per query, the document ids the engine returned, best first.
    ranked_scores : sequence of array
        Per query, the engine's score of each of those documents (higher is better).
    scores : array or scipy sparse matrix, shape (n_documents, n_queries)
        In-memory scores of every document for every query, e.g. ``doc_dense @ queries.T``.
    doc_ids : sequence
        The id of each row of ``scores``.
    k : int
        Length of the lists compared.
    positive_only : bool
        Leave documents whose in-memory score is 0 or less out of the in-memory list, as a
        sparse search returns only documents that share a term with the query.
    tol : float
        In-memory scores closer than this count as tied (an engine may compute in float32).

    Returns
    -------
    RankingComparison

    Examples
    --------
    >>> scores = np.array([[3.0], [2.0], [2.0]])  # b and c tie
    >>> result = compare_top_k([["a", "c"]], [[3.0, 2.0]], scores, ["a", "b", "c"], k=2)
    >>> result.same_ranking, result.max_score_diff  # c may stand in for b: they tie
    (1, 0.0)
    """
    k = _check_k(k)
    scores = np.asarray(scores.toarray() if sp.issparse(scores) else scores, dtype=np.float64)
    doc_ids = list(doc_ids)
    if len(ranked_ids) != len(ranked_scores):
        raise ValueError(
            f"compare_top_k needs one score list per id list; got {len(ranked_ids)} id lists and "
            f"{len(ranked_scores)} score lists"
        )
    if scores.shape != (len(doc_ids), len(ranked_ids)):
        raise ValueError(
            f"scores must have one row per document and one column per query: expected "
            f"{(len(doc_ids), len(ranked_ids))}, got {scores.shape}"
        )
    row = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    same = top1 = 0
    overlaps, diffs = [], [0.0]
    for column, ids, reported in zip(scores.T, ranked_ids, ranked_scores):
        if positive_only:
            column = np.where(column > 0, column, -np.inf)
        expected = [int(i) for i in np.argsort(-column, kind="stable")[:k] if np.isfinite(column[i])]
        unknown = [doc_id for doc_id in ids if doc_id not in row]
        if unknown:
            raise ValueError(f"the ranked ids contain ids that are not in doc_ids: {unknown[:5]}")
        got = [row[doc_id] for doc_id in list(ids)[:k]]
        same += _same_ranking(got, column, expected, tol)
        top1 += bool(got and expected) and column[got[0]] >= column[expected[0]] - tol
        overlaps.append(len(set(got) & set(expected)) / max(len(got), 1))
        diffs.extend(np.abs(np.asarray(reported, dtype=np.float64)[: len(got)] - column[got]).tolist())
    return RankingComparison(len(ranked_ids), same, top1, float(np.mean(overlaps)), float(max(diffs)))
