"""The BM25 parameter file: pymilvus-model's "v1" JSON, read strictly and written atomically.

Keys (list position in ``idf_word`` / ``idf_value`` is the vector column)::

    {"version": "v1", "corpus_size": 3, "avgdl": 5.33, "idf_word": ["artifici", ...],
     "idf_value": [0.51, ...], "k1": 1.5, "b": 0.75, "epsilon": 0.25,
     "analyzer": {...}}   # extra key written by helpers: the analyzer's settings

pymilvus-model ignores keys it does not know, so files move freely between the two.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from helpers.atomic import write_atomic

FORMAT_VERSION = "v1"
_NUMBER_KEYS = ("avgdl", "k1", "b", "epsilon")


def write_params(path: str | os.PathLike, params: dict[str, Any], overwrite: bool = False) -> Path:
    """Write ``params`` as JSON to ``path`` atomically (:func:`helpers.atomic.write_atomic`).

    A new file gets the usual mode (``0o666`` minus the umask); a replaced file keeps its mode.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    path = Path(path)
    if path.is_dir():  # before the overwrite rule: overwrite=True cannot replace a folder either
        raise IsADirectoryError(f"{path} is a folder; give a file name such as {path / 'bm25_params.json'}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it, or choose another path")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {path.parent} does not exist; create it first (Path.mkdir(parents=True))")
    # ASCII JSON (like pymilvus-model's) reads back under any locale's default encoding.
    data = json.dumps(params, allow_nan=False).encode("ascii")
    return write_atomic(path, lambda f: f.write(data))


def _bad(path: Path, problem: str) -> ValueError:
    return ValueError(f"{path} is not a usable BM25 parameter file: {problem}; re-create it with fit() and save()")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_params(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check a v1 BM25 parameter file written by helpers or pymilvus-model.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not JSON (corrupt or truncated), has another version, or its
        fields are missing or inconsistent. The message names the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no BM25 parameter file at {path}; create one with fit(corpus) then save(path)")
    try:
        params = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _bad(path, f"it is not valid JSON (truncated or corrupt?): {error}") from None
    if not isinstance(params, dict):
        raise _bad(path, f"expected a JSON object, found {type(params).__name__}")
    if params.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has BM25 parameter version {params.get('version')!r}; only {FORMAT_VERSION!r} "
            "(pymilvus-model's format) is supported"
        )
    missing = [key for key in ("corpus_size", "idf_word", "idf_value", *_NUMBER_KEYS) if key not in params]
    if missing:
        raise _bad(path, f"missing keys {missing}")
    words, values = params["idf_word"], params["idf_value"]
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        raise _bad(path, "idf_word must be a list of strings")
    if not isinstance(values, list) or not all(_is_number(value) for value in values):
        raise _bad(path, "idf_value must be a list of finite numbers")
    if len(words) != len(values) or not words:
        raise _bad(path, f"idf_word has {len(words)} entries and idf_value {len(values)}; both need the same, >= 1")
    if len(set(words)) != len(words):
        raise _bad(path, "idf_word repeats a word")
    corpus_size = params["corpus_size"]
    if not isinstance(corpus_size, int) or isinstance(corpus_size, bool) or corpus_size < 1:
        raise _bad(path, f"corpus_size must be a positive integer, got {corpus_size!r}")
    for key in _NUMBER_KEYS:
        if not _is_number(params[key]):
            raise _bad(path, f"{key} must be a finite number, got {params[key]!r}")
    if params["avgdl"] <= 0:
        raise _bad(path, f"avgdl must be positive, got {params['avgdl']!r}")
    analyzer = params.get("analyzer")
    if analyzer is not None and not isinstance(analyzer, dict):
        raise _bad(path, "analyzer must be an object of analyzer settings")
    return params
