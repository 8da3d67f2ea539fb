"""CrossEncoderRerankFunction on a tiny cross-encoder built here, against CrossEncoder.predict."""

import shutil

import numpy as np
import pytest

from helpers.loading import ModelNotAvailable, bundled_model_path
from helpers.model.reranker import CrossEncoderRerankFunction

QUERY = "Who coined the term artificial intelligence?"
DOCS = [
    "John McCarthy coined the term artificial intelligence in 1955.",
    "Bananas are rich in potassium.",
    "The Dartmouth workshop took place in the summer of 1956.",
    "",
]


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A randomly initialised two-layer BERT with one output label and MiniLM's tokenizer, saved locally."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(bundled_model_path() / name, folder / name)
    torch.manual_seed(123)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_scores_equal_cross_encoder_predict(tiny_cross_encoder):
    from sentence_transformers import CrossEncoder

    rf = CrossEncoderRerankFunction(tiny_cross_encoder, batch_size=2)
    expected = CrossEncoder(str(tiny_cross_encoder), device="cpu").predict([(QUERY, d) for d in DOCS])
    results = rf(QUERY, DOCS, top_k=len(DOCS))
    assert [r.index for r in results] == list(np.argsort(-expected, kind="stable"))
    np.testing.assert_allclose([r.score for r in results], np.sort(expected)[::-1], rtol=1e-5)
    for r in results:
        assert type(r.score) is float and r.text == DOCS[r.index]


def test_activation_is_applied_per_call(tiny_cross_encoder):
    import torch

    raw = CrossEncoderRerankFunction(tiny_cross_encoder, activation_fct=torch.nn.Identity())
    default = CrossEncoderRerankFunction(tiny_cross_encoder)  # sigmoid for one label
    assert raw.model is default.model  # one load serves both
    logits = {r.index: r.score for r in raw(QUERY, DOCS, top_k=4)}
    probabilities = {r.index: r.score for r in default(QUERY, DOCS, top_k=4)}
    for index, logit in logits.items():
        assert probabilities[index] == pytest.approx(1 / (1 + np.exp(-logit)), rel=1e-5)


def test_top_k_and_empty_input(tiny_cross_encoder):
    rf = CrossEncoderRerankFunction(tiny_cross_encoder)
    assert len(rf(QUERY, DOCS, top_k=2)) == 2
    assert len(rf(QUERY, DOCS, top_k=99)) == len(DOCS)
    assert rf(QUERY, [], top_k=3) == []
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        rf(QUERY, DOCS, top_k=0)
    with pytest.raises(TypeError, match="query must be a string"):
        rf(123, DOCS)


def test_missing_model_offline_points_to_maxsim(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailable) as error:
        CrossEncoderRerankFunction("cross-encoder/no-such-model-for-tests")
    message = str(error.value)
    assert "cross-encoder" in message and "no-such-model-for-tests" in message
    assert "MaxSimRerankFunction" in message


def test_repr(tiny_cross_encoder):
    rf = CrossEncoderRerankFunction(tiny_cross_encoder, batch_size=8)
    assert repr(rf).startswith("CrossEncoderRerankFunction(model_name=") and "batch_size=8" in repr(rf)
