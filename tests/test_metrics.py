"""helpers.metrics against hand-worked examples and against pytrec_eval (trec_eval's own code)."""

import math

import numpy as np
import pytest
import pytrec_eval
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.metrics import (
    compare_top_k,
    mrr_at_k,
    mrr_per_query,
    ndcg_at_k,
    ndcg_per_query,
    ndcg_per_query_from_scores,
    recall_at_k,
    recall_per_query,
    run_from_scores,
    top_k,
)

# Worked by hand below: q1 has graded judgements and a tie, q2 is perfect, q3 finds nothing.
QRELS = {"q1": {"a": 2, "b": 1, "c": 0}, "q2": {"x": 1}, "q3": {"y": 1}}
RUN = {
    "q1": {"c": 3.0, "b": 2.0, "a": 2.0, "d": 1.0},  # tie a/b: trec_eval puts the larger id, b, first
    "q2": {"x": 0.5, "w": 0.1},
    "q3": {"z": 9.0},
}


def test_ties_break_by_descending_doc_id_like_trec_eval():
    assert top_k(RUN["q1"]) == ["c", "b", "a", "d"]
    assert top_k(RUN["q1"], k=2) == ["c", "b"]


def test_ndcg_hand_worked():
    # q1 ranking c(0) b(1) a(2) d(0): DCG = 1/log2(3) + 2/log2(4) = 0.6309 + 1.0; ideal = 2/1 + 1/log2(3)
    q1 = (1 / math.log2(3) + 2 / math.log2(4)) / (2 + 1 / math.log2(3))
    assert ndcg_per_query(QRELS, RUN, k=10) == pytest.approx({"q1": q1, "q2": 1.0, "q3": 0.0})
    assert ndcg_at_k(QRELS, RUN, k=10) == pytest.approx((q1 + 1.0) / 3)
    # Cut at 1: only c (gain 0) is seen in q1.
    assert ndcg_per_query(QRELS, RUN, k=1)["q1"] == 0.0


def test_recall_and_mrr_hand_worked():
    assert recall_per_query(QRELS, RUN, k=2) == {"q1": 0.5, "q2": 1.0, "q3": 0.0}
    assert recall_at_k(QRELS, RUN, k=100) == pytest.approx(2 / 3)
    assert mrr_per_query(QRELS, RUN, k=10) == {"q1": 0.5, "q2": 1.0, "q3": 0.0}
    assert mrr_at_k(QRELS, RUN, k=1) == pytest.approx(1 / 3)


def test_query_missing_from_run_counts_as_zero_and_extra_run_queries_are_ignored():
    run = {"q2": {"x": 1.0}, "not-judged": {"x": 1.0}}
    assert ndcg_at_k(QRELS, run) == pytest.approx(1 / 3)
    assert recall_per_query(QRELS, run) == {"q1": 0.0, "q2": 1.0, "q3": 0.0}


def test_negative_judgements_give_no_gain():
    assert ndcg_at_k({"q": {"a": -1, "b": 1}}, {"q": {"a": 2.0, "b": 1.0}}) == pytest.approx(1 / math.log2(3))


def test_bad_input_names_the_fix():
    with pytest.raises(ValueError, match="positive integer"):
        ndcg_at_k(QRELS, RUN, k=0)
    with pytest.raises(ValueError, match="qrels is empty"):
        recall_at_k({}, RUN)
    with pytest.raises(TypeError, match=r"run\['q1'\] must be a dict"):
        mrr_at_k(QRELS, {"q1": ["a", "b"]})
    with pytest.raises(TypeError, match="qrels must be a dict"):
        ndcg_at_k([("q1", "a", 1)], RUN)


def _pytrec(qrels, run, measures):
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, measures)
    return evaluator.evaluate(run)


doc_ids = st.sampled_from([f"d{i}" for i in range(12)])
qrels_strategy = st.dictionaries(
    st.sampled_from(["q1", "q2", "q3", "q4"]),
    st.dictionaries(doc_ids, st.integers(min_value=0, max_value=3), min_size=1, max_size=6),
    min_size=1,
)
# Small integer scores make ties common, which is where implementations usually disagree.
run_strategy = st.dictionaries(
    st.sampled_from(["q1", "q2", "q3", "q4", "q5"]),
    st.dictionaries(doc_ids, st.integers(min_value=0, max_value=4).map(float), min_size=1, max_size=12),
)


