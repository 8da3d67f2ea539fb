"""The demo corpus files are well formed, and the loader rejects broken copies by name."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import pytest

from helpers.datasets import load_beir
from helpers.demo_data import DEMO_CORPUS_DIR, DESIGNED_FOR, load_demo_corpus
from helpers.methods import METHODS


@pytest.fixture(scope="module")
def demo():
    return load_demo_corpus()


def test_sizes_match_the_brief(demo):
    assert 150 <= len(demo) <= 300
    assert 25 <= len(demo.query_ids) <= 40
    assert len(demo.titles) == len(demo.texts) == len(demo)


def test_every_method_has_queries_written_for_it(demo):
    counts = Counter(demo.designed_for)
    assert set(counts) == set(DESIGNED_FOR) == {"bm25", "dense", "rerank"}
    assert set(DESIGNED_FOR) <= set(METHODS)  # each names a method of the registry
    assert min(counts.values()) >= 8


def test_the_demo_corpus_is_what_the_beir_loader_reads(demo):
    beir = load_beir(DEMO_CORPUS_DIR, strict=True)
    assert (demo.doc_ids, demo.titles, demo.texts, demo.qrels) == (beir.doc_ids, beir.titles, beir.texts, beir.qrels)
    assert dict(zip(demo.query_ids, demo.queries)) == beir.queries
    assert demo.designed_for == [beir.query_fields[q]["designed_for"] for q in beir.query_ids]
    assert demo.why[0] == beir.query_fields["q01"]["why"] and all(demo.why)


def test_ids_unique_and_texts_distinct(demo):
    assert len(set(demo.doc_ids)) == len(demo.doc_ids)
    assert len(set(demo.query_ids)) == len(demo.query_ids)
    normalized = [" ".join(t.lower().split()) for t in demo.texts]
    assert len(set(normalized)) == len(normalized)


def test_documents_are_short(demo):
    lengths = [len(t.split()) for t in demo.texts]
    assert min(lengths) >= 15
    # all-MiniLM-L6-v2 reads at most 256 word pieces; stay well under so nothing is cut
    assert max(lengths) <= 120


def test_qrels_point_to_existing_ids_with_a_perfect_answer(demo):
    doc_ids = set(demo.doc_ids)
    assert set(demo.qrels) == set(demo.query_ids)
    for qid, judged in demo.qrels.items():
        assert set(judged) <= doc_ids
        assert 2 in judged.values(), f"{qid} has no document graded 2"


def test_qrels_file_has_the_beir_header():
    first = (DEMO_CORPUS_DIR / "qrels.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert first == "query-id\tcorpus-id\tscore"


def test_paraphrase_queries_share_no_key_word_with_their_answer(demo):
    # The dense showcase only works if BM25 cannot match on the words themselves.
    eniac = set(re.findall(r"[\w-]+", demo.texts[demo.doc_ids.index("eniac")].lower()))
    assert not {"electronic", "general-purpose", "first"} & eniac


def test_query_lookup(demo):
    assert demo.query("q26") == "Where was Alan Turing born?"
    with pytest.raises(KeyError, match="no query 'q99'"):
        demo.query("q99")


@pytest.fixture()
def copy(tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_CORPUS_DIR, folder)
    return folder


def _append(path, line):
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def test_duplicate_document_id_is_rejected(copy):
    _append(copy / "corpus.jsonl", json.dumps({"id": "eniac", "title": "x", "text": "again"}))
    with pytest.raises(ValueError, match="'eniac' twice"):
        load_demo_corpus(copy)


def test_empty_document_is_rejected(copy):
    _append(copy / "corpus.jsonl", json.dumps({"id": "blank", "title": "x", "text": "  "}))
    with pytest.raises(ValueError, match=r"corpus.jsonl, line 268: 'text' is empty"):
        load_demo_corpus(copy)


def test_document_without_a_title_is_rejected(copy):
    _append(copy / "corpus.jsonl", json.dumps({"id": "untitled", "text": "A document with no display label."}))
    with pytest.raises(ValueError, match=r"documents \['untitled'\] have no title; give each a short display label"):
        load_demo_corpus(copy)


def test_judgment_of_unknown_document_is_rejected(copy):
    _append(copy / "qrels.tsv", "q01\tno-such-doc\t2")
    with pytest.raises(ValueError, match="unknown document id 'no-such-doc'"):
        load_demo_corpus(copy)


def test_judgment_of_unknown_query_is_rejected(copy):
    _append(copy / "qrels.tsv", "q99\teniac\t2")
    with pytest.raises(ValueError, match="unknown query id 'q99'"):
        load_demo_corpus(copy)


def test_bad_grade_and_bad_method_are_rejected(copy, tmp_path):
    _append(copy / "qrels.tsv", "q01\teniac\t3")
    with pytest.raises(ValueError, match="grade must be 1 or 2"):
        load_demo_corpus(copy)
    queries = copy / "queries.jsonl"
    queries.write_text(queries.read_text(encoding="utf-8").replace('"bm25"', '"tfidf"', 1), encoding="utf-8")
    shutil.copy(DEMO_CORPUS_DIR / "qrels.tsv", copy / "qrels.tsv")
    with pytest.raises(ValueError, match="designed_for='tfidf'"):
        load_demo_corpus(copy)


def test_missing_file_names_what_is_needed(copy):
    (copy / "qrels.tsv").unlink()
    with pytest.raises(FileNotFoundError, match="qrels.tsv is missing"):
        load_demo_corpus(copy)
