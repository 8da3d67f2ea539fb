"""helpers.evaluation, helpers.plots.evaluation and helpers.widgets.evaluation on small real inputs."""

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from helpers import evaluation as ev
from helpers.datasets import BeirDataset
from helpers.fusion import reciprocal_rank_fusion, weighted_sum
from helpers.methods import METHODS
from helpers.metrics import ndcg_at_k, run_from_scores
from helpers.plots import evaluation as plots
from helpers.widgets.evaluation import update

DOC_IDS = ["d0", "d1", "d2", "d3"]
QUERY_IDS = ["q0", "q1"]
QRELS = {"q0": {"d1": 1}, "q1": {"d3": 1}}
DENSE = np.array([[0.9, 0.8, 0.1, 0.0], [0.2, 0.1, 0.3, 0.9]])
BM25 = np.array([[0.0, 5.0, 4.0, 0.0], [6.0, 0.0, 0.0, 1.0]])


def test_fusion_matrices_equal_helpers_fusion_row_by_row():
    rrf = ev.rrf_scores([DENSE, BM25], k=60)
    for row in range(2):
        np.testing.assert_allclose(rrf[row], reciprocal_rank_fusion([DENSE[row], BM25[row]], k=60))
    weighted = ev.weighted_scores([DENSE, BM25], [0.3, 0.7])
    np.testing.assert_allclose(weighted[1], weighted_sum([DENSE[1], BM25[1]], [0.3, 0.7]))
    with pytest.raises(ValueError, match="share one 2-d shape"):
        ev.rrf_scores([DENSE, BM25[:1]])


def test_evaluate_matches_metrics_and_tuning_picks_the_best_weight():
    result = ev.evaluate("dense", DENSE, QUERY_IDS, DOC_IDS, QRELS)
    assert result.ndcg10 == pytest.approx(ndcg_at_k(QRELS, run_from_scores(QUERY_IDS, DOC_IDS, DENSE), k=10))
    assert set(result.per_query) == {"q0", "q1"} and result.recall100 == 1.0
    best, curve = ev.tune_weight(DENSE, BM25, QUERY_IDS, DOC_IDS, QRELS, grid=[0.0, 0.5, 1.0])
    assert curve[best] == max(curve.values())
    assert curve[0.0] < 1.0 and best > 0.0  # BM25 alone misses q1's document at rank 1


def test_rerank_scores_fill_only_the_candidates_and_are_cached(tmp_path, minilm):
    from helpers.model.reranker import MaxSimRerankFunction

    documents = ["Cats purr when happy.", "Dogs bark at night.", "Paris is in France.", "Kittens are young cats."]
    queries = ["Why do cats purr?", "Capital of France"]
    rf = MaxSimRerankFunction()
    first = ev.rerank_scores(rf, queries, documents, BM25, depth=2, cache_folder=tmp_path, show_progress=False)
    assert (np.isfinite(first).sum(axis=1) == 2).all()
    np.testing.assert_allclose(first[0, [1, 2]], rf.score(queries[0], [documents[1], documents[2]]), atol=1e-6)
    assert np.isnan(first[0, [0, 3]]).all()

    def refuse(self, *args, **kwargs):
        raise AssertionError("should have come from the cache")

    # Same class and settings, so the same cache key; calling it would fail.
    refusing = type("MaxSimRerankFunction", (MaxSimRerankFunction,), {"__call__": refuse, "__module__": MaxSimRerankFunction.__module__})()
    again = ev.rerank_scores(refusing, queries, documents, BM25, depth=2, cache_folder=tmp_path, show_progress=False)
    np.testing.assert_array_equal(first, again)


def test_one_pass_gives_the_dense_vectors_and_the_reranker_tokens(tmp_path, minilm, blog_docs):
    from helpers.embedding_cache import encode_documents_cached
    from helpers.model.dense import SentenceTransformerEmbeddingFunction
    from helpers.model.reranker import MaxSimRerankFunction

    ef, rf = SentenceTransformerEmbeddingFunction(), MaxSimRerankFunction()
    vectors = ev.encode_corpus(ef, blog_docs, rf, tmp_path, show_progress=False)
    np.testing.assert_allclose(vectors, minilm.encode(blog_docs, normalize_embeddings=True), atol=1e-6)
    assert rf.cache_info()["documents"] == len(blog_docs)  # the tokens came with the same pass
    query = "Who founded artificial intelligence?"
    np.testing.assert_allclose(rf.score(query, blog_docs), MaxSimRerankFunction(cache_mb=0).score(query, blog_docs), atol=1e-6)
    assert rf.cache_info()["misses"] == 0
    # Same file as the plain path: a later encode_documents_cached loads it instead of encoding.
    ef.encode_documents = None
    np.testing.assert_array_equal(encode_documents_cached(ef, blog_docs, tmp_path, show_progress=False), vectors)


