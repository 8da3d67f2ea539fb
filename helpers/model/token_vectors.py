"""Sentence vectors and unit token vectors of texts from one forward pass, whichever runtime runs the model.

all-MiniLM-L6-v2's sentence vector is the (normalized) mean of its token vectors, and MaxSim
(:mod:`helpers.model.reranker.maxsim`) scores those token vectors. So one forward pass serves
both the dense function and the reranker: :func:`encode_with_tokens` gives both, for a
sentence-transformers model on torch or an ONNX Runtime encoder
(:class:`~helpers.model.onnx_encoder.OnnxSentenceEncoder`, which has its own
``encode_with_tokens``). Token vectors are always unit length, without [CLS] and [SEP]: they
carry no word of the text and match every document alike. :func:`unit_token_vectors` is the
one place that strips and normalizes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["encode_with_tokens", "unit_rows", "unit_token_vectors"]


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` (``n x dim``) with every row scaled to unit length; all-zero rows stay zero."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def unit_token_vectors(token_embeddings: Any) -> np.ndarray:
    """A text's token embeddings (torch tensor or numpy, [CLS] first and [SEP] last) as unit float32 rows without them."""
    tokens = token_embeddings[1:-1]
    if not isinstance(tokens, np.ndarray):  # a torch tensor, possibly bfloat16
        tokens = tokens.float().cpu().numpy()
    return unit_rows(tokens.astype(np.float32, copy=False))


def encode_with_tokens(model: Any, texts: Sequence[str], batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sentence vectors and unit token vectors of ``texts`` from one forward pass.

    Parameters
    ----------
    model : SentenceTransformer or OnnxSentenceEncoder
        The encoder. Texts are truncated at its ``max_seq_length``.
    texts : sequence of str
        The texts, already validated.
    batch_size : int
        Texts per forward pass; it does not change the results.

    Returns
    -------
    sentences : ndarray of shape (len(texts), dim), float32
        What ``model.encode(texts)`` gives (unit length when the model ends in a Normalize module).
    tokens : list of ndarray
        One ``(word pieces, dim)`` float32 array of unit rows per text, without [CLS] and [SEP].
    """
    texts = list(texts)
    if hasattr(model, "encode_with_tokens"):  # the ONNX Runtime encoder
        return model.encode_with_tokens(texts, batch_size=batch_size)
    if not texts:
        return np.zeros((0, model.get_embedding_dimension()), dtype=np.float32), []
    outputs = [_forward_one(model, texts[0])] if len(texts) == 1 else model.encode(
        texts, output_value=None, batch_size=batch_size, show_progress_bar=False
    )
    sentences = np.stack([out["sentence_embedding"].float().cpu().numpy() for out in outputs])
    tokens = [unit_token_vectors(out["token_embeddings"][: int(out["attention_mask"].sum())]) for out in outputs]
    return sentences.astype(np.float32, copy=False), tokens


def _forward_one(model: Any, text: str) -> dict[str, Any]:
    """One text through a SentenceTransformer, called directly rather than through ``encode()``.

    ``encode()`` walks every module to set evaluation mode and every parameter to find the
    device on each call: for one short query that bookkeeping cost as much as the forward
    pass itself (the explorer's search runs one query at a time).
    """
    import torch

    if model.training:
        model.eval()  # no dropout
    device = model.device
    features = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in model.preprocess([text]).items()}
    with torch.inference_mode():
        out = model(features)
    return {key: out[key][0] for key in ("sentence_embedding", "token_embeddings", "attention_mask")}
