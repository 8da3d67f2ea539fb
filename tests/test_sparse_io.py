"""save/load: pymilvus-model's v1 JSON both ways, analyzer settings, atomic writes, broken files."""

import json

import numpy as np
import pytest
from pymilvus.model.sparse.bm25.bm25 import BM25EmbeddingFunction as PymilvusBM25

from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

QUERIES = ["Where was Turing born?", "AI research", "the"]


@pytest.fixture(scope="module")
def en():
    return build_default_analyzer(language="en")


@pytest.fixture
def fitted(en, blog_docs):
    return BM25EmbeddingFunction(en, blog_docs, k1=1.2, b=0.7, epsilon=0.3)


def _same_vectors(a, b, docs):
    np.testing.assert_allclose(a.encode_documents(docs).toarray(), b.encode_documents(docs).toarray(), atol=1e-6)
    np.testing.assert_allclose(a.encode_queries(QUERIES).toarray(), b.encode_queries(QUERIES).toarray(), atol=1e-6)


def test_round_trip_restores_everything(fitted, blog_docs, tmp_path):
    path = tmp_path / "bm25_params.json"
    fitted.save(path)
    loaded = BM25EmbeddingFunction()
    loaded.load(path)
    assert (loaded.k1, loaded.b, loaded.epsilon, loaded.corpus_size) == (1.2, 0.7, 0.3, 3)
    assert loaded.vocabulary == fitted.vocabulary and loaded.avgdl == fitted.avgdl
    np.testing.assert_array_equal(loaded.idf, fitted.idf)
    _same_vectors(loaded, fitted, blog_docs)
    saved = json.loads(path.read_text())
    assert saved["version"] == "v1" and saved["idf_word"] == fitted.vocabulary and saved["analyzer"]["name"] == "en"


def test_pymilvus_model_loads_our_file(fitted, en, blog_docs, tmp_path):
    path = tmp_path / "ours.json"
    fitted.save(path)
    theirs = PymilvusBM25(en)
    theirs.load(str(path))
    _same_vectors(theirs, fitted, blog_docs)


def test_we_load_pymilvus_models_file_keeping_our_analyzer(en, blog_docs, tmp_path):
    path = tmp_path / "theirs.json"
    theirs = PymilvusBM25(en, blog_docs, k1=1.3)
    theirs.save(str(path))
    ours = BM25EmbeddingFunction(en)
    ours.load(path)
    assert ours.analyzer is en and ours.k1 == 1.3
    _same_vectors(ours, theirs, blog_docs)


def test_load_restores_the_saved_analyzer(blog_docs, tmp_path):
    ja_docs = ["チューリングはロンドンで生まれた。", "人工知能の研究は1956年に始まった。", "東京は日本の首都です。"]
    path = tmp_path / "ja.json"
    BM25EmbeddingFunction(build_default_analyzer("ja"), ja_docs).save(path)
    loaded = BM25EmbeddingFunction()  # English by default ...
    with pytest.warns(UserWarning, match="different analyzer"):
        loaded.load(path)
    assert loaded.analyzer.name == "ja"  # ... but the file's Japanese analyzer wins
    assert loaded.decode(loaded.encode_queries(["チューリングはどこで生まれましたか"]))[0].keys() == {"チューリング", "生まれる"}


