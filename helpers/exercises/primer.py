"""Exercises of notebook 00, the scoring primer: IDF, RRF and nDCG by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers import blog
from helpers.exercises.verdict import Verdict, check_number
from helpers.fusion import reciprocal_rank_fusion
from helpers.metrics import ndcg_at_k

# Exercise 3's ranking: an unjudged document first, then the answer (grade 2), then a partial one (1).
NDCG_RANKING = ("x", "b", "c")
NDCG_JUDGED = {"b": 2, "c": 1}


def bm25_idf(term: str) -> float:
    """BM25 IDF of ``term`` (an analyzed term) in the blog's three sentences."""
    from helpers.model.sparse import BM25EmbeddingFunction

    ef = BM25EmbeddingFunction(corpus=list(blog.DOCS))
    return float(ef.idf[ef.vocabulary.index(term)])


def check_idf(answer: Any) -> Verdict:
    """Exercise 1: the BM25 IDF of ``london`` in the blog's three sentences (N = 3, df = 1)."""
    truth = bm25_idf("london")
    return check_number(
        answer, truth, expect="a number, such as 0.123",
        hint="london is in 1 of the 3 sentences; IDF = ln((N - df + 0.5) / (df + 0.5))",
        explain=f"ln(2.5 / 1.5) = {truth:.4f}. A term in one document of three is rare: it weighs a lot.",
        mistakes=[
            (math.log(3), "ln(N / df) is the classic IDF; BM25 adds 0.5 to the counts: ln((N - df + 0.5) / (df + 0.5))"),
            (truth / math.log(10), "that is log base 10; BM25 uses the natural log (np.log)"),
        ],
    )


def check_rrf(answer: Any) -> Verdict:
    """Exercise 2: the RRF score (k = 60) of a document ranked 1st by BM25 and 3rd by dense."""
    truth = float(reciprocal_rank_fusion([np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 3.0])], k=60)[0])
    one_share = "that is one method's share; RRF adds the shares of both methods"
    return check_number(
        answer, truth, tol=1e-5,
        hint="RRF adds 1 / (k + rank) over the methods, with k = 60",
        explain=f"1/61 + 1/63 = {truth:.5f}. With k = 60, rank 1 and rank 3 differ by only 3%: RRF is gentle.",
        mistakes=[(1 + 1 / 3, "you left out k: each term is 1 / (60 + rank), not 1 / rank"), (1 / 61, one_share), (1 / 63, one_share)],
    )


def check_ndcg(answer: Any) -> Verdict:
    """Exercise 3: nDCG@10 of the ranking x, b, c when b has grade 2, c grade 1 and x is not judged."""
    run = {doc: float(len(NDCG_RANKING) - i) for i, doc in enumerate(NDCG_RANKING)}
    truth = ndcg_at_k({"q": NDCG_JUDGED}, {"q": run}, k=10)
    binary = ndcg_at_k({"q": {doc: 1 for doc in NDCG_JUDGED}}, {"q": run}, k=10)
    return check_number(
        answer, truth, expect="a number between 0 and 1",
        hint="DCG = sum of grade / log2(rank + 1); divide by the DCG of the best order (b, c)",
        explain=f"(2/log2(3) + 1/log2(4)) / (2/log2(2) + 1/log2(3)) = {truth:.4f}",
        mistakes=[(binary, "that treats both documents as equally relevant; use their grades (2 and 1) as gains")],
    )
