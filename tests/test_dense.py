
import numpy as np
import pytest

from helpers import model
from helpers.model.dense import DefaultEmbeddingFunction, SentenceTransformerEmbeddingFunction


@pytest.fixture(scope="module")
def ef():
    return DefaultEmbeddingFunction()


def test_blog_import_paths_give_the_same_classes():
    assert model.DefaultEmbeddingFunction is DefaultEmbeddingFunction
    assert model.dense.SentenceTransformerEmbeddingFunction is SentenceTransformerEmbeddingFunction


def test_documents_equal_plain_sentence_transformers(ef, minilm, blog_docs):
    ours = np.stack(ef.encode_documents(blog_docs))
    plain = minilm.encode(blog_docs, normalize_embeddings=True)
    assert ours.dtype == np.float32 and ours.shape == (3, 384)
    np.testing.assert_allclose(ours, plain, atol=1e-6)


def test_blog_numbers(ef, blog_docs):
    # The blog prints the first document's embedding starting with these values.
    first = ef.encode_documents(blog_docs)[0]
    np.testing.assert_allclose(first[:2], [-3.09392996e-02, -1.80662833e-02], atol=1e-6)
    assert ef.dim == 384


def test_queries_use_the_query_instruction(minilm):
    ef = SentenceTransformerEmbeddingFunction(query_instruction="query: ", doc_instruction="passage: ")
    q = ef.encode_queries(["who was Turing"])[0]
    d = ef.encode_documents(["who was Turing"])[0]
    np.testing.assert_allclose(q, minilm.encode("query: who was Turing", normalize_embeddings=True), atol=1e-6)
    np.testing.assert_allclose(d, minilm.encode("passage: who was Turing", normalize_embeddings=True), atol=1e-6)


def test_call_encodes_as_documents(ef, blog_docs):
    np.testing.assert_array_equal(np.stack(ef(blog_docs)), np.stack(ef.encode_documents(blog_docs)))


def test_unit_norm_when_normalizing_and_raw_otherwise(ef, minilm, blog_docs):
    norms = np.linalg.norm(np.stack(ef.encode_documents(blog_docs)), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    raw = SentenceTransformerEmbeddingFunction(normalize_embeddings=False).encode_documents(blog_docs)
    np.testing.assert_allclose(np.stack(raw), minilm.encode(blog_docs), atol=1e-6)


def test_batch_size_does_not_change_results(blog_docs, minilm):
    texts = blog_docs * 3 + ["a much longer sentence " * 20]
    one = np.stack(SentenceTransformerEmbeddingFunction(batch_size=1).encode_documents(texts))
    many = np.stack(SentenceTransformerEmbeddingFunction(batch_size=64).encode_documents(texts))
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_model_is_loaded_once_per_process(minilm):
    assert DefaultEmbeddingFunction().model is SentenceTransformerEmbeddingFunction("all-MiniLM-L6-v2").model


def test_accepts_a_path_to_a_local_model(minilm):
    from pathlib import Path

    from helpers.loading import bundled_model_path

    by_path = SentenceTransformerEmbeddingFunction(Path(bundled_model_path()))
    by_str = SentenceTransformerEmbeddingFunction(str(bundled_model_path()))
    assert by_path.model is by_str.model
    assert by_path.dim == 384


def test_empty_list_gives_empty_result(ef):
    assert ef.encode_documents([]) == []
    assert ef.encode_queries([]) == []


@pytest.mark.parametrize("bad", [["ok", 3], [None], "a single string"])
def test_non_strings_are_a_type_error_that_says_what_was_expected(ef, bad):
    with pytest.raises(TypeError, match="list of strings"):
        ef.encode_documents(bad)


def test_bad_batch_size_is_rejected():
    with pytest.raises(ValueError, match="positive integer"):
        SentenceTransformerEmbeddingFunction(batch_size=0)


def test_import_does_not_load_torch(run_python):
    code = "import sys, helpers, helpers.model, helpers.model.dense, helpers.fusion; print('torch' in sys.modules)"
    out = run_python(code, check=True)
    assert out.stdout.strip() == "False"


NO_NETWORK = """
import os, socket
os.environ["HF_HUB_OFFLINE"] = "1"
def refuse(*args, **kwargs):
    raise OSError("network unreachable (blocked by the test)")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from helpers import model
ef = model.DefaultEmbeddingFunction()
v = ef.encode_queries(["Where was Turing born?"])[0]
print(v.shape[0], round(float(v @ v), 4))
"""


def test_works_offline_with_the_network_unreachable(run_python):
    out = run_python(NO_NETWORK)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["384", "1.0"]


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_invalid_unicode_is_named_on_both_backends(minilm, onnx_minilm, backend):
    from helpers.validation import InvalidTextError, check_texts

    ef = SentenceTransformerEmbeddingFunction(backend=backend)
    with pytest.raises(InvalidTextError, match=r"documents\[1\] has a lone surrogate '\\ud800' at character 4"):
        ef.encode_documents(["ok", "bad \ud800 emoji"])  # before: the tokenizer's TypeError, no index
    with pytest.raises(InvalidTextError, match=r"queries\[0\]"):
        ef.encode_queries(["\udfff"])
    assert ef.encode_documents(check_texts(["bad \ud800 emoji"], errors="replace"))[0].shape == (384,)
