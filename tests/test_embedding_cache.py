"""helpers.embedding_cache: the cache returns exactly what encoding returns, and never a stale file."""

import numpy as np
import pytest

from helpers import embedding_cache
from helpers.embedding_cache import (
    CACHE_ENV,
    CacheWarning,
    cache_dir,
    cache_path,
    cached_array,
    corpus_hash,
    encode_documents_cached,
)
from helpers.model.dense import SentenceTransformerEmbeddingFunction

DOCS = [
    "Short.",
    "A much longer document about retrieval, so that it is encoded before the short ones.",
    "Medium length text about cats.",
]


@pytest.fixture(scope="module")
def ef(minilm):
    return SentenceTransformerEmbeddingFunction("all-MiniLM-L6-v2")


class Spy:
    """Wraps an embedding function and counts how many texts it encodes."""

    def __init__(self, ef):
        self.ef, self.encoded = ef, 0
        self.model_name, self.dim, self.model = ef.model_name, ef.dim, ef.model

    def encode_documents(self, documents):
        self.encoded += len(documents)
        return self.ef.encode_documents(documents)


def test_first_call_encodes_in_order_second_call_reads_the_file(ef, tmp_path, monkeypatch):
    monkeypatch.setattr(embedding_cache, "_CHUNK", 2)  # several chunks, longest texts first
    spy = Spy(ef)
    first = encode_documents_cached(spy, DOCS, tmp_path, show_progress=False)
    np.testing.assert_allclose(first, np.stack(ef.encode_documents(DOCS)), atol=1e-6)
    assert first.dtype == np.float32 and spy.encoded == 3
    assert [p.name for p in tmp_path.iterdir()] == [cache_path(spy, DOCS, tmp_path).name]  # no temp files left
    second = encode_documents_cached(spy, DOCS, tmp_path, show_progress=False)
    assert spy.encoded == 3
    np.testing.assert_array_equal(first, second)


def test_key_changes_with_texts_settings_and_precision(ef, tmp_path):
    base = cache_path(ef, DOCS, tmp_path)
    assert base.name.startswith("all-MiniLM-L6-v2-float32-")
    assert cache_path(ef, DOCS[:2] + ["Medium length text about dogs."], tmp_path) != base
    assert cache_path(ef, DOCS[::-1], tmp_path) != base
    assert corpus_hash(["ab", "c"]) != corpus_hash(["a", "bc"])
    prefixed = SentenceTransformerEmbeddingFunction("all-MiniLM-L6-v2", doc_instruction="passage: ")
    assert cache_path(prefixed, DOCS, tmp_path) != base

    class Bf16:
        model_name, precision, model = ef.model_name, "bfloat16", ef.model

    assert "-bfloat16-" in cache_path(Bf16(), DOCS, tmp_path).name


def test_a_file_of_the_wrong_shape_is_re_encoded(ef, tmp_path):
    path = cache_path(ef, DOCS, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.zeros((2, 5), dtype=np.float32))
    with pytest.warns(CacheWarning, match=f"{path.name} is damaged"):
        result = encode_documents_cached(ef, DOCS, tmp_path, show_progress=False)
    assert result.shape == (3, ef.dim) and np.load(path).shape == (3, ef.dim)


def test_failed_encode_writes_nothing(ef, tmp_path):
    class Broken(Spy):
        def encode_documents(self, documents):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        encode_documents_cached(Broken(ef), DOCS, tmp_path, show_progress=False)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_empty_corpus_and_bad_input(ef, tmp_path):
    assert encode_documents_cached(ef, [], tmp_path).shape == (0, ef.dim)
    with pytest.raises(TypeError, match="documents must be a list of strings"):
        encode_documents_cached(ef, "one string", tmp_path)