def test_save_keeps_a_file_that_is_not_bm25_params(fitted, tmp_path):
    path = tmp_path / "bm25_params.json"
    for text in ("my notes", '{"version": "v1", "my": "settings"}', ""):
        path.write_text(text)
        with pytest.raises(FileExistsError, match="not a BM25 parameter file.*overwrite=True"):
            fitted.save(path)
        assert path.read_text() == text
    fitted.save(path, overwrite=True)
    assert json.loads(path.read_text())["corpus_size"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["bm25_params.json"]  # no temp file left behind


def test_save_replaces_a_bm25_params_file(fitted, en, blog_docs, tmp_path):
    path = tmp_path / "bm25_params.json"
    BM25EmbeddingFunction(corpus=["an older corpus", "of two documents"]).save(path)
    fitted.save(path)  # the blog's save("bm25_params.json"), run a second time
    assert json.loads(path.read_text())["corpus_size"] == 3
    PymilvusBM25(en, blog_docs[:2]).save(path)  # pymilvus-model's files are BM25 parameter files too ...
    fitted.save(path)  # ... so they are replaced as well
    assert json.loads(path.read_text())["corpus_size"] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["bm25_params.json"]


def test_save_errors(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fitted.save(tmp_path / "missing" / "bm25.json")
    with pytest.raises(IsADirectoryError):
        fitted.save(tmp_path, overwrite=True)
    with pytest.raises(RuntimeError, match="fit"):
        BM25EmbeddingFunction().save(tmp_path / "empty.json")


def _broken_files(good: dict) -> dict:
    text = json.dumps(good)
    return {
        "truncated": text[: len(text) // 2],
        "corrupt": b"\xff\xfe\x00 not UTF-8, not JSON",
        "wrong version": json.dumps({**good, "version": "v2"}),
        "no version": json.dumps({k: v for k, v in good.items() if k != "version"}),
        "missing key": json.dumps({k: v for k, v in good.items() if k != "avgdl"}),
        "length mismatch": json.dumps({**good, "idf_value": good["idf_value"][:-1]}),
        "bad value": json.dumps({**good, "idf_value": ["x"] * len(good["idf_value"])}),
        "repeated word": json.dumps({**good, "idf_word": [good["idf_word"][0]] * len(good["idf_word"])}),
        "not an object": "[1, 2, 3]",
        "zero corpus": json.dumps({**good, "corpus_size": 0}),
        "bad b": json.dumps({**good, "b": 3}),
        "bad analyzer": json.dumps({**good, "analyzer": {"tokenizer": {"type": "nltk"}, "filters": []}}),
        "invalid regex": json.dumps({**good, "analyzer": {"tokenizer": {"type": "regex", "pattern": "[a-"}, "filters": []}}),
        "backtracking regex": json.dumps(
            {**good, "analyzer": {"tokenizer": {"type": "regex", "pattern": "(\\w+\\s?)+$"}, "filters": []}}
        ),
        "huge regex": json.dumps({**good, "analyzer": {"tokenizer": {"type": "regex", "pattern": "a" * 10_000}, "filters": []}}),
    }


@pytest.mark.parametrize("case", list(_broken_files({"idf_word": ["a"], "idf_value": [1.0]})))
def test_broken_files_raise_and_leave_state_unchanged(case, fitted, blog_docs, tmp_path):
    good_path = tmp_path / "good.json"
    fitted.save(good_path)
    path = tmp_path / "broken.json"
    content = _broken_files(json.loads(good_path.read_text()))[case]
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = fitted.encode_documents(blog_docs).toarray(), fitted.analyzer, fitted.k1
    with pytest.raises(ValueError, match=str(path.name)):
        fitted.load(path)
    assert np.array_equal(fitted.encode_documents(blog_docs).toarray(), before[0])
    assert (fitted.analyzer, fitted.k1) == before[1:]


def test_missing_file(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"fit\(corpus\) then save\(path\)"):
        fitted.load(tmp_path / "nope.json")


def test_save_keeps_the_umask_for_new_files_and_the_mode_of_an_existing_one(fitted, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        new = tmp_path / "new.json"
        fitted.save(new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o644  # was 0o600: mkstemp's mode leaked through
        shared = tmp_path / "shared.json"
        fitted.save(shared)
        shared.chmod(0o664)
        fitted.save(shared, overwrite=True)
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_save_to_a_folder_advises_a_file_name_not_overwrite(fitted, tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name such as .*bm25_params.json") as error:
        fitted.save(tmp_path)
    assert "overwrite=True" not in str(error.value)
