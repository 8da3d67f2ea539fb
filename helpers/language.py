"""Warn when a query is not English but the model that reads it is English-only.

all-MiniLM-L6-v2 (dense search, MaxSim reranking) was trained on English text: Japanese typed
into it comes back as scores close to noise, with nothing to say so. :func:`english_only_note`
looks at the writing system of the text, a heuristic that needs no model and takes microseconds:
letters of a non-Latin script (kana, kanji, hangul, Cyrillic, ...) or many accented Latin
letters mean "probably not English". :func:`english_only_model` tells whether an embedding or
rerank function uses an English-only model, so a multilingual one gets no warning.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

__all__ = ["ENGLISH_ONLY_MODELS", "english_only_model", "english_only_note", "language_note", "scripts"]

# Models the tutorial uses or names that were trained on English only (their model cards).
ENGLISH_ONLY_MODELS = frozenset({
    "all-MiniLM-L6-v2", "all-MiniLM-L12-v2", "all-mpnet-base-v2", "paraphrase-albert-small-v2",
    "ms-marco-MiniLM-L-6-v2", "ms-marco-MiniLM-L-12-v2",
})

# Writing systems in which one letter is a syllable or a word: one is enough to matter.
_DENSE_SCRIPTS = {"HIRAGANA", "KATAKANA", "CJK", "HANGUL"}
_ALPHABET_MIN = 3     # letters of another alphabet before it counts (a lone "π" or "α" does not)
_SHARE = 0.2          # ... and at least this share of all letters
_ACCENTED_MIN = 4     # accented Latin letters before it counts ("Gödel", "a résumé at the café" do not)
_ACCENTED_SHARE = 0.05
_EXTRA_LATIN = set("ßæœøłđþð")  # Latin letters outside English that carry no combining mark
_NAMES = {
    "HIRAGANA": "hiragana", "KATAKANA": "katakana", "CJK": "kanji/hanzi", "HANGUL": "hangul",
    "CYRILLIC": "Cyrillic", "GREEK": "Greek", "ARABIC": "Arabic", "HEBREW": "Hebrew",
    "DEVANAGARI": "Devanagari", "THAI": "Thai",
}


def _script(letter: str) -> str:
    name = unicodedata.name(letter, "")
    if name.startswith("KATAKANA-HIRAGANA"):  # the prolonged sound mark ー
        return "KATAKANA"
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def scripts(text: str) -> Counter:
    """Count the letters of ``text`` by writing system.

    The text is NFKC-normalized first, so full-width ``ＡＢＣ`` counts as Latin and half-width
    ``ｶﾀｶﾅ`` as katakana. Digits, punctuation and spaces are not letters.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    collections.Counter
        ``{"LATIN": 12, "HIRAGANA": 3, ...}``, named by the first word of each letter's
        Unicode name (``"CJK"`` for kanji/hanzi).

    Examples
    --------
    >>> dict(scripts("BM25とは"))
    {'LATIN': 2, 'HIRAGANA': 2}
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    return Counter(_script(ch) for ch in unicodedata.normalize("NFKC", text) if ch.isalpha() or ch == "ー")


def _accented(text: str) -> int:
    count = 0
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isalpha() and _script(ch) == "LATIN":
            base = unicodedata.normalize("NFD", ch)
            count += len(base) > 1 or ch.lower() in _EXTRA_LATIN
    return count


def _describe(found: Counter) -> str:
    if found["HIRAGANA"] or found["KATAKANA"]:
        return "Japanese"
    if found["HANGUL"]:
        return "Korean"
    if found["CJK"]:
        return "Chinese or Japanese"
    script = max(found, key=found.get)
    return f"like {_NAMES.get(script, script.title())} script"


def english_only_note(text: str, model: str = "all-MiniLM-L6-v2") -> str | None:
    """A note for the learner when ``text`` is probably not English, else None.

    Call it only when the model that reads ``text`` is English-only (see
    :func:`english_only_model`). The test is on writing systems, not words:

    - any kana, kanji or hangul, when such letters are at least a fifth of all letters;
    - at least three letters of another alphabet (Cyrillic, Greek, Arabic, ...), also at least
      a fifth of all letters;
    - at least four accented Latin letters (é, ü, ß, ...) making up 5% of the letters or more,
      as in French, German or Spanish. "Gödel" or "a résumé at the café" stays quiet.

    English written in Latin letters, numbers, punctuation and empty text give None.

    Parameters
    ----------
    text : str
        The query (or document) the learner typed.
    model : str
        The English-only model's name, used in the note (several joined by " and ").

    Returns
    -------
    str or None
        One sentence that says what the text looks like, why the model's scores are unreliable,
        and what to use instead; None when the text looks English.

    Examples
    --------
    >>> english_only_note("Where was Alan Turing born?") is None
    True
    >>> english_only_note("チューリングはどこで生まれた？")[:33]
    'This text looks Japanese, but all'
    """
    found = scripts(text)
    letters = sum(found.values())
    if not letters:
        return None
    other = {s: n for s, n in found.items() if s != "LATIN"}
    dense = sum(n for s, n in other.items() if s in _DENSE_SCRIPTS)
    alphabet = sum(other.values()) - dense
    foreign = (dense >= 1 and dense / letters >= _SHARE) or (
        alphabet >= _ALPHABET_MIN and sum(other.values()) / letters >= _SHARE
    )
    if foreign:
        looks = _describe(Counter(other))
    else:
        accented = _accented(text)
        if accented < _ACCENTED_MIN or accented / letters < _ACCENTED_SHARE:
            return None
        looks = "like a language other than English (accented Latin letters)"
    return (
        f"This text looks {looks}, but {model} {'were' if ' and ' in model else 'was'} trained on English "
        "only: its scores for it are "
        "close to noise. BM25 with an analyzer for the language, or a multilingual model, reads it "
        "(notebook 08 shows both for Japanese)."
    )


def english_only_model(fn: Any) -> str | None:
    """The name of the English-only model that ``fn`` runs, or None when it is multilingual or unknown.

    Parameters
    ----------
    fn : embedding or rerank function
        Anything with a ``model_name``; an ``english_only`` attribute, when present, decides.

    Returns
    -------
    str or None
        E.g. ``"all-MiniLM-L6-v2"`` for :class:`~helpers.model.dense.DefaultEmbeddingFunction`
        and :class:`~helpers.model.reranker.MaxSimRerankFunction`; None for
        :class:`~helpers.model.multilingual.UniversalSentenceEncoderEmbeddingFunction` or a
        model this module does not know.
    """
    name = str(getattr(fn, "model_name", "")).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    flag = getattr(fn, "english_only", None)
    if isinstance(flag, bool):
        return (name or type(fn).__name__) if flag else None
    return name if name in ENGLISH_ONLY_MODELS else None


def language_note(text: str, *functions: Any) -> str | None:
    """:func:`english_only_note` for ``text`` when any of ``functions`` runs an English-only model.

    Parameters
    ----------
    text : str
        The query.
    *functions : embedding or rerank functions
        What reads the query, e.g. a search's dense function and its reranker.

    Returns
    -------
    str or None
        The note, naming the English-only model(s); None when the text looks English or every
        function is multilingual (or unknown).
    """
    names = list(dict.fromkeys(n for n in map(english_only_model, functions) if n))
    return english_only_note(text, model=" and ".join(names)) if names else None
