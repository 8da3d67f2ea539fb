"""SpladeEmbeddingFunction against pymilvus-model's on the same model, and its handling of bad input."""

import warnings

import numpy as np
import pytest

from helpers.model.sparse import SpladeEmbeddingFunction, TruncationWarning

# Longer than 512 word pieces, so both implementations cut it.
LONG = " ".join(f"Turing machine number {i} computes the {i}th digit of pi." for i in range(80))
QUERIES = ["who founded artificial intelligence?", "Where was Turing born", "computing machinery"]


def test_documents_equal_pymilvus_model(splade, pymilvus_splade, blog_docs):
    docs = blog_docs + ["A short one.", LONG]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        ours = splade.encode_documents(docs)
    ref = pymilvus_splade.encode_documents(docs)
    assert ours.shape == ref.shape == (5, 30522) == (len(docs), splade.dim)
    assert splade.dim == pymilvus_splade.dim
    np.testing.assert_allclose(ours.toarray(), ref.toarray(), atol=1e-5, rtol=0)
    assert ours.nnz > 5 * 20  # real expansions, not a trivially empty result


def test_queries_and_top_k_equal_pymilvus_model(splade, pymilvus_splade):
    ours = SpladeEmbeddingFunction(k_tokens_query=8, k_tokens_document=16, query_instruction="q: ")
    pymilvus_splade.k_tokens_query, pymilvus_splade.query_instruction = 8, "q: "
    try:
        ref = pymilvus_splade.encode_queries(QUERIES)
    finally:
        pymilvus_splade.k_tokens_query, pymilvus_splade.query_instruction = None, ""
    got = ours.encode_queries(QUERIES)
    np.testing.assert_allclose(got.toarray(), ref.toarray(), atol=1e-5, rtol=0)
    assert np.diff(got.indptr).tolist() == [8, 8, 8]
    assert ours.model is splade.model  # one cached model, however many functions use it


def test_a_vector_does_not_depend_on_its_batch(splade, blog_docs):
    docs = blog_docs + ["AI.", "A much longer document about the history of computing machinery and its people."]
    alone = SpladeEmbeddingFunction(batch_size=1).encode_documents(docs)
    np.testing.assert_allclose(splade.encode_documents(docs).toarray(), alone.toarray(), atol=1e-5, rtol=0)


def test_expansion_gives_weight_to_words_not_in_the_text(splade):
    terms = splade.decode(splade.encode_queries(["Alan Turing"]), top=20)[0]
    assert list(terms)[:2] == sorted(["alan", "turing"], key=lambda t: -terms[t])
    assert set(terms) - {"alan", "turing"}  # expansion terms
    assert list(terms.values()) == sorted(terms.values(), reverse=True)


def test_empty_list_and_empty_strings(splade):
    assert splade.encode_documents([]).shape == (0, splade.dim)
    rows = splade.encode_documents(["", "Turing", "   "])
    assert np.diff(rows.indptr).tolist()[0] == 0 and np.diff(rows.indptr).tolist()[2] == 0
    np.testing.assert_allclose(rows[[1]].toarray(), splade.encode_documents(["Turing"]).toarray(), atol=1e-6)


@pytest.mark.parametrize("bad", ["a single string", [1, "two"], [None], 42])
def test_non_strings_are_refused_with_the_fix(splade, bad):
    with pytest.raises(TypeError, match="list of strings"):
        splade.encode_queries(bad)


def test_long_text_is_cut_with_a_warning(splade):
    with pytest.warns(TruncationWarning, match="longer than 512 tokens"):
        splade.encode_documents(["short", LONG])
    cut = SpladeEmbeddingFunction(max_length=16)
    with pytest.warns(TruncationWarning, match="split long documents into passages"):
        first16 = cut.encode_documents([LONG])
    ids = splade.tokenizer(LONG, truncation=True, max_length=16)["input_ids"]
    same = splade.encode_documents([splade.tokenizer.decode(ids[1:-1])])
    np.testing.assert_allclose(first16.toarray(), same.toarray(), atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"batch_size": True}, "batch_size must be an integer, got bool"),
        ({"k_tokens_document": -1}, "k_tokens_document must be at least 1 .*; or None to keep every weight"),
        ({"precision": "int8"}, "precision must be one of 'float32', 'bfloat16'"),
        ({"max_length": 4096}, "max_length must be an integer from 3 to 512"),
    ],
)
def test_bad_settings_name_the_fix(splade, kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpladeEmbeddingFunction(**kwargs)


def test_bfloat16_is_close_but_not_equal(splade, blog_docs):
    fp32 = splade.encode_documents(blog_docs).toarray()
    bf16 = SpladeEmbeddingFunction(precision="bfloat16").encode_documents(blog_docs).toarray()
    cosine = (fp32 * bf16).sum(1) / np.linalg.norm(fp32, axis=1) / np.linalg.norm(bf16, axis=1)
    assert cosine.min() > 0.99
    assert np.abs(fp32 - bf16).max() > 1e-4  # why it is opt-in
