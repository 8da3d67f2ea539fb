"""helpers.milvus against a real Milvus Lite database in a temporary folder.

Every connection is closed at teardown, which also stops the Milvus Lite server that
pymilvus starts inside this process for the file.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

pymilvus = pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from pymilvus import AnnSearchRequest, MilvusException, RRFRanker, WeightedRanker  # noqa: E402
from pymilvus.client.types import LoadState  # noqa: E402

from helpers import milvus as hm  # noqa: E402
from helpers.fusion import reciprocal_rank_fusion  # noqa: E402

TEXTS = [
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
    "The Turing test asks whether a machine can imitate a human in conversation.",
    "Neural networks learn representations from large amounts of data.",
    "BM25 ranks documents by term frequency and inverse document frequency.",
    "Dense retrieval embeds queries and documents in the same vector space.",
    "London is the capital of England and of the United Kingdom.",
    "Reranking scores each query and document pair with a cross-encoder.",
    "Hybrid search fuses the rankings of keyword and vector retrieval.",
    "Milvus stores vectors and searches them by similarity.",
    "The academic field of machine learning grew out of statistics.",
]
IDS = [f"doc{i:02d}" for i in range(len(TEXTS))]
QUERIES = ["Who was Alan Turing?", "how does keyword search rank documents", "vector database"]


@pytest.fixture(autouse=True)
def _no_milvus_env(monkeypatch):
    # A developer's MILVUS_URI must not send the tests to a real server.
    monkeypatch.delenv("MILVUS_URI", raising=False)
    monkeypatch.delenv("MILVUS_TOKEN", raising=False)


@pytest.fixture
def lite_folder(tmp_path):
    """A folder for a Milvus Lite database file the test opens itself."""
    return tmp_path


@pytest.fixture(scope="module")
def milvus(tmp_path_factory):
    connection = hm.connect(lite_path=tmp_path_factory.mktemp("milvus") / "test.db")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def embeddings(minilm):
    dense = minilm.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
    queries = minilm.encode(QUERIES, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
    # Random non-negative sparse vectors with repeated "terms", one of them a stored zero.
    rng = np.random.default_rng(42)
    weights = rng.random((len(TEXTS), 40)) * (rng.random((len(TEXTS), 40)) < 0.15) * 3
    doc_sparse = sp.csr_array(weights)
    query_sparse = sp.csr_array(rng.random((len(QUERIES), 40)) * (rng.random((len(QUERIES), 40)) < 0.3))
    return dense, queries, doc_sparse, query_sparse


@pytest.fixture(scope="module")
def hybrid(milvus, embeddings):
    dense, _, doc_sparse, _ = embeddings
    hm.create_hybrid_collection(milvus.client, "hybrid", dim=dense.shape[1])
    report = hm.insert_documents(milvus.client, "hybrid", IDS, TEXTS, dense, doc_sparse, empty_sparse="placeholder")
    assert report.inserted == len(TEXTS)
    return "hybrid"


def _numpy_top(scores: np.ndarray, k: int) -> tuple[list[str], np.ndarray]:
    order = np.argsort(-scores, kind="stable")[:k]
    return [IDS[i] for i in order], scores[order]


# --- sparse rows ---------------------------------------------------------------------


def test_sparse_rows_equal_the_dense_array_and_drop_zeros():
    array = np.array([[0.0, 1.5, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0]])
    matrix = sp.csr_matrix(array)
    matrix.data[matrix.data == 3.0] = 0.0  # an explicit stored zero
    rows = hm.sparse_rows(matrix)
    assert rows == [{1: 1.5, 3: 2.0}, {}, {}]
    assert all(type(k) is int and type(v) is float for row in rows for k, v in row.items())
    one_row_each = [sp.csr_array(array[i : i + 1]) for i in range(3)]
    assert hm.sparse_rows(one_row_each) == [{1: 1.5, 3: 2.0}, {}, {0: 3.0}]
    assert hm.sparse_rows([{2: 0.0, 5: 1.0}]) == [{5: 1.0}]


def test_sparse_rows_rejects_dense_input():
    with pytest.raises(TypeError, match="scipy sparse"):
        hm.sparse_rows(np.ones((2, 3)))


# --- connecting ----------------------------------------------------------------------


def test_connect_without_env_uses_a_lite_file_in_the_working_folder(lite_folder, monkeypatch):
    monkeypatch.chdir(lite_folder)
    with hm.connect() as milvus:
        assert milvus.is_lite and milvus.uri == str(hm.DEFAULT_LITE_PATH)
        assert (lite_folder / hm.DEFAULT_LITE_PATH).exists()
        assert milvus.client.list_collections() == []
        assert "Milvus Lite" in milvus.describe()


def test_connect_reads_env_and_never_shows_the_token(lite_folder, monkeypatch):
    secret = "root:s3cret-Token-123"
    monkeypatch.setenv("MILVUS_URI", str(lite_folder / "env.db"))
    monkeypatch.setenv("MILVUS_TOKEN", secret)
    with hm.connect() as milvus:
        assert milvus.lite_path == lite_folder / "env.db" and milvus.has_token
        shown = repr(milvus) + str(milvus) + milvus.describe() + repr(vars(milvus).get("uri"))
        assert secret not in shown and "s3cret" not in shown
        assert "token=<set>" in repr(milvus)


def test_connect_to_an_unreachable_server_names_the_fix_without_secrets():
    with pytest.raises(ConnectionError, match="unset MILVUS_URI") as info:
        hm.connect("http://admin:pa55word@127.0.0.1:9", token="tok-XYZ", timeout=1)
    message = str(info.value)
    assert "pa55word" not in message and "tok-XYZ" not in message and "***@127.0.0.1:9" in message


def test_connect_rejects_a_uri_that_is_neither_server_nor_file():
    with pytest.raises(ValueError, match=r"\.db"):
        hm.connect("localhost:19530")


def test_last_close_stops_the_lite_server(lite_folder):
    from milvus_lite.server_manager import server_manager_instance

    path = lite_folder / "shared.db"
    key = str(path.resolve())
    first, second = hm.connect(lite_path=path), hm.connect(lite_path=path)
    assert key in server_manager_instance._servers
    first.close()
    assert key in server_manager_instance._servers  # still used by `second`
    assert second.client.list_collections() == []
    second.close()
    second.close()  # closing twice is harmless
    assert key not in server_manager_instance._servers and "closed" in repr(second)


# --- collections, inserting, searching ----------------------------------------------


def test_dense_top10_equals_numpy(milvus, hybrid, embeddings):
    dense, queries, _, _ = embeddings
    results = milvus.client.search(hybrid, data=list(queries), anns_field=hm.DENSE_FIELD, limit=10, output_fields=["text"])
    for q, hits in zip(queries, results):
        ids, scores = _numpy_top(dense @ q, 10)
        assert hm.hit_ids(hits) == ids
        np.testing.assert_allclose(hm.hit_scores(hits, "COSINE"), scores, atol=1e-5)
        assert hits[0]["entity"]["text"] == TEXTS[IDS.index(ids[0])]


def test_sparse_top10_equals_numpy(milvus, hybrid, embeddings):
    _, _, doc_sparse, query_sparse = embeddings
    results = milvus.client.search(
        hybrid, data=hm.sparse_rows(query_sparse), anns_field=hm.SPARSE_FIELD, limit=10, output_fields=["text"]
    )
    for i, hits in enumerate(results):
        expected = (doc_sparse @ query_sparse[[i]].T).toarray().ravel()
        ids, scores = _numpy_top(expected, 10)
        matched = int((scores > 0).sum())  # Milvus returns only documents sharing a term
        assert 0 < matched and hm.hit_ids(hits) == ids[:matched]
        np.testing.assert_allclose(hm.hit_scores(hits, "IP"), scores[:matched], atol=1e-5)


def test_recreate_collection_drops_old_rows(milvus, embeddings):
    dense, _, doc_sparse, _ = embeddings
    assert hm.create_hybrid_collection(milvus.client, "scratch", dim=dense.shape[1]) is False
    hm.insert_documents(milvus.client, "scratch", IDS[:3], TEXTS[:3], dense[:3], doc_sparse[:3], empty_sparse="skip")
    assert hm.create_hybrid_collection(milvus.client, "scratch", dim=dense.shape[1]) is True
    assert milvus.client.query("scratch", filter="id != ''", output_fields=["id"]) == []
    milvus.client.drop_collection("scratch")


def test_empty_sparse_vector_is_refused_by_milvus_and_handled_by_the_helper(milvus, embeddings):
    dense, queries, _, _ = embeddings
    name = "empty_sparse"
    hm.create_hybrid_collection(milvus.client, name, dim=dense.shape[1])
    sparse = sp.csr_array(np.array([[0.0, 2.0], [0.0, 0.0], [1.0, 0.0]]))
    raw = {"id": "x", "text": "the and of", "dense": dense[0].tolist(), "sparse": {}}
    with pytest.raises(MilvusException, match="sparse"):
        milvus.client.insert(name, [raw])
    with pytest.raises(ValueError, match="empty_sparse='placeholder'") as info:
        hm.insert_documents(milvus.client, name, IDS[:3], TEXTS[:3], dense[:3], sparse)
    assert "doc01" in str(info.value)
    assert milvus.client.query(name, filter="id != ''", output_fields=["id"]) == []  # nothing half-inserted

    report = hm.insert_documents(milvus.client, name, IDS[:3], TEXTS[:3], dense[:3], sparse, empty_sparse="placeholder")
    assert (report.inserted, report.placeholder_ids) == (3, ["doc01"]) and "doc01" in str(report)
    dense_hits = milvus.client.search(name, data=[dense[1]], anns_field="dense", limit=3)[0]
    assert hm.hit_ids(dense_hits)[0] == "doc01"  # still found by meaning
    sparse_hits = milvus.client.search(name, data=[{0: 1.0, 1: 1.0}], anns_field="sparse", limit=3)[0]
    assert sorted(hm.hit_ids(sparse_hits)) == ["doc00", "doc02"]  # never by terms

    hm.create_hybrid_collection(milvus.client, name, dim=dense.shape[1])
    report = hm.insert_documents(milvus.client, name, IDS[:3], TEXTS[:3], dense[:3], sparse, empty_sparse="skip")
    assert (report.inserted, report.skipped_ids) == (2, ["doc01"])
    stored = milvus.client.query(name, filter="id != ''", output_fields=["id"])
    assert sorted(r["id"] for r in stored) == ["doc00", "doc02"]
    milvus.client.drop_collection(name)


def test_insert_documents_checks_its_input(milvus, embeddings):
    dense, _, doc_sparse, _ = embeddings
    with pytest.raises(ValueError, match="one id, text, dense row and sparse row"):
        hm.insert_documents(milvus.client, "hybrid", IDS[:2], TEXTS[:3], dense[:3], doc_sparse[:3])
    with pytest.raises(ValueError, match="unique"):
        hm.insert_documents(milvus.client, "hybrid", ["a", "a"], TEXTS[:2], dense[:2], doc_sparse[:2])
    with pytest.raises(ValueError, match="empty_sparse must be"):
        hm.insert_documents(milvus.client, "hybrid", IDS[:1], TEXTS[:1], dense[:1], doc_sparse[:1], empty_sparse="drop")


def test_reopened_database_needs_load_collection(tmp_path, embeddings):
    dense, queries, doc_sparse, _ = embeddings
    path = tmp_path / "reopen.db"
    with hm.connect(lite_path=path) as milvus:
        hm.create_hybrid_collection(milvus.client, "docs", dim=dense.shape[1])
        hm.insert_documents(milvus.client, "docs", IDS, TEXTS, dense, doc_sparse, empty_sparse="placeholder")
        assert hm.ensure_loaded(milvus.client, "docs") is False
    with hm.connect(lite_path=path) as milvus:
        assert milvus.client.get_load_state("docs")["state"] == LoadState.NotLoad
        with pytest.raises(MilvusException, match="load"):
            milvus.client.search("docs", data=[queries[0]], anns_field="dense", limit=3)
        assert hm.ensure_loaded(milvus.client, "docs") is True
        hits = milvus.client.search("docs", data=[queries[0]], anns_field="dense", limit=3)[0]
        assert hm.hit_ids(hits) == _numpy_top(dense @ queries[0], 3)[0]
        with pytest.raises(ValueError, match="does not exist"):
            hm.ensure_loaded(milvus.client, "missing")


# --- hybrid search: what the rankers compute -------------------------------------------


ROUTES = [(hm.DENSE_FIELD, "COSINE"), (hm.SPARSE_FIELD, "IP")]


def _routes(milvus, collection, embeddings, q, limit):
    """The two search requests for query ``q``, and each one's own scores aligned on IDS."""
    _, queries, _, query_sparse = embeddings
    data = [[queries[q]], hm.sparse_rows(query_sparse[[q]])]
    reqs = [AnnSearchRequest(d, field, {"metric_type": m}, limit) for d, (field, m) in zip(data, ROUTES)]
    scores = []
    for d, (field, metric) in zip(data, ROUTES):
        hits = milvus.client.search(collection, data=d, anns_field=field, limit=limit)[0]
        scores.append(hm.align_scores(hits, IDS, metric))
    return reqs, scores


