"""The result of checking an exercise: right, wrong (with why) or not yet answered."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """What a check says about an answer.

    Attributes
    ----------
    correct : bool or None
        True if right, False if wrong, None while the answer is still the ``...`` placeholder.
    message : str
        Why, in one or two sentences; shown as the verdict's repr in a notebook.
    """

    correct: bool | None
    message: str

    def __repr__(self) -> str:
        mark = {True: "Right", False: "Not quite", None: "Not yet"}[self.correct]
        return f"{mark}: {self.message}"

    def __bool__(self) -> bool:
        return bool(self.correct)


def right(message: str) -> Verdict:
    """A right answer, with what it shows."""
    return Verdict(True, message)


def wrong(message: str) -> Verdict:
    """A wrong answer, with a hint towards the right one."""
    return Verdict(False, message)


def unanswered(answer: Any, hint: str) -> Verdict | None:
    """``Verdict(None, ...)`` while ``answer`` is the ``...`` placeholder (or None), else None."""
    if answer is Ellipsis or answer is None:
        return Verdict(None, f"replace the ... with your answer and run the cell again. Hint: {hint}")
    return None


def as_number(answer: Any) -> float | None:
    """The answer as a finite float, or None if it is not a number."""
    if isinstance(answer, bool):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def close(a: float, b: float, tol: float = 1e-3) -> bool:
    """Equal to ``tol`` (absolute): answers are typed to a few decimals."""
    return abs(a - b) <= tol


def check_number(
    answer: Any,
    truth: float,
    *,
    hint: str,
    explain: str,
    mistakes: Sequence[tuple[float, str]] = (),
    tol: float = 1e-3,
    expect: str = "a number",
) -> Verdict:
    """Check a numeric answer: not yet, right (within ``tol``), a typical mistake, or wrong.

    Parameters
    ----------
    answer : object
        What the learner typed; ``...`` while unanswered.
    truth : float
        The right value, computed with ``helpers``.
    hint : str
        How to get there; shown while unanswered and after an unrecognised answer.
    explain : str
        What a right answer shows.
    mistakes : sequence of (float, str)
        Values that a typical mistake gives (within 1e-3), and what to say about each.
    tol : float
        How close a right answer must be.
    expect : str
        What kind of answer to give, for the message when it is not a number.
    """
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    value = as_number(answer)
    if value is None:
        return wrong(f"give {expect}, not {answer!r}")
    if close(value, truth, tol):
        return right(explain)
    for mistaken, why in mistakes:
        if close(value, mistaken):
            return wrong(why)
    return wrong(f"{value:.6g} is not it. {hint}")


def check_choice(
    answer: Any,
    truth: str,
    *,
    hint: str,
    explain: str,
    mistakes: Mapping[str, str] | None = None,
    unknown: str | None = None,
) -> Verdict:
    """Check a one-word answer, whatever its case and surrounding spaces: not yet, right, a typical mistake, or wrong.

    Parameters
    ----------
    answer : object
        The learner's word (``...`` until they answer), compared without case.
    truth : str
        The right word, such as ``"IP"``.
    hint : str
        How to get there; shown while unanswered and after an unrecognised answer.
    explain : str
        What a right answer shows.
    mistakes : mapping of str to str, optional
        Words that a typical mistake gives, and what to say about each.
    unknown : str, optional
        What to say about any other answer, before ``", not <answer>"``; default: the hint.
    """
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    word = str(answer).strip().casefold()
    if word == truth.casefold():
        return right(explain)
    for mistaken, why in (mistakes or {}).items():
        if word == mistaken.casefold():
            return wrong(why)
    return wrong(f"{unknown}, not {answer!r}" if unknown else f"{answer!r} is not it. {hint}")
