"""BM25EmbeddingFunction: a hand-worked example, pymilvus-model's vectors, rank_bm25's scores, bad input."""

import math

import numpy as np
import pytest
from pymilvus.model.sparse.bm25.bm25 import BM25EmbeddingFunction as PymilvusBM25
from rank_bm25 import BM25Okapi
from scipy.sparse import csr_array

from helpers.demo_data import load_demo_corpus
from helpers.model.sparse import BM25EmbeddingFunction, NotFittedError, build_default_analyzer


@pytest.fixture(scope="module")
def en():
    return build_default_analyzer(language="en")


@pytest.fixture(scope="module")
def demo_texts():
    return load_demo_corpus().texts


@pytest.fixture
def blog_ef(en, blog_docs):
    ef = BM25EmbeddingFunction(en)
    ef.fit(blog_docs)
    return ef


def test_blog_example_worked_by_hand(blog_ef, blog_docs):
    # After analysis the documents have 6, 8 and 8 terms; only "ture" (Turing) is in two documents.
    assert blog_ef.corpus_size == 3 and blog_ef.avgdl == pytest.approx(22 / 3)
    assert blog_ef.dim == 21 and blog_ef.vocabulary[:6] == ["artifici", "intellig", "found", "academ", "disciplin", "1956"]
    rare = math.log((3 - 1 + 0.5) / (1 + 0.5))  # df = 1
    common = math.log((3 - 2 + 0.5) / (2 + 0.5))  # df = 2: negative, so epsilon * mean IDF
    floor = 0.25 * (20 * rare + common) / 21
    expected_idf = np.full(21, rare)
    expected_idf[blog_ef.vocabulary.index("ture")] = floor
    np.testing.assert_allclose(blog_ef.idf, expected_idf, rtol=1e-12)

    weight_len8 = 2.5 / (1 + 1.5 * (1 - 0.75 + 0.75 * 8 / (22 / 3)))  # tf = 1 in a document of 8 terms
    docs = blog_ef.encode_documents(blog_docs)
    assert docs.shape == (3, 21) and docs.dtype == np.float32 and isinstance(docs, csr_array)
    assert blog_ef.decode(docs[[2]])[0] == pytest.approx(
        dict.fromkeys(["born", "maida", "vale", "london", "ture", "rais", "southern", "england"], weight_len8)
    )
    query = blog_ef.encode_queries(["Where was Turing born?"])
    assert blog_ef.decode(query)[0] == pytest.approx({"born": rare, "ture": floor})  # "where" is unknown
    scores = (query @ docs.T).toarray()[0]
    np.testing.assert_allclose(scores, [0, floor * weight_len8, (floor + rare) * weight_len8], rtol=1e-6)


def _aligned(ours: BM25EmbeddingFunction, theirs: PymilvusBM25, matrix: csr_array) -> np.ndarray:
    """pymilvus-model's matrix with its columns put in our vocabulary's order."""
    order = [theirs.idf[term][1] for term in ours.vocabulary]
    return matrix.toarray()[:, order]


def test_vectors_equal_pymilvus_model(en, demo_texts):
    fitted, unseen = demo_texts[:200], demo_texts[200:]
    ours = BM25EmbeddingFunction(en, fitted)
    theirs = PymilvusBM25(en, fitted)
    assert sorted(ours.vocabulary) == sorted(theirs.idf) and ours.avgdl == pytest.approx(theirs.avgdl)
    np.testing.assert_allclose(ours.idf, [theirs.idf[t][0] for t in ours.vocabulary], rtol=1e-12)
    for texts in (fitted, unseen):
        np.testing.assert_allclose(
            ours.encode_documents(texts).toarray(), _aligned(ours, theirs, theirs.encode_documents(texts)), atol=1e-6
        )
    queries = load_demo_corpus().queries + ["the and of", "zzz unknown words", "cipher cipher cipher"]
    np.testing.assert_allclose(
        ours.encode_queries(queries).toarray(), _aligned(ours, theirs, theirs.encode_queries(queries)), atol=1e-6
    )
    # Columns come in order of first appearance, as in pymilvus-model, so even raw vectors agree.
    assert ours.vocabulary == list(theirs.idf)


def test_any_callable_analyzer_matches_pymilvus_model(blog_docs):
    ours = BM25EmbeddingFunction(str.split, blog_docs, k1=1.2, b=0.5, epsilon=0.1)
    theirs = PymilvusBM25(str.split, blog_docs, k1=1.2, b=0.5, epsilon=0.1)
    assert ours.vocabulary == list(theirs.idf)
    texts = blog_docs + ["Turing Turing in London", ""]
    np.testing.assert_allclose(ours.encode_documents(texts).toarray(), theirs.encode_documents(texts).toarray(), atol=1e-6)


def test_scores_equal_rank_bm25(en, demo_texts):
    ef = BM25EmbeddingFunction(en, demo_texts)
    reference = BM25Okapi([en(text) for text in demo_texts])
    docs = ef.encode_documents(demo_texts)
    for query in load_demo_corpus().queries[:12]:
        ours = (ef.encode_queries([query]) @ docs.T).toarray()[0]
        theirs = reference.get_scores(en(query))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
        top = np.argsort(-theirs, kind="stable")[:10]
        assert set(np.argsort(-ours, kind="stable")[:10]) == set(top) or np.allclose(ours[top], theirs[top], atol=1e-5)


