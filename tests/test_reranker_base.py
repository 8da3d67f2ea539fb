"""BaseRerankFunction: the one __call__ every reranker shares (checks, empty input, ordering), on a toy reranker."""

import importlib

import numpy as np
import pytest

from helpers.model.base import BaseRerankFunction, RerankResult


class WordOverlap(BaseRerankFunction):
    """Scores a document by how many query words it holds: easy to check by hand."""

    def __init__(self):
        self.seen = []

    def score(self, query, documents):
        self.seen.append(list(documents))
        words = set(query.lower().split())
        return np.array([len(words & set(d.lower().split())) for d in documents], dtype=np.float32)


DOCS = ["a cat sat", "a dog", "cat dog bird", "nothing here", "dog cat"]


def test_results_are_the_best_scores_first_ties_in_input_order():
    results = WordOverlap()("cat dog", DOCS, top_k=4)
    assert [(r.index, r.score) for r in results] == [(2, 2.0), (4, 2.0), (0, 1.0), (1, 1.0)]
    assert all(r.text == DOCS[r.index] for r in results) and isinstance(results[0], RerankResult)
    assert WordOverlap()("cat dog", DOCS, top_k=100) == WordOverlap()("cat dog", DOCS, top_k=len(DOCS))


def test_checks_run_before_scoring_and_empty_input_is_not_scored():
    rf = WordOverlap()
    assert rf("cat", [], top_k=3) == [] and rf.seen == []
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        rf("cat", DOCS, top_k=0)
    with pytest.raises(TypeError, match="top_k must be an integer"):
        rf("cat", DOCS, top_k=True)
    with pytest.raises(TypeError, match="documents must be a list of strings"):
        rf("cat", "a cat sat")
    assert rf.seen == []


def test_a_reranker_that_scores_nothing_names_what_to_define():
    class Incomplete(BaseRerankFunction):
        pass

    with pytest.raises(NotImplementedError, match=r"Incomplete must define score\(query, documents\) or override _rank"):
        Incomplete()("cat", DOCS)


@pytest.mark.parametrize(
    "module, name",
    [("maxsim", "MaxSimRerankFunction"), ("cross_encoder", "CrossEncoderRerankFunction"),
     ("jinaai", "JinaRerankFunction"), ("bi_encoder", "BiEncoderRerankFunction")],
)
def test_every_reranker_shares_the_one_call(module, name):
    cls = getattr(importlib.import_module(f"helpers.model.reranker.{module}"), name)
    assert issubclass(cls, BaseRerankFunction) and cls.__call__ is BaseRerankFunction.__call__
    assert "score" in vars(cls) or "_rank" in vars(cls)
