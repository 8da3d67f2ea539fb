"""BM25 plots and the contribution widget: what they draw matches the numbers."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
from helpers.plots.bm25 import bm25_score_bars, contribution_bars, term_weight_heatmap, term_weight_table
from helpers.widgets.bm25 import EMPTY_QUERY, contribution_widget, update

QUERY = "Where was Turing born?"


@pytest.fixture
def bm25_ef(blog_docs):
    return BM25EmbeddingFunction(build_default_analyzer("en"), blog_docs)


def _bar_widths(fig: Figure) -> list[float]:
    return [patch.get_width() for patch in fig.axes[0].patches]


def test_update_returns_contributions_and_their_chart(bm25_ef, blog_docs):
    explained, fig = update(bm25_ef, QUERY, blog_docs, ["AI", "Turing research", "Turing born"])
    assert explained.terms == ["where", "ture", "born"]
    scores = (bm25_ef.encode_queries([QUERY]) @ bm25_ef.encode_documents(blog_docs).T).toarray()[0]
    np.testing.assert_allclose(explained.scores, scores, rtol=1e-6)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AI", "Turing research", "Turing born"]  # best on top
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "where (not in vocabulary)" and legend[2].startswith("born (idf×count 0.51")
    # Bars per term, documents ordered by score: the "born" bar of the best document is its contribution.
    widths = np.array(_bar_widths(fig)).reshape(3, 3)
    np.testing.assert_allclose(widths[1:], explained.contributions[np.argsort(explained.scores)].T[1:], rtol=1e-6)


def test_update_hints_on_an_empty_query(bm25_ef, blog_docs):
    assert update(bm25_ef, "   ", blog_docs) == EMPTY_QUERY


def test_update_with_only_unknown_words_draws_zero_bars(bm25_ef, blog_docs):
    explained, fig = update(bm25_ef, "the quantum of", blog_docs)
    assert explained.terms == ["quantum"] and not explained.in_vocabulary.any()
    assert np.all(explained.scores == 0) and all(w == 0 for w in _bar_widths(fig))


def test_widget_redraws_through_update(bm25_ef, blog_docs, monkeypatch):
    import helpers.widgets.bm25 as module

    seen = []
    monkeypatch.setattr(module, "update", lambda ef, query, docs, labels: seen.append(query) or EMPTY_QUERY)
    widget = contribution_widget(bm25_ef, blog_docs)
    box, _ = widget.children
    box.value = "Alan Turing AI"
    assert seen == [QUERY, "Alan Turing AI"] and box.continuous_update is False


def test_bm25_score_bars_put_the_best_document_on_top(bm25_ef, blog_docs):
    scores = (bm25_ef.encode_queries([QUERY]) @ bm25_ef.encode_documents(blog_docs).T).toarray()[0]
    fig = bm25_score_bars(scores, ["a", "b", "c"], QUERY)
    assert _bar_widths(fig) == pytest.approx(sorted(scores))
    assert fig.axes[0].get_yticklabels()[-1].get_text() == "c"
    assert {bar.get_hatch() for bar in fig.axes[0].patches} == {"//"}  # BM25's hatch, as in every chart
    with pytest.raises(ValueError, match="one label per score"):
        bm25_score_bars(scores, ["a"], QUERY)


def test_term_weight_table_and_heatmap(bm25_ef, blog_docs):
    weights = bm25_ef.decode(bm25_ef.encode_queries([QUERY, "the"]))
    table = term_weight_table(weights, [QUERY, "the"])
    assert table.splitlines()[0].endswith("| born 0.511, ture 0.116")
    assert table.splitlines()[1].endswith("| (no known terms)")
    decoded = bm25_ef.decode(bm25_ef.encode_documents(blog_docs))
    fig = term_weight_heatmap(decoded, ["d1", "d2", "d3"])
    texts = [t.get_text() for t in fig.axes[0].texts]  # one per non-zero cell
    assert sorted(texts) == sorted(f"{w:.2f}" for row in decoded for w in row.values())
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][:2] == ["artifici", "intellig"]  # terms down the rows
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["d1", "d2", "d3"]
    assert fig.get_size_inches()[0] * fig.dpi <= 900  # readable at a page's width, not 1825 px wide
    assert len(fig.axes) == 2  # the colour bar


def test_contribution_bars_check_labels(bm25_ef, blog_docs):
    with pytest.raises(ValueError, match="one label per row"):
        contribution_bars(bm25_ef.term_contributions(QUERY, blog_docs), ["only one"], QUERY)


@pytest.mark.parametrize("query", ["", "  ", "\u200b", "\x00"])
def test_invisible_queries_get_the_hint(query):
    from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
    from helpers.widgets.bm25 import EMPTY_QUERY, update

    bm25 = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25.fit(["Turing was born in London."])
    assert update(bm25, query, ["Turing was born in London."]) == EMPTY_QUERY


def test_half_an_emoji_is_replaced_not_a_crash():
    from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
    from helpers.widgets.bm25 import update

    bm25 = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25.fit(["Turing was born in London."])
    explained, _ = update(bm25, "Turing \ud83d", ["Turing was born in London."])  # before: a crash in the analyzer
    assert explained.terms == ["ture"]  # the bad half is dropped like any other non-word
