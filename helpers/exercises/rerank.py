"""Exercises of notebook 03, reranking: MaxSim by hand and a near miss."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises.verdict import Verdict, check_number, right, unanswered, wrong

# Cosines of 3 query word pieces (rows) with 4 document word pieces (columns).
SIMILARITIES = np.array(
    [
        [0.9, 0.1, 0.3, 0.2],
        [0.2, 0.4, 0.6, 0.1],
        [0.1, 0.2, 0.1, 0.5],
    ]
)


def check_maxsim(answer: Any) -> Verdict:
    """Exercise 1: the MaxSim score of ``SIMILARITIES`` as ``MaxSimRerankFunction`` computes it."""
    row_max = SIMILARITIES.max(axis=1)
    return check_number(
        answer, row_max.mean(),
        hint="take each query piece's (row's) best match, then average those maxima",
        explain=f"mean(0.9, 0.6, 0.5) = {row_max.mean():.4f}; ColBERT would report the sum, {row_max.sum():.1f}",
        mistakes=[
            (row_max.sum(), "that is ColBERT's sum; ours divides by the number of query pieces (the mean)"),
            (SIMILARITIES.max(axis=0).mean(), "you took each document piece's best match (columns); MaxSim goes from the query's pieces"),
            (SIMILARITIES.mean(), "that averages every pair; MaxSim keeps only each query piece's best match"),
        ],
    )


def check_winner(answer: Any, rf: Any, query: str, documents: list[str]) -> Verdict:
    """Exercise 2: the index of the document ``rf`` puts first for ``query``."""
    hint = "call rf(query, documents, top_k=1) and read the index of its result"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    best = rf(query, documents, top_k=len(documents))
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)) or not 0 <= answer < len(documents):
        return wrong(f"give a document index from 0 to {len(documents) - 1}, not {answer!r}")
    if answer == best[0].index:
        return right(f"document {answer} wins with {best[0].score:.4g}, ahead of {best[1].score:.4g}")
    return wrong(f"document {answer} is not first. {hint}")
