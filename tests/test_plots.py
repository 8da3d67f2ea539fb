"""helpers.plots.compare and .svg: the bars and slope chart show exactly the scores and orders of a result."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.fusion import min_max, ranks
from helpers.plots.compare import result_rank_shift, score_bars, scoreboard
from helpers.plots.style import METHOD_HATCHES
from helpers.plots.svg import result_rank_shift_svg, score_bars_svg
from helpers.search import SearchResult

SVG = "{http://www.w3.org/2000/svg}"


def make_result(n: int = 12, reranked: int | None = None, seed: int = 0) -> SearchResult:
    rng = np.random.default_rng(seed)
    scores = {
        "dense": rng.uniform(-0.1, 0.8, n),
        "bm25": rng.exponential(3.0, n),
        "rrf": rng.uniform(0.0, 0.03, n),
        "weighted": rng.uniform(0.0, 1.0, n),
        "rerank": rng.uniform(0.3, 0.9, n),
    }
    depth = n if reranked is None else reranked
    if reranked is not None:  # only the RRF top `reranked` were reranked, as Search does
        scores["rerank"][ranks(scores["rrf"]) > reranked] = np.nan
    return SearchResult(
        query="Where was Alan Turing born?",
        doc_ids=[f"d{i}" for i in range(n)],
        titles=[f"Document {i}" for i in range(n)],
        texts=[f"text {i}" for i in range(n)],
        scores=scores,
        ranks={m: ranks(s) for m, s in scores.items()},
        weight=0.5,
        first_stage="rrf",
        rerank_depth=depth,
    )


def test_bars_are_min_max_scaled_scores_labelled_with_raw_values():
    result = make_result()
    fig = score_bars(result, top_k=5, by="rerank", methods=("dense", "bm25"))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    top = result.top("rerank", 5)
    widths = np.array([bar.get_width() for bar in ax.patches])
    expected = np.concatenate([min_max(result.scores[m])[top] for m in ("dense", "bm25")])
    np.testing.assert_allclose(widths, expected)
    labels = [t.get_text().strip() for t in ax.texts]
    assert labels[:5] == [f"{v:.3f}" for v in result.scores["dense"][top]]
    assert labels[5:] == [f"{v:.1f}" for v in result.scores["bm25"][top]]


def test_best_document_is_on_top_and_labelled_with_its_rank():
    result = make_result()
    ax = score_bars(result, top_k=4, by="bm25").axes[0]
    ticks = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    best = result.top("bm25", 4)
    assert [t.get_text() for t in ticks] == [f"{r}. Document {i}" for r, i in enumerate(best, start=1)]


def test_unreranked_documents_say_so():
    result = make_result(reranked=3)
    ax = score_bars(result, top_k=6, by="rrf", methods=("rerank",)).axes[0]
    labels = [t.get_text().strip() for t in ax.texts]
    assert labels.count("not reranked") == 3


def test_figure_is_reused_and_top_k_capped():
    result = make_result(n=5)
    fig = score_bars(result, top_k=3)
    again = score_bars(make_result(n=5, seed=1), top_k=50, fig=fig)
    assert again is fig and len(fig.axes) == 1
    assert len(fig.axes[0].patches) == 5 * 3


def test_bad_arguments_name_the_fix():
    result = make_result()
    with pytest.raises(ValueError, match="at least one method"):
        score_bars(result, methods=())
    with pytest.raises(ValueError, match="unknown method 'tfidf'"):
        score_bars(result, methods=("tfidf",))
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        score_bars(result, top_k=0)


def test_rank_shift_connects_first_stage_ranks_to_reranked_ranks():
    result = make_result()
    fig = result_rank_shift(result, top_k=6, relevant={result.doc_ids[result.top("rrf", 1)[0]]})
    candidates = result.top("rrf", 6)
    order = np.argsort(-result.scores["rerank"][candidates], kind="stable")
    after = {int(c): r for r, c in enumerate(order, start=1)}
    lines = fig.axes[0].lines
    assert len(lines) == 6
    for before, line in enumerate(lines, start=1):
        assert list(line.get_ydata()) == [before, after[before - 1]]
    assert any(t.get_text().startswith("★") for t in fig.axes[0].texts)


def test_rank_shift_greys_candidates_that_were_not_reranked():
    result = make_result(reranked=3)
    fig = result_rank_shift(result, top_k=10, first_stage="dense")
    assert len(fig.axes[0].lines) == int((~np.isnan(result.scores["rerank"][result.top("dense", 3)])).sum())


def test_redrawing_in_place_shows_the_same_as_a_fresh_figure():
    fig = score_bars(make_result(seed=1), top_k=5)
    old_bars = list(fig.axes[0].patches)
    refreshed = score_bars(make_result(seed=2), top_k=5, fig=fig).axes[0]
    fresh = score_bars(make_result(seed=2), top_k=5).axes[0]
    assert list(refreshed.patches) == old_bars  # the same artists, moved
    assert [b.get_width() for b in refreshed.patches] == [b.get_width() for b in fresh.patches]
    assert [t.get_text() for t in refreshed.texts] == [t.get_text() for t in fresh.texts]
    assert [t.get_text() for t in refreshed.get_yticklabels()] == [t.get_text() for t in fresh.get_yticklabels()]
    assert refreshed.get_title(loc="left") == fresh.get_title(loc="left") != ""


def test_scoreboard_bars_are_group_means():
    per_query = {"dense": {"q1": 1.0, "q2": 0.0, "q3": 0.5}, "bm25": {"q1": 0.0, "q2": 1.0, "q3": 1.0}}
    fig = scoreboard(per_query, {"q1": "dense", "q2": "bm25", "q3": "bm25"})
    heights = [round(b.get_height(), 6) for b in fig.axes[0].patches]
    # groups sorted (bm25, dense) then "all queries"; one series per method
    assert heights == [0.25, 1.0, 0.5, 1.0, 0.0, 0.666667]
    with pytest.raises(ValueError, match="at least one method"):
        scoreboard({}, {"q1": "dense"})


def test_dollars_show_as_typed_and_a_long_title_fits_the_figure():
    # matplotlib reads $...$ as mathematics: "$\frac{$" would not draw, "$5 to $10" would lose its dollars.
    result = make_result(6)
    query = r"what did $\frac{$ cost, $5 to $10? " + "and a very long question that goes on and on " * 4
    titles = [f"Price ${i} to ${i + 5} of a document whose title runs on" for i in range(6)]
    result = SearchResult(**{**result.__dict__, "query": query, "titles": titles})
    fig = score_bars(result, top_k=5, methods=("dense", "bm25", "rrf", "rerank"))
    for redraw in (False, True):  # a fresh figure, then one updated in place
        fig = score_bars(result, top_k=5, methods=("dense", "bm25", "rrf", "rerank"), fig=fig if redraw else None)
        fig.savefig(io.BytesIO(), format="png")  # draws every text
        ax = fig.axes[0]
        title = ax.get_title(loc="left")
        assert title.startswith(r"'what did $\\frac{$ cost, $5 to $10?") and title.endswith("by reranked (MaxSim)")
        assert "…" in title
        box, page = ax._left_title.get_window_extent(), fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1, "the title runs off the figure"
        assert all("$" in t.get_text() and not t.get_parse_math() for t in ax.get_yticklabels())
    chart = result_rank_shift(result, top_k=5)
    chart.savefig(io.BytesIO(), format="png")
    with_dollars = [t for t in chart.axes[0].texts if "$" in t.get_text()]
    assert with_dollars and not any(t.get_parse_math() for t in with_dollars)


# helpers.plots.svg: the explorer's charts as SVG show exactly what the matplotlib figures show.

def svg_texts(svg: str) -> list[str]:
    return [t.text.replace("\u00a0", " ").strip() for t in ET.fromstring(svg.encode()).iter(f"{SVG}text")]


def figure_texts(fig: Figure) -> list[str]:
    fig.draw_without_rendering()  # tick labels are filled in at draw time
    ax = fig.axes[0]
    texts = [*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels(), ax.title, ax._left_title, ax.xaxis.label]
    texts += ax.get_legend().get_texts() if ax.get_legend() else []
    return [t.get_text().strip() for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("methods", [("dense", "bm25", "rerank"), ("rrf",)])
def test_svg_bars_show_the_matplotlib_figures_bars_and_texts(methods):
    result = make_result(reranked=4)  # some documents say "not reranked"
    fig = score_bars(result, top_k=6, by="bm25", methods=methods)
    svg = score_bars_svg(result, top_k=6, by="bm25", methods=methods)
    bars = [b for b in ET.fromstring(svg.encode()).iter(f"{SVG}rect") if b.get("class") == "bar"]
    assert len(bars) == len(fig.axes[0].patches) == 6 * len(methods)
    # matplotlib lists the bars method by method, the SVG row by row; widths in axes units (x from 0 to 1.25).
    full = score_bars_svg(make_result(), top_k=1, by="dense", methods=("dense",))  # the best dense bar is 1.0 wide
    unit = float(next(b for b in ET.fromstring(full.encode()).iter(f"{SVG}rect") if b.get("class") == "bar").get("width"))
    svg_widths = np.array([float(b.get("width")) / unit for b in bars]).reshape(6, len(methods)).T.ravel()
    np.testing.assert_allclose(svg_widths, [p.get_width() for p in fig.axes[0].patches], atol=1e-3)
    assert sorted(svg_texts(svg)) == sorted(figure_texts(fig))
    # as in the matplotlib figure, each method's bars carry its hatch as well as its colour
    hatches = [p.get_hatch() or "" for p in fig.axes[0].patches]
    assert hatches == [METHOD_HATCHES[m] for m in methods for _ in range(6)]
    rects = list(ET.fromstring(svg.encode()).iter(f"{SVG}rect"))
    for method in methods:
        overlays = [r for r in rects if r.get("fill") == f"url(#hatch-{method})"]
        assert len(overlays) == (7 if METHOD_HATCHES[method] else 0)  # six bars and the legend swatch
        assert (f'id="hatch-{method}"' in svg) == bool(METHOD_HATCHES[method])


def test_svg_rank_shift_draws_the_same_moves_and_texts():
    result = make_result(reranked=5)  # the RRF top 5 were reranked; the dense top 5 shares only some of them
    candidates = result.top("dense", 5)
    reranked = [c for c in candidates if not np.isnan(result.scores["rerank"][c])]
    assert 0 < len(reranked) < 5
    relevant = {result.doc_ids[reranked[0]]}
    fig = result_rank_shift(result, top_k=8, first_stage="dense", relevant=relevant)
    svg = result_rank_shift_svg(result, top_k=8, first_stage="dense", relevant=relevant)
    lines = [line for line in ET.fromstring(svg.encode()).iter(f"{SVG}line") if line.get("class") == "shift"]
    assert len(lines) == len(fig.axes[0].lines) == len(reranked)  # the others get no line and grey text
    grey = [t for t in ET.fromstring(svg.encode()).iter(f"{SVG}text") if t.get("fill") == "#999999"]
    assert len(grey) == 5 - len(reranked)
    y1 = [float(line.get("y1")) for line in lines]
    y2 = [float(line.get("y2")) for line in lines]
    for mine, theirs in zip(lines, fig.axes[0].lines):
        assert mine.get("stroke").lower() == theirs.get_color().lower()
    # Same vertical order at both ends as matplotlib's ranks (SVG y grows downwards, like rank).
    assert list(np.argsort(y1)) == list(np.argsort([line.get_ydata()[0] for line in fig.axes[0].lines]))
    assert list(np.argsort(y2)) == list(np.argsort([line.get_ydata()[1] for line in fig.axes[0].lines]))
    assert sorted(svg_texts(svg)) == sorted(figure_texts(fig))
    bold = [t.text for t in ET.fromstring(svg.encode()).iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert len(bold) == 2 and all("★" in t for t in bold)


def test_svg_escapes_user_text_and_keeps_spaces():
    result = make_result(4)
    query = '<script>alert("x")</script> & $5'
    result = SearchResult(**{**result.__dict__, "query": query, "titles": ["<b>bold</b>", "a  b", "c", "d"]})
    for svg in (score_bars_svg(result, top_k=4), result_rank_shift_svg(result, top_k=4)):
        assert "<script>" not in svg and "<b>" not in svg
        texts = svg_texts(svg)  # parses: the document is well-formed
        assert any("<b>bold</b>" in t for t in texts)
    assert any(t.startswith(repr(query)[:20]) for t in svg_texts(score_bars_svg(result, top_k=4)))
    assert " \u00a0" in svg  # "title  rank": the double space survives in a browser


def test_ndcg_bars_start_at_zero_and_methods_differ_by_hatch_too():
    from helpers.plots.evaluation import ndcg_bars

    fig = ndcg_bars({"BM25": 0.686, "dense": 0.645, "BM25 + MaxSim": 0.716}, {"BM25": 0.687})
    ax = fig.axes[0]
    assert ax.get_xlim()[0] == 0.0
    bars = ax.patches[:3]
    colours = [bar.get_facecolor() for bar in bars]
    assert len({bar.get_hatch() for bar in bars}) == 3  # BM25 orange and MaxSim vermillion: also // and xx
    assert len(set(colours)) == 3


def test_query_ranks_legend_names_documents_in_a_neutral_colour():
    from matplotlib.colors import to_rgba

    from helpers.plots.evaluation import query_ranks

    fig = query_ranks({"BM25": [150, None], "dense": [2, 30]}, ["doc A", "doc B"], "a claim", 5183)
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["doc A", "doc B"]
    for handle in legend.legend_handles:
        assert tuple(handle.get_facecolor()[0]) == to_rgba("white")


def test_japanese_labels_are_drawn_with_a_japanese_font_not_empty_boxes():
    import warnings

    import numpy as np

    from helpers.plots.dense import similarity_bars
    from helpers.plots.style import font_family

    assert font_family() == ("DejaVu Sans", "IPAexGothic")
    fig = similarity_bars(np.array([0.2, 0.6]), ["人工知能の歴史", "チューリング"], "チューリングはどこで生まれた？")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" otherwise
        fig.canvas.draw()
    # IPAexGothic has no bold: bold labels are drawn regular, without a log line in every notebook output.
    import logging

    logger = logging.getLogger("matplotlib.font_manager")
    bold = logger.makeRecord(logger.name, logging.WARNING, __file__, 0,
                             "findfont: Failed to find font weight %s for %s, now using %d.", ("bold", "IPAexGothic", 400), None)
    other = logger.makeRecord(logger.name, logging.WARNING, __file__, 0, "findfont: Font family %s not found.", ("X",), None)
    assert not logger.filter(bold) and logger.filter(other)


def test_ndcg_by_collection_draws_one_bar_per_value_from_zero():
    from helpers.plots.languages import ndcg_by_collection

    ndcg = {"BM25": {"JSQuAD": 0.94, "SciFact": 0.686}, "dense": {"JSQuAD": 0.77}}
    fig = ndcg_by_collection(ndcg, ["JSQuAD", "SciFact"])
    ax = fig.axes[0]
    bars = [p for p in ax.patches if np.isfinite(p.get_width())]
    assert sorted(round(b.get_width(), 3) for b in bars) == [0.686, 0.77, 0.94]
    assert all(b.get_x() == 0 for b in bars) and ax.get_xlim()[0] == 0
    rows = sorted((t.get_position()[1], t.get_text()) for t in ax.get_yticklabels())
    assert [name for _, name in rows] == ["dense", "BM25"]  # first method on top
    assert sorted(str(b.get_hatch() or "") for b in bars) == ["", "", "//"]  # the second collection is hatched
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["JSQuAD", "SciFact"]
    with pytest.raises(ValueError, match="one or two collections"):
        ndcg_by_collection(ndcg, [])