def test_fit_keeps_counts_only_for_the_same_texts(en, blog_docs):
    ef = BM25EmbeddingFunction(en, blog_docs)
    reference = PymilvusBM25(en, blog_docs).encode_documents
    changed = list(blog_docs)
    changed[0] = "Turing born in London, London, London"  # same length, other text: analysed afresh
    for texts in (blog_docs, changed, blog_docs[::-1]):
        np.testing.assert_allclose(ef.encode_documents(texts).toarray(), reference(texts).toarray(), atol=1e-6)
    ef.k1 = 0.9  # parameters changed after fit apply to the kept counts too
    fresh = BM25EmbeddingFunction(en, blog_docs, k1=0.9)
    np.testing.assert_array_equal(ef.encode_documents(blog_docs).toarray(), fresh.encode_documents(blog_docs).toarray())


def test_term_contributions_add_up_to_scores(en, demo_texts):
    ef = BM25EmbeddingFunction(en, demo_texts)
    query = "Who broke the Enigma cipher at Bletchley Park? xyzzy"
    explained = ef.term_contributions(query, demo_texts[:30])
    assert explained.terms == list(dict.fromkeys(en(query)))
    assert explained.in_vocabulary.tolist() == [t in ef.vocabulary for t in explained.terms]
    assert not explained.in_vocabulary[explained.terms.index("xyzzi")]
    scores = (ef.encode_queries([query]) @ ef.encode_documents(demo_texts[:30]).T).toarray()[0]
    np.testing.assert_allclose(explained.scores, scores, rtol=1e-5)
    np.testing.assert_allclose(explained.contributions, explained.document_weights * explained.query_weights)


def test_decode_lists_heaviest_terms_first(blog_ef):
    row = blog_ef.decode(blog_ef.encode_queries(["Turing born born"]))[0]
    assert list(row) == ["born", "ture"] and row["born"] == pytest.approx(2 * blog_ef.idf[blog_ef.vocabulary.index("born")])
    with pytest.raises(ValueError, match="columns"):
        blog_ef.decode(csr_array((1, 5)))


def test_empty_and_unknown_inputs_give_zero_rows(blog_ef):
    queries = blog_ef.encode_queries(["the was in", "quantum chromodynamics", ""])
    assert queries.shape == (3, blog_ef.dim) and queries.nnz == 0
    docs = blog_ef.encode_documents(["", "Turing", "   "])
    assert docs.shape == (3, blog_ef.dim) and docs[[0, 2]].nnz == 0 and docs[[1]].nnz == 1
    assert blog_ef.encode_documents([]).shape == (0, blog_ef.dim)
    assert blog_ef.encode_queries([]).shape == (0, blog_ef.dim)


def test_empty_documents_count_in_the_corpus(en):
    ef = BM25EmbeddingFunction(en, ["cats purr", "", "dogs bark"])
    assert ef.corpus_size == 3 and ef.avgdl == pytest.approx(4 / 3)


def test_bad_input_gets_clear_errors(en, blog_ef):
    with pytest.raises(ValueError, match="at least one document"):
        BM25EmbeddingFunction(en, [])
    with pytest.raises(ValueError, match="no terms"):
        BM25EmbeddingFunction(en, ["the", "", "was it"])
    with pytest.raises(NotFittedError, match=r"fit\(corpus\) or load\(path\)"):
        BM25EmbeddingFunction(en).encode_documents(["text"])
    with pytest.raises(NotFittedError):
        BM25EmbeddingFunction(en).encode_queries(["text"])
    with pytest.raises(TypeError, match="item 1 is int"):
        blog_ef.encode_documents(["fine", 3])
    with pytest.raises(TypeError, match="single string"):
        blog_ef.encode_queries("Where was Turing born?")
    with pytest.raises(TypeError, match="corpus"):
        BM25EmbeddingFunction(en, ["ok", None])
    with pytest.raises(ValueError, match="encode_documents"):
        blog_ef(["text"])
    with pytest.raises(ValueError, match="b must be between 0 and 1"):
        BM25EmbeddingFunction(en, b=1.5)
    with pytest.raises(TypeError, match="k1 must be a finite number"):
        BM25EmbeddingFunction(en, k1="1.5")
    with pytest.raises(TypeError, match="analyzer must be a callable"):
        BM25EmbeddingFunction("en")


def test_failed_fit_keeps_the_previous_state(blog_ef, blog_docs):
    before = blog_ef.encode_documents(blog_docs).toarray()
    with pytest.raises(TypeError):
        blog_ef.fit(["new words here", 42])
    with pytest.raises(ValueError):
        blog_ef.fit(["the"])
    np.testing.assert_array_equal(blog_ef.encode_documents(blog_docs).toarray(), before)


def test_progress_bar_and_blocks_give_the_same_vectors(en, demo_texts, monkeypatch):
    import helpers.model.sparse.bm25 as bm25_module

    whole = BM25EmbeddingFunction(en, demo_texts).encode_documents(demo_texts[::-1]).toarray()
    monkeypatch.setattr(bm25_module, "_BLOCK", 7)  # many blocks, growing vocabulary between them
    blocked = BM25EmbeddingFunction(en, demo_texts, show_progress=True)
    np.testing.assert_array_equal(blocked.encode_documents(demo_texts[::-1]).toarray(), whole)


def test_importing_sparse_loads_no_torch(run_python):
    code = "import sys, helpers.model.sparse, helpers.model.sparse.bm25; print('torch' in sys.modules)"
    result = run_python(code, check=True)
    assert result.stdout.strip() == "False"
