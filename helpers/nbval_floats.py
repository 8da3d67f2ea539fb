"""A pytest plugin that lets nbval compare printed floats with a tolerance.

float32 model outputs agree across CPUs (AVX2, AVX-512, Apple silicon) and thread counts to
about 1e-6, never to the last bit, so a stored ``0.5988`` may come back as ``0.5989`` on a
learner's laptop. nbval compares outputs as text. This plugin first splits the stored and the
new text into numbers and the text between them. When the text between is identical and every
pair of numbers is close, the new output is replaced by the stored one before nbval compares
them, so the comparison passes; any other difference is left for nbval to report as usual.

Two printed numbers are close when

* both are integers (no decimal point, no exponent) and equal: counts, ids and ranks must match
  exactly; or
* at least one is a decimal, and they differ by no more than half a unit in the last printed
  place of each (what rounding a value on a boundary can do, so ``0.59885`` printed either side
  passes) plus ``REL_TOL`` of their magnitude (what another CPU does to a float32 result).

Enable it with ``-p helpers.nbval_floats`` (``pyproject.toml`` does).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["REL_TOL", "align_numbers", "align_outputs", "numbers_close"]

REL_TOL = 1e-5
"""Relative difference allowed on top of the printed precision."""

_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def _last_place(token: str) -> float:
    """The value of one unit in the last printed digit: ``0.5988`` -> 1e-4, ``3.1e-02`` -> 1e-3."""
    mantissa, _, exponent = token.lower().lstrip("-").partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _is_integer(token: str) -> bool:
    return not any(c in token for c in ".eE")


def numbers_close(stored: str, new: str, rel_tol: float = REL_TOL) -> bool:
    """Whether two printed numbers agree within their printed precision (see the module docstring).

    Examples
    --------
    >>> numbers_close("0.5988", "0.5989"), numbers_close("0.5988", "0.5990")
    (True, False)
    >>> numbers_close("-3.09393089e-02", "-3.09392661e-02"), numbers_close("744", "745")
    (True, False)
    """
    if stored == new:
        return True
    if _is_integer(stored) and _is_integer(new):
        return False
    a, b = float(stored), float(new)
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    allowed = 0.5 * (_last_place(stored) + _last_place(new)) + rel_tol * max(abs(a), abs(b))
    return abs(a - b) <= allowed * (1 + 1e-9)  # the factor absorbs binary rounding of the bound itself


def align_numbers(stored: str, new: str, rel_tol: float = REL_TOL) -> str:
    """``stored`` if ``new`` differs from it only by close numbers, else ``new`` unchanged.

    Examples
    --------
    >>> align_numbers("Score: 0.6688 (rank 1)", "Score: 0.6689 (rank 1)")
    'Score: 0.6688 (rank 1)'
    >>> align_numbers("Score: 0.6688 (rank 1)", "Score: 0.6689 (rank 2)")
    'Score: 0.6689 (rank 2)'
    """
    if stored == new:
        return new
    stored_numbers, new_numbers = _NUMBER.findall(stored), _NUMBER.findall(new)
    if len(stored_numbers) != len(new_numbers) or _NUMBER.split(stored) != _NUMBER.split(new):
        return new
    if all(numbers_close(s, n, rel_tol) for s, n in zip(stored_numbers, new_numbers)):
        return stored
    return new


def _align_value(stored: Any, new: Any) -> Any:
    """Align a text field (a string, or a list of lines as notebooks store them)."""
    if isinstance(stored, list) and all(isinstance(s, str) for s in stored):
        stored = "".join(stored)
    if isinstance(new, list) and all(isinstance(s, str) for s in new):
        new = "".join(new)
    if isinstance(stored, str) and isinstance(new, str):
        return align_numbers(stored, new)
    return new


def align_outputs(new_outputs: list, stored_outputs: list) -> list:
    """New cell outputs with each text field replaced by the stored one where only close numbers differ.

    Outputs are paired in order and only when they are of the same type (and stream name), so
    nbval still reports a missing, extra or reordered output.
    """
    aligned = []
    for i, new in enumerate(new_outputs):
        stored = stored_outputs[i] if i < len(stored_outputs) else None
        if stored is None or stored.get("output_type") != new.get("output_type") or stored.get("name") != new.get("name"):
            aligned.append(new)
            continue
        out = type(new)(new)  # nbformat's NotebookNode is a dict subclass; keep its type
        if "text" in new and "text" in stored:
            out["text"] = _align_value(stored["text"], new["text"])
        if "data" in new and "data" in stored:
            data = type(new["data"])(new["data"])
            for mime, value in new["data"].items():
                if mime in stored["data"]:
                    data[mime] = _align_value(stored["data"][mime], value)
            out["data"] = data
        aligned.append(out)
    return aligned


def _tolerant(compare: Callable[..., bool]) -> Callable[..., bool]:
    def compare_outputs(self: Any, test: list, ref: list, skip_compare: Any = None) -> bool:
        return compare(self, align_outputs(test, ref), ref, skip_compare)

    compare_outputs.__wrapped__ = compare  # type: ignore[attr-defined]
    return compare_outputs


def pytest_configure(config: Any) -> None:
    """Wrap nbval's output comparison once per session (a no-op without nbval)."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:
        return
    if not hasattr(IPyNbCell.compare_outputs, "__wrapped__"):
        IPyNbCell.compare_outputs = _tolerant(IPyNbCell.compare_outputs)
