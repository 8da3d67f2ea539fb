"""Offline analyzers: English and Japanese defaults, the composable Analyzer, settings round trips."""

import pickle
import re

import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.model.sparse import (
    Analyzer,
    LowercaseFilter,
    RegexTokenizer,
    SnowballStemmer,
    StopwordFilter,
    SudachiTokenizer,
)
from helpers.model.sparse.analyzers import _split_long_text
from helpers.model.sparse.bm25 import build_default_analyzer
from helpers.model.sparse.stopwords import ENGLISH_STOPWORDS, JAPANESE_STOPWORDS


@pytest.fixture(scope="module")
def en():
    return build_default_analyzer(language="en")


@pytest.fixture(scope="module")
def ja():
    return build_default_analyzer(language="ja")


def test_english_lowercases_drops_stopwords_and_stems(en):
    assert en("Born in Maida Vale, London, Turing was raised in southern England.") == [
        "born", "maida", "vale", "london", "ture", "rais", "southern", "england",
    ]
    assert en("Where was Turing born?") == ["where", "ture", "born"]  # "where" is not a Lucene stopword
    assert en("") == [] and en("The, of; A!") == []
    assert en("vitamin D and T cells") == ["vitamin", "d", "t", "cell"]  # single letters are terms


def test_english_equals_plain_regex_lowercase_stopwords_pystemmer(en, blog_docs):
    stem = Stemmer.Stemmer("english").stemWord
    for text in blog_docs + ["Ünïcode Wörds ÀND digits 42 x2 naïve CAFÉS"]:
        words = [w.lower() for w in re.findall(r"\w+", text)]
        assert en(text) == [stem(w) for w in words if w not in ENGLISH_STOPWORDS]


def test_english_stopwords_are_lucenes_list():
    assert len(ENGLISH_STOPWORDS) == 33 and {"the", "a", "with", "their"} <= ENGLISH_STOPWORDS
    assert "where" not in ENGLISH_STOPWORDS and all(w == w.lower() for w in ENGLISH_STOPWORDS)


def test_japanese_drops_particles_auxiliaries_symbols_and_stopwords(ja):
    terms = ja("アラン・チューリングはロンドンのメイダ・ヴェイルで生まれました。")
    assert terms == ["アラン", "チューリング", "ロンドン", "メイダ", "ヴェイル", "生まれる"]
    # Question words and light verbs are stopwords; inflected verbs are normalized.
    assert ja("チューリングはどこで生まれたのですか？") == ["チューリング", "生まれる"]
    assert not set(ja("これは何ですか。それはペンです。")) & JAPANESE_STOPWORDS
    assert ja("AIの研究") == ["ai", "研究"]  # Latin letters lowercased like English


def test_japanese_long_text_is_split_not_rejected(ja):
    text = "チューリングは計算機の研究を行った。" * 3000  # about 160 KB of UTF-8, over Sudachi's limit
    terms = ja(text)
    assert terms.count("チューリング") == 3000


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="あい。\n!ab", max_size=300), st.integers(min_value=1, max_value=40))
def test_split_long_text_keeps_every_character(text, limit):
    pieces = _split_long_text(text, limit)
    assert "".join(pieces) == text and all(0 < len(piece) <= limit for piece in pieces)


def test_unknown_language_lists_supported_ones():
    with pytest.raises(ValueError, match="supported: 'en'.*'ja'"):
        build_default_analyzer(language="fr")
    assert build_default_analyzer("jp").name == "ja"  # pymilvus-model's name for Japanese


def test_composed_analyzer_and_custom_filters():
    analyzer = Analyzer(RegexTokenizer(r"\w+"), [LowercaseFilter(), StopwordFilter(["the"]), lambda w: w[:4]])
    assert analyzer("The Quick brown foxes") == ["quic", "brow", "foxe"]
    assert analyzer.config() is None  # a lambda has no settings to save
    plain = Analyzer(str.split)
    assert plain("a  b") == ["a", "b"] and plain.term("x") == "x"
    dropping = Analyzer(str.split, [lambda w: "" if w.isdigit() else w])
    assert dropping("room 101 now") == ["room", "now"]


def test_analyzer_rejects_bad_parts():
    with pytest.raises(TypeError, match="tokenizer must be a callable"):
        Analyzer("split")
    with pytest.raises(TypeError, match="each filter"):
        Analyzer(str.split, ["lower"])
    with pytest.raises(TypeError, match="one string"):
        Analyzer(str.split)(["a list"])
    with pytest.raises(TypeError, match="words.split"):
        StopwordFilter("the a an")
    with pytest.raises(ValueError, match="no stemmer"):
        SnowballStemmer("klingon")
    with pytest.raises(ValueError, match="mode"):
        SudachiTokenizer(mode="D")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_settings_and_pickle_round_trips(language, blog_docs):
    analyzer = build_default_analyzer(language)
    text = blog_docs[2] + " チューリングはロンドンで生まれた。"
    for copy in (Analyzer.from_config(analyzer.config()), pickle.loads(pickle.dumps(analyzer))):
        assert copy.config() == analyzer.config() and copy(text) == analyzer(text)


def test_from_config_rejects_unknown_parts():
    with pytest.raises(ValueError, match="known types"):
        Analyzer.from_config({"tokenizer": {"type": "nltk"}, "filters": []})
    with pytest.raises(ValueError, match="needs 'tokenizer'"):
        Analyzer.from_config({"filters": []})
