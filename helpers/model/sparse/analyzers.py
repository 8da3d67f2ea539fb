"""Offline text analyzers for BM25: ``text -> list[str]``, like pymilvus.model's.

An :class:`Analyzer` is a tokenizer (``text -> list of words``) followed by token
filters (``word -> term``, or ``None`` to drop the word). Because every filter works on
one word at a time, the analyzer remembers the term of each distinct word: stemming
and stopword look-ups run once per vocabulary word, not once per occurrence.

Everything needed ships in PyPI packages (PyStemmer, SudachiPy and its dictionary)
and in :mod:`helpers.model.sparse.stopwords`; nothing is downloaded.

>>> analyzer = build_default_analyzer(language="en")
>>> analyzer("Turing was raised in southern England.")
['ture', 'rais', 'southern', 'england']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

try:  # the regular-expression parser, to check a pattern's structure before it runs
    import re._parser as _parser  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _parser  # type: ignore[no-redef]

from helpers.model.sparse.stopwords import ENGLISH_STOPWORDS, JAPANESE_STOPWORDS
from helpers.validation import check_text

Tokenizer = Callable[[str], list[str]]
TokenFilter = Callable[[str], "str | None"]

# A word cache this large holds the vocabulary of millions of documents; clearing it
# beyond that keeps memory bounded for analyzers fed endless unique tokens (ids, hashes).
_MAX_CACHED_WORDS = 2**21


MAX_PATTERN_LENGTH = 500


def _repeats(parsed: Any) -> Iterator[tuple[Any, Any]]:
    """Every unbounded-or-multiple repetition in a parsed pattern: ``(repetition, its body)``."""
    for op, value in parsed:
        if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
            low, high, body = value
            if high is _parser.MAXREPEAT or high > 1:
                yield value, body
            yield from _repeats(body)
        elif op is _parser.SUBPATTERN:
            yield from _repeats(value[-1])
        elif op is _parser.BRANCH:
            for branch in value[1]:
                yield from _repeats(branch)
        elif op in (_parser.ASSERT, _parser.ASSERT_NOT):
            yield from _repeats(value[1])


def _has_separator(body: Any) -> bool:
    """True when a repeated body must match one fixed character each time (``-`` in ``(?:-\\w+)*``).

    Such a separator pins where each repetition starts, so the inner repetition cannot be split
    in exponentially many ways; without one (``(\\w+)+``, ``(\\w+\\s?)*``) it can.
    """
    for op, value in body:
        if op in (_parser.LITERAL, _parser.NOT_LITERAL, _parser.IN, _parser.ANY):
            return True
        if op is _parser.SUBPATTERN and _has_separator(value[-1]):
            return True
    return False


def _compile_bounded(pattern: Any) -> re.Pattern:
    """Compile a tokenizer pattern after checking it is short, valid and free of nested repetition."""
    if not isinstance(pattern, str):
        raise TypeError(f"a tokenizer pattern must be a string such as r'\\w+', got {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"the tokenizer pattern is {len(pattern)} characters long; keep it under {MAX_PATTERN_LENGTH}")
    try:
        parsed = _parser.parse(pattern)
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"the tokenizer pattern {pattern!r:.80} is not a valid regular expression ({error}); fix it, e.g. r'\\w+'") from None
    for _, body in _repeats(parsed):
        if not _has_separator(body) and any(True for _ in _repeats(body)):
            raise ValueError(
                f"the tokenizer pattern {pattern!r:.80} repeats a repetition (like (\\w+)+), which can take seconds "
                "per text; write it with a single repetition, e.g. r'\\w+'"
            )
    return compiled


class RegexTokenizer:
    """Split text into the matches of a regular expression.

    Parameters
    ----------
    pattern : str
        What a word is. The default is any run of letters, digits or underscores
        (Unicode-aware), so single letters count: "vitamin D", "T cells". On SciFact it
        scores a little higher than bm25s's two-or-more-characters pattern. A pattern is
        checked before use (it may come from a saved parameter file): at most
        :data:`MAX_PATTERN_LENGTH` characters, valid, and without a repetition repeated with
        no fixed character between (such as ``(\w+)+``), whose backtracking can take seconds
        per text. ``[a-z]+(?:-[a-z]+)*`` is fine: the ``-`` separates the repetitions.

    Raises
    ------
    TypeError, ValueError
        If the pattern is not a string, too long, invalid or may backtrack catastrophically.
    """

    def __init__(self, pattern: str = r"\w+"):
        self.pattern = pattern
        self._findall = _compile_bounded(pattern).findall

    def __call__(self, text: str) -> list[str]:
        return self._findall(text)

    def config(self) -> dict[str, Any]:
        return {"type": "regex", "pattern": self.pattern}

    def __repr__(self) -> str:
        return f"RegexTokenizer(pattern={self.pattern!r})"


# Sudachi parts of speech that carry no searchable meaning: particles (は, の, を),
# auxiliary verbs (ます, た), punctuation and symbols, and blanks.
JAPANESE_SKIP_POS: tuple[str, ...] = ("助詞", "助動詞", "補助記号", "記号", "空白")

# Sudachi rejects inputs above about 49 KB of UTF-8; longer texts are cut at sentence
# ends into pieces below this many characters (3 bytes each at most).
_SUDACHI_MAX_CHARS = 15_000


@functools.lru_cache(maxsize=None)
def _sudachi_dictionary(name: str) -> Any:
    """Load a Sudachi dictionary once per process (it takes about a second)."""
    try:
        from sudachipy import Dictionary
    except ImportError:
        raise ImportError(
            "The Japanese analyzer needs SudachiPy: pip install sudachipy sudachidict-core"
        ) from None
    try:
        return Dictionary(dict=name)
    except Exception as error:  # sudachipy raises its own error types
        raise ImportError(
            f"Sudachi dictionary {name!r} is not installed: pip install sudachidict-{name}"
        ) from error


def _split_long_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` after sentence ends into pieces of at most ``limit`` characters."""
    if len(text) <= limit:
        return [text] if text else []
    pieces, current = [], ""
    for sentence in re.split(r"(?<=[。！？!?\n])", text):
        while len(sentence) > limit:  # one huge "sentence": cut it hard
            pieces.append(current + sentence[: limit - len(current)])
            sentence, current = sentence[limit - len(current) :], ""
        if len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    pieces.append(current)
    return [piece for piece in pieces if piece]


