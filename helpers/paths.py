"""Where files go: the one place that turns environment variables into folders.

Every cache of the package lives below one root, chosen in this order:

1. a ``folder`` the caller passes;
2. ``$RETRIEVAL_CACHE`` (its ``onnx/`` subfolder for ONNX exports);
3. ``<user cache>/retrieval-tutorial/<kind>``, the user cache being ``$XDG_CACHE_HOME`` or ``~/.cache``.

Examples
--------
>>> cache_dir("work/embeddings")
PosixPath('work/embeddings')
>>> env_dir("UNSET_VARIABLE", "/tmp/default", sub="onnx")  # sub applies to the variable's folder only
PosixPath('/tmp/default')
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir", "env_dir", "user_cache_dir"]

CACHE_ENV = "RETRIEVAL_CACHE"


def user_cache_dir(name: str) -> Path:
    """``<user cache>/retrieval-tutorial/<name>``: the user cache is ``$XDG_CACHE_HOME``, else ``~/.cache``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "retrieval-tutorial" / name


def env_dir(variable: str, default: str | Path, sub: str = "") -> Path:
    """The folder ``$variable`` (its ``sub`` folder when given) when the variable is set and not empty, else ``default``.

    Parameters
    ----------
    variable : str
        An environment variable naming a folder, e.g. ``"RETRIEVAL_CACHE"`` or ``"RETRIEVAL_DATA"``.
    default : str or Path
        The folder to use when the variable is unset.
    sub : str
        A subfolder of the variable's folder (not of ``default``).

    Returns
    -------
    Path
        With ``~`` expanded.
    """
    value = os.environ.get(variable)
    return (Path(value) / sub if value else Path(default)).expanduser()


def cache_dir(folder: str | Path | None = None, sub: str = "") -> Path:
    """A cache folder: ``folder``, else ``$RETRIEVAL_CACHE/<sub>``, else ``<user cache>/retrieval-tutorial/<sub or "embeddings">``.

    Parameters
    ----------
    folder : str or Path, optional
        The caller's choice, used as it is (``~`` expanded).
    sub : str
        The kind of file: ``""`` for embeddings and other arrays, ``"onnx"`` for exported models.

    Returns
    -------
    Path
        The folder; it may not exist yet.
    """
    if folder is not None:
        return Path(folder).expanduser()
    return env_dir(CACHE_ENV, user_cache_dir(sub or "embeddings"), sub)