def test_dense_scores_keep_the_query_vectors_apart_from_the_documents(tmp_path, minilm, blog_docs):
    from helpers.embedding_cache import cache_path
    from helpers.model.dense import SentenceTransformerEmbeddingFunction

    ef = SentenceTransformerEmbeddingFunction(query_instruction="query: ")
    queries = ["Who founded artificial intelligence?", "Where was Alan Turing born?"]
    scores = ev.dense_scores(ef, blog_docs, queries, tmp_path, show_progress=False)
    expected = minilm.encode(["query: " + q for q in queries], normalize_embeddings=True) @ minilm.encode(blog_docs, normalize_embeddings=True).T
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    # The same texts as queries and as documents are two files: the instruction differs.
    assert cache_path(ef, queries, tmp_path, role="queries") != cache_path(ef, queries, tmp_path)
    assert cache_path(ef, queries, tmp_path, role="queries").is_file()
    with pytest.raises(ValueError, match="role must be 'documents' or 'queries'"):
        cache_path(ef, queries, tmp_path, role="query")
    ef.encode_queries = ef.encode_documents = None  # a second call reads both sides from disk
    np.testing.assert_array_equal(ev.dense_scores(ef, blog_docs, queries, tmp_path, show_progress=False), scores)


def test_one_pass_works_on_the_onnx_encoder_too(tmp_path, blog_docs, onnx_minilm):
    from helpers.embedding_cache import cache_path
    from helpers.model.dense import SentenceTransformerEmbeddingFunction
    from helpers.model.reranker import MaxSimRerankFunction

    ef, rf = SentenceTransformerEmbeddingFunction(backend="onnx"), MaxSimRerankFunction(backend="onnx")
    assert rf.model is ef.model  # one cached encoder per process
    vectors = ev.encode_corpus(ef, blog_docs, rf, tmp_path, show_progress=False)
    np.testing.assert_allclose(vectors, np.stack(ef.encode_documents(blog_docs)), atol=1e-6)
    query = "Who founded artificial intelligence?"
    np.testing.assert_allclose(rf.score(query, blog_docs), MaxSimRerankFunction(cache_mb=0, backend="onnx").score(query, blog_docs), atol=1e-6)
    assert "onnx-float32" in cache_path(ef, blog_docs, tmp_path).name  # never mistaken for torch's file
    assert cache_path(ef, blog_docs, tmp_path) != cache_path(SentenceTransformerEmbeddingFunction(), blog_docs, tmp_path)


def test_results_table_shows_published_figures():
    results = [ev.evaluate("BM25", BM25, QUERY_IDS, DOC_IDS, QRELS)]
    table = ev.ResultsTable(results, {"BM25": "BM25"})
    assert "0.665 (BM25: BEIR paper" in str(table)
    assert "<td>BM25</td>" in table._repr_html_()


def test_plots_return_figures_and_win_loss_counts():
    assert isinstance(plots.ndcg_bars({"BM25": 0.69, "dense": 0.645}, {"BM25": 0.665}), Figure)
    assert isinstance(plots.weight_curve({0.0: 0.6, 0.5: 0.7, 1.0: 0.65}, 0.5), Figure)
    fig = plots.win_loss({"a": 0.5, "b": 1.0, "c": 0.2}, {"a": 1.0, "b": 0.5, "c": 0.2}, ("x", "y"))
    assert fig.axes[0].get_title() == "y vs x: better on 1, worse on 1, tied on 1 queries"
    assert plots.method_color("rerank") == plots.METHOD_COLORS["rerank"] and plots.method_color(None) == "#000000"
    with pytest.raises(KeyError, match="use one of: dense, bm25"):
        plots.method_color("BM25 + MaxSim")  # a display name is no key: the registry's keys are listed


def test_plot_colours_come_from_the_keys_not_from_the_names():
    """A name that says "BM25" but is keyed "rerank" is drawn as the reranker; a run with no key, in black."""
    from matplotlib.colors import to_hex

    ndcg = {"BM25 top 100 + rerank": 0.8, "SPLADE": 0.6, "dense": 0.7}
    keys = {"BM25 top 100 + rerank": "rerank", "dense": "dense"}
    bars = plots.ndcg_bars(ndcg, keys=keys).axes[0].patches[:3]
    assert [to_hex(b.get_facecolor()) for b in bars] == [METHODS["rerank"].colour.lower(), "#000000",
                                                         METHODS["dense"].colour.lower()]
    assert [b.get_hatch() or "" for b in bars] == [METHODS["rerank"].hatch, "", METHODS["dense"].hatch]
    ranks = {"BM25 top 100 + rerank": [1], "SPLADE": [3], "dense": [None]}
    points = plots.query_ranks(ranks, ["doc"], "a claim", 10, keys=keys).axes[0].collections[0]
    assert [to_hex(c) for c in points.get_facecolors()] == [METHODS["rerank"].colour.lower(), "#000000",
                                                            METHODS["dense"].colour.lower()]
    assert to_hex(plots.ndcg_bars({"BM25": 0.7}).axes[0].patches[0].get_facecolor()) == "#000000"  # no keys: black