def test_cache_folder_setting(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "retrieval-tutorial" / "embeddings"


def test_cached_array_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(6, dtype=np.float32).reshape(2, 3)

    key = corpus_hash(["q1", "q2"], "settings")
    first = cached_array("scores", key, compute, tmp_path)
    second = cached_array("scores", key, compute, tmp_path)
    np.testing.assert_array_equal(first, second)
    assert len(calls) == 1 and (tmp_path / f"scores-{key}.npy").is_file()


def test_cached_ragged_round_trips_ragged_arrays_once(tmp_path):
    calls = []
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 4)) for n in (3, 0, 1, 7)]  # float64 in, float32 out; one empty

    def compute():
        calls.append(1)
        return arrays

    key = corpus_hash(["d1", "d2", "d3", "d4"], "settings")
    first = embedding_cache.cached_ragged("tokens", key, compute, tmp_path)
    second = embedding_cache.cached_ragged("tokens", key, compute, tmp_path)
    assert len(calls) == 1 and (tmp_path / f"tokens-{key}.npz").is_file()
    assert [a.shape for a in second] == [(3, 4), (0, 4), (1, 4), (7, 4)]
    for a, b, c in zip(arrays, first, second):
        assert b.dtype == c.dtype == np.float32
        np.testing.assert_array_equal(b, a.astype(np.float32))
        np.testing.assert_array_equal(c, b)
    assert embedding_cache.cached_ragged("none", key, list, tmp_path) == []


