"""helpers.search: every method's scores against plain references, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.fusion import min_max
from helpers.search import EmptyQueryError, Search

DOCS = [
    "Alan Turing was born in Maida Vale, London, in 1912.",
    "Turing died at his home in Wilmslow, Cheshire, in 1954.",
    "RFC 791 specifies the Internet Protocol, version 4.",
    "RFC 793 specifies the Transmission Control Protocol.",
    "A moth trapped in a relay of the Mark II was taped into the logbook.",
    "ENIAC used about 17,500 vacuum tubes to compute artillery tables.",
    "BASIC was created at Dartmouth College in 1964 for students.",
    "The Dartmouth workshop of 1956 founded artificial intelligence as a field.",
]
IDS = ["birth", "death", "rfc791", "rfc793", "moth", "eniac", "basic", "workshop"]


@pytest.fixture(scope="module")
def search(minilm):
    return Search(DOCS, ids=IDS, show_progress=False)


@pytest.fixture(scope="module")
def result(search):
    return search.search("Where was Alan Turing born?", weight=0.3)


def test_dense_scores_equal_plain_sentence_transformers(search, result):
    from sentence_transformers import SentenceTransformer

    from helpers.loading import resolve_model

    model = SentenceTransformer(resolve_model("all-MiniLM-L6-v2"), device="cpu")
    docs = model.encode(DOCS, normalize_embeddings=True)
    query = model.encode(["Where was Alan Turing born?"], normalize_embeddings=True)[0]
    np.testing.assert_allclose(result.scores["dense"], docs @ query, atol=1e-5)


def test_bm25_scores_equal_rank_bm25_on_the_same_tokens(search, result):
    from rank_bm25 import BM25Okapi

    analyzer = search.bm25_ef.analyzer
    reference = BM25Okapi([analyzer(d) for d in DOCS], k1=1.5, b=0.75, epsilon=0.25)
    expected = reference.get_scores(analyzer("Where was Alan Turing born?"))
    np.testing.assert_allclose(result.scores["bm25"], expected, rtol=1e-5)


def test_fusions_follow_their_definitions(result):
    dense, bm25 = result.scores["dense"], result.scores["bm25"]
    rank_of = lambda s: np.argsort(np.argsort(-s, kind="stable"), kind="stable") + 1  # noqa: E731
    # a document with no query word (BM25 score 0) gets no BM25 vote
    expected = 1 / (60 + rank_of(dense)) + np.where(bm25 > 0, 1 / (60 + rank_of(bm25)), 0.0)
    np.testing.assert_allclose(result.scores["rrf"], expected)
    np.testing.assert_allclose(result.scores["weighted"], 0.3 * min_max(dense) + 0.7 * min_max(bm25))


def test_rerank_scores_equal_calling_the_reranker(search, result):
    direct = search.rerank_fn("Where was Alan Turing born?", DOCS, top_k=len(DOCS))
    expected = np.empty(len(DOCS))
    expected[[r.index for r in direct]] = [r.score for r in direct]
    np.testing.assert_allclose(result.scores["rerank"], expected, rtol=1e-6)


def test_ranks_agree_with_scores(result):
    for method, scores in result.scores.items():
        order = result.order(method)
        assert (np.diff(scores[order]) <= 0).all(), method
        assert sorted(result.ranks[method]) == list(range(1, len(DOCS) + 1))


def test_the_birthplace_document_wins(result):
    assert result.doc_ids[result.top("rerank", 1)[0]] == "birth"


def test_keyword_query_favours_bm25_exact_number(search):
    result = search.search("RFC 791")
    assert result.doc_ids[result.top("bm25", 1)[0]] == "rfc791"
    assert result.scores["bm25"][IDS.index("rfc793")] < result.scores["bm25"][IDS.index("rfc791")]


def test_rerank_depth_reranks_only_the_first_stage_top(search):
    shallow = Search(DOCS, ids=IDS, dense_ef=search.dense_ef, bm25_ef=search.bm25_ef,
                     rerank_fn=search.rerank_fn, rerank_depth=3, show_progress=False)
    result = shallow.search("Where was Alan Turing born?", first_stage="bm25")
    reranked = ~np.isnan(result.scores["rerank"])
    assert reranked.sum() == 3 and result.rerank_depth == 3
    np.testing.assert_array_equal(np.flatnonzero(reranked), np.sort(result.top("bm25", 3)))
    assert set(result.ranks["rerank"][~reranked]) == {4, 5, 6, 7, 8}  # unreranked rank last


def test_table_rows_and_top_k_capped_at_corpus_size(result):
    table = result.table(top_k=100, by="bm25")
    assert len(table) == len(DOCS)
    assert [row["id"] for row in table.rows] == [IDS[i] for i in result.order("bm25")]
    assert table.rows[0]["bm25_rank"] == 1
    assert len(result.top("dense", 10_000)) == len(DOCS)
    text, markup = str(table), table._repr_html_()
    assert "birth" in text and "<table>" in markup and "Where was Alan Turing born?" in markup


def test_top_k_below_one_and_unknown_method_are_errors(result):
    with pytest.raises(ValueError, match="at least 1"):
        result.table(top_k=0)
    with pytest.raises(ValueError, match="unknown method 'tfidf'"):
        result.top("tfidf")


@pytest.mark.parametrize("query", ["", "   \n\t"])
def test_empty_query_gets_a_friendly_message(search, query):
    with pytest.raises(EmptyQueryError, match="Type a query"):
        search.search(query)


def test_non_string_query_and_bad_settings(search):
    with pytest.raises(TypeError, match="one query at a time"):
        search.search(["two", "queries"])
    with pytest.raises(ValueError, match=r"between 0 and 1.*0 = BM25 only, 1 = dense only"):
        search.search("Turing", weight=1.5)
    with pytest.raises(ValueError, match="first_stage must be one of"):
        search.search("Turing", first_stage="rerank")


def test_query_longer_than_the_model_is_searched_with_a_note(search):
    long_query = "Where was Alan Turing born? " + "computer " * 400 + "Dartmouth"
    result = search.search(long_query)
    assert len(result.notes) == 1 and "read only the first 256" in result.notes[0]
    # BM25 reads the whole query: the last word still counts.
    assert result.scores["bm25"][IDS.index("basic")] > 0
    assert "Note:" in str(result.table(3))
    assert search.search("Where was Alan Turing born?").notes == ()


def test_empty_documents_are_rejected_with_the_fix(search):
    with pytest.raises(ValueError, match=r"documents \[1\] are empty.*drop them"):
        Search(["fine", "  "], dense_ef=search.dense_ef, rerank_fn=search.rerank_fn, show_progress=False)
    with pytest.raises(ValueError, match="corpus is empty"):
        Search([], show_progress=False)
    with pytest.raises(TypeError, match="item 1 is int"):
        Search(["fine", 3], show_progress=False)


def test_duplicate_documents_are_kept_with_a_warning_and_tie(search):
    docs = DOCS[:3] + [DOCS[0]]
    with pytest.warns(UserWarning, match=r"repeat an earlier one \(pairs \[\(0, 3\)\]\).*dict.fromkeys"):
        dup = Search(docs, dense_ef=search.dense_ef, rerank_fn=search.rerank_fn, show_progress=False)
    result = dup.search("Where was Alan Turing born?")
    for method in ("dense", "bm25", "rerank"):
        assert result.scores[method][0] == pytest.approx(result.scores[method][3], abs=1e-6)
    assert result.order("dense")[:2].tolist() == [0, 3]  # the tie keeps corpus order


def test_ids_must_be_unique_and_one_per_document(search):
    with pytest.raises(ValueError, match=r"repeated: \['a'\]"):
        Search(DOCS[:2], ids=["a", "a"], show_progress=False)
    with pytest.raises(ValueError, match="got 1 ids for 2 documents"):
        Search(DOCS[:2], ids=["a"], show_progress=False)


def test_demo_corpus_search_answers_showcase_queries(minilm):
    search = Search.from_demo_corpus(show_progress=False)
    assert len(search) == 267
    cases = {"RFC 791": ("bm25", "rfc-791"), "Where did Alan Turing die?": ("rerank", "turing-death")}
    for query, (method, expected) in cases.items():
        result = search.search(query)
        assert result.doc_ids[result.top(method, 1)[0]] == expected


def test_rank_of_and_score_matrices_agree_with_search(search, result):
    assert result.rank_of("birth") == {m: int(r[0]) for m, r in result.ranks.items()}
    with pytest.raises(KeyError, match="no document with id 'nope'"):
        result.rank_of("nope")
    matrices = search.score_matrices(["Where was Alan Turing born?", "RFC 791"], weight=0.3)
    assert set(matrices) == set(result.scores) and matrices["bm25"].shape == (2, len(DOCS))
    for method, matrix in matrices.items():
        np.testing.assert_allclose(matrix[0], result.scores[method], rtol=1e-6)


# --- start-up: reranker warm-up and the dense-vector disk cache ------------------------------


def fresh_reranker():
    from helpers.model.reranker import MaxSimRerankFunction

    return MaxSimRerankFunction()  # the model is shared (helpers.loading); the token cache is new


def test_reranker_is_warmed_only_when_every_document_is_reranked(search):
    shared = {"dense_ef": search.dense_ef, "bm25_ef": search.bm25_ef, "show_progress": False}
    full = Search(DOCS, rerank_fn=fresh_reranker(), **shared)
    assert full.rerank_fn.cache_info()["documents"] == len(DOCS)
    shallow = Search(DOCS, rerank_fn=fresh_reranker(), rerank_depth=3, **shared)
    assert shallow.rerank_fn.cache_info()["documents"] == 0
    shallow.search("Where was Alan Turing born?")
    assert shallow.rerank_fn.cache_info()["documents"] == 3  # encoded as needed
    forced = Search(DOCS, rerank_fn=fresh_reranker(), rerank_depth=3, warm_up=True, **shared)
    assert forced.rerank_fn.cache_info()["documents"] == len(DOCS)
    skipped = Search(DOCS, rerank_fn=fresh_reranker(), warm_up=False, **shared)
    assert skipped.rerank_fn.cache_info()["documents"] == 0
    query = "Where was Alan Turing born?"
    np.testing.assert_allclose(skipped.search(query).scores["rerank"], full.search(query).scores["rerank"], rtol=1e-5)


def test_dense_vectors_are_cached_on_disk_and_loaded_next_time(search, tmp_path):
    shared = {"dense_ef": search.dense_ef, "bm25_ef": search.bm25_ef, "rerank_fn": search.rerank_fn,
              "show_progress": False}  # fmt: skip
    first = Search(DOCS, ids=IDS, cache_dir=tmp_path, **shared)
    (path,) = tmp_path.glob("*.npy")
    # The cached vectors are the encoder's (batching can change the last bits only).
    np.testing.assert_allclose(np.load(path), search._dense_docs, atol=1e-5)
    query = "Where was Alan Turing born?"
    np.testing.assert_allclose(first.search(query).scores["dense"], search.search(query).scores["dense"], atol=1e-5)
    # A second Search reads the file instead of encoding: negated vectors on disk negate its scores.
    np.save(path, -np.load(path))
    second = Search(DOCS, ids=IDS, cache_dir=tmp_path, **shared)
    np.testing.assert_allclose(second.search(query).scores["dense"], -first.search(query).scores["dense"], atol=1e-6)
    # Another corpus gets its own file.
    Search(DOCS[:3], cache_dir=tmp_path, **shared)
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_cache_dir_true_uses_the_default_folder(search, tmp_path, monkeypatch):
    monkeypatch.setenv("RETRIEVAL_CACHE", str(tmp_path / "env-cache"))
    Search(DOCS, dense_ef=search.dense_ef, rerank_fn=search.rerank_fn, show_progress=False, cache_dir=True)
    assert len(list((tmp_path / "env-cache").glob("*.npy"))) == 1


def test_bad_start_up_options_name_the_choices(search):
    shared = {"dense_ef": search.dense_ef, "rerank_fn": search.rerank_fn, "show_progress": False}
    with pytest.raises(TypeError, match="warm_up must be True, False or None"):
        Search(DOCS, warm_up="yes", **shared)
    with pytest.raises(TypeError, match="cache_dir must be a folder"):
        Search(DOCS, cache_dir=3, **shared)


def test_reranker_token_vectors_are_cached_on_disk_and_loaded_next_time(search, tmp_path):
    shared = {"dense_ef": search.dense_ef, "bm25_ef": search.bm25_ef, "show_progress": False, "cache_dir": tmp_path}
    query = "Where was Alan Turing born?"
    first = Search(DOCS, rerank_fn=fresh_reranker(), **shared)
    (path,) = tmp_path.glob("maxsim-tokens-*.npz")
    assert first.rerank_fn.cache_info()["misses"] == len(DOCS)  # encoded once, to fill the file
    np.testing.assert_allclose(first.search(query).scores["rerank"], search.search(query).scores["rerank"], rtol=1e-5)
    with np.load(path) as stored:
        data, offsets = stored["data"], stored["offsets"]
    expected = fresh_reranker().document_tokens(DOCS)
    assert list(np.diff(offsets)) == [len(t) for t in expected]
    np.testing.assert_allclose(data, np.concatenate(expected), atol=1e-5)
    # A second Search loads the file and encodes no document: flipped vectors on disk change its scores.
    second = Search(DOCS, rerank_fn=fresh_reranker(), **shared)
    np.testing.assert_allclose(second.search(query).scores["rerank"], first.search(query).scores["rerank"], rtol=1e-6)
    assert second.rerank_fn.cache_info()["misses"] == 0
    np.savez(path, data=-data, offsets=offsets)
    flipped = Search(DOCS, rerank_fn=fresh_reranker(), **shared).search(query).scores["rerank"]
    assert not np.allclose(flipped, first.search(query).scores["rerank"], atol=1e-3)
    # Another corpus gets its own file; without a warm-up nothing is encoded or written.
    Search(DOCS[:3], rerank_fn=fresh_reranker(), **shared)
    Search(DOCS[:2], rerank_fn=fresh_reranker(), warm_up=False, **shared)
    assert len(list(tmp_path.glob("maxsim-tokens-*.npz"))) == 2


def test_one_query_pass_serves_dense_and_maxsim_over_the_whole_corpus(search, monkeypatch):
    # A document without word pieces scores 0 (as in MaxSim), and a shallow rerank_depth keeps only its top.
    docs = [*DOCS, "\u200b"]
    shared = {"dense_ef": search.dense_ef, "bm25_ef": search.bm25_ef, "show_progress": False}
    query = "Where was Alan Turing born?"
    reference = Search(docs, rerank_fn=fresh_reranker(), warm_up=False, **shared).search(query)  # calls the reranker
    for depth in (None, 3):
        fast = Search(docs, rerank_fn=fresh_reranker(), rerank_depth=depth, warm_up=True, **shared)
        calls = []
        forward = fast.dense_ef.model.forward
        monkeypatch.setattr(fast.dense_ef.model, "forward", lambda *a, **kw: calls.append(1) or forward(*a, **kw))
        result = fast.search(query)
        monkeypatch.undo()
        assert len(calls) == 1  # one forward pass of the query, no document encoded
        np.testing.assert_allclose(result.scores["dense"], reference.scores["dense"], atol=1e-6)
        expected = reference.scores["rerank"].copy()
        expected[result.ranks["rrf"] > (depth or len(docs))] = np.nan
        np.testing.assert_allclose(result.scores["rerank"], expected, rtol=1e-6)
    assert reference.scores["rerank"][-1] == 0
    with pytest.raises(EmptyQueryError):  # shows nothing to read: the empty-query hint, before any model runs
        fast.search("\u200b")
    with pytest.raises(ValueError, match="no words to match"):  # visible, yet no word piece
        fast.search("\u0301")


# --- the ONNX Runtime backend (the app's torch-free kernels) ----------------------------------

LONG_QUERY = "Where was Alan Turing born? " + "computer " * 400 + "Dartmouth"


@pytest.fixture(scope="module")
def onnx_functions():
    pytest.importorskip("onnxruntime")
    from helpers.model.dense import SentenceTransformerEmbeddingFunction
    from helpers.model.reranker import MaxSimRerankFunction

    return SentenceTransformerEmbeddingFunction(backend="onnx"), MaxSimRerankFunction(backend="onnx")


@pytest.mark.parametrize("query", ["Where was Alan Turing born?", LONG_QUERY])
def test_onnx_search_equals_the_torch_search(search, onnx_functions, query):
    # The dense function and MaxSim share one ONNX encoder, whose tokenizer is a `tokenizers.Tokenizer`:
    # the long-query note, every score and every rank must be those of the torch search.
    dense_ef, rerank_fn = onnx_functions
    onnx = Search(DOCS, ids=IDS, dense_ef=dense_ef, bm25_ef=search.bm25_ef, rerank_fn=rerank_fn, show_progress=False)
    assert onnx._tokens is not None  # the one-pass query path
    expected, got = search.search(query), onnx.search(query)
    assert got.notes == expected.notes and len(got.notes) == (query == LONG_QUERY)
    for method in expected.scores:
        np.testing.assert_allclose(got.scores[method], expected.scores[method], atol=1e-5)
        np.testing.assert_array_equal(got.ranks[method], expected.ranks[method])


def test_onnx_one_query_pass_serves_dense_and_maxsim(search, onnx_functions, monkeypatch):
    dense_ef, rerank_fn = onnx_functions
    shared = {"dense_ef": dense_ef, "bm25_ef": search.bm25_ef, "show_progress": False}
    query = "Where was Alan Turing born?"
    reference = Search(DOCS, rerank_fn=type(rerank_fn)(backend="onnx"), warm_up=False, **shared).search(query)
    fast = Search(DOCS, rerank_fn=type(rerank_fn)(backend="onnx"), warm_up=True, **shared)
    calls = []
    forward = dense_ef.model._forward
    monkeypatch.setattr(dense_ef.model, "_forward", lambda *a, **kw: calls.append(1) or forward(*a, **kw))
    result = fast.search(query)
    monkeypatch.undo()
    assert len(calls) == 1  # one forward pass of the query, no document encoded
    np.testing.assert_allclose(result.scores["dense"], reference.scores["dense"], atol=1e-6)
    np.testing.assert_allclose(result.scores["rerank"], reference.scores["rerank"], rtol=1e-6)


def test_token_vector_cache_is_kept_per_backend(search, onnx_functions, tmp_path):
    # ONNX Runtime's token vectors differ from torch's in the last bits: each backend gets its own file.
    dense_ef, rerank_fn = onnx_functions
    shared = {"bm25_ef": search.bm25_ef, "show_progress": False, "cache_dir": tmp_path, "warm_up": True}
    Search(DOCS, dense_ef=search.dense_ef, rerank_fn=fresh_reranker(), **shared)
    onnx = Search(DOCS, dense_ef=dense_ef, rerank_fn=type(rerank_fn)(backend="onnx"), **shared)
    assert len(list(tmp_path.glob("maxsim-tokens-*.npz"))) == 2
    assert onnx.rerank_fn.cache_info()["misses"] == len(DOCS)  # encoded by ONNX, not loaded from torch's file


def test_japanese_query_gets_a_note_that_the_models_are_english_only(search):
    result = search.search("チューリングはどこで生まれましたか？")
    english = [note for note in result.notes if "English only" in note]
    assert len(english) == 1  # (the other note: BM25's English analyzer matched no word)
    assert english[0].startswith("This text looks Japanese, but all-MiniLM-L6-v2 was trained on English only")
    assert "This text looks Japanese" in result.table(3)._repr_html_()


def test_a_new_method_is_one_registry_entry_and_its_score_function(search, monkeypatch):
    # What a contributor writes to add a method: one Method and one score function. Nothing else
    # is edited, yet the search, its table and the live chart all show it.
    from dataclasses import replace

    from helpers import methods
    from helpers.plots.svg import score_bars_svg

    def best_of_both(context, queries, scores):
        return np.maximum(*(np.vstack([min_max(row) for row in scores[m]]) for m in ("dense", "bm25")))

    entry = replace(methods.METHODS["weighted"], key="max", label="max of both", name="max", heading="Max",
                    colour="#123456", score=best_of_both, inputs=("dense", "bm25"), first_stage=False)
    monkeypatch.setitem(methods.METHODS, "max", entry)
    result = search.search("Where was Alan Turing born?")
    expected = np.maximum(min_max(result.scores["dense"]), min_max(result.scores["bm25"]))
    np.testing.assert_allclose(result.scores["max"], expected)
    assert "ordered by max" in str(result.table(top_k=3, by="max")) and "max (rank)" in str(result.table(top_k=3))
    assert 'fill="#123456"' in score_bars_svg(result, top_k=3, by="max", methods=("dense", "max"))
