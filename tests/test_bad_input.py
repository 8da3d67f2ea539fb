"""What every public function promises for bad input, in one table (see docs/reliability.md).

Each row is ``(call, promise)``: the call, with a fresh temporary folder ``t`` when it needs
files, and what it must do: raise that exception with that fragment in its message, or return
that defined result. No row loads a model: searches run on a small fake dense model and the real
BM25, so the whole table runs in the fast tier.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from helpers.datasets import load_beir
from helpers.demo_data import load_demo_corpus
from helpers.embedding_cache import cached_array, cached_ragged, corpus_hash, encode_documents_cached
from helpers.fusion import min_max, ranks, reciprocal_rank_fusion, weighted_sum
from helpers.metrics import mrr_at_k, ndcg_at_k, recall_at_k, run_from_scores, top_k
from helpers.milvus import connect
from helpers.model.base import RerankResult
from helpers.model.dense import SentenceTransformerEmbeddingFunction
from helpers.model.reranker import JinaRerankFunction, MaxSimRerankFunction
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
from helpers.model.sparse.analyzers import RegexTokenizer
from helpers.search import Search
from helpers.validation import EmptyQueryError, InvalidTextError, check_query, check_texts

NAN, INF = float("nan"), float("inf")
DOCS = ["Alan Turing was born in London.", "ENIAC filled a room.", "Dartmouth 1956 founded AI."]


@dataclass(frozen=True)
class Raises:
    """The call raises ``error`` with ``fragment`` in its message."""

    error: type[BaseException]
    fragment: str


@dataclass(frozen=True)
class Returns:
    """The call returns ``value`` (compared with ==, or by ``check`` when given)."""

    value: Any = None
    check: Callable[[Any], bool] | None = None


class FakeDense:
    """A model-free dense function: a text's vector counts a few letters (unit length)."""

    dim, model_name = 4, "fake-dense"

    def _vectors(self, texts):
        vectors = np.array([[t.count(c) + 0.1 for c in "aeio"] for t in texts], dtype=np.float32)
        return list(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))

    def encode_documents(self, documents):
        return self._vectors(check_texts(documents, "documents"))

    encode_queries = encode_documents


def fake_rerank(query, documents, top_k=5):
    scores = [-abs(len(d) - len(query)) for d in documents]
    order = sorted(range(len(documents)), key=lambda i: -scores[i])[:top_k]
    return [RerankResult(documents[i], scores[i], i) for i in order]


_SEARCH: list[Search] = []


def search() -> Search:
    if not _SEARCH:
        _SEARCH.append(Search(DOCS, dense_ef=FakeDense(), rerank_fn=fake_rerank, show_progress=False))
    return _SEARCH[0]


def fitted_bm25() -> BM25EmbeddingFunction:
    bm25 = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25.fit(DOCS)
    return bm25


def beir(t: Path, corpus: bytes | None = None, queries: bytes | None = None, qrels: bytes | None = None, gz=False) -> Path:
    """A small BEIR folder in ``t``, with any of its three files replaced by raw bytes."""
    records = [{"_id": f"d{i}", "title": "", "text": text} for i, text in enumerate(DOCS)]
    default_corpus = "".join(json.dumps(r) + "\n" for r in records).encode()
    (t / "qrels").mkdir(parents=True, exist_ok=True)
    data = corpus if corpus is not None else default_corpus
    if gz:
        (t / "corpus.jsonl.gz").write_bytes(data)
    else:
        (t / "corpus.jsonl").write_bytes(data)
    (t / "queries.jsonl").write_bytes(queries if queries is not None else b'{"_id": "q1", "text": "Turing"}\n')
    (t / "qrels" / "test.tsv").write_bytes(qrels if qrels is not None else b"query-id\tcorpus-id\tscore\nq1\td0\t1\n")
    return t


def bm25_params(t: Path, **changes: Any) -> Path:
    """A saved BM25 file in ``t`` with some keys changed."""
    path = t / "bm25.json"
    fitted_bm25().save(path)
    params = json.loads(path.read_text())
    params.update(changes)
    path.write_text(json.dumps(params))
    return path


