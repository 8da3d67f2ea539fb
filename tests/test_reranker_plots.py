"""Rerank plots draw what they are given: checked on the artists of the returned figures,
and the rank-shift chart's rows (the chart itself: tests/test_plots.py)."""

import numpy as np
import pytest

from helpers.model import RerankResult
from helpers.plots.rerank import maxsim_matches, rerank_score_bars, shift_rows

LABELS = ["alpha doc", "bravo doc", "charlie doc", "delta doc", "echo doc"]


def test_shift_rows_give_each_candidate_its_ranks_and_move():
    rows = shift_rows(LABELS, [2, 0, 1, 4], relevant=[False, True, False, False, False])
    # candidate 2 (rank 3) moves to rank 1, 0 and 1 move down one place, 3 is cut, 4 moves up to 4
    assert [(r.before, r.after, r.move) for r in rows] == [
        (1, 2, "down"), (2, 3, "down"), (3, 1, "up"), (4, None, "same"), (5, 4, "up")]
    assert [r.label for r in rows][:2] == ["alpha doc", "★ bravo doc"] and rows[1].relevant
    assert shift_rows(["a very long title"], [0], width=6)[0].label == "a ver…"


@pytest.mark.parametrize("order", [[0, 0], [5], [-1]])
def test_shift_rows_reject_bad_orders(order):
    with pytest.raises(ValueError, match="distinct candidate positions"):
        shift_rows(LABELS, order)


def test_shift_rows_reject_empty_and_mismatched_input():
    with pytest.raises(ValueError, match="at least one candidate"):
        shift_rows([], [])
    with pytest.raises(ValueError, match="one flag per candidate"):
        shift_rows(LABELS, [0], relevant=[True])


def test_rerank_score_bars_bars_equal_scores():
    results = [RerankResult("bravo doc", 0.9, 1), RerankResult("alpha doc", 0.5, 0), RerankResult("echo", -0.1, 4)]
    fig = rerank_score_bars(results, reranker="MaxSim")
    widths = [bar.get_width() for bar in fig.axes[0].patches]
    np.testing.assert_allclose(widths, [0.9, 0.5, -0.1])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["[1] bravo doc", "[0] alpha doc", "[4] echo"]


def test_rerank_score_bars_beside_first_stage_scores():
    results = [RerankResult("b", 0.9, 1), RerankResult("a", 0.5, 0)]
    fig = rerank_score_bars(results, labels=["A", "B"], first_stage_scores=[3.0, 7.0], first_stage="BM25")
    first, rerank = fig.axes
    np.testing.assert_allclose([bar.get_width() for bar in first.patches], [7.0, 3.0])
    np.testing.assert_allclose([bar.get_width() for bar in rerank.patches], [0.9, 0.5])
    assert first.get_xlabel() == "BM25 score"
    assert [t.get_text() for t in first.get_yticklabels()] == ["[1] B", "[0] A"]


def test_rerank_score_bars_needs_results():
    with pytest.raises(ValueError, match="at least one result"):
        rerank_score_bars([])


def test_maxsim_matches_shows_row_maxima_and_their_mean():
    matrix = np.array([[0.1, 0.8, 0.3], [0.6, 0.2, 0.4]])
    fig = maxsim_matches(["q1", "q2"], ["d1", "d2", "d3"], matrix)
    ax = fig.axes[0]
    np.testing.assert_allclose([bar.get_width() for bar in ax.patches], [0.8, 0.6])
    assert ax.get_lines()[0].get_xdata()[0] == pytest.approx(0.7)
    assert [t.get_text() for t in ax.texts] == [" d2 (0.80)", " d1 (0.60)"]
    assert "0.700" in ax.get_title()


def test_maxsim_matches_checks_shapes():
    with pytest.raises(ValueError, match="need 2 query and 3 document pieces"):
        maxsim_matches(["q1", "q2"], ["a", "b", "c"], np.zeros((3, 2)))
