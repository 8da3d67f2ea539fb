"""The method registry: every method scores a batch through its own function, inputs first."""

from dataclasses import dataclass, field

import numpy as np
import pytest

from helpers import evaluation as ev
from helpers.methods import FIRST_STAGE, FIRST_STAGES, METHODS, method, score_methods

DENSE = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.4, 0.6]])
BM25 = np.array([[0.0, 2.0, 0.0, 1.0], [3.0, 0.0, 0.0, 0.0]])


@dataclass
class FakeContext:
    weight: float = 0.5
    rrf_k: int = 60
    first_stage: str = "rrf"
    calls: list = field(default_factory=list)

    def dense_scores(self, queries):
        self.calls.append("dense")
        return DENSE[: len(queries)]

    def bm25_scores(self, queries):
        self.calls.append("bm25")
        return BM25[: len(queries)]

    def rerank_scores(self, queries, first_stage):
        self.calls.append("rerank")
        return -first_stage  # reverses the first stage: enough to see which one it got


def plain_rrf(dense_row, bm25_row, k=60):
    """RRF written out: each method votes 1 / (k + rank) for the documents it retrieved (BM25: score > 0)."""
    fused = np.zeros(len(dense_row))
    for row, retrieved in ((dense_row, np.ones(len(dense_row), bool)), (bm25_row, bm25_row > 0)):
        order = [i for i in sorted(range(len(row)), key=lambda i: -row[i]) if retrieved[i]]
        for rank, i in enumerate(order, start=1):
            fused[i] += 1 / (k + rank)
    return fused


def test_every_method_comes_after_its_inputs():
    seen = []
    for key, m in METHODS.items():
        assert callable(m.score) and all(i in seen or i == FIRST_STAGE for i in m.inputs), key
        seen.append(key)
    assert FIRST_STAGES == tuple(k for k in METHODS if METHODS[k].first_stage)


def test_rrf_gives_bm25_zeros_no_vote_as_written_out():
    scores = score_methods(FakeContext(), ["q1", "q2"], ["rrf"])
    assert list(scores) == ["dense", "bm25", "rrf"]
    for row in range(2):
        np.testing.assert_allclose(scores["rrf"][row], plain_rrf(DENSE[row], BM25[row]), rtol=1e-12)


def test_weighted_is_the_min_max_sum():
    scores = score_methods(FakeContext(weight=0.25), ["q1"], ["weighted"])
    scale = lambda x: (x - x.min()) / (x.max() - x.min())  # noqa: E731
    np.testing.assert_allclose(scores["weighted"][0], 0.25 * scale(DENSE[0]) + 0.75 * scale(BM25[0]))


def test_rerank_reads_only_the_context_first_stage():
    context = FakeContext(first_stage="dense")
    scores = score_methods(context, ["q1", "q2"], ["rerank"])
    assert list(scores) == ["dense", "rerank"] and context.calls == ["dense", "rerank"]
    np.testing.assert_array_equal(scores["rerank"], -DENSE)


def test_unknown_methods_are_named_with_the_known_ones():
    with pytest.raises(KeyError, match="use one of: dense, bm25"):
        score_methods(FakeContext(), ["q"], ["splade"])
    with pytest.raises(KeyError, match="unknown method 'nope'"):
        score_methods(FakeContext(first_stage="nope"), ["q"], ["rerank"])
    assert method("bm25") is METHODS["bm25"]


def test_evaluation_context_scores_as_the_fusion_functions(blog_docs):
    from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

    class FakeDense:  # cosine of bag-of-letters vectors: no model needed
        def encode_queries(self, texts):
            return [self._vector(t) for t in texts]

        def _vector(self, text):
            v = np.array([text.lower().count(c) for c in "abcdefghijklmnopqrstuvwxyz"], dtype=np.float32)
            return v / np.linalg.norm(v)

        def encode_documents(self, texts):
            return [self._vector(t) for t in texts]

    bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25_ef.fit(blog_docs)
    queries = ["Who developed the first chess program?", "zzz qqq"]
    dense = np.stack(FakeDense().encode_queries(queries)) @ np.stack(FakeDense().encode_documents(blog_docs)).T
    bm25 = ev.bm25_scores(bm25_ef, blog_docs, queries)

    class Scoring(ev.CorpusScoring):
        def dense_scores(self, queries):  # the disk cache is not under test here
            return dense

    context = Scoring(blog_docs, FakeDense(), bm25_ef, show_progress=False)
    scores = score_methods(context, queries, ["rrf", "weighted"])
    np.testing.assert_allclose(scores["bm25"], bm25)
    for row in range(len(queries)):
        np.testing.assert_allclose(scores["rrf"][row], plain_rrf(dense[row], bm25[row]), rtol=1e-12)
    np.testing.assert_allclose(scores["weighted"], ev.weighted_scores([dense, bm25], [0.5, 0.5]))
    with pytest.raises(ValueError, match="rerank_fn="):
        score_methods(context, queries, ["rerank"])
