"""helpers.datasets: BEIR layouts, where data is looked up, offline messages, archive checks."""

import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from helpers import datasets
from helpers.datasets import DatasetNotAvailable, find_dataset, install_archive, load_beir

CORPUS = [
    {"_id": "d1", "title": "Cats", "text": "Cats purr."},
    {"_id": "d2", "title": "", "text": "Dogs bark."},
    {"_id": "d3", "title": "Birds", "text": "Birds sing."},
]
QUERIES = [{"_id": "q1", "text": "purring"}, {"_id": "q2", "text": "barking"}, {"_id": "q9", "text": "train only"}]


def _jsonl(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def _write_beir(folder: Path, gz: bool = False) -> Path:
    """BEIR's own layout: one queries.jsonl for every split, qrels/<split>.tsv."""
    (folder / "qrels").mkdir(parents=True)
    if gz:
        with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8") as f:
            f.write(_jsonl(CORPUS))
    else:
        (folder / "corpus.jsonl").write_text(_jsonl(CORPUS), encoding="utf-8")
    (folder / "queries.jsonl").write_text(_jsonl(QUERIES), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td3\t0\n")
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq9\td3\t1\n")
    return folder


def _isolate(monkeypatch, tmp_path):
    """No RETRIEVAL_DATA, no shared folder, a private user cache, offline."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.setattr(datasets, "_SHARED", tmp_path / "no-shared")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize("gz", [False, True])
def test_load_beir_layout_splits_and_documents(tmp_path, gz):
    folder = _write_beir(tmp_path / "toy", gz=gz)
    test = load_beir(folder, split="test")
    assert test.doc_ids == ["d1", "d2", "d3"]
    assert test.documents == ["Cats Cats purr.", "Dogs bark.", "Birds Birds sing."]
    assert test.queries == {"q1": "purring", "q2": "barking"}  # only the split's judged queries
    assert test.qrels == {"q1": {"d1": 1}, "q2": {"d2": 2, "d3": 0}}
    assert repr(test) == "BeirDataset('toy', split='test': 3 documents, 2 queries, 3 judgements)"
    train = load_beir(folder, split="train")
    assert train.query_ids == ["q9"] and train.query_texts == ["train only"]


def test_shared_layout_with_split_files_and_id_field(tmp_path):
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "corpus.jsonl").write_text(_jsonl([{"id": "7", "title": "T", "text": "x"}]))
    (folder / "queries.jsonl").write_text(_jsonl([{"id": "1", "text": "test q"}]))
    (folder / "queries_train.jsonl").write_text(_jsonl([{"id": "2", "text": "train q"}]))
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n1\t7\t1\n")
    (folder / "qrels_train.tsv").write_text("query-id\tcorpus-id\tscore\n2\t7\t1\n")
    assert load_beir(folder).queries == {"1": "test q"}
    assert load_beir(folder, split="train").qrels == {"2": {"7": 1}}
    with pytest.raises(FileNotFoundError, match="judgements for split 'dev'"):
        load_beir(folder, split="dev")


def test_bad_files_name_the_line(tmp_path):
    folder = _write_beir(tmp_path / "bad")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1 d1 1\n")
    with pytest.raises(ValueError, match=r"line 2: expected 'query-id<TAB>corpus-id<TAB>score'"):
        load_beir(folder)
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq404\td1\t1\n")
    with pytest.raises(ValueError, match="missing from .*queries.jsonl"):
        load_beir(folder)
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td404\t1\nq1\td1\t1\n")
    with pytest.warns(UserWarning, match="1 judgements .* missing from the corpus"):
        assert load_beir(folder).qrels == {"q1": {"d1": 1}}
    with pytest.raises(DatasetNotAvailable, match="needs corpus.jsonl"):
        load_beir(tmp_path / "nothing-here")


def test_environment_variable_wins(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    _write_beir(tmp_path / "mine" / "scifact")
    monkeypatch.setenv(datasets.DATA_ENV, str(tmp_path / "mine"))
    assert find_dataset("scifact") == tmp_path / "mine" / "scifact"
    assert load_beir("scifact").path == tmp_path / "mine" / "scifact"


def test_shared_folder_beside_the_checkout_is_found(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    monkeypatch.setattr(datasets, "_SHARED", tmp_path / "shared")
    _write_beir(tmp_path / "shared" / "scifact", gz=True)
    assert find_dataset("scifact") == tmp_path / "shared" / "scifact"


def test_offline_without_data_says_what_to_do(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    with pytest.raises(DatasetNotAvailable) as info:
        load_beir("scifact")
    message = str(info.value)
    assert "RETRIEVAL_DATA" in message and "scifact.zip" in message and "HF_HUB_OFFLINE" in message
    with pytest.raises(DatasetNotAvailable, match="only SciFact is downloaded automatically"):
        find_dataset("nfcorpus")


def test_failed_download_is_reported_not_raised_raw(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)

    def no_network(name, dest):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(datasets, "_download_beir", no_network)
    with pytest.raises(DatasetNotAvailable, match="the download failed .*Name or service not known"):
        find_dataset("scifact")


def _zip(tmp_path, folder):
    archive = tmp_path / "scifact.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, Path("scifact") / path.relative_to(folder))
    return archive


def test_install_archive_checks_md5_and_unpacks_atomically(tmp_path):
    archive = _zip(tmp_path, _write_beir(tmp_path / "src"))
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(DatasetNotAvailable, match="incomplete or altered"):
        install_archive(archive, "scifact", dest, md5="0" * 32)
    assert list(dest.iterdir()) == []  # nothing half-unpacked is left behind
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    target = install_archive(archive, "scifact", dest, md5=md5)
    assert target == dest / "scifact"
    assert sorted(p.name for p in dest.iterdir()) == ["scifact"]
    assert load_beir(target).qrels == {"q1": {"d1": 1}, "q2": {"d2": 2, "d3": 0}}


def test_real_scifact_when_present(monkeypatch):
    try:
        folder = find_dataset("scifact", download=False)
    except DatasetNotAvailable as exc:
        pytest.skip(str(exc))
    test, train = load_beir(folder, "test"), load_beir(folder, "train")
    assert (len(test), len(test.queries), sum(map(len, test.qrels.values()))) == (5183, 300, 339)
    assert (len(train.queries), sum(map(len, train.qrels.values()))) == (809, 919)
    assert not set(test.queries) & set(train.queries)


# --- strict loading: every error names the file, the line and the fix ---------------------------


def _corrupt(folder: Path, case: str) -> tuple[Path, str]:
    """Damage one file of a BEIR folder; return the damaged file and the expected message fragment."""
    corpus, queries, qrels = folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / "test.tsv"
    if case == "duplicate document":
        corpus.write_text(_jsonl(CORPUS + [{"_id": "d2", "title": "", "text": "Another d2."}]))
        return corpus, r"the id 'd2' twice \(line 2 and line 4\).*duplicates='first' or 'last'"
    if case == "duplicate query":
        queries.write_text(_jsonl(QUERIES + [QUERIES[0]]))
        return queries, r"the id 'q1' twice \(line 1 and line 4\)"
    if case == "judged twice":
        qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t2\n")
        return qrels, "line 3: query 'q1' and document 'd1' were judged on line 2 already"
    if case == "fractional score":
        qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\t0.5\n")
        return qrels, "line 2: the score must be a whole number.*got '0.5'"
    if case == "query without text":
        queries.write_text(_jsonl([{"_id": "q1"}, QUERIES[1]]))
        return queries, "line 1: a record needs a 'text' string field"
    if case == "document without text":
        corpus.write_text(_jsonl([CORPUS[0], {"_id": "d2", "title": "x"}, CORPUS[2]]))
        return corpus, "line 2: a record needs a 'text' string field"
    if case == "not UTF-8":
        corpus.write_bytes(_jsonl(CORPUS[:1]).encode() + b'{"_id": "d2", "text": "caf\xe9"}\n')
        return corpus, r"line 2: not UTF-8 \(byte 0xe9 at column 27\); re-save the file as UTF-8"
    if case == "truncated gz":
        corpus.unlink()
        data = gzip.compress(_jsonl(CORPUS * 50).encode())
        (folder / "corpus.jsonl.gz").write_bytes(data[: len(data) // 2])
        return folder / "corpus.jsonl.gz", "truncated or damaged after line .*copy or download it again"
    if case == "not an object":
        corpus.write_text(_jsonl(CORPUS) + "[1, 2]\n")
        return corpus, "line 4: expected a JSON object"
    raise AssertionError(case)


CASES = [
    "duplicate document", "duplicate query", "judged twice", "fractional score", "query without text",
    "document without text", "not UTF-8", "truncated gz", "not an object",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_broken_files_name_the_file_the_line_and_the_fix(tmp_path, case):
    folder = _write_beir(tmp_path / "data")
    path, fragment = _corrupt(folder, case)
    with pytest.raises(ValueError, match=fragment) as error:
        load_beir(folder)
    assert str(path) in str(error.value)
    assert error.value.__cause__ is None  # the message says it all; no raw codec or zlib error behind it


def test_duplicates_can_say_which_record_wins(tmp_path):
    folder = _write_beir(tmp_path / "data")
    _corrupt(folder, "duplicate document")
    first, last = load_beir(folder, duplicates="first"), load_beir(folder, duplicates="last")
    assert first.doc_ids == ["d1", "d2", "d3"] and last.doc_ids == ["d1", "d3", "d2"]  # each record at its line
    assert first.texts[1] == "Dogs bark." and last.texts[2] == "Another d2."
    with pytest.raises(ValueError, match="duplicates must be one of"):
        load_beir(folder, duplicates="max")


def test_a_bom_and_scores_written_as_floats_are_read(tmp_path):
    folder = _write_beir(tmp_path / "data")
    for path in (folder / "corpus.jsonl", folder / "queries.jsonl"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (folder / "qrels" / "test.tsv").write_bytes(b"\xef\xbb\xbfquery-id\tcorpus-id\tscore\r\nq1\td1\t1.0\r\nq2\td2\t2\r\n")
    data = load_beir(folder)
    assert data.doc_ids == ["d1", "d2", "d3"] and data.qrels == {"q1": {"d1": 1}, "q2": {"d2": 2}}
    assert type(data.qrels["q1"]["d1"]) is int


# --- one loader for every collection: extra fields, strict mode, the project's own folders -----


def test_fields_beyond_id_title_and_text_are_kept_by_id(tmp_path):
    folder = _write_beir(tmp_path / "data")
    (folder / "corpus.jsonl").write_text(_jsonl([{**CORPUS[0], "metadata": {"year": 2020}}, *CORPUS[1:]]))
    (folder / "queries.jsonl").write_text(_jsonl([{**QUERIES[0], "designed_for": "bm25"}, *QUERIES[1:]]))
    data = load_beir(folder)
    assert data.doc_fields == {"d1": {"metadata": {"year": 2020}}}
    assert data.query_fields == {"q1": {"designed_for": "bm25"}}
    assert load_beir(folder, split="train").query_fields == {}  # only the split's queries


@pytest.mark.parametrize(
    "qrels, queries, fragment",
    [
        ("q1\td1\t1\nq2\td404\t1\n", QUERIES, r"test.tsv, line 3: unknown document id 'd404'; fix the id"),
        ("q1\td1\t1\nq404\td1\t1\n", QUERIES, r"test.tsv, line 3: unknown query id 'q404'"),
        ("q1\td1\t1\n", QUERIES[:2], r"no relevant document for queries \['q2'\]"),
        ("q1\td1\t1\nq2\td2\t1\n", [QUERIES[0], {"_id": "q2", "text": "  "}], r"queries.jsonl, line 2: 'text' is empty"),
    ],
)
def test_strict_loading_refuses_what_the_default_drops(tmp_path, qrels, queries, fragment):
    folder = _write_beir(tmp_path / "data")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + qrels)
    (folder / "queries.jsonl").write_text(_jsonl(queries))
    with pytest.raises(ValueError, match=fragment):
        load_beir(folder, strict=True)


def test_default_loading_keeps_unjudged_queries_out_and_empty_texts_in(tmp_path):
    folder = _write_beir(tmp_path / "data")
    (folder / "corpus.jsonl").write_text(_jsonl([*CORPUS, {"_id": "d4", "text": ""}]))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    data = load_beir(folder)
    assert data.texts[-1] == "" and data.queries == {"q1": "purring"}


def test_the_projects_own_collections_are_found_by_name(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    demo, blog = load_beir("demo_corpus", strict=True), load_beir("blog", strict=True)
    assert demo.path == Path(datasets.__file__).parents[1] / "data" / "demo_corpus"
    assert (len(demo), len(demo.queries), len(blog), len(blog.queries)) == (267, 34, 7, 2)


def test_a_download_shows_its_bar_through_progress_bar(tmp_path, monkeypatch):
    # The download's bar is made by helpers.progress (which honours TQDM_DISABLE), not by tqdm directly.
    import sys
    from types import SimpleNamespace

    archive = _zip(tmp_path, _write_beir(tmp_path / "src"))
    payload = archive.read_bytes()
    response = SimpleNamespace(
        headers={"content-length": str(len(payload))}, raise_for_status=lambda: None,
        iter_content=lambda chunk_size: [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)],
    )  # fmt: skip

    class Streamed:
        def __enter__(self):
            return response

        def __exit__(self, *exc):
            return False

    from helpers import progress

    bars, real = [], progress.progress_bar

    def progress_bar(*args, **kwargs):
        bars.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setitem(sys.modules, "requests", SimpleNamespace(get=lambda *a, **k: Streamed()))
    monkeypatch.setattr(progress, "progress_bar", progress_bar)
    monkeypatch.setitem(datasets._BEIR_MD5, "scifact", hashlib.md5(payload).hexdigest())
    target = datasets._download_beir("scifact", tmp_path / "dest")
    assert load_beir(target).doc_ids == ["d1", "d2", "d3"]
    assert bars == [{"total": len(payload), "unit": "B", "unit_scale": True, "desc": "scifact.zip"}]
