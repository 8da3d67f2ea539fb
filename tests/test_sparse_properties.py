"""Invariants of BM25 on random corpora (hypothesis), checked against rank_bm25 where it applies."""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

EN = build_default_analyzer("en")
# A small vocabulary so documents share terms; "the"/"of" are stopwords, "zebra" never occurs in corpora.
WORDS = ["cat", "cats", "dog", "bird", "fish", "runs", "running", "red", "blue", "the", "of", "Turing", "AI"]

documents = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)
corpora = st.lists(documents, min_size=1, max_size=8).filter(lambda c: any(EN(d) for d in c))
queries = st.lists(st.sampled_from(WORDS + ["zebra"]), min_size=1, max_size=5).map(" ".join)
k1s = st.floats(min_value=0.0, max_value=3.0)
positive_k1s = st.floats(min_value=0.05, max_value=3.0)  # rank_bm25 divides 0 by 0 at k1 = 0
bs = st.floats(min_value=0.0, max_value=1.0)
epsilons = st.floats(min_value=0.0, max_value=1.0)

SETTINGS = settings(max_examples=40, deadline=None)  # derandomized by tests/conftest.py


@SETTINGS
@given(corpora, queries, positive_k1s, bs, epsilons)
def test_scores_equal_rank_bm25(corpus, query, k1, b, epsilon):
    ef = BM25EmbeddingFunction(EN, corpus, k1=k1, b=b, epsilon=epsilon)
    ours = (ef.encode_queries([query]) @ ef.encode_documents(corpus).T).toarray()[0]
    theirs = BM25Okapi([EN(d) for d in corpus], k1=k1, b=b, epsilon=epsilon).get_scores(EN(query))
    # rank_bm25 computes 0/0 = nan for an empty document at b = 1; a term it lacks adds 0.
    empty = np.array([not EN(d) for d in corpus])
    theirs = np.where(empty & np.isnan(theirs), 0.0, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(corpora, k1s, bs)
def test_document_weights_are_bounded_and_one_per_distinct_term(corpus, k1, b):
    ef = BM25EmbeddingFunction(EN, corpus, k1=k1, b=b)
    docs = ef.encode_documents(corpus)
    assert docs.shape == (len(corpus), ef.dim) and docs.dtype == np.float32
    assert np.all(docs.data > 0) and np.all(docs.data <= k1 + 1 + 1e-6)
    assert np.diff(docs.indptr).tolist() == [len(set(EN(d))) for d in corpus]


@SETTINGS
@given(corpora, st.randoms(use_true_random=False))
def test_document_order_does_not_matter(corpus, random):
    order = list(range(len(corpus)))
    random.shuffle(order)
    ef = BM25EmbeddingFunction(EN, corpus)
    shuffled = BM25EmbeddingFunction(EN, [corpus[i] for i in order])
    assert dict(zip(ef.vocabulary, ef.idf)) == pytest.approx(dict(zip(shuffled.vocabulary, shuffled.idf)), rel=1e-12)
    rows = ef.decode(ef.encode_documents(corpus))
    assert [rows[i] for i in order] == shuffled.decode(shuffled.encode_documents([corpus[i] for i in order]))


@SETTINGS
@given(corpora, st.lists(documents, max_size=6))
def test_each_row_is_encoded_independently(corpus, others):
    ef = BM25EmbeddingFunction(EN, corpus)
    batch = ef.encode_documents(others + corpus).toarray()
    alone = [ef.encode_documents([text]).toarray()[0] for text in others + corpus]
    np.testing.assert_array_equal(batch, np.array(alone).reshape(batch.shape))


@SETTINGS
@given(corpora, queries)
def test_query_weights_are_idf_times_count_and_ignore_unknown_words(corpus, query):
    ef = BM25EmbeddingFunction(EN, corpus)
    weights = ef.decode(ef.encode_queries([query]))[0]
    terms = [t for t in EN(query) if t in ef.vocabulary]
    expected = {t: terms.count(t) * ef.idf[ef.vocabulary.index(t)] for t in set(terms)}
    assert weights.keys() == expected.keys()
    np.testing.assert_allclose([weights[t] for t in expected], list(expected.values()), rtol=1e-6)
    extended = ef.encode_queries([query + " zebra quagga"])
    assert (extended != ef.encode_queries([query])).nnz == 0


@settings(max_examples=15, deadline=None)
@given(corpora, queries)
def test_save_load_round_trip(corpus, query):
    ef = BM25EmbeddingFunction(EN, corpus)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bm25.json"
        ef.save(path)
        loaded = BM25EmbeddingFunction(str.split)
        loaded.load(path)
    for encode in ("encode_documents", "encode_queries"):
        texts = corpus if encode == "encode_documents" else [query]
        assert (getattr(loaded, encode)(texts) != getattr(ef, encode)(texts)).nnz == 0