@pytest.mark.parametrize("norm_score", [True, False])
def test_weighted_ranker_reproduces_milvus(milvus, hybrid, embeddings, norm_score):
    for q in range(len(QUERIES)):
        reqs, scores = _routes(milvus, hybrid, embeddings, q, 5)
        fused = hm.weighted_ranker(scores, ["COSINE", "IP"], [0.7, 0.3], norm_score=norm_score)
        ranker = WeightedRanker(0.7, 0.3, norm_score=norm_score)
        hits = milvus.client.hybrid_search(hybrid, reqs, ranker, limit=8)[0]
        got = np.array([h["distance"] for h in hits])
        np.testing.assert_allclose(got, fused[[IDS.index(i) for i in hm.hit_ids(hits)]], atol=1e-5)
        np.testing.assert_allclose(got, np.sort(fused[~np.isnan(fused)])[::-1][: len(hits)], atol=1e-5)


def test_rrf_ranker_equals_helpers_fusion(milvus, hybrid, embeddings):
    for q in range(len(QUERIES)):
        reqs, scores = _routes(milvus, hybrid, embeddings, q, 5)
        fused = reciprocal_rank_fusion(scores, k=60)
        hits = milvus.client.hybrid_search(hybrid, reqs, RRFRanker(60), limit=6)[0]
        np.testing.assert_allclose(
            [h["distance"] for h in hits], fused[[IDS.index(i) for i in hm.hit_ids(hits)]], atol=1e-6
        )
        assert sorted(fused, reverse=True)[len(hits) - 1] <= hits[-1]["distance"] + 1e-6