def test_widget_update_reports_the_ranks_of_relevant_documents():
    dataset = BeirDataset("toy", "test", None, DOC_IDS, ["A", "B", "C", "D"], [""] * 4,
                          {"q0": "first", "q1": "second"}, QRELS)
    ranks, fig = update(dataset, {"dense": DENSE, "bm25": BM25}, "q1", keys={"dense": "dense"})
    assert ranks == {"dense": [1], "bm25": [2]}
    colours = fig.axes[0].collections[0].get_facecolors()  # the keyed method in its colour, the other black
    assert [tuple(c) for c in colours] == [to_rgba(METHODS["dense"].colour), to_rgba("black")]
    with pytest.raises(KeyError, match="not in the test split"):
        update(dataset, {"dense": DENSE}, "q404")


def test_simplex_grid_covers_every_split_of_one():
    grid = ev.simplex_grid(3, step=0.5)
    assert sorted(grid) == sorted([(0.0, 0.0, 1.0), (0.0, 0.5, 0.5), (0.0, 1.0, 0.0), (0.5, 0.0, 0.5),
                                   (0.5, 0.5, 0.0), (1.0, 0.0, 0.0)])
    assert len(ev.simplex_grid(3)) == 66 and all(np.isclose(sum(w), 1) for w in ev.simplex_grid(3))
    with pytest.raises(ValueError, match="divides 1"):
        ev.simplex_grid(2, step=0.3)


def test_tune_weights_finds_the_best_mix_by_brute_force():
    rng = np.random.default_rng(0)
    doc_ids = [f"d{i}" for i in range(30)]
    query_ids = [f"q{i}" for i in range(8)]
    qrels = {q: {f"d{j}": 1 for j in rng.choice(30, 3, replace=False)} for q in query_ids}
    scores = [rng.random((8, 30)) for _ in range(3)]
    best, curve = ev.tune_weights(scores, query_ids, doc_ids, qrels, ev.simplex_grid(3, 0.25))
    brute = {w: ndcg_at_k(qrels, run_from_scores(query_ids, doc_ids, ev.weighted_scores(scores, w)), k=10)
             for w in ev.simplex_grid(3, 0.25)}
    assert curve == pytest.approx(brute) and brute[best] == max(brute.values())


class _Reranker:
    """A model-free rerank function: the score is the overlap of words, cut at ``max_length`` words."""

    def __init__(self, max_length=50, activation_fct=None, backend="torch"):
        self.model_name, self.backend, self.activation_fct = "word-overlap", backend, activation_fct
        self.model = type("Model", (), {"max_seq_length": max_length})()
        self.calls = 0

    def __call__(self, query, documents, top_k=5):
        from helpers.model.base import top_results

        self.calls += 1
        cut = self.model.max_seq_length
        words = set(query.lower().split())
        scores = np.array([len(words & set(d.lower().split()[:cut])) for d in documents], dtype=float)
        return top_results(documents, scores, top_k)


@pytest.mark.parametrize(
    "changed",
    [{"max_length": 1}, {"activation_fct": np.tanh}, {"backend": "onnx"}],
    ids=["max_length", "activation", "backend"],
)
def test_rerank_cache_is_keyed_on_every_setting_that_changes_a_score(tmp_path, changed):
    documents, queries = ["cats purr softly", "dogs purr never", "paris france"], ["why do cats purr"]
    first_stage = np.array([[3.0, 2.0, 1.0]])
    base = _Reranker()
    ev.rerank_scores(base, queries, documents, first_stage, depth=3, cache_folder=tmp_path, show_progress=False)
    same = _Reranker()
    ev.rerank_scores(same, queries, documents, first_stage, depth=3, cache_folder=tmp_path, show_progress=False)
    assert same.calls == 0  # read from the cache
    other = _Reranker(**changed)
    ev.rerank_scores(other, queries, documents, first_stage, depth=3, cache_folder=tmp_path, show_progress=False)
    assert other.calls == 1  # a setting that changes scores is a new key
    assert ev.reranker_settings(other) != ev.reranker_settings(base)
