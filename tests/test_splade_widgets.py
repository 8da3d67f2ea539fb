"""The SPLADE widget's update function and plots, called as the notebook calls them."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
from helpers.plots.splade import EXPANSION_COLOR, IN_TEXT_COLOR, bm25_vs_splade, expansion_bars
from helpers.widgets.splade import EMPTY_QUERY, results_table, top_results, update


def test_top_results_and_table_are_ranked_with_4_digit_scores():
    ranked = top_results(np.array([0.1, 3.0, 2.0, 3.0]), ["a", "b", "c", "d"], k=3)
    assert ranked == [("b", 3.0), ("d", 3.0), ("c", 2.0)]  # ties keep corpus order
    table = results_table({"BM25": ranked, "SPLADE": [("c", 1.23456789)]})
    assert table.splitlines()[1].split()[:3] == ["1", "b", "3"] and "1.235" in table


def test_update_shows_expansions_and_both_rankings(splade, blog_docs):
    bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25_ef.fit(blog_docs)
    labels = ["founded", "Turing research", "Turing born"]
    assert update(splade, bm25_ef, "  ", None, None, labels) == EMPTY_QUERY
    terms, table, fig = update(splade, bm25_ef, "Where was Turing born?", splade.encode_documents(blog_docs),
                               bm25_ef.encode_documents(blog_docs), labels, k=3)
    assert table.splitlines()[1].split()[1:3] == ["Turing", "born"]  # both methods rank it first
    assert any(not own for _, _, own in terms) and any(own for _, _, own in terms)
    assert isinstance(fig, Figure)


def test_expansion_bars_colour_by_origin():
    fig = expansion_bars({"q": [("turing", 2.0, True), ("computer", 1.0, False)]})
    bars = fig.axes[0].patches
    assert [b.get_width() for b in bars] == [2.0, 1.0]
    from matplotlib.colors import to_rgba

    assert bars[0].get_facecolor() == to_rgba(IN_TEXT_COLOR) and bars[1].get_facecolor() == to_rgba(EXPANSION_COLOR)
    with pytest.raises(ValueError, match="at least one panel"):
        expansion_bars({})


def test_bm25_vs_splade_draws_each_methods_terms_heaviest_first():
    fig = bm25_vs_splade({"ture": 1.0, "born": 2.0}, {"turing": 3.0}, "Turing was born")
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()] == ["born", "ture"]  # heaviest first (top row)
    assert left.get_title(loc="left") == "BM25: 2 terms" and right.get_title(loc="left") == "SPLADE: 1 terms"