# --- built-in BM25 (full-text search) ---------------------------------------------------


def test_builtin_bm25_equals_bm25s_lucene_times_k1_plus_1(milvus):
    bm25s = pytest.importorskip("bm25s")
    k1, b = 1.2, 0.75
    hm.create_bm25_collection(milvus.client, "fulltext", k1=k1, b=b)
    milvus.client.insert("fulltext", [{"id": i, "text": t} for i, t in zip(IDS, TEXTS)])
    # Milvus's standard analyzer here: \w+ runs, lowercased, no stemming, no stopwords.
    tokenize = lambda text: re.findall(r"\w+", text.lower())  # noqa: E731
    reference = bm25s.BM25(method="lucene", k1=k1, b=b)
    reference.index([tokenize(t) for t in TEXTS], show_progress=False)
    # bm25s's Lucene variant: IDF ln(1 + (N - df + 0.5) / (df + 0.5)) times tf / (tf + k1 * norm),
    # Milvus keeps the classic (k1 + 1) factor, which scales every score alike.
    for query in ["Turing London", "academic discipline of machine learning", "vector search"]:
        expected = reference.get_scores(tokenize(query)) * (k1 + 1)
        hits = milvus.client.search(
            "fulltext", data=[query], anns_field=hm.SPARSE_FIELD, limit=len(TEXTS), search_params={"metric_type": "BM25"}
        )[0]
        matched = int((expected > 0).sum())
        ids, scores = _numpy_top(expected, matched)
        assert hm.hit_ids(hits) == ids
        np.testing.assert_allclose(hm.hit_scores(hits, "BM25"), scores, rtol=1e-5)
    milvus.client.drop_collection("fulltext")


