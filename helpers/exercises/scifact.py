"""Exercises of notebook 06, evaluating on SciFact: binary nDCG and where to tune."""

from __future__ import annotations

from typing import Any

from helpers.exercises.verdict import Verdict, check_choice, check_number
from helpers.metrics import ndcg_at_k


def check_ndcg_one_relevant(answer: Any) -> Verdict:
    """Exercise 1: nDCG@10 when the only relevant abstract (gain 1) is ranked 3rd."""
    truth = ndcg_at_k({"q": {"rel": 1}}, {"q": {"x": 3.0, "y": 2.0, "rel": 1.0}}, k=10)
    return check_number(
        answer, truth, expect="a number between 0 and 1",
        hint="DCG = 1 / log2(3 + 1); the best possible DCG puts it first: 1 / log2(2) = 1",
        explain=f"1 / log2(4) = {truth:.2f}: rank 3 keeps half of the credit of rank 1",
        mistakes=[(1 / 3, "that is the reciprocal rank (MRR); nDCG discounts by log2(rank + 1)")],
    )


def check_tuning_split(answer: Any) -> Verdict:
    """Exercise 2: the split on which fusion weights are tuned ("train" or "test")."""
    return check_choice(
        answer, "train", hint="the score you report must come from queries the tuning never saw",
        explain="tune on train, report test once: the test score then predicts new queries",
        mistakes={"test": "weights tuned on test fit those very queries, so the test score flatters them"},
        unknown="answer 'train' or 'test'",
    )
