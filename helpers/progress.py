"""Progress bars for long work, switched off wherever ``TQDM_DISABLE`` is set (the test suite sets it).

tqdm reads ``TQDM_DISABLE`` only when no ``disable=`` is passed, and its notebook bars never read
it; so every bar in ``helpers`` is made here, where the variable is honoured in every front end.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["progress_bar"]


def progress_bar(iterable: Any = None, *, show: bool = True, **kwargs: Any) -> Any:
    """A ``tqdm.auto`` bar, shown when ``show`` is true and ``TQDM_DISABLE`` is unset (or ``0``/``false``).

    Parameters
    ----------
    iterable : iterable, optional
        What to wrap, as with ``tqdm(iterable)``.
    show : bool
        The caller's wish, e.g. a ``show_progress`` argument.
    **kwargs
        Passed to tqdm (``total``, ``desc``, ``unit``, ...).
    """
    from tqdm.auto import tqdm

    switched_off = os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false")
    return tqdm(iterable, disable=not show or switched_off, **kwargs)
