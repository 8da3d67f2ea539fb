"""MaxSimRerankFunction against a plain sentence-transformers + numpy reference."""

import os

import numpy as np
import pytest

from helpers import blog
from helpers.model import RerankResult
from helpers.model.reranker import MaxSimRerankFunction
from helpers.model.reranker import maxsim as maxsim_module
from helpers.model.reranker.maxsim import _TokenCache

QUERY, DOCS = blog.RERANK_QUERY, blog.documents(example=3)  # the blog's example 3


@pytest.fixture(scope="module")
def rf(minilm):
    return MaxSimRerankFunction()


def reference_scores(model, query, documents):
    """MaxSim written out plainly: one document at a time, straight from sentence-transformers."""
    query_tokens, *doc_tokens = model.encode([query, *documents], output_value="token_embeddings")

    def unit(tokens):  # drop [CLS] and [SEP], scale every token vector to length 1
        tokens = tokens[1:-1].numpy()
        return tokens / np.linalg.norm(tokens, axis=1, keepdims=True)

    q = unit(query_tokens)
    return np.array([(q @ unit(d).T).max(axis=1).mean() for d in doc_tokens])


def test_scores_match_plain_reference(rf, minilm):
    expected = reference_scores(minilm, QUERY, DOCS)
    results = rf(QUERY, DOCS, top_k=len(DOCS))
    got = np.array([r.score for r in sorted(results, key=lambda r: r.index)])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_blog_example_puts_dartmouth_first(rf):
    results = rf(QUERY, DOCS, top_k=3)
    assert len(results) == 3
    assert results[0].index == 1 and "Dartmouth" in results[0].text


def test_results_have_pymilvus_shape(rf):
    results = rf(QUERY, DOCS, top_k=4)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert sorted(r.index for r in results) == [0, 1, 2, 3]
    for r in results:
        assert isinstance(r, RerankResult) and type(r.score) is float and type(r.index) is int
        assert r.text == DOCS[r.index]
        assert r.to_dict() == {"text": DOCS[r.index], "score": r.score, "index": r.index}


def test_shares_the_model_with_the_dense_functions(rf, minilm):
    from helpers.model.dense import DefaultEmbeddingFunction

    assert rf.model is minilm is DefaultEmbeddingFunction().model


def test_scores_do_not_depend_on_batch_size_or_block_size(rf, monkeypatch):
    docs = DOCS + ["A short one.", "", "Dartmouth 1956", DOCS[1]]
    expected = rf.score(QUERY, docs)
    small = MaxSimRerankFunction(batch_size=1, cache_mb=0)
    monkeypatch.setattr(maxsim_module, "_DOCS_PER_BLOCK", 3)
    np.testing.assert_allclose(small.score(QUERY, docs), expected, rtol=1e-5, atol=1e-6)


def test_duplicates_get_equal_scores_and_keep_input_order(rf):
    results = rf(QUERY, [DOCS[1], DOCS[0], DOCS[1]], top_k=3)
    assert [r.index for r in results] == [0, 2, 1]
    assert results[0].score == results[1].score


def test_empty_document_scores_zero(rf):
    results = rf(QUERY, ["", DOCS[1]], top_k=2)
    assert [(r.index, r.score) for r in results][1] == (0, 0.0)


def test_empty_documents_give_empty_result(rf):
    assert rf(QUERY, [], top_k=5) == []


@pytest.mark.parametrize("top_k", [0, -1])
def test_top_k_below_one_is_an_error(rf, top_k):
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        rf(QUERY, DOCS, top_k=top_k)


def test_top_k_larger_than_the_list_returns_all(rf):
    assert len(rf(QUERY, DOCS, top_k=50)) == len(DOCS)


@pytest.mark.parametrize("top_k", [2.0, "3", True, None])
def test_top_k_must_be_an_int(rf, top_k):
    with pytest.raises(TypeError, match="top_k must be an integer"):
        rf(QUERY, DOCS, top_k=top_k)


@pytest.mark.parametrize("query", [None, 42, ["a query"], b"bytes"])
def test_non_string_query_is_a_type_error(rf, query):
    with pytest.raises(TypeError, match="query must be a string"):
        rf(query, DOCS)


def test_documents_must_be_a_list_of_strings(rf):
    with pytest.raises(TypeError, match="wrap it in a list"):
        rf(QUERY, DOCS[0])
    with pytest.raises(TypeError, match="item 1 is int"):
        rf(QUERY, [DOCS[0], 7])


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_an_error(rf, query):
    with pytest.raises(ValueError, match="query"):
        rf(query, DOCS)


