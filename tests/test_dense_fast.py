"""The fast dense path (precision="bfloat16" / "auto") against plain float32 sentence-transformers."""

import numpy as np
import pytest

from helpers.embedding_cache import cache_path
from helpers.model.dense import PRECISIONS, SentenceTransformerEmbeddingFunction, native_bfloat16

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
def bf16():
    return SentenceTransformerEmbeddingFunction(precision="bfloat16")


def test_default_stays_plain_float32(minilm):
    ef = SentenceTransformerEmbeddingFunction()
    assert ef.precision == "float32" and ef.model is minilm
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


def test_auto_picks_bfloat16_only_on_native_hardware():
    ef = SentenceTransformerEmbeddingFunction(precision="auto")
    assert ef.precision == ("bfloat16" if native_bfloat16() else "float32")


def test_bad_precision_names_the_choices():
    with pytest.raises(ValueError, match="precision must be one of 'float32', 'bfloat16', 'auto'"):
        SentenceTransformerEmbeddingFunction(precision="int4")
    assert PRECISIONS == ("float32", "bfloat16", "auto")


def test_embedding_cache_keeps_precisions_apart(bf16, tmp_path):
    fp32 = SentenceTransformerEmbeddingFunction()
    assert "-bfloat16-" in cache_path(bf16, TEXTS, tmp_path).name
    assert cache_path(bf16, TEXTS, tmp_path) != cache_path(fp32, TEXTS, tmp_path)
