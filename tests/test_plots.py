"""helpers.plots.compare and .svg: the bars and slope chart show exactly the scores and orders of a result."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from helpers.fusion import min_max, ranks
from helpers.methods import METHODS
from helpers.plots.compare import bar_alt_text, scoreboard
from helpers.plots.rerank import MOVE_COLORS
from helpers.plots.svg import SvgChart, rank_shift_svg, result_rank_shift_svg, score_bars_svg
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


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())  # fails unless the document is well-formed


def svg_texts(svg: str) -> list[str]:
    return [t.text.replace("\u00a0", " ").strip() for t in parse(svg).iter(f"{SVG}text")]


def bars(svg: str) -> list[ET.Element]:
    return [b for b in parse(svg).iter(f"{SVG}rect") if b.get("class") == "bar"]


def bar_widths(svg: str) -> np.ndarray:
    """Bar widths in data units (x from 0 to 1.25), row by row: measured against a bar of length 1."""
    full = score_bars_svg(make_result(), top_k=1, by="dense", methods=("dense",))  # the best dense bar is 1.0 long
    unit = float(bars(full)[0].get("width"))
    return np.array([float(b.get("width")) / unit for b in bars(svg)])


def test_bars_are_min_max_scaled_scores_labelled_with_raw_values():
    result = make_result()
    svg = score_bars_svg(result, top_k=5, by="rerank", methods=("dense", "bm25"))
    assert isinstance(svg, SvgChart) and svg.startswith("<?xml")
    top = result.top("rerank", 5)
    expected = np.stack([min_max(result.scores[m])[top] for m in ("dense", "bm25")], axis=1).ravel()  # row by row
    np.testing.assert_allclose(bar_widths(svg), expected, atol=1e-3)
    texts = svg_texts(svg)
    dense = [f"{v:.3f}" for v in result.scores["dense"][top]]
    bm25 = [f"{v:.1f}" for v in result.scores["bm25"][top]]
    values = [t for t in texts if t in dense or t in bm25]
    assert values == [v for pair in zip(dense, bm25) for v in pair]


def test_best_document_is_on_top_and_labelled_with_its_rank():
    result = make_result()
    svg = score_bars_svg(result, top_k=4, by="bm25")
    labels = [t for t in parse(svg).iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    labels.sort(key=lambda t: float(t.get("y")))  # SVG y grows downwards: the top row first
    best = result.top("bm25", 4)
    assert [t.text for t in labels] == [f"{r}. Document {i}" for r, i in enumerate(best, start=1)]


def test_unreranked_documents_say_so_and_top_k_is_capped():
    assert svg_texts(score_bars_svg(make_result(reranked=3), top_k=6, by="rrf", methods=("rerank",))).count(
        "not reranked") == 3
    assert len(bars(score_bars_svg(make_result(n=5), top_k=50))) == 5 * 3


def test_absolute_scale_keeps_a_weak_hit_short():
    result = make_result()
    top = result.top("rrf", 4)
    widths = bar_widths(score_bars_svg(result, top_k=4, by="rrf", methods=("rrf",), scale="absolute"))
    np.testing.assert_allclose(widths, result.scores["rrf"][top] / (2 / (result.rrf_k + 1)), atol=1e-3)
    assert widths.max() < 0.95  # min-max scaling would stretch the best to 1


def test_bad_arguments_name_the_fix():
    result = make_result()
    with pytest.raises(ValueError, match="at least one method"):
        score_bars_svg(result, methods=())
    with pytest.raises(ValueError, match="unknown method 'tfidf'"):
        score_bars_svg(result, methods=("tfidf",))
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        score_bars_svg(result, top_k=0)
    with pytest.raises(ValueError, match="scale must be one of"):
        score_bars_svg(result, scale="log")


def test_bars_take_each_methods_colour_hatch_and_label_from_the_registry():
    methods = ("dense", "bm25", "rrf", "weighted", "rerank")
    svg = score_bars_svg(make_result(), top_k=3, methods=methods)
    assert [b.get("fill") for b in bars(svg)] == [METHODS[m].colour for m in methods] * 3
    rects = list(parse(svg).iter(f"{SVG}rect"))
    for method in methods:
        overlays = [r for r in rects if r.get("fill") == f"url(#hatch-{method})"]
        assert len(overlays) == (4 if METHODS[method].hatch else 0)  # three bars and the legend swatch
        assert (f'id="hatch-{method}"' in svg) == bool(METHODS[method].hatch)
    assert [METHODS[m].label for m in methods] == [t for t in svg_texts(svg) if t in {METHODS[m].label for m in methods}]


def test_a_chart_displays_as_svg_with_its_text_equivalent_as_plain_text():
    from IPython.core.formatters import DisplayFormatter

    result = make_result()
    chart = score_bars_svg(result, top_k=3, methods=("dense", "bm25"))
    data, _ = DisplayFormatter().format(chart)
    assert data["image/svg+xml"] == str(chart)
    assert data["text/plain"] == chart.alt_text == bar_alt_text(result, 3, "rerank", ("dense", "bm25"))
    assert parse(chart).find(f"{SVG}title").text == chart.alt_text  # the accessible name


def rank_shift_moves(svg: str) -> dict[tuple[int, int], str]:
    """Each shift line as (rank before, rank after) -> colour, read from the labels at its two ends."""
    texts = list(parse(svg).iter(f"{SVG}text"))
    left = {t.get("y"): int(t.text.split()[-1]) for t in texts if t.get("text-anchor") == "end"}
    right = {t.get("y"): int(t.text.split()[0]) for t in texts if t.get("text-anchor") == "start" and t.text[0].isdigit()}
    lines = [line for line in parse(svg).iter(f"{SVG}line") if line.get("class") == "shift"]
    return {(left[line.get("y1")], right[line.get("y2")]): line.get("stroke") for line in lines}


def test_rank_shift_connects_first_stage_ranks_to_reranked_ranks():
    result = make_result()
    svg = result_rank_shift_svg(result, top_k=6, relevant={result.doc_ids[result.top("rrf", 1)[0]]})
    candidates = result.top("rrf", 6)
    order = np.argsort(-result.scores["rerank"][candidates], kind="stable")
    after = {int(c): r for r, c in enumerate(order, start=1)}
    assert set(rank_shift_moves(svg)) == {(before, after[before - 1]) for before in range(1, 7)}
    bold = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert len(bold) == 2 and all(t.replace("\u00a0", " ").count("★ Document") == 1 for t in bold)
    assert "RRF fusion order → reranked (MaxSim) order" in svg.alt_text


def test_rank_shift_draws_one_coloured_line_per_reranked_candidate():
    svg = rank_shift_svg(["alpha doc", "bravo doc", "charlie doc", "delta doc", "echo doc"], [2, 0, 1, 4],
                         "BM25", "MaxSim", relevant=[False, True, False, False, False])
    up, down = MOVE_COLORS["up"], MOVE_COLORS["down"]
    assert rank_shift_moves(svg) == {(3, 1): up, (1, 2): down, (2, 3): down, (5, 4): up}
    texts = svg_texts(svg)
    assert "delta doc  4" in texts and not any(t.endswith("delta doc") and t != "delta doc  4" for t in texts)
    assert "★ bravo doc  2" in texts and "3  ★ bravo doc" in texts
    assert {"BM25", "MaxSim"} <= set(texts)
    same = rank_shift_svg(["a", "b"], [0, 1])
    assert set(rank_shift_moves(same).values()) == {MOVE_COLORS["same"]}


def test_rank_shift_greys_candidates_that_were_not_reranked():
    result = make_result(reranked=5)  # the RRF top 5 were reranked; the dense top 5 shares only some of them
    candidates = result.top("dense", 5)
    reranked = [c for c in candidates if not np.isnan(result.scores["rerank"][c])]
    assert 0 < len(reranked) < 5
    svg = result_rank_shift_svg(result, top_k=8, first_stage="dense")
    assert len(rank_shift_moves(svg)) == len(reranked)  # the others get no line and grey text
    grey = [t for t in parse(svg).iter(f"{SVG}text") if t.get("fill") == "#999999"]
    assert len(grey) == 5 - len(reranked)
    assert svg.alt_text.count("not reranked") == 5 - len(reranked)


def test_scoreboard_bars_are_group_means():
    per_query = {"dense": {"q1": 1.0, "q2": 0.0, "q3": 0.5}, "bm25": {"q1": 0.0, "q2": 1.0, "q3": 1.0}}
    fig = scoreboard(per_query, {"q1": "dense", "q2": "bm25", "q3": "bm25"})
    heights = [round(b.get_height(), 6) for b in fig.axes[0].patches]
    # groups sorted (bm25, dense) then "all queries"; one series per method
    assert heights == [0.25, 1.0, 0.5, 1.0, 0.0, 0.666667]
    assert [b.get_hatch() or "" for b in fig.axes[0].patches] == [METHODS["dense"].hatch] * 3 + [METHODS["bm25"].hatch] * 3
    with pytest.raises(ValueError, match="at least one method"):
        scoreboard({}, {"q1": "dense"})


def test_svg_shows_user_text_as_typed_escaped_with_its_spaces():
    result = make_result(4)
    query = '<script>alert("x")</script> & $5 to $10 ' + "and a very long question that goes on and on " * 4
    titles = ["<b>bold</b>", "a  b", r"$\frac{$", "d"]
    result = SearchResult(**{**result.__dict__, "query": query, "titles": titles})
    for svg in (score_bars_svg(result, top_k=4), result_rank_shift_svg(result, top_k=4)):
        assert "<script>" not in svg and "<b>" not in svg
        texts = svg_texts(svg)  # parses: the document is well-formed
        assert any("<b>bold</b>" in t for t in texts) and any(r"$\frac{$" in t for t in texts)
    title = svg_texts(score_bars_svg(result, top_k=4))[0]
    assert title.startswith(repr(query)[:20]) and "…" in title and len(title) < 100  # cut to fit the chart
    assert " \u00a0" in svg  # "title  rank": the double space survives in a browser


def test_ndcg_bars_start_at_zero_and_methods_differ_by_hatch_too():
    from helpers.plots.evaluation import ndcg_bars

    fig = ndcg_bars({"BM25": 0.686, "dense": 0.645, "BM25 + MaxSim": 0.716}, {"BM25": 0.687},
                    keys={"BM25": "bm25", "dense": "dense", "BM25 + MaxSim": "rerank"})
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
    from matplotlib.colors import to_hex

    from helpers.plots.languages import ndcg_by_collection

    ndcg = {"BM25": {"JSQuAD": 0.94, "SciFact": 0.686}, "dense": {"JSQuAD": 0.77}}
    fig = ndcg_by_collection(ndcg, ["JSQuAD", "SciFact"], keys={"BM25": "rerank"})
    ax = fig.axes[0]
    bars = [p for p in ax.patches if np.isfinite(p.get_width())]
    # colours from the keys, not the names: "BM25" keyed "rerank" in vermillion, unkeyed "dense" in black
    assert [to_hex(b.get_edgecolor()) for b in bars] == [METHODS["rerank"].colour.lower(), "#000000",
                                                         METHODS["rerank"].colour.lower()]
    assert sorted(round(b.get_width(), 3) for b in bars) == [0.686, 0.77, 0.94]
    assert all(b.get_x() == 0 for b in bars) and ax.get_xlim()[0] == 0
    rows = sorted((t.get_position()[1], t.get_text()) for t in ax.get_yticklabels())
    assert [name for _, name in rows] == ["dense", "BM25"]  # first method on top
    assert sorted(str(b.get_hatch() or "") for b in bars) == ["", "", "//"]  # the second collection is hatched
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["JSQuAD", "SciFact"]
    with pytest.raises(ValueError, match="one or two collections"):
        ndcg_by_collection(ndcg, [])
