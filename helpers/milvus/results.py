"""Reading Milvus's search results: hit ids and scores, text tables, and checks against numpy.

``client.search`` returns, per query, a list of hits ``{"id", "distance", "entity"}``. These
helpers read them as plain lists and arrays, so the maths (:mod:`helpers.fusion`,
:mod:`helpers.metrics`) can work on them:

* :func:`hit_ids`, :func:`hit_scores`: one query's ids and similarity scores (BM25's sign differs
  between Milvus Lite and servers).
* :func:`align_scores`: one query's scores placed on the corpus's ids, ``nan`` where not retrieved.
* :func:`compare_rankings`: Milvus's top-k lists against in-memory scores
  (:func:`helpers.metrics.compare_top_k` on the hits).
* :func:`format_hits`: a small text table of one query's hits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from helpers.metrics import RankingComparison, compare_top_k
from helpers.milvus.collection import TEXT_FIELD

__all__ = ["hit_ids", "hit_scores", "align_scores", "compare_rankings", "format_hits"]

Hits = Sequence[Mapping[str, Any]]


# Metrics whose ``distance`` is already a similarity (higher is better); RRF and WEIGHTED
# stand for the fused scores that ``hybrid_search`` returns.
_AS_REPORTED = {"COSINE", "IP", "RRF", "WEIGHTED"}


def hit_ids(hits: Hits) -> list:
    """The ids of one query's hits, best first."""
    return [hit["id"] for hit in hits]


def hit_scores(hits: Hits, metric: str) -> np.ndarray:
    """The similarity scores of one query's hits (higher is better), as float64.

    ``metric`` is the search's metric, or ``"RRF"`` / ``"WEIGHTED"`` for ``hybrid_search``
    results. For COSINE and IP, Milvus's ``distance`` is the similarity itself. For BM25, Milvus
    Lite reports the negated score (smaller distance is better) while Milvus servers
    report the score; BM25 scores are never negative, so the absolute value is right for both.
    """
    metric = metric.upper()
    distances = np.array([hit["distance"] for hit in hits], dtype=np.float64)
    if metric == "BM25":
        return np.abs(distances)
    if metric in _AS_REPORTED:
        return distances
    raise ValueError(
        f"hit_scores knows {', '.join(sorted(_AS_REPORTED | {'BM25'}))}; got {metric!r} (for L2 smaller is better)"
    )


def align_scores(hits: Hits, ids: Sequence, metric: str) -> np.ndarray:
    """One query's hit scores placed on ``ids``; documents not retrieved get ``nan``.

    The result lines up with :mod:`helpers.fusion`'s convention (one array per method), as
    :func:`helpers.fusion.weighted_ranker` and :func:`helpers.fusion.reciprocal_rank_fusion` take it.
    """
    position = {doc_id: i for i, doc_id in enumerate(ids)}
    missing = [hit["id"] for hit in hits if hit["id"] not in position]
    if missing:
        raise ValueError(f"hits contain ids that are not in ids: {missing[:5]}")
    out = np.full(len(ids), np.nan)
    out[[position[hit["id"]] for hit in hits]] = hit_scores(hits, metric)
    return out


def compare_rankings(
    results: Sequence[Hits],
    scores: Any,
    doc_ids: Sequence,
    metric: str,
    k: int = 10,
    positive_only: bool | None = None,
    tol: float = 1e-5,
) -> RankingComparison:
    """Compare Milvus's hits for each query with the top-k of in-memory scores.

    Parameters
    ----------
    results : list of hit lists
        What ``client.search`` returned, one hit list per query (``limit=k``).
    scores : array, shape (n_documents, n_queries)
        In-memory scores of every document for every query, e.g. ``doc_dense @ queries.T``.
    doc_ids : sequence
        The id of each row of ``scores``.
    metric : str
        The metric of the search (see :func:`hit_scores`).
    k : int
        Length of the lists compared.
    positive_only : bool, optional
        Leave documents whose in-memory score is 0 or less out of the in-memory list, as a
        sparse search returns only documents that share a term with the query. Default:
        True for IP and BM25, False for COSINE.
    tol : float
        In-memory scores closer than this count as tied (Milvus computes in float32).

    Returns
    -------
    RankingComparison
        See :func:`helpers.metrics.compare_top_k`.
    """
    if positive_only is None:
        positive_only = metric.upper() in {"IP", "BM25"}
    ranked_scores = [hit_scores(hits, metric) for hits in results]
    return compare_top_k(
        [hit_ids(hits) for hits in results], ranked_scores, scores, doc_ids, k=k, positive_only=positive_only, tol=tol
    )


def format_hits(hits: Hits, metric: str, *, digits: int = 4, width: int = 60) -> str:
    """A small text table of one query's hits: rank, score, id and text.

    Scores are rounded to ``digits`` (Milvus computes in float32), texts shortened to ``width``.
    Hits with equal scores are listed by id, so the printed order never depends on how a
    server happened to order a tie.
    """
    from helpers.plots.style import shorten

    scores = hit_scores(hits, metric)
    order = sorted(range(len(hits)), key=lambda i: (-scores[i], str(hits[i]["id"])))
    id_width = max([len(str(hit["id"])) for hit in hits] + [2])
    lines = []
    for rank, (hit, score) in enumerate(((hits[i], scores[i]) for i in order), start=1):
        text = (hit.get("entity") or {}).get(TEXT_FIELD, "")
        lines.append(f"{rank:>2}  {score:>{digits + 4}.{digits}f}  {str(hit['id']):<{id_width}}  {shorten(text, width)}")
    return "\n".join(lines)