def test_builtin_bm25_accepts_a_document_without_terms(milvus):
    hm.create_bm25_collection(milvus.client, "fulltext_empty")
    milvus.client.insert("fulltext_empty", [{"id": "a", "text": "!!!"}, {"id": "b", "text": "Turing"}])
    hits = milvus.client.search("fulltext_empty", data=["turing"], anns_field="sparse", limit=5)[0]
    assert hm.hit_ids(hits) == ["b"] and hm.hit_scores(hits, "BM25")[0] > 0
    with pytest.raises(ValueError, match="k1 > 0"):
        hm.create_bm25_collection(milvus.client, "bad", k1=0)
    milvus.client.drop_collection("fulltext_empty")


def test_hit_scores_reads_bm25_distance_of_either_sign():
    hits = [{"id": "a", "distance": -2.5}, {"id": "b", "distance": -1.0}]
    np.testing.assert_allclose(hm.hit_scores(hits, "BM25"), [2.5, 1.0])
    np.testing.assert_allclose(hm.hit_scores([{"id": "a", "distance": 2.5}], "bm25"), [2.5])
    with pytest.raises(ValueError, match="L2"):
        hm.hit_scores(hits, "L2")
    text = hm.format_hits([{"id": "a", "distance": 0.123456, "entity": {"text": "hello"}}], "COSINE")
    assert text.split() == ["1", "0.1235", "a", "hello"]
    long_ids = hm.format_hits(_hits(["turing-princeton", "ace"], [0.5, 0.25]), "RRF").splitlines()
    assert long_ids[0].index("turing-princeton") == long_ids[1].index("ace")  # ids in one column