def test_long_documents_are_truncated_at_max_length(rf):
    assert rf.max_length == 256
    long_doc = " ".join(["The committee reviewed the budget of the museum."] * 60)  # ~600 word pieces
    with_answer = long_doc + " The Dartmouth Conference of 1956 founded artificial intelligence."
    scores = rf.score(QUERY, [long_doc, with_answer])
    assert scores[0] == pytest.approx(scores[1], abs=1e-6)  # the appended answer lies beyond the cut
    _, pieces, matrix = rf.token_similarities(QUERY, with_answer)
    assert len(pieces) == rf.max_length - 2 == matrix.shape[1]  # [CLS] and [SEP] take two places


def test_token_similarities_explain_the_score(rf):
    query_pieces, doc_pieces, matrix = rf.token_similarities(QUERY, DOCS[1])
    assert "dartmouth" in doc_pieces and "1956" in query_pieces
    assert matrix.shape == (len(query_pieces), len(doc_pieces))
    assert matrix.max(axis=1).mean() == pytest.approx(rf.score(QUERY, [DOCS[1]])[0], abs=1e-5)


def test_cache_reuses_document_tokens(minilm):
    rf = MaxSimRerankFunction()
    first = rf.score(QUERY, DOCS)
    misses = rf.cache_info()["misses"]
    again = rf.score("Who proposed the Turing Test?", DOCS)
    info = rf.cache_info()
    assert info["misses"] == misses and info["hits"] >= len(DOCS) and info["documents"] == len(DOCS)
    np.testing.assert_array_equal(rf.score(QUERY, DOCS), first)
    assert not np.array_equal(again, first)


def test_cache_is_bounded_and_least_recently_used():
    cache = _TokenCache(max_bytes=3 * 400)
    for name in "abc":
        cache.put(name, np.zeros((100,), np.float32))  # 400 bytes each
    cache.get("a")  # "b" is now the least recently used
    cache.put("d", np.zeros((100,), np.float32))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("d") is not None
    assert cache.nbytes == 1200
    cache.put("huge", np.zeros((1000,), np.float32))  # larger than the whole cache: not kept
    assert cache.get("huge") is None and cache.nbytes == 1200


def test_cache_off_keeps_nothing(minilm):
    rf = MaxSimRerankFunction(cache_mb=0)
    rf.score(QUERY, DOCS)
    assert rf.cache_info()["documents"] == 0


@pytest.mark.parametrize(
    "kwargs", [{"batch_size": 0}, {"cache_mb": -1}, {"batch_size": 2.5}, {"backend": "tensorflow"}, {"backend": "onnx", "device": "cuda"}]
)
def test_bad_settings_are_errors(kwargs):
    with pytest.raises(ValueError):
        MaxSimRerankFunction(**kwargs)


def test_repr_names_the_model(rf):
    assert repr(rf) == "MaxSimRerankFunction(model_name='all-MiniLM-L6-v2', cache_mb=256)"


def test_added_token_vectors_are_used_instead_of_encoding(minilm):
    rf = MaxSimRerankFunction()
    raw = [t[1:-1].numpy() * 3.0 for t in minilm.encode(DOCS, output_value="token_embeddings")]
    rf.add_documents(DOCS, raw)  # raw, unnormalized vectors are scaled to unit rows
    got = rf.score(QUERY, DOCS)
    assert rf.cache_info()["misses"] == 0
    np.testing.assert_allclose(got, reference_scores(minilm, QUERY, DOCS), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(rf.document_tokens(DOCS[:1])[0], axis=1), 1.0, rtol=1e-6)


def test_added_token_vectors_must_fit_the_model(rf):
    with pytest.raises(ValueError, match="one per document"):
        rf.add_documents(DOCS, [])
    with pytest.raises(ValueError, match=r"shape \(length, 384\)"):
        rf.add_documents(DOCS[:1], [np.ones((3, 5))])


# --- the ONNX backend: the same token vectors without torch ------------------------------


@pytest.fixture(scope="module")
def onnx_rf(onnx_minilm):
    return MaxSimRerankFunction(backend="onnx")  # exports the model on first use (with torch), then loads the file


def test_onnx_token_vectors_equal_torch(rf, onnx_rf):
    texts = [QUERY, *DOCS, "A short one.", "Dartmouth 1956", "the Turing test " * 200]  # the last one is truncated
    for torch_tokens, onnx_tokens in zip(rf._encode(texts), onnx_rf._encode(texts), strict=True):
        assert onnx_tokens.dtype == np.float32 and onnx_tokens.shape == torch_tokens.shape
        np.testing.assert_allclose(onnx_tokens, torch_tokens, atol=1e-5)


