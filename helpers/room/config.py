"""Room options: one TOML file the teacher writes, and a few URL parameters a page may carry.

A room file (``make app CONFIG=room.toml``; every key optional)::

    corpus = "demo"      # the corpus a page opens with: "demo" or "blog"
    top_k = 5            # results per column, 1 to 10
    cap = 30             # most students connected at once; the next one is told the room is full
    [examples]           # the "Try:" buttons, per corpus
    demo = ["Where was Alan Turing born?", "RFC 791"]

A page's address may choose its own start: ``?corpus=blog&k=3&q=Where+was+Turing+born%3F``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.app.corpora import CORPORA, EXAMPLES

__all__ = ["RoomConfig", "load_room_config", "page_options", "MAX_TOP_K", "DEFAULT_CAP"]

MAX_TOP_K = 10
DEFAULT_CAP = 40  # a workshop room; memory may lower it (helpers.room.cli), the teacher may change it
_KEYS = ("corpus", "top_k", "cap", "examples")


@dataclass(frozen=True)
class RoomConfig:
    """What every page in the room starts with.

    Attributes
    ----------
    corpus : str
        The corpus a page opens with (a key of :data:`helpers.app.corpora.CORPORA`).
    top_k : int
        Results per column at start.
    cap : int
        Most sessions (browser tabs) at once.
    examples : dict of str to tuple of str
        The example queries offered per corpus; the first one is searched when a page opens.
    """

    corpus: str = "demo"
    top_k: int = 5
    cap: int = DEFAULT_CAP
    examples: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(EXAMPLES))

    def __post_init__(self) -> None:
        _check_corpus(self.corpus, "corpus")
        _check_int(self.top_k, "top_k", 1, MAX_TOP_K)
        _check_int(self.cap, "cap", 1, 10_000)
        for corpus, queries in self.examples.items():
            _check_corpus(corpus, "[examples]")
            if not queries or not all(isinstance(q, str) and q.strip() for q in queries):
                raise ValueError(f"[examples] {corpus} must be a list of non-empty queries, e.g. {list(EXAMPLES[corpus])[:1]}")

    def to_page(self) -> dict[str, Any]:
        """The options a page needs (sent in the session's first message)."""
        return {
            "corpora": [{"key": key, "label": label} for key, label in CORPORA.items()],
            "examples": {key: list(self.examples.get(key, EXAMPLES[key])) for key in CORPORA},
            "max_top_k": MAX_TOP_K,
        }


def _check_corpus(value: Any, where: str) -> None:
    if value not in CORPORA:
        raise ValueError(f"{where}: unknown corpus {value!r}; choose one of {list(CORPORA)}")


def _check_int(value: Any, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")


def load_room_config(path: str | Path | None = None, **overrides: Any) -> RoomConfig:
    """Read a room file (TOML, see the module docstring); ``overrides`` that are not None win.

    Raises
    ------
    FileNotFoundError, ValueError
        With the file and the key to fix.
    """
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no room file at {path}; write one as in helpers/room/config.py, or leave CONFIG unset")
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path} is not valid TOML ({exc}); fix that line") from None
        unknown = sorted(set(values) - set(_KEYS))
        if unknown:
            raise ValueError(f"{path}: unknown keys {unknown}; a room file may set {list(_KEYS)}")
        if "examples" in values:
            if not isinstance(values["examples"], Mapping):
                raise ValueError(f'{path}: examples must be a table, e.g. [examples] demo = ["RFC 791"]')
            values["examples"] = {**EXAMPLES, **{k: tuple(v) if isinstance(v, list) else v for k, v in values["examples"].items()}}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return RoomConfig(**values)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}" if path is not None else str(exc)) from None


def page_options(config: RoomConfig, params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A page's start (corpus, top-k, first query) from the room's options and its URL parameters.

    Parameters
    ----------
    config : RoomConfig
    params : mapping of str to str
        The page address's parameters: ``corpus``, ``k`` and ``q``, each optional.

    Returns
    -------
    start : dict
        ``{"corpus": ..., "top_k": ..., "query": ...}``.
    problems : list of str
        One sentence per parameter that was ignored, naming the fix (the page shows them).
    """
    problems = []
    corpus, top_k = config.corpus, config.top_k
    if "corpus" in params:
        if params["corpus"] in CORPORA:
            corpus = params["corpus"]
        else:
            problems.append(f"The address asks for corpus {params['corpus']!r}; use corpus={' or corpus='.join(CORPORA)}.")
    if "k" in params:
        k = params["k"]
        if k.isdigit() and 1 <= int(k) <= MAX_TOP_K:
            top_k = int(k)
        else:
            problems.append(f"The address asks for k={k!r}; use a whole number from 1 to {MAX_TOP_K}.")
    query = params.get("q", "").strip() or config.examples.get(corpus, EXAMPLES[corpus])[0]
    return {"corpus": corpus, "top_k": top_k, "query": query}, problems