def test_format_hits_lists_tied_hits_by_id_whatever_order_the_server_gave():
    tied = _hits(["zuse", "babbage", "ada", "turing"], [0.5, 0.5, 0.25, 0.75])
    printed = [line.split()[2] for line in hm.format_hits(tied, "COSINE").splitlines()]
    assert printed == ["turing", "babbage", "zuse", "ada"]
    assert printed == [line.split()[2] for line in hm.format_hits(tied[::-1], "COSINE").splitlines()]


# --- comparing Milvus's rankings with in-memory scores ---------------------------------


def _hits(ids, scores):
    return [{"id": i, "distance": s} for i, s in zip(ids, scores)]


def test_compare_rankings_reads_the_hits_and_leaves_zero_scores_out_for_sparse_metrics():
    # helpers.metrics.compare_top_k's own tests cover the comparison; here: what the hits feed it.
    doc_ids = ["a", "b", "c", "d", "e"]
    scores = np.array([[3.0], [2.0], [2.0], [1.0], [0.0]])  # b and c tie; e shares no term
    lite_bm25 = [_hits(["a", "c", "b", "d"], [-3.0, -2.0, -2.0, -1.0])]  # Milvus Lite negates BM25
    result = hm.compare_rankings(lite_bm25, scores, doc_ids, "BM25", k=5)
    assert (result.same_ranking, result.max_score_diff) == (1, 0.0)
    assert hm.compare_rankings(lite_bm25, scores, doc_ids, "COSINE", k=5).same_ranking == 0  # e was due
    assert hm.compare_rankings(lite_bm25, scores, doc_ids, "BM25", k=5, positive_only=False).same_ranking == 0
    assert hm.compare_rankings([_hits(["b", "a"], [2.0, 3.0])], scores, doc_ids, "IP", k=2).same_ranking == 0
    assert "1/1" in str(hm.compare_rankings([_hits(["a"], [3.0])], scores, doc_ids, "IP", k=1))
    with pytest.raises(ValueError, match="not in doc_ids"):
        hm.compare_rankings([_hits(["z"], [1.0])], scores, doc_ids, "IP")


# --- plots ------------------------------------------------------------------------------


def test_plot_weighted_normalization_draws_milvus_curves_and_the_hits():
    from helpers.plots.milvus import plot_weighted_normalization

    fig = plot_weighted_normalization({"COSINE": np.array([0.2, 0.7]), "IP": np.array([3.0, 25.0, np.nan])})
    ax_cos, ax_arc = fig.axes
    x, y = ax_cos.lines[0].get_data()
    np.testing.assert_allclose(y, (1 + x) / 2)
    x, y = ax_arc.lines[0].get_data()
    np.testing.assert_allclose(y, 0.5 + np.arctan(x) / np.pi)
    assert x.max() >= 25.0  # the axis reaches the largest sparse score
    np.testing.assert_allclose(ax_arc.collections[0].get_offsets()[:, 1], 0.5 + np.arctan([3.0, 25.0]) / np.pi)
    with pytest.raises(ValueError, match="COSINE, IP and BM25"):
        plot_weighted_normalization({"L2": np.ones(2)})


def test_plot_idf_formulas_draws_okapi_and_milvus_idf():
    from helpers.plots.milvus import plot_idf_formulas

    fig = plot_idf_formulas(100, df=np.array([1, 80]), ours=np.array([3.9, 0.5]))
    okapi, milvus = fig.axes[0].lines[:2]
    df, idf = milvus.get_data()
    np.testing.assert_allclose(idf, np.log(1 + (100 - df + 0.5) / (df + 0.5)))
    assert (okapi.get_data()[1][df > 50] < 0).all() and (idf > 0).all()
    with pytest.raises(ValueError, match="n_docs"):
        plot_idf_formulas(0)
