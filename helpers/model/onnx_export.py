"""The one-time ONNX export of a sentence-transformers model, and where the exported file is cached.

A model's transformer is exported once with torch, optimized with ONNX Runtime's transformer
fusions (one ``Attention`` node per layer, fused LayerNorm, GELU and embeddings) and, for
``"int8"``, its feed-forward up-projections are quantized. Running the file needs none of this:
:mod:`helpers.model.onnx_encoder` encodes with ONNX Runtime alone. Importing this module does not
import torch either; only :func:`export_onnx` does, when it runs.

Where the exported files go: the ``folder`` argument, else ``$RETRIEVAL_CACHE/onnx``, else
``<user cache>/retrieval-tutorial/onnx`` (:func:`helpers.paths.cache_dir`). A file is named after
the model and a key that changes with the model's files (their SHA-256), the export recipe and
the versions of torch, transformers, onnx and onnxruntime, so a stale export is never used::

    ~/.cache/retrieval-tutorial/onnx/all-MiniLM-L6-v2-float32-0c4e1f2a9b3d5e67.onnx

Writes are atomic (a temporary folder beside the destination, then
:func:`helpers.atomic.replace_atomic`): two processes that export at once both end with a
complete file, and a failed export leaves the old file and no debris.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

from helpers.atomic import replace_atomic
from helpers.loading import quiet_weight_loading
from helpers.paths import cache_dir

__all__ = ["ONNX_PRECISIONS", "EXPORT_RECIPES", "check_precision", "onnx_cache_dir", "exported_model_path", "export_onnx"]

ONNX_PRECISIONS = ("float32", "int8")
# Bump a precision's number whenever export_onnx changes what it writes for it: old files are then ignored.
EXPORT_RECIPES = {"float32": 1, "int8": 2}
_OPSET = 17
_VERSIONED = ("torch", "transformers", "onnx", "onnxruntime")
_WEIGHT_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")
_GELU_OPS = {"BiasGelu", "Gelu", "FastGelu"}


def check_precision(precision: str) -> None:
    """Raise ``ValueError`` naming the choices unless ``precision`` is one of :data:`ONNX_PRECISIONS`."""
    if precision not in ONNX_PRECISIONS:
        raise ValueError(f"ONNX precision must be one of {', '.join(map(repr, ONNX_PRECISIONS))}; got {precision!r}")


def onnx_cache_dir(folder: str | Path | None = None) -> Path:
    """Folder of exported models: ``folder``, else ``$RETRIEVAL_CACHE/onnx``, else ``<user cache>/retrieval-tutorial/onnx``."""
    return cache_dir(folder, sub="onnx")


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
    check_precision(precision)
    model_dir = Path(model_dir)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", model_dir.name if model_dir.name != "model" else model_dir.parent.name)
    return onnx_cache_dir(folder) / f"{name}-{precision}-{_export_key(model_dir, precision)}.onnx"


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
    check_precision(precision)
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
    os.replace(quantized, path)  # both in the export's temporary folder: the destination is replaced atomically later