def test_onnx_scores_and_word_pieces_equal_torch(rf, onnx_rf, minilm):
    np.testing.assert_allclose(onnx_rf.score(QUERY, DOCS), reference_scores(minilm, QUERY, DOCS), atol=1e-5)
    torch_view, onnx_view = rf.token_similarities(QUERY, DOCS[1]), onnx_rf.token_similarities(QUERY, DOCS[1])
    assert onnx_view[:2] == torch_view[:2]
    np.testing.assert_allclose(onnx_view[2], torch_view[2], atol=1e-5)
    long = "the Turing test " * 200
    assert onnx_rf._word_pieces(long) == rf._word_pieces(long) and len(rf._word_pieces(long)) == rf.max_length - 2
    assert onnx_rf.max_length == rf.max_length and "backend='onnx'" in repr(onnx_rf)


def test_onnx_backend_shares_the_encoder_of_onnx_dense_functions(onnx_rf):
    from helpers.model.dense import SentenceTransformerEmbeddingFunction

    assert onnx_rf.model is SentenceTransformerEmbeddingFunction(backend="onnx").model


def test_onnx_backend_reranks_without_importing_torch(onnx_rf, run_python):
    # The fixture exported the model if it was not yet; a new process (an app's kernel) only loads the file.
    code = (
        "import sys\n"
        "from helpers.model.reranker import MaxSimRerankFunction\n"
        "rf = MaxSimRerankFunction(backend='onnx')\n"
        f"print(rf({QUERY!r}, {DOCS!r}, top_k=1)[0].index, 'torch' in sys.modules)\n"
    )
    run = run_python(code, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["1", "False"]  # the Dartmouth Conference, and torch never imported


def test_invalid_unicode_is_named_before_anything_is_encoded(rf):
    from helpers.validation import InvalidTextError

    with pytest.raises(InvalidTextError, match=r"documents\[1\] has a lone surrogate"):
        rf(QUERY, ["fine", "half \ud83d emoji"])
    with pytest.raises(InvalidTextError, match="query has a lone surrogate"):
        rf("Turing \ud800", DOCS)


def plain_maxsim(query_tokens, doc_tokens):
    """MaxSim one document at a time: mean over query tokens of the best cosine; no tokens scores 0."""
    return np.array([(query_tokens @ d.T).max(axis=1).mean() if len(d) else 0.0 for d in doc_tokens])


def random_unit_rows(rng, n, dim=8):
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("block", [1, 3, 256])
def test_token_index_equals_plain_maxsim_in_any_blocking(monkeypatch, block):
    monkeypatch.setattr(maxsim_module, "_DOCS_PER_BLOCK", block)
    rng = np.random.default_rng(0)
    docs = [random_unit_rows(rng, n) for n in (5, 0, 1, 12, 3, 0, 7)]
    query = random_unit_rows(rng, 4)
    index = maxsim_module.TokenIndex.from_tokens(docs)
    expected = plain_maxsim(query, docs)
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-6)
    subset = [6, 0, 1, 3, 3]  # any order, empty documents and repeats included
    np.testing.assert_allclose(index.scores(query, subset), expected[subset], rtol=1e-6)
    assert len(index) == len(docs) and index.scores(query, []).shape == (0,)


def test_token_index_refuses_a_query_without_tokens():
    index = maxsim_module.TokenIndex.from_tokens([np.eye(3, dtype=np.float32)])
    with pytest.raises(ValueError, match="no words to match"):
        index.scores(np.zeros((0, 3), dtype=np.float32))


@pytest.mark.parametrize("texts", [[QUERY], DOCS])  # one text takes the direct forward pass, several encode()
def test_encode_with_tokens_equals_the_separate_encodes(minilm, rf, texts):
    from helpers.model.dense import SentenceTransformerEmbeddingFunction

    ef = SentenceTransformerEmbeddingFunction()
    vectors, tokens = ef.encode_with_tokens(texts)
    np.testing.assert_allclose(vectors, np.stack(ef.encode_documents(texts)), atol=1e-6)
    separate = [t[1:-1].numpy() for t in minilm.encode(texts, output_value="token_embeddings")]
    for got, raw in zip(tokens, separate):
        np.testing.assert_allclose(got, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    assert maxsim_module.shares_encoder(ef, rf)
    assert not maxsim_module.shares_encoder(SentenceTransformerEmbeddingFunction(query_instruction="query: "), rf)


def test_onnx_encode_with_tokens_equals_its_separate_encodes(onnx_minilm):
    vectors, tokens = onnx_minilm.encode_with_tokens(DOCS)
    np.testing.assert_array_equal(vectors, onnx_minilm.encode(DOCS))
    for got, raw in zip(tokens, onnx_minilm.encode(DOCS, output_value="token_embeddings")):
        np.testing.assert_allclose(got, raw[1:-1] / np.linalg.norm(raw[1:-1], axis=1, keepdims=True), atol=1e-7)
