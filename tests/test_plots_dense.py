import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.model import DefaultEmbeddingFunction
from helpers.plots.dense import similarity_bars, similarity_heatmap
from helpers.widgets.dense import EMPTY_QUERY, query_similarity, render, update


@pytest.fixture(scope="module")
def ef():
    return DefaultEmbeddingFunction()


def test_update_scores_are_cosines_and_the_chart_shows_them(ef, blog_docs):
    vectors = np.stack(ef.encode_documents(blog_docs))
    scores, fig = update(ef, "Where was Turing born?", blog_docs, vectors)
    expected = vectors @ ef.encode_queries(["Where was Turing born?"])[0]
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    assert int(np.argmax(scores)) == 2
    bars = fig.axes[0].patches
    assert sorted(b.get_width() for b in bars) == pytest.approx(sorted(scores))
    assert fig.axes[0].get_yticklabels()[-1].get_text().startswith("Born in Maida Vale")  # best on top


def test_empty_query_gives_a_hint_not_an_error(ef, blog_docs):
    vectors = np.stack(ef.encode_documents(blog_docs))
    assert update(ef, "   ", blog_docs, vectors) == EMPTY_QUERY


def test_query_similarity_of_a_document_to_itself_is_one(ef, blog_docs):
    vectors = np.stack(ef.encode_documents(blog_docs))
    assert query_similarity(ef, blog_docs[1], vectors)[1] == pytest.approx(1.0, abs=1e-5)


def test_heatmap_writes_every_value_and_checks_its_labels():
    matrix = np.array([[1.0, 0.25], [0.25, 1.0]])
    fig = similarity_heatmap(matrix, ["a", "b"])
    assert isinstance(fig, Figure)
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.00", "0.25", "0.25", "1.00"]
    with pytest.raises(ValueError, match="labels"):
        similarity_heatmap(matrix, ["only one"])


def test_bars_figure_for_any_number_of_documents():
    fig = similarity_bars([0.1, 0.9, -0.2, 0.5], ["w", "x", "y", "z"], "q")
    ax = fig.axes[0]
    assert [b.get_width() for b in ax.patches] == pytest.approx([-0.2, 0.1, 0.5, 0.9])  # drawn bottom-up: best on top
    assert ax.get_xlim() == pytest.approx((-0.25, 1.0))  # room below the lowest cosine
    with pytest.raises(ValueError, match="one label per score"):
        similarity_bars([0.1, 0.9], ["w"], "q")


def test_the_widget_redraws_through_update_when_the_query_changes(ef, blog_docs, monkeypatch):
    import helpers.widgets.dense as module

    seen = []
    monkeypatch.setattr(module, "update", lambda ef, query, docs, vectors: seen.append(query) or EMPTY_QUERY)
    box, _ = module.similarity_widget(ef, blog_docs, value="first").children
    box.value = "Where was Turing born?"
    assert seen == ["first", "Where was Turing born?"] and box.continuous_update is False


def test_render_warns_before_the_chart_when_the_query_is_japanese_and_the_model_english_only(ef, blog_docs):
    vectors = np.stack(ef.encode_documents(blog_docs))
    note, fig = render(ef, "チューリングはどこで生まれた？", blog_docs, vectors)
    assert note.startswith("This text looks Japanese, but all-MiniLM-L6-v2 was trained on English only")
    assert isinstance(fig, Figure)
    assert len(render(ef, "Where was Turing born?", blog_docs, vectors)) == 1  # English: the chart alone


def test_render_gives_no_note_for_a_multilingual_model(multilingual, blog_docs):
    vectors = np.stack(multilingual.encode_documents(blog_docs))
    (fig,) = render(multilingual, "チューリングはどこで生まれた？", blog_docs, vectors)
    assert isinstance(fig, Figure)
