"""Exercises of notebook 05, Milvus Lite: the sparse field's metric and RRF over two routes."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises.verdict import Verdict, check_choice, right, unanswered, wrong
from helpers.fusion import reciprocal_rank_fusion

DENSE_TOP = ("a", "b", "c")
SPARSE_TOP = ("c", "a", "d")


def check_sparse_metric(answer: Any) -> Verdict:
    """Exercise 1: the ``metric_type`` of a field that stores our BM25 vectors."""
    return check_choice(
        answer, "IP", hint="the BM25 score is the dot product of the query and document vectors",
        explain="inner product: query IDFs times document term weights, summed, is exactly BM25",
        mistakes={
            "COSINE": "cosine divides by the vectors' lengths, which changes BM25 scores; use the plain dot product",
            "BM25": "metric_type='BM25' is for Milvus's built-in BM25 function, which computes the weights itself",
        },
    )


def rrf_winner() -> str:
    """The id that RRF (k = 60) puts first when fusing ``DENSE_TOP`` and ``SPARSE_TOP``."""
    ids = sorted(set(DENSE_TOP) | set(SPARSE_TOP))
    routes = [np.array([len(top) - top.index(i) if i in top else np.nan for i in ids], dtype=float) for top in (DENSE_TOP, SPARSE_TOP)]
    return ids[int(np.argmax(reciprocal_rank_fusion(routes, k=60)))]


def check_rrf_winner(answer: Any) -> Verdict:
    """Exercise 2: which id ``RRFRanker(60)`` puts first for the two routes' top 3."""
    hint = "score each id 1/(60 + rank) in each route that found it, and add"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    if answer == rrf_winner():
        return right("a: 1/61 + 1/62 beats c: 1/63 + 1/61; being near the top twice wins")
    if answer in DENSE_TOP + SPARSE_TOP:
        return wrong(f"{answer!r} is not first. {hint}")
    return wrong(f"give one of the ids {sorted(set(DENSE_TOP + SPARSE_TOP))}, not {answer!r}")