@settings(max_examples=200, deadline=None)
@given(qrels=qrels_strategy, run=run_strategy, k=st.sampled_from([1, 3, 5, 10]))
def test_ndcg_and_recall_equal_pytrec_eval(qrels, run, k):
    reference = _pytrec(qrels, run, {f"ndcg_cut.{k}", f"recall.{k}"})
    ndcg = ndcg_per_query(qrels, run, k=k)
    recall = recall_per_query(qrels, run, k=k)
    for query_id in qrels:
        expected = reference.get(query_id, {f"ndcg_cut_{k}": 0.0, f"recall_{k}": 0.0})
        assert ndcg[query_id] == pytest.approx(expected[f"ndcg_cut_{k}"], abs=1e-12)
        assert recall[query_id] == pytest.approx(expected[f"recall_{k}"], abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(qrels=qrels_strategy, run=run_strategy, k=st.sampled_from([1, 3, 10]))
def test_mrr_equals_pytrec_eval_recip_rank_on_the_cut_run(qrels, run, k):
    cut = {query_id: {d: scores[d] for d in top_k(scores, k)} for query_id, scores in run.items()}
    reference = _pytrec(qrels, cut, {"recip_rank"})
    mrr = mrr_per_query(qrels, run, k=k)
    for query_id in qrels:
        assert mrr[query_id] == pytest.approx(reference.get(query_id, {"recip_rank": 0.0})["recip_rank"], abs=1e-12)


def test_means_equal_pytrec_eval_on_a_larger_random_run():
    rng = np.random.default_rng(7)
    docs = [f"doc{i}" for i in range(300)]
    qrels = {f"q{i}": {d: int(rng.integers(1, 3)) for d in rng.choice(docs, 3, replace=False)} for i in range(40)}
    run = run_from_scores(list(qrels), docs, rng.normal(size=(40, 300)), k=150)
    reference = _pytrec(qrels, run, {"ndcg_cut.10", "recall.100"})
    assert ndcg_at_k(qrels, run, k=10) == pytest.approx(np.mean([r["ndcg_cut_10"] for r in reference.values()]))
    assert recall_at_k(qrels, run, k=100) == pytest.approx(np.mean([r["recall_100"] for r in reference.values()]))


def test_run_from_scores_keeps_the_best_k_and_drops_missing():
    scores = np.array([[0.1, 0.9, np.nan, 0.5], [-np.inf, 1.0, 2.0, 3.0]])
    run = run_from_scores(["q1", "q2"], ["a", "b", "c", "d"], scores, k=3)
    assert run == {"q1": {"b": 0.9, "d": 0.5, "a": 0.1}, "q2": {"d": 3.0, "c": 2.0, "b": 1.0}}
    assert run_from_scores(["q1", "q2"], ["a", "b", "c", "d"], scores, k=10)["q1"] == {"b": 0.9, "d": 0.5, "a": 0.1}
    with pytest.raises(ValueError, match="one row per query"):
        run_from_scores(["q1"], ["a", "b", "c", "d"], scores)


def test_run_from_scores_keeps_plus_inf_as_the_top_score():
    assert run_from_scores(["q"], ["a", "b"], np.array([[np.inf, 1.0]])) == {"q": {"a": np.inf, "b": 1.0}}


MATRIX_SCORE = st.one_of(st.integers(0, 3).map(float), st.just(np.inf), st.just(-np.inf), st.just(np.nan), st.floats(-5, 5))


@settings(max_examples=200, deadline=None)
@given(
    qrels=qrels_strategy,
    rows=st.lists(st.lists(MATRIX_SCORE, min_size=12, max_size=12), min_size=1, max_size=5),
    k=st.sampled_from([1, 3, 10, 20]),
)
def test_ndcg_straight_from_a_score_matrix_equals_ndcg_of_its_run(qrels, rows, k):
    # Ties (small integers), +inf, -inf and nan mixed in; q5 has a row but no judgements, q4 may lack a row.
    query_ids, doc_ids = ["q1", "q2", "q3", "q5", "q4"][: len(rows)], [f"d{i}" for i in range(12)]
    scores = np.array(rows)
    expected = ndcg_per_query(qrels, run_from_scores(query_ids, doc_ids, scores, k=len(doc_ids)), k=k)
    assert ndcg_per_query_from_scores(qrels, query_ids, doc_ids, scores, k=k) == expected


def test_ndcg_from_scores_refuses_what_run_from_scores_refuses():
    with pytest.raises(ValueError, match="one row per query"):
        ndcg_per_query_from_scores({"q": {"a": 1}}, ["q"], ["a", "b"], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="doc_ids"):
        ndcg_per_query_from_scores({"q": {"a": 1}}, ["q"], ["a", "a"], np.zeros((1, 2)))


# --- nan and -inf mean "not retrieved", wherever they sit in the dict --------------------------

NOT_RETRIEVED = st.sampled_from([float("nan"), float("-inf"), np.float32("nan"), np.float64("-inf")])
# Scores with ties, infinities and "not retrieved" marks mixed in.
messy_score = st.one_of(
    st.integers(min_value=0, max_value=3).map(float), st.just(float("inf")), NOT_RETRIEVED, st.floats(-5, 5)
)
messy_run = st.dictionaries(
    st.sampled_from(["q1", "q2", "q3", "q4", "q5"]), st.dictionaries(doc_ids, messy_score, min_size=1, max_size=12)
)


def _retrieved_only(run):
    return {q: {d: s for d, s in docs.items() if not (math.isnan(s) or s == -math.inf)} for q, docs in run.items()}


@settings(max_examples=200, deadline=None)
@given(qrels=qrels_strategy, run=messy_run, k=st.sampled_from([1, 3, 10]), seed=st.integers(0, 2**16))
def test_nan_and_minus_inf_count_as_not_retrieved_in_any_dict_order(qrels, run, k, seed):
    plain = _retrieved_only(run)
    rng = np.random.default_rng(seed)
    shuffled = {q: dict(rng.permutation(list(docs.items())).tolist()) for q, docs in run.items()}
    shuffled = {q: {d: float(s) for d, s in docs.items()} for q, docs in shuffled.items()}
    for metric in (ndcg_per_query, recall_per_query, mrr_per_query):
        expected = metric(qrels, plain, k=k)
        assert metric(qrels, run, k=k) == expected
        assert metric(qrels, shuffled, k=k) == expected


@settings(max_examples=100, deadline=None)
@given(qrels=qrels_strategy, run=messy_run, k=st.sampled_from([1, 3, 10]))
def test_runs_with_inf_and_nan_still_equal_pytrec_eval_on_the_retrieved_documents(qrels, run, k):
    # pytrec_eval cannot take inf; a large finite score ranks the same (+inf is the top score).
    finite = {q: {d: (1e9 if s == math.inf else s) for d, s in docs.items()} for q, docs in _retrieved_only(run).items()}
    reference = _pytrec(qrels, finite, {f"ndcg_cut.{k}"})
    ndcg = ndcg_per_query(qrels, run, k=k)
    for query_id in qrels:
        assert ndcg[query_id] == pytest.approx(reference.get(query_id, {f"ndcg_cut_{k}": 0.0})[f"ndcg_cut_{k}"], abs=1e-12)


def test_the_issue_examples_are_no_longer_wrong():
    nan = float("nan")
    assert mrr_at_k({"q": {"d1": 1}}, {"q": {"d1": 0.5, "d3": nan, "d2": 0.9}}) == 0.5
    assert mrr_at_k({"q": {"d1": 1}}, {"q": {"d3": nan, "d2": 0.9, "d1": 0.5}}) == 0.5
    assert ndcg_at_k({"q": {"d1": 1}}, {"q": {"d1": nan, "d2": 0.1}}, k=1) == 0.0


@pytest.mark.parametrize("score", ["0.9", None, True, [0.9]])
def test_a_score_that_is_not_a_number_is_an_error(score):
    with pytest.raises(TypeError, match="run scores must be numbers.*float\\('nan'\\)"):
        ndcg_at_k({"q": {"a": 1}}, {"q": {"a": score}})


def test_run_from_scores_refuses_duplicate_ids_unless_told_which_wins():
    scores = np.array([[0.1, 0.9, 0.5]])
    with pytest.raises(ValueError, match=r"doc_ids has the id 'a' twice \(position 0 and position 2\).*duplicates='first'"):
        run_from_scores(["q"], ["a", "b", "a"], scores)
    with pytest.raises(ValueError, match="query_ids has the id 'q' twice"):
        run_from_scores(["q", "q"], ["a"], np.ones((2, 1)))
    assert run_from_scores(["q"], ["a", "b", "a"], scores, duplicates="first") == {"q": {"b": 0.9, "a": 0.1}}
    assert run_from_scores(["q"], ["a", "b", "a"], scores, duplicates="last") == {"q": {"b": 0.9, "a": 0.5}}


# --- comparing a search engine's top-k lists with in-memory scores ----------------------

DOCS = ["a", "b", "c", "d", "e"]
TIED = np.array([[3.0], [2.0], [2.0], [1.0], [0.0]])  # b and c tie


def _compare(ranked, scores=TIED, **kwargs):
    """compare_top_k for one query whose engine scores are the in-memory ones."""
    column = dict(zip(DOCS, scores[:, 0]))
    return compare_top_k([ranked], [[column[d] for d in ranked]], scores, DOCS, **kwargs)


def test_compare_top_k_allows_tied_documents_to_swap_but_nothing_else():
    assert _compare(["a", "c", "b"], k=3).same_ranking == 1
    assert _compare(["b", "a", "c"], k=3).same_ranking == 0
    missing_best = _compare(["b", "c", "d"], k=3)
    assert (missing_best.same_ranking, missing_best.same_top1) == (0, 0)
    assert missing_best.mean_overlap == pytest.approx(2 / 3)
    assert _compare(["a", "c"], k=2).same_ranking == 1  # a tie at the cut-off may be broken either way
    # A sparse search returns only documents with a positive score; "e" would be a wrong hit.
    short = _compare(["a", "b", "c", "d"], k=5, positive_only=True)
    assert short.same_ranking == 1 and short.max_score_diff == 0.0
    assert _compare(DOCS, k=5, positive_only=True).same_ranking == 0
    assert _compare(DOCS, k=5).same_ranking == 1


def test_compare_top_k_reports_score_differences_and_checks_its_input():
    result = compare_top_k([["a", "b"]], [[0.9, 0.5]], np.array([[0.9], [0.4]]), ["a", "b"], k=2)
    assert result.same_ranking == 1 and result.max_score_diff == pytest.approx(0.1)
    assert str(result) == "same top-k ranking for 1/1 queries, same top-1 for 1/1, mean overlap 1.00"
    sparse_scores = compare_top_k([["b"]], [[2.0]], sp.csr_array(np.array([[0.0], [2.0]])), ["a", "b"], k=1)
    assert sparse_scores.same_ranking == 1
    with pytest.raises(ValueError, match="one row per document"):
        compare_top_k([[]], [[]], np.zeros((3, 1)), ["a", "b"])
    with pytest.raises(ValueError, match="not in doc_ids"):
        compare_top_k([["z"]], [[1.0]], np.ones((2, 1)), ["a", "b"])
    with pytest.raises(ValueError, match="one score list per id list"):
        compare_top_k([["a"]], [], np.ones((2, 1)), ["a", "b"])
    with pytest.raises(ValueError, match="k must be at least 1"):
        compare_top_k([["a"]], [[1.0]], np.ones((2, 1)), ["a", "b"], k=0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=6, max_size=6),
    st.permutations(range(6)),
    st.integers(0, 6),
    st.integers(1, 6),
    st.booleans(),
)
def test_same_ranking_and_top1_equal_a_sorted_scores_reference(values, order, length, k, positive_only):
    """A list is a right top-k exactly when its scores, in its order, are the k best scores sorted."""
    got = list(order[:length])[:k]
    valid = [d for d in range(6) if values[d] > 0 or not positive_only]
    best = sorted((values[d] for d in valid), reverse=True)[:k]
    same = [values[d] for d in got] == best and set(got) <= set(valid)
    top1 = bool(got) and got[0] in valid and values[got[0]] == max(values[d] for d in valid)
    scores = np.array(values, dtype=float)[:, None]
    ids = [f"d{i}" for i in range(6)]
    result = compare_top_k([[ids[d] for d in got]], [scores[got, 0]], scores, ids, k=k, positive_only=positive_only)
    assert (result.same_ranking, result.same_top1) == (int(same), int(top1))
