"""helpers.validation (the one text validator and argument checks) and helpers.atomic (the one writer)."""

import os
import stat
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.atomic import new_file_mode, save_arrays_atomic, write_atomic
from helpers.validation import (
    EmptyQueryError,
    InvalidTextError,
    WrongTypeError,
    check_number,
    check_positive_int,
    check_query,
    check_texts,
    is_blank,
    keep_unique,
)

# Every code point, lone surrogates included (hypothesis leaves those out unless asked).
any_character = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=())
any_text = st.text(alphabet=any_character, max_size=30)


def _is_surrogate(ch):
    return 0xD800 <= ord(ch) <= 0xDFFF


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(any_text, max_size=5))
def test_replace_gives_encodable_text_of_the_same_length_changing_only_surrogates(texts):
    cleaned = check_texts(texts, errors="replace")
    for before, after in zip(texts, cleaned, strict=True):
        after.encode("utf-8")  # never raises
        assert len(after) == len(before)
        assert all(a == ("\ufffd" if _is_surrogate(b) else b) for a, b in zip(after, before))


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(any_text, max_size=5))
def test_strict_raises_exactly_when_a_text_has_a_surrogate_and_names_where(texts):
    bad = [(i, next(j for j, ch in enumerate(t) if _is_surrogate(ch))) for i, t in enumerate(texts) if any(map(_is_surrogate, t))]
    if not bad:
        assert check_texts(texts, "documents") == texts
        return
    with pytest.raises(InvalidTextError) as error:
        check_texts(texts, "documents")
    item, position = bad[0]
    assert f"documents[{item}] has a lone surrogate" in str(error.value)
    assert f"at character {position}" in str(error.value) and "errors='replace'" in str(error.value)


@settings(max_examples=300, deadline=None)
@given(query=any_text)
def test_a_query_is_empty_exactly_when_it_shows_nothing_to_read(query):
    visible = [ch for ch in query if not ch.isspace() and unicodedata.category(ch) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}]
    assert is_blank(query) == (not visible)
    if not visible:
        with pytest.raises(EmptyQueryError, match="Type a query"):
            check_query(query)
    elif any(map(_is_surrogate, query)):
        with pytest.raises(InvalidTextError):
            check_query(query)
        assert "\ufffd" in check_query(query, errors="replace")
    else:
        assert check_query(query) == query


@pytest.mark.parametrize("query", ["", " ", "\u200b", "\x00", "\u200b\u200c\u200d\ufeff", "\x00 \t\n", "\u2060\u00ad"])
def test_invisible_queries_raise_the_empty_query_error(query):
    with pytest.raises(EmptyQueryError):
        check_query(query)


def test_bad_arguments_of_the_validator_itself():
    with pytest.raises(ValueError, match="errors must be 'strict'"):
        check_texts(["a"], errors="ignore")
    with pytest.raises(TypeError, match="single string"):
        check_texts("abc")
    with pytest.raises(TypeError, match="item 1 is int"):
        check_texts(["a", 1])


@pytest.mark.parametrize("value", [True, 2.0, "3", None, np.float64(2)])
def test_counts_must_be_integers_not_bools(value):
    with pytest.raises(WrongTypeError, match="batch_size must be an integer"):
        check_positive_int(value, "batch_size")


def test_counts_accept_numpy_integers_and_reject_zero():
    assert check_positive_int(np.int64(3), "k") == 3 and type(check_positive_int(np.int32(3), "k")) is int
    with pytest.raises(ValueError, match="k must be at least 1"):
        check_positive_int(0, "k")


@pytest.mark.parametrize("value", [np.float32(0.25), np.float64(0.25), np.int8(0), 1, 0.25])
def test_numbers_accept_numpy_scalars(value):
    assert check_number(value, "weight", low=0, high=1) == float(value)


@pytest.mark.parametrize("value, fragment", [(float("nan"), "between 0 and 1"), (np.float32("inf"), "between"), (1.5, "between")])
def test_numbers_reject_nan_inf_and_out_of_range(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        check_number(value, "weight", low=0, high=1)


def test_wrong_types_are_both_type_and_value_errors():
    with pytest.raises(TypeError):
        check_number("0.3", "weight")
    with pytest.raises(ValueError):
        check_number(True, "weight")


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.sampled_from("abcd"), max_size=8))
def test_keep_unique_keeps_one_position_per_id(ids):
    first, last = keep_unique(ids, "first", "x"), keep_unique(ids, "last", "x")
    assert [ids[i] for i in first] == list(dict.fromkeys(ids))
    assert sorted(ids[i] for i in last) == sorted(set(ids)) and all(ids[i] not in ids[i + 1 :] for i in last)
    if len(set(ids)) < len(ids):
        with pytest.raises(ValueError, match="twice.*duplicates='first' or 'last'"):
            keep_unique(ids, "error", "x")
    else:
        assert keep_unique(ids, "error", "x") == list(range(len(ids)))


# --- the atomic writer ------------------------------------------------------------------------


@pytest.fixture
def umask():
    """Set the process umask for one test, then restore it."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, mask, mode):
    umask(mask)
    assert new_file_mode() == mode
    path = write_atomic(tmp_path / "f.bin", lambda f: f.write(b"x"))
    assert stat.S_IMODE(path.stat().st_mode) == mode  # mkstemp alone gives 0o600


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640])
def test_an_existing_file_keeps_its_mode(tmp_path, umask, mode):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    path.chmod(mode)
    write_atomic(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == mode


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")

    def broken(f):
        f.write(b"half")
        raise KeyboardInterrupt  # a kill mid-write

    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, broken)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_arrays_are_saved_atomically_into_a_new_folder(tmp_path):
    vector = np.arange(4, dtype=np.float32)
    one = save_arrays_atomic(tmp_path / "new" / "v.npy", vector)
    np.testing.assert_array_equal(np.load(one), vector)
    many = save_arrays_atomic(tmp_path / "new" / "m.npz", data=vector, offsets=np.array([0, 4]))
    with np.load(many) as stored:
        assert sorted(stored.files) == ["data", "offsets"] and stored["offsets"].tolist() == [0, 4]
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["m.npz", "v.npy"]  # no temporary left