class SudachiTokenizer:
    """Japanese words from the Sudachi morphological analyzer, without function words.

    Parameters
    ----------
    mode : {"A", "B", "C"}
        Sudachi's split mode: A gives the shortest units, C named entities and
        compounds as one word (best for search precision).
    form : {"normalized", "dictionary", "surface"}
        Which form of each word to return. ``normalized`` unifies spelling variants
        and inflections (生まれ -> 生まれる, ｱｲ -> アイ), so a query matches more forms.
    skip_pos : sequence of str
        Top-level parts of speech to drop; by default particles, auxiliary verbs,
        symbols and blanks (:data:`JAPANESE_SKIP_POS`).
    dictionary : str
        Installed Sudachi dictionary: ``core`` (package sudachidict-core), ``small``, ``full``.
    """

    def __init__(
        self,
        mode: str = "C",
        form: str = "normalized",
        skip_pos: Sequence[str] = JAPANESE_SKIP_POS,
        dictionary: str = "core",
    ):
        if mode not in {"A", "B", "C"}:
            raise ValueError(f"mode must be 'A', 'B' or 'C', got {mode!r}")
        forms = {"normalized": "normalized_form", "dictionary": "dictionary_form", "surface": "surface"}
        if form not in forms:
            raise ValueError(f"form must be one of {sorted(forms)}, got {form!r}")
        self.mode, self.form, self.dictionary = mode, form, dictionary
        self.skip_pos = tuple(skip_pos)
        self._form_method = forms[form]
        self._tokenizer: Any = None  # created on first use: loading the dictionary is slow

    def __call__(self, text: str) -> list[str]:
        if self._tokenizer is None:
            self._tokenizer = _sudachi_dictionary(self.dictionary).tokenizer(self.mode)
        skip, form = set(self.skip_pos), self._form_method
        words = []
        for piece in _split_long_text(text, _SUDACHI_MAX_CHARS):
            words += [
                getattr(m, form)() for m in self._tokenizer.tokenize(piece) if m.part_of_speech()[0] not in skip
            ]
        return words

    def config(self) -> dict[str, Any]:
        return {
            "type": "sudachi",
            "mode": self.mode,
            "form": self.form,
            "skip_pos": list(self.skip_pos),
            "dictionary": self.dictionary,
        }

    def __getstate__(self) -> dict[str, Any]:
        # The Rust tokenizer cannot be pickled; it is re-created on first use.
        return {**self.__dict__, "_tokenizer": None}

    def __repr__(self) -> str:
        return f"SudachiTokenizer(mode={self.mode!r}, form={self.form!r})"


