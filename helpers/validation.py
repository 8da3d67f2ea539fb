"""The one place that checks what a caller passes in: texts, queries, counts and numbers.

Every public function of ``helpers`` runs its arguments through these checks, so the same bad
input gets the same clear error everywhere, and the message names the fix.

Texts
    A text must be a ``str`` that UTF-8 can encode. A lone surrogate such as ``"\\ud800"`` (half
    of an emoji, e.g. from a JSON file cut in the middle of a character) cannot be encoded, and
    every tokenizer fails on it. :func:`check_texts` names the item and the character position;
    with ``errors="replace"`` it swaps each bad character for U+FFFD instead (the text's length
    and every other character stay as they were).
Queries
    A query that has nothing to read, empty or made only of whitespace, zero-width characters,
    NUL and other control or format characters, raises :class:`EmptyQueryError`.

Examples
--------
>>> check_texts(["fine", "bad \\ud800 half emoji"], errors="replace")[1]
'bad \\ufffd half emoji'
>>> check_query("\\u200b")
Traceback (most recent call last):
...
helpers.validation.EmptyQueryError: Type a query to search, e.g. 'Where was Alan Turing born?'
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

__all__ = [
    "EmptyQueryError",
    "InvalidTextError",
    "WrongTypeError",
    "ERRORS",
    "DUPLICATES",
    "check_text",
    "check_texts",
    "check_query",
    "is_blank",
    "check_positive_int",
    "check_number",
    "keep_unique",
]

ERRORS = ("strict", "replace")
DUPLICATES = ("error", "first", "last")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that show nothing a model could read: control (NUL, ...), format (zero-width
# space and joiners, BOM, soft hyphen), and the separators.
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}


class EmptyQueryError(ValueError):
    """The query has no text. The message is meant to be shown to the learner as it is."""


class WrongTypeError(TypeError, ValueError):
    """A count or a number of the wrong type (``batch_size=2.5``, ``weight="0.3"``).

    Both a ``TypeError`` and a ``ValueError``: functions that raised either before still do.
    """


class InvalidTextError(ValueError):
    """A text holds characters that are not valid Unicode (a lone surrogate); the message names it."""


def _check_errors(errors: str) -> None:
    if errors not in ERRORS:
        raise ValueError(f"errors must be 'strict' (raise) or 'replace' (use U+FFFD), got {errors!r}")


def _clean(text: str, errors: str, what: str) -> str:
    bad = _SURROGATE.search(text)
    if bad is None:
        return text
    if errors == "replace":
        return _SURROGATE.sub("\ufffd", text)
    raise InvalidTextError(
        f"{what} has a lone surrogate {bad.group()!r} at character {bad.start()}, which is not valid "
        "Unicode (half of an emoji?); fix the source text, or pass it through "
        "helpers.validation.check_texts(texts, errors='replace') to replace such characters with U+FFFD"
    )


def check_texts(texts: Sequence[str], what: str = "texts", errors: str = "strict") -> list[str]:
    """Return ``texts`` as a list of valid Unicode strings.

    Parameters
    ----------
    texts : list of str
        The texts; any iterable of strings except a single string.
    what : str
        How the error messages name the list (``"documents"``, ``"queries"``).
    errors : {"strict", "replace"}
        What to do with a lone surrogate: raise :class:`InvalidTextError` naming the item and
        the position (``"strict"``), or replace it with U+FFFD (``"replace"``).

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If ``texts`` is a single string or holds anything but strings.
    InvalidTextError
        With ``errors="strict"``, if a text holds a lone surrogate.
    """
    _check_errors(errors)
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{what} must be a list of strings, got a single string; wrap it in a list: [text]")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"{what} must be a list of strings, got {type(texts).__name__}") from None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{what} must be a list of strings, but item {i} is {type(text).__name__} ({text!r:.40}); "
                "convert it with str() or drop it"
            )
    return [_clean(text, errors, f"{what}[{i}]") for i, text in enumerate(texts)]


def check_text(text: Any, what: str = "text", errors: str = "strict") -> str:
    """Check one text as :func:`check_texts` checks each item: a ``str`` of valid Unicode.

    Raises
    ------
    TypeError
        If ``text`` is not a string.
    InvalidTextError
        With ``errors="strict"``, if it holds a lone surrogate.
    """
    _check_errors(errors)
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__} ({text!r:.40})")
    return _clean(text, errors, what)


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing to read: only whitespace, zero-width, control or format characters."""
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE for ch in text)


