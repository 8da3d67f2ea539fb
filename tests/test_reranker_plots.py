"""Rerank plots draw what they are given: checked on the artists of the returned figures."""

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from helpers.model import RerankResult
from helpers.plots.rerank import MOVE_COLORS, maxsim_matches, rank_shift, rerank_scores

LABELS = ["alpha doc", "bravo doc", "charlie doc", "delta doc", "echo doc"]


def lines(fig):
    return fig.axes[0].get_lines()


def test_rank_shift_draws_one_line_per_reranked_candidate():
    fig = rank_shift(LABELS, [2, 0, 1, 4], "BM25", "MaxSim")
    assert isinstance(fig, Figure)
    drawn = {tuple(int(y) for y in line.get_ydata()): to_hex(line.get_color()) for line in lines(fig)}
    # candidate 2 (rank 3) moves to rank 1, 0 and 1 move down one place, 4 moves up to 4
    up, down = to_hex(MOVE_COLORS["up"]), to_hex(MOVE_COLORS["down"])
    assert drawn == {(3, 1): up, (1, 2): down, (2, 3): down, (5, 4): up}
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "delta doc  4" in texts  # cut by top_k: labelled on the left only
    assert not any(t.endswith("delta doc") for t in texts)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["BM25", "MaxSim"]


def test_rank_shift_unchanged_order_and_stars():
    fig = rank_shift(LABELS[:2], [0, 1], relevant=[False, True])
    assert {to_hex(line.get_color()) for line in lines(fig)} == {to_hex(MOVE_COLORS["same"])}
    assert "★ bravo doc  2" in [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("order", [[0, 0], [5], [-1]])
def test_rank_shift_rejects_bad_orders(order):
    with pytest.raises(ValueError, match="distinct candidate positions"):
        rank_shift(LABELS, order)


def test_rank_shift_rejects_empty_and_mismatched_input():
    with pytest.raises(ValueError, match="at least one candidate"):
        rank_shift([], [])
    with pytest.raises(ValueError, match="one flag per candidate"):
        rank_shift(LABELS, [0], relevant=[True])


def test_rerank_scores_bars_equal_scores():
    results = [RerankResult("bravo doc", 0.9, 1), RerankResult("alpha doc", 0.5, 0), RerankResult("echo", -0.1, 4)]
    fig = rerank_scores(results, reranker="MaxSim")
    widths = [bar.get_width() for bar in fig.axes[0].patches]
    np.testing.assert_allclose(widths, [0.9, 0.5, -0.1])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["[1] bravo doc", "[0] alpha doc", "[4] echo"]


def test_rerank_scores_beside_first_stage_scores():
    results = [RerankResult("b", 0.9, 1), RerankResult("a", 0.5, 0)]
    fig = rerank_scores(results, labels=["A", "B"], first_stage_scores=[3.0, 7.0], first_stage="BM25")
    first, rerank = fig.axes
    np.testing.assert_allclose([bar.get_width() for bar in first.patches], [7.0, 3.0])
    np.testing.assert_allclose([bar.get_width() for bar in rerank.patches], [0.9, 0.5])
    assert first.get_xlabel() == "BM25 score"
    assert [t.get_text() for t in first.get_yticklabels()] == ["[1] B", "[0] A"]


def test_rerank_scores_needs_results():
    with pytest.raises(ValueError, match="at least one result"):
        rerank_scores([])


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