def _load(path: Path) -> None:
    BM25EmbeddingFunction(build_default_analyzer("en")).load(path)


def _regex_params(pattern: str) -> dict:
    return {"analyzer": {"tokenizer": {"type": "regex", "pattern": pattern}, "filters": []}}


class CountingEf(FakeDense):
    model_name = "counting"


def _nan_cache(t: Path) -> np.ndarray:
    ef = CountingEf()
    good = encode_documents_cached(ef, DOCS, t, show_progress=False)
    (path,) = t.glob("counting-*.npy")
    np.save(path, np.full(good.shape, np.nan, dtype=np.float32))
    with pytest.warns(UserWarning, match="damaged"):
        return encode_documents_cached(ef, DOCS, t, show_progress=False)


Q = {"q": {"d1": 1}}
ROWS: list[tuple[str, Callable[[Path], Any], Raises | Returns]] = [
    # --- metrics: nan and -inf mean "not retrieved", in any order; bad arguments are errors
    ("mrr ignores nan, order 1", lambda t: mrr_at_k(Q, {"q": {"d1": 0.5, "d3": NAN, "d2": 0.9}}), Returns(0.5)),
    ("mrr ignores nan, order 2", lambda t: mrr_at_k(Q, {"q": {"d3": NAN, "d2": 0.9, "d1": 0.5}}), Returns(0.5)),
    ("ndcg: a nan document is not retrieved", lambda t: ndcg_at_k(Q, {"q": {"d1": NAN, "d2": 0.1}}, k=1), Returns(0.0)),
    ("recall: -inf is not retrieved", lambda t: recall_at_k(Q, {"q": {"d1": -INF}}), Returns(0.0)),
    ("+inf ranks first", lambda t: mrr_at_k(Q, {"q": {"d2": 9.0, "d1": INF}}), Returns(1.0)),
    ("numpy scores are numbers", lambda t: mrr_at_k(Q, {"q": {"d1": np.float32(0.5)}}), Returns(1.0)),
    ("a score that is text", lambda t: ndcg_at_k(Q, {"q": {"d1": "0.5"}}), Raises(TypeError, "run scores must be numbers")),
    ("top_k drops nan", lambda t: top_k({"a": NAN, "b": 1.0, "c": 1.0}), Returns(["c", "b"])),
    ("k=0", lambda t: ndcg_at_k(Q, {}, k=0), Raises(ValueError, "k must be at least 1")),
    ("k=True", lambda t: ndcg_at_k(Q, {}, k=True), Raises(TypeError, "k must be an integer")),
    ("empty qrels", lambda t: recall_at_k({}, {}), Raises(ValueError, "qrels is empty")),
    ("run of lists", lambda t: mrr_at_k(Q, {"q": ["d1"]}), Raises(TypeError, "run['q'] must be a dict")),
    ("run_from_scores: duplicate doc id", lambda t: run_from_scores(["q"], ["a", "a"], np.ones((1, 2))),
     Raises(ValueError, "doc_ids has the id 'a' twice")),
    ("run_from_scores: first wins", lambda t: run_from_scores(["q"], ["a", "a"], np.array([[1.0, 2.0]]), duplicates="first"),
     Returns({"q": {"a": 1.0}})),
    ("run_from_scores: bad policy", lambda t: run_from_scores(["q"], ["a"], np.ones((1, 1)), duplicates="max"),
     Raises(ValueError, "duplicates must be one of")),
    ("run_from_scores: shape", lambda t: run_from_scores(["q"], ["a"], np.ones((2, 1))), Raises(ValueError, "one row per query")),
    # --- fusion
    ("weighted_sum: nan weight", lambda t: weighted_sum([np.ones(2), np.ones(2)], [NAN, 1.0]),
     Raises(ValueError, "weights[0] must be at least 0")),
    ("weighted_sum: negative weight", lambda t: weighted_sum([np.ones(2)], [-1]), Raises(ValueError, "at least 0")),
    ("weighted_sum: numpy weights", lambda t: weighted_sum([np.array([1.0, 0.0])], [np.float32(0.5)]).tolist(),
     Returns([0.5, 0.0])),
    ("weighted_sum: weight count", lambda t: weighted_sum([np.ones(2)], [0.5, 0.5]), Raises(ValueError, "one weight per method")),
    ("rrf: top_n=0", lambda t: reciprocal_rank_fusion([np.ones(2)], top_n=0), Raises(ValueError, "top_n must be at least 1")),
    ("rrf: negative k", lambda t: reciprocal_rank_fusion([np.ones(2)], k=-1), Raises(ValueError, "k must be at least 0")),
    ("rrf: no methods", lambda t: reciprocal_rank_fusion([]), Raises(ValueError, "at least one score array")),
    ("rrf: lengths differ", lambda t: reciprocal_rank_fusion([np.ones(2), np.ones(3)]), Raises(ValueError, "one length")),
    ("min_max: all missing", lambda t: np.isnan(min_max(np.array([NAN, -INF]))).all(), Returns(True)),
    ("ranks: nan last", lambda t: ranks(np.array([NAN, 1.0])).tolist(), Returns([2, 1])),
    # --- the text validator
    ("lone surrogate, strict", lambda t: check_texts(["ok", "x\ud800"], "documents"),
     Raises(InvalidTextError, "documents[1] has a lone surrogate '\\ud800' at character 1")),
    ("lone surrogate, replace", lambda t: check_texts(["x\ud800"], errors="replace"), Returns(["x\ufffd"])),
    ("unknown errors mode", lambda t: check_texts(["x"], errors="ignore"), Raises(ValueError, "errors must be 'strict'")),
    ("zero-width query", lambda t: check_query("\u200b\u200d"), Raises(EmptyQueryError, "Type a query")),
    ("NUL query", lambda t: check_query("\x00\x00"), Raises(EmptyQueryError, "Type a query")),
    # --- Search (fake dense model, real BM25)
    ("search: empty", lambda t: search().search(""), Raises(EmptyQueryError, "Type a query")),
    ("search: zero-width only", lambda t: search().search("\u200b"), Raises(EmptyQueryError, "Type a query")),
    ("search: NUL only", lambda t: search().search("\x00"), Raises(EmptyQueryError, "Type a query")),
    ("search: lone surrogate", lambda t: search().search("Turing \udc00"), Raises(InvalidTextError, "the query has a lone surrogate")),
    ("search: not a string", lambda t: search().search(["a", "b"]), Raises(TypeError, "one query at a time")),
    ("search: numpy weight", lambda t: search().search("Turing", weight=np.float32(0.25)).weight, Returns(0.25)),
    ("search: nan weight", lambda t: search().search("Turing", weight=NAN), Raises(ValueError, "weight must be between 0 and 1")),
    ("search: weight as text", lambda t: search().search("Turing", weight="0.3"), Raises(TypeError, "weight must be a finite number")),
    ("search: first stage", lambda t: search().search("Turing", first_stage="rerank"), Raises(ValueError, "first_stage must be one of")),
    ("search: top_k=0", lambda t: search().search("Turing").table(top_k=0), Raises(ValueError, "top_k must be at least 1")),
    ("search: top_k beyond corpus", lambda t: len(search().search("Turing").top("bm25", 99)), Returns(len(DOCS))),
    ("Search: bad document", lambda t: Search(["fine", "half \ud83d"], dense_ef=FakeDense(), rerank_fn=fake_rerank),
     Raises(InvalidTextError, "documents[1] has a lone surrogate")),
    ("Search: blank document", lambda t: Search(["fine", " \n"], dense_ef=FakeDense(), rerank_fn=fake_rerank),
     Raises(ValueError, "documents [1] are empty")),
    ("Search: rerank_depth=True", lambda t: Search(DOCS, dense_ef=FakeDense(), rerank_fn=fake_rerank, rerank_depth=True),
     Raises(TypeError, "rerank_depth must be an integer")),
    ("Search: duplicate ids", lambda t: Search(DOCS[:2], ids=["a", "a"], dense_ef=FakeDense(), rerank_fn=fake_rerank),
     Raises(ValueError, "ids must be unique")),
    # --- BM25 and its analyzer
    ("bm25: surrogate document", lambda t: fitted_bm25().encode_documents(["ok \udfff"]),
     Raises(InvalidTextError, "documents[0] has a lone surrogate")),
    ("japanese analyzer: surrogate", lambda t: build_default_analyzer("ja")("東京\ud800"),
     Raises(InvalidTextError, "the analyzer's input (one string) has a lone surrogate")),
    ("bm25: numpy k1", lambda t: BM25EmbeddingFunction(build_default_analyzer("en"), k1=np.float32(1.5)).k1, Returns(1.5)),
    ("bm25: nan b", lambda t: BM25EmbeddingFunction(build_default_analyzer("en"), b=NAN), Raises(ValueError, "b must be between 0 and 1")),
    ("save to a folder", lambda t: fitted_bm25().save(t), Raises(IsADirectoryError, "is a folder; give a file name")),
    ("save over a file", lambda t: (t / "x.json").write_text("notes") and fitted_bm25().save(t / "x.json"),
     Raises(FileExistsError, "overwrite=True")),
    ("load: invalid regex", lambda t: _load(bm25_params(t, **_regex_params("[a-"))), Raises(ValueError, "not a valid regular expression")),
    ("load: backtracking regex", lambda t: _load(bm25_params(t, **_regex_params("(a+)+$"))), Raises(ValueError, "repeats a repetition")),
    ("load: huge regex", lambda t: _load(bm25_params(t, **_regex_params("a" * 5000))), Raises(ValueError, "keep it under 500")),
    ("load: nan in file", lambda t: _load(bm25_params(t, avgdl="NaN")), Raises(ValueError, "avgdl must be a finite number")),
    ("regex tokenizer: not text", lambda t: RegexTokenizer(5), Raises(TypeError, "pattern must be a string")),
    # --- loaders: file, line and fix
    ("beir: duplicate _id", lambda t: load_beir(beir(t, corpus=b'{"_id": "d0", "text": "a"}\n{"_id": "d0", "text": "b"}\n')),
     Raises(ValueError, "the id 'd0' twice (line 1 and line 2)")),
    ("beir: duplicates='last'", lambda t: load_beir(beir(t, corpus=b'{"_id": "d0", "text": "a"}\n{"_id": "d0", "text": "b"}\n'),
                                                    duplicates="last").texts, Returns(["b"])),
    ("beir: score 1.0", lambda t: load_beir(beir(t, qrels=b"query-id\tcorpus-id\tscore\nq1\td0\t1.0\n")).qrels, Returns({"q1": {"d0": 1}})),
    ("beir: score 0.5", lambda t: load_beir(beir(t, qrels=b"q1\td0\t0.5\n")), Raises(ValueError, "line 1: the score must be a whole number")),
    ("beir: BOM", lambda t: load_beir(beir(t, queries=b'\xef\xbb\xbf{"_id": "q1", "text": "Turing"}\n')).queries, Returns({"q1": "Turing"})),
    ("beir: query without text", lambda t: load_beir(beir(t, queries=b'{"_id": "q1"}\n')), Raises(ValueError, "line 1: a record needs a 'text'")),
    ("beir: not UTF-8", lambda t: load_beir(beir(t, queries=b'{"_id": "q1", "text": "\xff"}\n')), Raises(ValueError, "line 1: not UTF-8")),
    ("beir: truncated gz", lambda t: load_beir(beir(t, corpus=gzip.compress(b'{"_id": "d0", "text": "a"}\n' * 400)[:60], gz=True)),
     Raises(ValueError, "truncated or damaged")),
    ("beir: bad JSON", lambda t: load_beir(beir(t, corpus=b'{"_id": "d0", "text": \n')), Raises(ValueError, "line 1: not valid JSON")),
    ("beir: not a folder", lambda t: load_beir(t / "nowhere"), Raises(RuntimeError, "is not a BEIR dataset folder")),
    ("demo corpus: missing folder", lambda t: load_demo_corpus(t), Raises(FileNotFoundError, "corpus.jsonl is missing")),
    # --- caches
    ("a nan-filled cache is rebuilt", lambda t: bool(np.isfinite(_nan_cache(t)).all()), Returns(True)),
    ("cached_array: wrong shape from compute", lambda t: cached_array("x", "k", lambda: np.ones(3), t, shape=(2,)),
     Raises(ValueError, "shape (3,), expected (2,)")),
    ("cached_ragged: count", lambda t: cached_ragged("x", "k", lambda: [np.ones((1, 2))], t, count=2),
     Raises(ValueError, "expected 2 arrays")),
    ("corpus_hash: surrogate", lambda t: len(corpus_hash(["\ud800"])), Returns(16)),
    # --- model functions: settings are checked before any model loads
    ("dense: batch_size=True", lambda t: SentenceTransformerEmbeddingFunction(batch_size=True), Raises(TypeError, "batch_size must be an integer")),
    ("dense: batch_size=0", lambda t: SentenceTransformerEmbeddingFunction(batch_size=0), Raises(ValueError, "batch_size must be at least 1")),
    ("maxsim: cache_mb=nan", lambda t: MaxSimRerankFunction(cache_mb=NAN), Raises(ValueError, "cache_mb must be at least 0")),
    ("maxsim: cache_mb='big'", lambda t: MaxSimRerankFunction(cache_mb="big"), Raises(TypeError, "cache_mb must be a finite number")),
    ("maxsim: batch_size=2.5", lambda t: MaxSimRerankFunction(batch_size=2.5), Raises(ValueError, "batch_size must be an integer")),
    # --- Jina client: keys checked before anything is sent, never shown
    ("jina: key with a newline", lambda t: JinaRerankFunction(api_key="jina_se\ncret"), Raises(ValueError, "U+000A at position 7")),
    ("jina: key in curly quotes", lambda t: JinaRerankFunction(api_key="\u201cjina_secret\u201d"), Raises(ValueError, "U+201C at position 0")),
    ("jina: no key", lambda t: JinaRerankFunction(api_key=" "), Raises(ValueError, "JINAAI_API_KEY")),
    ("jina: nan timeout", lambda t: JinaRerankFunction(api_key="k", timeout=NAN), Raises(ValueError, "timeout must be above 0")),
    ("jina: negative retries", lambda t: JinaRerankFunction(api_key="k", max_retries=-1), Raises(ValueError, "max_retries must be")),
    # --- Milvus
    ("connect: old 2.x file", lambda t: (t / "old.db").write_bytes(b"SQLite format 3\x00") and connect(t / "old.db"),
     Raises(ValueError, "is a plain file, not a Milvus Lite database folder")),
    ("connect: not a URI", lambda t: connect("localhost:19530"), Raises(ValueError, "neither a server address")),
]


@pytest.mark.parametrize("call, promise", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_every_public_function_keeps_its_promise_for_bad_input(tmp_path, call, promise):
    if isinstance(promise, Raises):
        with pytest.raises(promise.error) as error:
            call(tmp_path)
        assert promise.fragment in str(error.value), f"{promise.fragment!r} not in {str(error.value)!r}"
        assert "secret" not in str(error.value)  # no key, ever
    else:
        result = call(tmp_path)
        if isinstance(promise.value, float) and math.isnan(promise.value):
            assert math.isnan(result)
        else:
            assert (promise.check(result) if promise.check else result == promise.value), result


def test_the_table_covers_at_least_sixty_cases():
    assert len(ROWS) >= 60 and len({row[0] for row in ROWS}) == len(ROWS)