def check_query(query: Any, errors: str = "strict") -> str:
    """Return ``query`` checked: a string with something to read, valid Unicode.

    Parameters
    ----------
    query : str
        What the learner typed.
    errors : {"strict", "replace"}
        As in :func:`check_texts`.

    Raises
    ------
    TypeError
        If ``query`` is not a string.
    EmptyQueryError
        If it is empty or :func:`is_blank`.
    InvalidTextError
        With ``errors="strict"``, if it holds a lone surrogate.
    """
    _check_errors(errors)
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, got {type(query).__name__}; search one query at a time")
    if is_blank(query):
        raise EmptyQueryError("Type a query to search, e.g. 'Where was Alan Turing born?'")
    return check_text(query, "the query", errors)


def check_positive_int(value: Any, name: str, hint: str = "") -> int:
    """Return ``value`` as an int if it is an integer of 1 or more (numpy integers too; not ``True``).

    Used for every count: ``top_k``, ``k``, ``batch_size``, ``rerank_depth``, ``top_n``.

    Raises
    ------
    WrongTypeError
        If ``value`` is not an integer (a bool, a float, a string, None).
    ValueError
        If it is 0 or negative.
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise WrongTypeError(f"{name} must be an integer, got {type(value).__name__} ({value!r:.40}){hint}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1 (a positive integer), got {value}{hint}")
    return int(value)


def check_number(
    value: Any, name: str, low: float | None = None, high: float | None = None, low_open: bool = False, hint: str = ""
) -> float:
    """Return ``value`` as a float if it is a finite real number within the bounds.

    numpy scalars (``np.float32(0.3)``) are numbers; ``True``/``False``, ``nan`` and ``inf`` are not.

    Parameters
    ----------
    value : number
        The value to check.
    name : str
        The argument's name, for the message.
    low, high : float, optional
        Inclusive bounds (``low`` is exclusive when ``low_open``).
    low_open : bool
        Require ``value > low`` rather than ``>=``.
    hint : str
        Appended to the message, e.g. ``" (0 = BM25 only, 1 = dense only)"``.

    Raises
    ------
    WrongTypeError
        If ``value`` is not a real number.
    ValueError
        If it is not finite or is out of bounds.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise WrongTypeError(f"{name} must be a finite number, got {type(value).__name__} ({value!r:.40}){hint}")
    number = float(value)
    below = low is not None and (number <= low if low_open else number < low)
    if not math.isfinite(number) or below or (high is not None and number > high):
        bounds = {
            (True, True): f"between {low} and {high}",
            (True, False): f"{'above' if low_open else 'at least'} {low}",
            (False, True): f"at most {high}",
            (False, False): "a finite number",
        }[(low is not None, high is not None)]
        finite = "" if bounds == "a finite number" else " (a finite number)"
        raise ValueError(f"{name} must be {bounds}{finite}, got {value!r}{hint}")
    return number


def keep_unique(ids: Sequence[str], duplicates: str, where: str, labels: Sequence[str] | None = None) -> list[int]:
    """Positions of ``ids`` to keep, one per distinct id, as the ``duplicates`` policy says.

    Parameters
    ----------
    ids : list of str
        Ids in their order (file lines, matrix columns).
    duplicates : {"error", "first", "last"}
        A repeated id is an error, or the first or the last record with it wins.
    where : str
        Names the ids' source in the error, e.g. ``"corpus.jsonl"``.
    labels : list of str, optional
        What the error calls each position (``"line 12"``); default ``"position 3"``.

    Returns
    -------
    list of int
        Ascending positions.

    Raises
    ------
    ValueError
        With ``duplicates="error"``, if an id repeats; the message names it and its positions.
    """
    if duplicates not in DUPLICATES:
        raise ValueError(f"duplicates must be one of {', '.join(map(repr, DUPLICATES))}, got {duplicates!r}")
    chosen: dict[str, int] = {}
    for position, key in enumerate(ids):
        if key in chosen and duplicates == "error":
            first, second = (
                (labels[chosen[key]], labels[position]) if labels else (f"position {chosen[key]}", f"position {position}")
            )
            raise ValueError(
                f"{where} has the id {key!r} twice ({first} and {second}); make ids unique, "
                "or pass duplicates='first' or 'last' to say which record wins"
            )
        if key not in chosen or duplicates == "last":
            chosen[key] = position
    return sorted(chosen.values())
