"""The one atomic file writer: a crash or a kill mid-write leaves the old file or the new one, never half.

The data goes to a temporary file in the destination's folder, is flushed to disk, gets its final
permissions, and then replaces the destination in one ``os.replace``. Permissions follow the usual
rule for a new file (``0o666`` minus the umask, e.g. ``0o644`` under umask 022), and an existing
file keeps its mode: overwriting a ``0o644`` file never turns it private, nor a private one public.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
>>> write_atomic(path, lambda f: f.write(b"hello")).read_bytes()
b'hello'
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["write_atomic", "replace_atomic", "save_arrays_atomic", "new_file_mode"]


def new_file_mode() -> int:
    """The mode a new file gets here: ``0o666`` minus the process's umask."""
    status = Path("/proc/self/status")
    if status.is_file():  # Linux: read the umask without changing it (os.umask is process-wide)
        for line in status.read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def replace_atomic(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Move the finished file ``source`` onto ``path`` in one step, with ``path``'s mode (or a new file's).

    ``source`` must be in the same file system as ``path`` (e.g. a temporary file in its folder).
    """
    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = new_file_mode()
    os.chmod(source, mode)
    os.replace(source, path)
    return path


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write a file atomically: ``write(f)`` fills a temporary binary file that then replaces ``path``.

    Parameters
    ----------
    path : str or PathLike
        The destination; its folder must exist.
    write : callable
        Called with the open temporary file (binary mode), e.g. ``lambda f: np.save(f, array)``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        If the folder is missing or not writable; the destination is then untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        return replace_atomic(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_arrays_atomic(path: str | os.PathLike, array: np.ndarray | None = None, **arrays: np.ndarray) -> Path:
    """``np.save(array)``, or ``np.savez(**arrays)``, to ``path`` through :func:`write_atomic`, making its folder.

    Parameters
    ----------
    path : str or PathLike
        An ``.npy`` file for one ``array``, an ``.npz`` file for named ``arrays``.
    array : ndarray, optional
        The one array to save.
    **arrays : ndarray
        Named arrays, when ``array`` is not given.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, lambda f: np.save(f, array) if array is not None else np.savez(f, **arrays))
