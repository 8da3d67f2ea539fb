import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.fusion import min_max, normalize_scores, ranks, reciprocal_rank_fusion, weighted_ranker, weighted_sum


def test_ranks_descending_with_ties_by_position_and_missing_last():
    np.testing.assert_array_equal(ranks(np.array([0.2, 0.9, np.nan, 0.9])), [3, 1, 4, 2])


def test_rrf_by_hand():
    a = np.array([3.0, 2.0, 1.0])  # ranks 1, 2, 3
    b = np.array([1.0, 3.0, 2.0])  # ranks 3, 1, 2
    expected = [1 / 61 + 1 / 63, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62]
    np.testing.assert_allclose(reciprocal_rank_fusion([a, b]), expected)


def test_rrf_top_n_counts_only_each_list_head():
    a = np.array([3.0, 2.0, 1.0])
    np.testing.assert_allclose(reciprocal_rank_fusion([a], k=0, top_n=2), [1.0, 0.5, 0.0])


def test_rrf_ignores_missing_scores():
    np.testing.assert_allclose(reciprocal_rank_fusion([np.array([1.0, -np.inf])], k=0), [1.0, 0.0])


def test_min_max_and_weighted_sum_by_hand():
    np.testing.assert_allclose(min_max(np.array([2.0, 4.0, 3.0])), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(min_max(np.array([5.0, 5.0])), [0.0, 0.0])
    fused = weighted_sum([np.array([2.0, 4.0, 3.0]), np.array([0.0, 0.0, 10.0])], [0.25, 0.75])
    np.testing.assert_allclose(fused, [0.0, 0.25, 0.875])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_min_max_is_within_unit_interval_and_keeps_order(values):
    scaled = min_max(np.array(values))
    assert ((scaled >= 0) & (scaled <= 1)).all()
    order = np.argsort(values, kind="stable")
    assert (np.diff(scaled[order]) >= -1e-12).all()


@pytest.mark.parametrize(
    "call",
    [
        lambda: reciprocal_rank_fusion([]),
        lambda: reciprocal_rank_fusion([np.ones(3), np.ones(4)]),
        lambda: weighted_sum([np.ones(3)], [0.5, 0.5]),
        lambda: weighted_sum([np.ones(3)], [-1.0]),
    ],
)
def test_bad_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call, error, fragment",
    [
        (lambda: weighted_sum([np.ones(3), np.ones(3)], [float("nan"), 0.5]), ValueError, r"weights\[0\] must be at least 0"),
        (lambda: weighted_sum([np.ones(3)], [float("inf")]), ValueError, "finite number"),
        (lambda: weighted_sum([np.ones(3)], ["0.5"]), TypeError, r"weights\[0\] must be a finite number"),
        (lambda: weighted_sum([np.ones(3)], 0.5), TypeError, "sequence of numbers"),
        (lambda: reciprocal_rank_fusion([np.ones(3)], top_n=0), ValueError, "top_n must be at least 1"),
        (lambda: reciprocal_rank_fusion([np.ones(3)], top_n=2.5), TypeError, "top_n must be an integer"),
        (lambda: reciprocal_rank_fusion([np.ones(3)], k=float("nan")), ValueError, "k must be at least 0"),
    ],
)
def test_settings_that_would_give_a_silent_nonsense_fusion_are_errors(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call()


def test_numpy_scalar_weights_are_numbers():
    scores = [np.array([3.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])]
    expected = weighted_sum(scores, [0.25, 0.75])  # exact in float32 too
    np.testing.assert_array_equal(weighted_sum(scores, [np.float32(0.25), np.float64(0.75)]), expected)
    np.testing.assert_array_equal(weighted_sum(scores, np.array([0.25, 0.75], dtype=np.float32)), expected)


def test_plus_inf_is_a_top_score_and_nan_minus_inf_are_missing():
    np.testing.assert_array_equal(min_max(np.array([np.inf, 1.0, 3.0, np.nan, -np.inf])), [1.0, 0.0, 1.0, np.nan, np.nan])
    np.testing.assert_array_equal(min_max(np.array([np.inf, np.nan])), [1.0, np.nan])
    fused = reciprocal_rank_fusion([np.array([np.inf, 1.0, np.nan]), np.array([0.0, 1.0, -np.inf])], k=0)
    np.testing.assert_array_equal(fused, [1 / 1 + 1 / 2, 1 / 2 + 1 / 1, 0.0])


# --- Milvus's WeightedRanker (tests/test_milvus.py checks these against a real Milvus Lite) ---


def test_normalize_scores_hand_worked_values():
    np.testing.assert_allclose(normalize_scores([-1.0, 0.0, 1.0], "COSINE"), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(normalize_scores([0.0, 1.0, np.inf], "IP"), [0.5, 0.75, 1.0])
    np.testing.assert_allclose(normalize_scores([0.0, 1.0], "BM25"), [0.0, 0.5])
    np.testing.assert_allclose(normalize_scores([0.0, 1.0], "L2"), [1.0, 0.5])
    assert np.isnan(normalize_scores([np.nan], "IP")).all()
    with pytest.raises(ValueError, match="COSINE"):
        normalize_scores([1.0], "HAMMING")


_NORMALIZE = {  # Milvus's formulas, one document at a time
    "COSINE": lambda s: (1 + s) / 2,
    "IP": lambda s: 0.5 + math.atan(s) / math.pi,
    "BM25": lambda s: 2 * math.atan(s) / math.pi,
}
_ROUTE = st.lists(st.one_of(st.none(), st.floats(0, 50)), min_size=6, max_size=6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_ROUTE, st.sampled_from(sorted(_NORMALIZE)), st.floats(0, 1)), min_size=1, max_size=3), st.booleans())
def test_weighted_ranker_equals_a_per_document_sum_over_the_routes_that_found_it(routes, norm_score):
    scores = [np.array([np.nan if s is None else s for s in route]) for route, _, _ in routes]
    fused = weighted_ranker(scores, [m for _, m, _ in routes], [w for _, _, w in routes], norm_score=norm_score)
    for doc in range(6):
        found = [(route[doc], metric, w) for route, metric, w in routes if route[doc] is not None]
        if not found:
            assert np.isnan(fused[doc])
            continue
        expected = sum(w * (_NORMALIZE[m](s) if norm_score else s) for s, m, w in found)
        assert fused[doc] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_weighted_ranker_checks_lengths():
    with pytest.raises(ValueError, match="one metric and one weight"):
        weighted_ranker([np.ones(3)], ["IP", "COSINE"], [1.0])
    with pytest.raises(ValueError, match="one length"):
        weighted_ranker([np.ones(3), np.ones(4)], ["IP", "COSINE"], [0.5, 0.5])
