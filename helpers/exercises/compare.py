"""Exercises of notebook 04, comparing methods: min-max scaling, weighted fusion, Recall@k."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises.verdict import Verdict, check_number
from helpers.fusion import min_max, weighted_sum
from helpers.metrics import recall_at_k

BM25_SCORES = (2.0, 4.0, 10.0)
DENSE_SCORES = (0.5, 0.9, 0.7)
WEIGHTS = (0.3, 0.7)
RANKING = ("d4", "d1", "d2", "d7", "d9")
RELEVANT = ("d1", "d2", "d3", "d5")


def check_weighted(answer: Any) -> Verdict:
    """Exercise 1: the weighted-sum score of document 1 for ``BM25_SCORES``, ``DENSE_SCORES``, ``WEIGHTS``."""
    truth = float(weighted_sum([np.array(BM25_SCORES), np.array(DENSE_SCORES)], WEIGHTS)[1])
    unscaled = WEIGHTS[0] * BM25_SCORES[1] + WEIGHTS[1] * DENSE_SCORES[1]
    return check_number(
        answer, truth,
        hint="min-max scale each method's scores to [0, 1] first, then 0.3 x BM25 + 0.7 x dense",
        explain=f"0.3 x {min_max(np.array(BM25_SCORES))[1]:.2f} + 0.7 x 1.00 = {truth:.3f}",
        mistakes=[(unscaled, "BM25 scores are unbounded and cosines are not: scale both to [0, 1] (min-max) first")],
    )


def check_recall(answer: Any) -> Verdict:
    """Exercise 2: Recall@3 of ``RANKING`` when ``RELEVANT`` are the relevant documents."""
    run = {doc: float(len(RANKING) - i) for i, doc in enumerate(RANKING)}
    truth = recall_at_k({"q": dict.fromkeys(RELEVANT, 1)}, {"q": run}, k=3)
    return check_number(
        answer, truth, expect="a number between 0 and 1",
        hint="count the relevant documents in the top 3, divide by the number of relevant documents",
        explain=f"2 of the 4 relevant documents (d1, d2) are in the top 3: {truth:.3f}",
        mistakes=[(2 / 3, "that is precision (found / 3 shown); recall divides by the 4 relevant documents")],
    )
