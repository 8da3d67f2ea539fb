"""helpers.language: the script heuristic behind the "this model is English-only" note (no model loaded)."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.language import ENGLISH_ONLY_MODELS, english_only_model, english_only_note, language_note, scripts
from helpers.model.multilingual import UniversalSentenceEncoderEmbeddingFunction

ENGLISH = [
    "Where was Alan Turing born?",
    "Who proposed the imitation game in 1950?",
    "BM25 k1=1.2, b=0.75: what do they do?",
    "Kurt Gödel's incompleteness theorems",      # one accented letter in a name
    "a résumé of the café's menu",               # three
    "Is π irrational?",                          # one Greek letter
    "α and β",                                   # two: not yet a word of Greek
    "ＢＭ２５ vs ＴＦ-ＩＤＦ",                        # full-width Latin is Latin
    "",
    "   ",
    "1956 -> 1997 !!",
]
NOT_ENGLISH = {
    "チューリングはどこで生まれましたか？": "Japanese",
    "密な埋め込み": "Japanese",                    # kanji + kana
    "ラーメン": "Japanese",                        # katakana with the long-vowel mark
    "ｶﾀｶﾅ": "Japanese",                           # half-width katakana
    "人工知能": "Chinese or Japanese",              # kanji only: either language
    "图灵出生在哪里": "Chinese or Japanese",
    "튜링은 어디에서 태어났습니까?": "Korean",
    "Где родился Алан Тьюринг?": "like Cyrillic script",
    "Πού γεννήθηκε ο Τούρινγκ;": "like Greek script",
    "أين ولد آلان تورينج؟": "like Arabic script",
    "What does 埋め込み mean?": "Japanese",          # a Japanese word in an English sentence
    "Où est né Alan Turing ? À Londres, près de la forêt": "like a language other than English",
    "Über die Berechenbarkeit: Gödel, Turing und Church für Anfänger": "like a language other than English",
}


@pytest.mark.parametrize("text", ENGLISH)
def test_english_and_non_text_get_no_note(text):
    assert english_only_note(text) is None


@pytest.mark.parametrize("text, looks", NOT_ENGLISH.items())
def test_other_languages_get_a_note_that_says_what_they_look_like(text, looks):
    note = english_only_note(text)
    assert note is not None and note.startswith(f"This text looks {looks}")
    assert "all-MiniLM-L6-v2 was trained on English only: its scores for it are close to noise" in note
    assert "BM25" in note and "multilingual model" in note  # it names the fix


def test_the_note_names_the_model_it_is_given():
    assert "ms-marco-MiniLM-L-6-v2 was trained" in english_only_note("検索", model="ms-marco-MiniLM-L-6-v2")


def test_thresholds_one_dense_letter_counts_but_not_when_it_is_a_sliver():
    assert english_only_note("犬") is not None
    assert english_only_note("犬 dog") is not None                  # 1 of 4 letters: 25%
    assert english_only_note("the word for dog is 犬 in kanji script") is None  # 1 of 29: under a fifth
    assert english_only_note("Где") is not None                     # three Cyrillic letters
    assert english_only_note("Гд") is None                          # two are not a word yet
    assert english_only_note("¿Dónde nació Alan Turing?") is None   # two accents: too few to tell


def test_scripts_counts_letters_by_writing_system_after_nfkc():
    assert scripts("BM25とは何か") == {"LATIN": 2, "HIRAGANA": 3, "CJK": 1}
    assert scripts("ｶﾀｶﾅ ＡＢ") == {"KATAKANA": 4, "LATIN": 2}
    assert scripts("ラーメン")["KATAKANA"] == 4
    assert scripts("12 + 3 = 15 !") == {}


def test_scripts_and_note_reject_non_strings_with_a_clear_error():
    with pytest.raises(TypeError, match="text must be a string, got list"):
        english_only_note(["チューリング"])


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_ascii_text_never_gets_a_note(text):
    assert english_only_note(text) is None


@given(st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096), min_size=1), st.text(
    alphabet=st.characters(codec="ascii"), max_size=3))
def test_hiragana_always_gets_a_note_when_it_is_a_fifth_of_the_letters(kana, ascii_text):
    letters = sum(c.isalpha() for c in unicodedata.normalize("NFKC", kana + ascii_text))
    if len(kana) / letters >= 0.2:
        assert english_only_note(kana + ascii_text).startswith("This text looks Japanese")


class _Fn:
    def __init__(self, model_name, english_only=None):
        self.model_name = model_name
        if english_only is not None:
            self.english_only = english_only


def test_english_only_model_knows_the_tutorials_models_by_name_or_path():
    assert english_only_model(_Fn("all-MiniLM-L6-v2")) == "all-MiniLM-L6-v2"
    assert english_only_model(_Fn("sentence-transformers/all-MiniLM-L6-v2")) == "all-MiniLM-L6-v2"
    assert english_only_model(_Fn("cross-encoder/ms-marco-MiniLM-L-6-v2")) == "ms-marco-MiniLM-L-6-v2"
    assert english_only_model(_Fn("/models/all-mpnet-base-v2/")) == "all-mpnet-base-v2"
    assert "all-MiniLM-L6-v2" in ENGLISH_ONLY_MODELS


def test_english_only_model_is_none_for_multilingual_or_unknown_models():
    assert english_only_model(_Fn("jina-reranker-v2-base-multilingual")) is None
    assert english_only_model(_Fn("someone/unknown-model")) is None
    assert english_only_model(object()) is None
    # The class says so itself, without loading its weights.
    assert UniversalSentenceEncoderEmbeddingFunction.english_only is False
    assert english_only_model(UniversalSentenceEncoderEmbeddingFunction.__new__(UniversalSentenceEncoderEmbeddingFunction)) is None


def test_an_explicit_english_only_flag_wins_over_the_name():
    assert english_only_model(_Fn("my-english-model", english_only=True)) == "my-english-model"
    assert english_only_model(_Fn("all-MiniLM-L6-v2", english_only=False)) is None


def test_language_note_names_each_english_only_model_once():
    dense, rerank = _Fn("all-MiniLM-L6-v2"), _Fn("cross-encoder/ms-marco-MiniLM-L-6-v2")
    note = language_note("チューリング", dense, rerank, _Fn("all-MiniLM-L6-v2"))
    assert "all-MiniLM-L6-v2 and ms-marco-MiniLM-L-6-v2 were trained" in note
    assert language_note("チューリング", _Fn("jina-reranker-v2-base-multilingual")) is None
    assert language_note("Where was Turing born?", dense) is None
