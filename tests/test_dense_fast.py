"""The fast dense paths (backend="onnx", precision="bfloat16" / "int8" / "auto") against plain float32 sentence-transformers."""

import numpy as np
import pytest

from helpers.embedding_cache import cache_path
from helpers.model.dense import BACKENDS, PRECISIONS, SentenceTransformerEmbeddingFunction, native_bfloat16
from helpers.model.onnx_encoder import OnnxSentenceEncoder, onnx_available

TEXTS = [
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
    "0-dimensional biomaterials show inductive properties.",
    "Microstructural development of human newborn cerebral white matter assessed in vivo by diffusion tensor "
    "magnetic resonance imaging. Alterations of the architecture of cerebral white matter in the developing "
    "human brain can affect cortical development and result in functional disabilities.",
]


@pytest.fixture(scope="module")
def bf16(minilm):
    return SentenceTransformerEmbeddingFunction(precision="bfloat16")


def test_default_stays_plain_float32(minilm):
    ef = SentenceTransformerEmbeddingFunction()
    assert ef.precision == "float32" and ef.backend == "torch" and ef.model is minilm
    np.testing.assert_allclose(np.stack(ef.encode_documents(TEXTS)), minilm.encode(TEXTS, normalize_embeddings=True), atol=1e-6)


def test_bfloat16_is_close_to_float32_and_returns_unit_float32_vectors(bf16, minilm):
    import torch

    ours = np.stack(bf16.encode_documents(TEXTS))
    reference = minilm.encode(TEXTS, normalize_embeddings=True)
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)  # normalized after widening
    assert (ours * reference).sum(axis=1).min() >= 0.995
    assert next(bf16.model.parameters()).dtype == torch.bfloat16
    assert next(minilm.parameters()).dtype == torch.float32  # the shared float32 model is untouched


def test_bfloat16_queries_rank_like_float32(bf16, minilm):
    query = bf16.encode_queries(["Where was Turing born?"])[0]
    documents = np.stack(bf16.encode_documents(TEXTS))
    reference = minilm.encode(TEXTS, normalize_embeddings=True) @ minilm.encode("Where was Turing born?")
    assert np.argmax(documents @ query) == np.argmax(reference) == 2


def test_bfloat16_model_is_cached_once_per_process(bf16):
    assert SentenceTransformerEmbeddingFunction(precision="bfloat16").model is bf16.model
    assert "precision='bfloat16'" in repr(bf16)


@pytest.fixture(scope="module")
def onnx_ef(onnx_minilm):
    return SentenceTransformerEmbeddingFunction(backend="onnx")


def test_onnx_backend_equals_plain_float32(onnx_ef, minilm):
    assert isinstance(onnx_ef.model, OnnxSentenceEncoder) and onnx_ef.precision == "float32"
    documents = np.stack(onnx_ef.encode_documents(TEXTS))
    assert documents.dtype == np.float32
    np.testing.assert_allclose(documents, minilm.encode(TEXTS, normalize_embeddings=True), atol=2e-5)
    query = onnx_ef.encode_queries(["Where was Turing born?"])[0]
    np.testing.assert_allclose(query, minilm.encode("Where was Turing born?"), atol=2e-5)
    assert onnx_ef.dim == 384 and "backend='onnx'" in repr(onnx_ef)


def test_int8_runs_on_onnx_and_ranks_like_float32(minilm):
    ef = SentenceTransformerEmbeddingFunction(precision="int8")
    assert (ef.backend, ef.precision) == ("onnx", "int8")
    assert "precision='int8'" in repr(ef)
    documents = np.stack(ef.encode_documents(TEXTS))
    reference = minilm.encode(TEXTS, normalize_embeddings=True)
    assert (documents * reference).sum(axis=1).min() >= 0.995
    assert np.argmax(documents @ ef.encode_queries(["Where was Turing born?"])[0]) == 2


def test_auto_picks_bfloat16_on_native_hardware_else_onnx(minilm, onnx_minilm):
    ef = SentenceTransformerEmbeddingFunction(precision="auto")
    if native_bfloat16():
        expected = ("torch", "bfloat16")
    else:
        expected = ("onnx", "float32") if onnx_available(export=True) else ("torch", "float32")
    assert (ef.backend, ef.precision) == expected
    assert SentenceTransformerEmbeddingFunction(precision="auto", backend="torch").backend == "torch"
    assert SentenceTransformerEmbeddingFunction(precision="auto", backend="onnx").backend == "onnx"


def test_default_backend_is_torch_float32(minilm):
    ef = SentenceTransformerEmbeddingFunction()
    assert (ef.backend, ef.precision) == ("torch", "float32") and ef.model is minilm


def test_bad_precision_names_the_choices():
    with pytest.raises(ValueError, match="precision must be one of 'float32', 'bfloat16', 'int8', 'auto'"):
        SentenceTransformerEmbeddingFunction(precision="int4")
    assert PRECISIONS == ("float32", "bfloat16", "int8", "auto") and BACKENDS == ("torch", "onnx")


def test_bad_backend_and_combinations_name_the_choices():
    with pytest.raises(ValueError, match="backend must be one of 'torch', 'onnx' or None"):
        SentenceTransformerEmbeddingFunction(backend="openvino")
    with pytest.raises(ValueError, match="precision='int8' is not available with backend='torch'; it offers 'float32', 'bfloat16'"):
        SentenceTransformerEmbeddingFunction(backend="torch", precision="int8")
    with pytest.raises(ValueError, match="precision='bfloat16' is not available with backend='onnx'"):
        SentenceTransformerEmbeddingFunction(backend="onnx", precision="bfloat16")
    with pytest.raises(ValueError, match="runs on the CPU only"):
        SentenceTransformerEmbeddingFunction(backend="onnx", device="cuda")


def test_embedding_cache_keeps_precisions_apart(bf16, tmp_path):
    fp32 = SentenceTransformerEmbeddingFunction()
    assert "-bfloat16-" in cache_path(bf16, TEXTS, tmp_path).name
    assert cache_path(bf16, TEXTS, tmp_path) != cache_path(fp32, TEXTS, tmp_path)


def test_embedding_cache_keeps_backends_apart(onnx_ef, tmp_path):
    torch_path = cache_path(SentenceTransformerEmbeddingFunction(), TEXTS, tmp_path)
    assert "-onnx-float32-" in cache_path(onnx_ef, TEXTS, tmp_path).name
    assert cache_path(onnx_ef, TEXTS, tmp_path) != torch_path
    assert cache_path(SentenceTransformerEmbeddingFunction(precision="int8"), TEXTS, tmp_path) != cache_path(onnx_ef, TEXTS, tmp_path)
