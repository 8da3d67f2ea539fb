"""The exercise checks: placeholders are "not yet", right answers pass, typical mistakes get their hint."""

import math

import numpy as np
import pytest

from helpers.exercises import Verdict, bm25, compare, dense, japanese, milvus, primer, rerank, scifact, splade
from helpers.model.base import RerankResult
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer


def says(verdict: Verdict, correct, *words: str) -> bool:
    text = repr(verdict).lower()
    return verdict.correct is correct and all(word.lower() in text for word in words)


NO_ANSWER_CHECKS = [
    primer.check_idf,
    primer.check_rrf,
    primer.check_ndcg,
    dense.check_unit_vector,
    rerank.check_maxsim,
    compare.check_weighted,
    compare.check_recall,
    milvus.check_sparse_metric,
    milvus.check_rrf_winner,
    scifact.check_ndcg_one_relevant,
    scifact.check_tuning_split,
    splade.check_weight,
    japanese.check_terms,
]


@pytest.mark.parametrize("check", NO_ANSWER_CHECKS, ids=lambda check: f"{check.__module__}.{check.__name__}")
def test_the_placeholder_is_not_yet_and_nonsense_is_wrong(check):
    pending = check(...)
    assert pending.correct is None and not pending and repr(pending).startswith("Not yet: replace the ...")
    assert check("forty-two").correct is False


def test_primer_checks():
    assert says(primer.check_idf(math.log(2.5 / 1.5)), True)
    assert says(primer.check_idf(math.log(3)), False, "0.5")  # classic IDF: the hint names BM25's +0.5
    assert says(primer.check_idf(math.log10(2.5 / 1.5)), False, "natural log")
    assert says(primer.check_rrf(1 / 61 + 1 / 63), True)
    assert says(primer.check_rrf(1 + 1 / 3), False, "left out k")
    assert says(primer.check_rrf(1 / 61), False, "both methods")
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    assert says(primer.check_ndcg(dcg / (2 + 1 / math.log2(3))), True)
    assert says(primer.check_ndcg(dcg), False)  # DCG, not normalized
    binary = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert says(primer.check_ndcg(binary), False, "grades")


def test_primer_idf_is_the_fitted_bm25_idf():
    ef = BM25EmbeddingFunction(corpus=["Born in London.", "Turing in Cambridge.", "Turing research."])
    assert ef.idf[ef.vocabulary.index("london")] == pytest.approx(np.log(2.5 / 1.5))
    assert primer.bm25_idf("london") == pytest.approx(np.log(2.5 / 1.5))


class FakeEmbedding:
    """Unit vectors by keyword: enough to know which document a query is closest to."""

    def _encode(self, texts):
        return [np.array([("AI" in t) + 0.1, ("born" in t) + 0.1]) / np.hypot(("AI" in t) + 0.1, ("born" in t) + 0.1) for t in texts]

    encode_documents = encode_queries = _encode


def test_dense_checks():
    assert says(dense.check_unit_vector(np.array([0.6, 0.8])), True)
    assert says(dense.check_unit_vector([3 / 7, 4 / 7]), False, "sum")
    assert says(dense.check_unit_vector([0.8, 0.6]), False, "direction")
    assert says(dense.check_unit_vector([3.0, 4.0]), False, "length is 5")
    assert says(dense.check_unit_vector([0.6, 0.8, 0.0]), False, "shape")
    docs = ["AI was founded.", "Turing was born in London."]
    assert says(dense.check_best_document(1, FakeEmbedding(), docs, "Where was he born?"), True)
    assert says(dense.check_best_document(0, FakeEmbedding(), docs, "Where was he born?"), False, "higher")
    assert says(dense.check_best_document(5, FakeEmbedding(), docs, "Where was he born?"), False, "0 to 1")
    assert dense.check_best_document(..., FakeEmbedding(), docs, "q").correct is None


def test_bm25_checks(blog_docs):
    en = build_default_analyzer("en")
    text = "Who raised Turing in London?"
    assert says(bm25.check_terms(en(text), en, text), True)
    assert says(bm25.check_terms(["who", "raised", "turing", "in", "london"], en, text), False, "stopwords")
    assert says(bm25.check_terms(["Who", "rais", "ture", "London"], en, text), False, "lowercases")
    assert says(bm25.check_terms("who rais", en, text), False, "list of strings")
    ef = BM25EmbeddingFunction(en, blog_docs)
    length, avgdl = len(en(blog_docs[2])), ef.avgdl
    weight = 2.5 / (1 + 1.5 * (0.25 + 0.75 * length / avgdl))
    assert says(bm25.check_document_weight(weight, ef, blog_docs, "born", 2), True)
    assert says(bm25.check_document_weight(1.0, ef, blog_docs, "born", 2), False, "b = 0")
    assert says(bm25.check_document_weight(0.5, ef, blog_docs, "born", 2), False, "avgdl")
    assert bm25.check_document_weight(..., ef, blog_docs, "born", 2).correct is None