class LowercaseFilter:
    """Lowercase each word, so "Turing" and "turing" are one term."""

    def __call__(self, token: str) -> str:
        return token.lower()

    def config(self) -> dict[str, Any]:
        return {"type": "lowercase"}

    def __repr__(self) -> str:
        return "LowercaseFilter()"


class StopwordFilter:
    """Drop words in a stopword list (compared as they arrive, so lowercase first).

    Parameters
    ----------
    words : iterable of str
        The stopwords, e.g. :data:`~helpers.model.sparse.stopwords.ENGLISH_STOPWORDS`.
    """

    def __init__(self, words: Iterable[str]):
        if isinstance(words, str):
            raise TypeError("words must be a list of stopwords, not one string; use words.split()")
        self.words = frozenset(words)

    def __call__(self, token: str) -> str | None:
        return None if token in self.words else token

    def config(self) -> dict[str, Any]:
        return {"type": "stopwords", "words": sorted(self.words)}

    def __repr__(self) -> str:
        return f"StopwordFilter({len(self.words)} words)"


class SnowballStemmer:
    """Reduce each word to its Snowball stem ("raised", "raising" -> "rais").

    Parameters
    ----------
    language : str
        A Snowball language, e.g. ``english``, ``german``; see ``Stemmer.algorithms()``.
    """

    def __init__(self, language: str = "english"):
        import Stemmer  # PyStemmer: the C Snowball stemmers

        if language not in Stemmer.algorithms():
            raise ValueError(f"Snowball has no stemmer for {language!r}; choose one of {Stemmer.algorithms()}")
        self.language = language
        self._stem = Stemmer.Stemmer(language).stemWord

    def __call__(self, token: str) -> str:
        return self._stem(token)

    def __getstate__(self) -> dict[str, Any]:
        return {"language": self.language}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["language"])

    def config(self) -> dict[str, Any]:
        return {"type": "snowball", "language": self.language}

    def __repr__(self) -> str:
        return f"SnowballStemmer({self.language!r})"


_COMPONENTS: dict[str, type] = {
    "regex": RegexTokenizer,
    "sudachi": SudachiTokenizer,
    "lowercase": LowercaseFilter,
    "stopwords": StopwordFilter,
    "snowball": SnowballStemmer,
}


def _component_from_config(config: Any) -> Any:
    if not isinstance(config, dict) or config.get("type") not in _COMPONENTS:
        raise ValueError(f"unknown analyzer component {config!r}; known types: {sorted(_COMPONENTS)}")
    params = {key: value for key, value in config.items() if key != "type"}
    return _COMPONENTS[config["type"]](**params)


class _TermCache(dict):
    """word -> term (or None) memo; a miss runs the filters once."""

    def __init__(self, filters: Sequence[TokenFilter]):
        super().__init__()
        self.filters = filters

    def __missing__(self, word: str) -> str | None:
        term: str | None = word
        for token_filter in self.filters:
            term = token_filter(term)
            if not term:  # dropped (None) or filtered down to nothing
                term = None
                break
        if len(self) >= _MAX_CACHED_WORDS:
            self.clear()
        self[word] = term
        return term