def test_cached_ragged_rejects_mixed_widths_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="2-D arrays of one width"):
        embedding_cache.cached_ragged("bad", "k", lambda: [np.zeros((2, 3)), np.zeros((2, 4))], tmp_path)
    with pytest.raises(ValueError, match="2-D arrays of one width"):
        embedding_cache.cached_ragged("bad", "k", lambda: [np.zeros(3)], tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- damaged files are found, named and rebuilt; a read-only folder loses no work (model-free) ----


class FakeEf:
    """A model-free embedding function: each document's vector is its length, then zeros."""

    model_name, dim = "fake-model", 4

    def __init__(self):
        self.encoded = 0

    def encode_documents(self, documents):
        self.encoded += len(documents)
        return [np.array([len(d), 1, 0, 0], dtype=np.float32) for d in documents]


def _truncate(path):
    path.write_bytes(path.read_bytes()[:-7])


def _fill_nan(path):
    np.save(path, np.full(np.load(path).shape, np.nan, dtype=np.float32))


def _as_float64(path):
    np.save(path, np.load(path).astype(np.float64))


def _garbage(path):
    path.write_bytes(b"not an npy file at all")


@pytest.mark.parametrize("damage", [_truncate, _fill_nan, _as_float64, _garbage])
def test_a_damaged_dense_cache_is_named_rebuilt_and_replaced(tmp_path, damage):
    ef = FakeEf()
    good = encode_documents_cached(ef, DOCS, tmp_path, show_progress=False)
    path = cache_path(ef, DOCS, tmp_path)
    damage(path)
    with pytest.warns(CacheWarning, match=f"cache file {path}.*damaged"):
        again = encode_documents_cached(ef, DOCS, tmp_path, show_progress=False)
    np.testing.assert_array_equal(again, good)
    assert ef.encoded == 2 * len(DOCS)
    np.testing.assert_array_equal(np.load(path), good)  # the file is good again: no warning next time
    encode_documents_cached(ef, DOCS, tmp_path, show_progress=False)
    assert ef.encoded == 2 * len(DOCS)


@pytest.fixture
def read_only(monkeypatch):
    """Make every atomic write fail as in a read-only folder (root ignores chmod, so fail at mkstemp)."""
    import helpers.atomic

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(helpers.atomic.tempfile, "mkstemp", refuse)


def test_a_read_only_cache_folder_keeps_the_computed_result_and_says_so(tmp_path, read_only):
    ef = FakeEf()
    with pytest.warns(CacheWarning, match=r"could not write the cache file .*Permission denied.*not kept"):
        vectors = encode_documents_cached(ef, DOCS, tmp_path, show_progress=False)
    assert vectors.shape == (3, 4) and vectors[1, 0] == len(DOCS[1])
    with pytest.warns(CacheWarning, match="could not write"):
        assert cached_array("scores", "k", lambda: np.ones(2), tmp_path).tolist() == [1.0, 1.0]


def test_cached_array_checks_shape_and_finiteness_but_may_allow_nan(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.array([[1.0, np.nan], [np.nan, 2.0]], dtype=np.float32)

    cached_array("rerank", "k", compute, tmp_path, shape=(2, 2), allow_nan=True)
    path = tmp_path / "rerank-k.npy"
    np.save(path, np.full((2, 2), np.nan, dtype=np.float32))  # well-formed, but nothing but nan
    with pytest.warns(CacheWarning, match="nothing but nan"):
        cached_array("rerank", "k", compute, tmp_path, shape=(2, 2), allow_nan=True)
    np.save(path, np.ones((3, 2), dtype=np.float32))
    with pytest.warns(CacheWarning, match=r"shape \(3, 2\), expected \(2, 2\)"):
        cached_array("rerank", "k", compute, tmp_path, shape=(2, 2), allow_nan=True)
    np.save(tmp_path / "plain-k.npy", np.array([1.0, np.inf]))
    with pytest.warns(CacheWarning, match="nan or inf"):
        assert cached_array("plain", "k", lambda: np.zeros(2), tmp_path).tolist() == [0.0, 0.0]
    assert len(calls) == 3


@pytest.mark.parametrize(
    "data, offsets, problem",
    [
        (np.ones((4, 2), np.float32), np.array([0, 1, 9]), "do not split"),
        (np.ones((4, 2), np.float32), np.array([0, 3, 1, 4]), "do not split"),
        (np.full((4, 2), np.nan, np.float32), np.array([0, 2, 4]), "nan or inf"),
        (np.ones((4, 2), np.float64), np.array([0, 2, 4]), "float32"),
        (np.ones((4, 2), np.float32), np.array([0, 4]), "expected 2"),
    ],
)
def test_a_damaged_token_cache_is_rebuilt(tmp_path, data, offsets, problem):
    arrays = [np.ones((1, 2), np.float32), np.zeros((2, 2), np.float32)]
    embedding_cache.cached_ragged("tokens", "k", lambda: arrays, tmp_path, count=2)
    np.savez(tmp_path / "tokens-k.npz", data=data, offsets=offsets)
    with pytest.warns(CacheWarning, match=f"tokens-k.npz is damaged.*{problem}"):
        again = embedding_cache.cached_ragged("tokens", "k", lambda: arrays, tmp_path, count=2)
    assert [a.tolist() for a in again] == [a.tolist() for a in arrays]


def test_a_truncated_token_cache_is_rebuilt(tmp_path):
    arrays = [np.ones((3, 2), np.float32)]
    embedding_cache.cached_ragged("tokens", "k", lambda: arrays, tmp_path)
    _truncate(tmp_path / "tokens-k.npz")
    with pytest.warns(CacheWarning, match="tokens-k.npz is damaged"):
        assert embedding_cache.cached_ragged("tokens", "k", lambda: arrays, tmp_path)[0].shape == (3, 2)


def test_invalid_unicode_is_named_before_any_encoding_and_hashing_never_fails(tmp_path):
    ef = FakeEf()
    with pytest.raises(ValueError, match=r"documents\[1\] has a lone surrogate"):
        encode_documents_cached(ef, ["fine", "half \ud83d emoji"], tmp_path, show_progress=False)
    assert ef.encoded == 0
    assert corpus_hash(["\ud800"]) != corpus_hash(["\ud801"])


def test_cached_sparse_round_trips_and_computes_once(tmp_path):
    from scipy.sparse import csr_array

    matrix = csr_array(np.array([[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.25]], dtype=np.float32))
    calls = []

    def compute():
        calls.append(1)
        return matrix

    first = embedding_cache.cached_sparse("splade-test", "k1", compute, tmp_path)
    second = embedding_cache.cached_sparse("splade-test", "k1", compute, tmp_path)
    assert calls == [1] and second.shape == (3, 3)
    np.testing.assert_array_equal(first.toarray(), matrix.toarray())
    np.testing.assert_array_equal(second.toarray(), matrix.toarray())
    assert [p.name for p in tmp_path.iterdir()] == ["splade-test-k1.npz"]  # no temporary file left
    (tmp_path / "splade-test-k1.npz").write_bytes(b"damaged")
    with pytest.warns(embedding_cache.CacheWarning, match="damaged"):
        again = embedding_cache.cached_sparse("splade-test", "k1", compute, tmp_path)
    assert calls == [1, 1] and again.nnz == 3