class FakeReranker:
    def __call__(self, query, documents, top_k=5):
        scores = [len(set(query.split()) & set(doc.split())) / 10 for doc in documents]
        order = sorted(range(len(documents)), key=lambda i: -scores[i])[:top_k]
        return [RerankResult(documents[i], scores[i], i) for i in order]


def test_rerank_checks():
    rows = rerank.SIMILARITIES
    assert says(rerank.check_maxsim(rows.max(axis=1).mean()), True)
    assert says(rerank.check_maxsim(rows.max(axis=1).sum()), False, "ColBERT")
    assert says(rerank.check_maxsim(rows.max(axis=0).mean()), False, "columns")
    assert says(rerank.check_maxsim(rows.mean()), False, "every pair")
    docs = ["the cat sat", "a dog ran far away", "dog ran"]
    assert says(rerank.check_winner(1, FakeReranker(), "dog ran far", docs), True)
    assert says(rerank.check_winner(2, FakeReranker(), "dog ran far", docs), False, "not first")
    assert says(rerank.check_winner(-1, FakeReranker(), "dog ran far", docs), False, "0 to 2")


def test_compare_checks():
    assert says(compare.check_weighted(0.3 * 0.25 + 0.7 * 1.0), True)
    assert says(compare.check_weighted(0.3 * 4 + 0.7 * 0.9), False, "min-max")
    assert says(compare.check_weighted(0.5), False)
    assert says(compare.check_recall(2 / 4), True)
    assert says(compare.check_recall(2 / 3), False, "precision")
    assert says(compare.check_recall(1.0), False)


def test_milvus_checks():
    assert says(milvus.check_sparse_metric(" ip "), True)
    assert says(milvus.check_sparse_metric("COSINE"), False, "lengths")
    assert says(milvus.check_sparse_metric("BM25"), False, "built-in")
    scores = {i: sum(1 / (60 + top.index(i) + 1) for top in (milvus.DENSE_TOP, milvus.SPARSE_TOP) if i in top) for i in "abcd"}
    assert milvus.rrf_winner() == max(scores, key=scores.get)
    assert says(milvus.check_rrf_winner(max(scores, key=scores.get)), True)
    assert says(milvus.check_rrf_winner("c"), False, "not first")
    assert says(milvus.check_rrf_winner("z"), False, "one of the ids")


def test_scifact_checks():
    assert says(scifact.check_ndcg_one_relevant(1 / math.log2(4)), True)
    assert says(scifact.check_ndcg_one_relevant(1 / 3), False, "MRR")
    assert says(scifact.check_tuning_split("Train"), True)
    assert says(scifact.check_tuning_split("test"), False, "flatters")


def test_japanese_checks():
    assert says(japanese.check_terms(["チューリング", "生まれる"]), True, "dictionary form")
    assert says(japanese.check_terms(["チューリング", "は", "生まれる"]), False, "particles")
    assert says(japanese.check_terms(["チューリング", "生まれました"]), False, "生まれる")
    assert says(japanese.check_terms(["生まれる", "チューリング"]), False, "order")
    assert says(japanese.check_terms("チューリング 生まれる"), False, "list of strings")
    ndcg = {"BM25": {"JSQuAD (ja)": 0.94, "SciFact (en)": 0.686}, "dense": {"JSQuAD (ja)": 0.77}, "RRF": {"SciFact (en)": 0.713}}
    assert japanese.check_best_method(..., ndcg).correct is None
    assert says(japanese.check_best_method("BM25", ndcg), True, "0.940")
    assert says(japanese.check_best_method("dense", ndcg), False, "BM25 scores 0.940")
    assert says(japanese.check_best_method("RRF", ndcg), False, "one of the method names")  # not run on JSQuAD
    assert says(japanese.check_best_method("RRF", ndcg, "SciFact (en)"), True)


def test_splade_checks():
    assert says(splade.check_weight(math.log1p(2.5)), True)
    assert says(splade.check_weight(math.log1p(0.8) + math.log1p(2.5)), False, "sum")
    assert says(splade.check_weight(2.5), False, "raw logit")
    assert says(splade.check_weight((math.log1p(0.8) + math.log1p(2.5)) / 3), False, "averages")

    class Expanding:  # what SpladeEmbeddingFunction.expansion gives: (term, weight, occurs in the text)
        def expansion(self, text, top=15, as_query=True):
            assert not as_query and top == 15
            return [("turing", 2.1, True), ("computer", 1.3, False), ("test", 1.1, True)]

    text = "Turing's test"
    assert says(splade.check_expansion("Computer ", Expanding(), text), True, "'computer'")
    assert says(splade.check_expansion("turing", Expanding(), text), False, "occurs in the text")
    assert says(splade.check_expansion("banana", Expanding(), text), False, "not among")
    assert says(splade.check_expansion(3, Expanding(), text), False, "string")
    assert splade.check_expansion(..., Expanding(), text).correct is None