class Analyzer:
    """A tokenizer followed by word filters: a callable ``text -> list[str]``.

    Parameters
    ----------
    tokenizer : callable
        ``text -> list[str]`` of words, e.g. :class:`RegexTokenizer`.
    filters : sequence of callables
        Each maps one word to a word, or to ``None`` (or ``""``) to drop it; applied in
        order. They must depend on the word alone, because results are cached per word.
    name : str, optional
        A label shown in the repr, e.g. the language.

    Examples
    --------
    >>> analyzer = Analyzer(RegexTokenizer(r"\\w+"), [LowercaseFilter(), StopwordFilter(["the"])])
    >>> analyzer("The Cat sat")
    ['cat', 'sat']
    """

    def __init__(self, tokenizer: Tokenizer, filters: Sequence[TokenFilter] = (), name: str | None = None):
        if not callable(tokenizer):
            raise TypeError(f"tokenizer must be a callable text -> list[str], got {type(tokenizer).__name__}")
        for token_filter in filters:
            if not callable(token_filter):
                raise TypeError(f"each filter must be a callable word -> word or None, got {token_filter!r}")
        self.tokenizer = tokenizer
        self.filters = tuple(filters)
        self.name = name
        self._terms = _TermCache(self.filters)

    def __call__(self, text: str) -> list[str]:
        text = check_text(text, "the analyzer's input (one string)")
        return list(filter(None, map(self._terms.__getitem__, self.tokenizer(text))))

    def term(self, word: str) -> str | None:
        """Return the term of one tokenizer word, or ``None`` if the filters drop it."""
        return self._terms[word]

    def config(self) -> dict[str, Any] | None:
        """Settings that rebuild this analyzer with :meth:`from_config`, or ``None`` for custom parts."""
        parts = [self.tokenizer, *self.filters]
        if not all(hasattr(part, "config") for part in parts):
            return None
        return {
            "name": self.name,
            "tokenizer": self.tokenizer.config(),
            "filters": [token_filter.config() for token_filter in self.filters],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Analyzer:
        """Rebuild an analyzer from :meth:`config`'s output."""
        if not isinstance(config, dict) or "tokenizer" not in config or not isinstance(config.get("filters"), list):
            raise ValueError(f"an analyzer config needs 'tokenizer' and a 'filters' list, got {config!r:.200}")
        return cls(
            _component_from_config(config["tokenizer"]),
            [_component_from_config(part) for part in config["filters"]],
            name=config.get("name"),
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"tokenizer": self.tokenizer, "filters": self.filters, "name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)

    def __repr__(self) -> str:
        parts = ", ".join(repr(f) for f in self.filters)
        label = f"name={self.name!r}, " if self.name else ""
        return f"Analyzer({label}tokenizer={self.tokenizer!r}, filters=[{parts}])"


SUPPORTED_LANGUAGES = {"en": "en", "english": "en", "ja": "ja", "jp": "ja", "japanese": "ja"}


def build_default_analyzer(language: str = "en") -> Analyzer:
    """Return the ready-made analyzer for a language; works offline.

    Parameters
    ----------
    language : {"en", "ja"}
        ``en``: runs of letters or digits, lowercased, Lucene's English
        stopwords dropped, Snowball (Porter 2) stemmed. ``ja``: Sudachi words (split
        mode C, normalized form) without particles, auxiliary verbs and symbols,
        lowercased, Japanese stopwords dropped. ``english``, ``jp`` (pymilvus's name)
        and ``japanese`` are accepted too.

    Returns
    -------
    Analyzer
        A callable ``text -> list[str]``.

    Raises
    ------
    ValueError
        For any other language, listing the supported ones.
    """
    code = SUPPORTED_LANGUAGES.get(str(language).lower())
    if code == "en":
        filters = [LowercaseFilter(), StopwordFilter(ENGLISH_STOPWORDS), SnowballStemmer("english")]
        return Analyzer(RegexTokenizer(), filters, name="en")
    if code == "ja":
        return Analyzer(SudachiTokenizer(), [LowercaseFilter(), StopwordFilter(JAPANESE_STOPWORDS)], name="ja")
    raise ValueError(
        f"no default analyzer for language {language!r}; supported: 'en' (English) and 'ja' (Japanese). "
        "For other languages build one: Analyzer(RegexTokenizer(), [LowercaseFilter(), SnowballStemmer('german')])"
    )
