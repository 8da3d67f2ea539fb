"""helpers.widgets.explorer: the plain update function and the widget wired to it."""

from __future__ import annotations

import pytest

from helpers.plots.svg import score_bars_svg
from helpers.search import Search
from helpers.widgets.explorer import explorer, update

DOCS = [
    "Alan Turing was born in Maida Vale, London, in 1912.",
    "Turing died at his home in Wilmslow, Cheshire, in 1954.",
    "RFC 791 specifies the Internet Protocol, version 4.",
    "RFC 793 specifies the Transmission Control Protocol.",
    "BASIC was created at Dartmouth College in 1964 for students.",
    "The Dartmouth workshop of 1956 founded artificial intelligence as a field.",
]
IDS = ["birth", "death", "rfc791", "rfc793", "basic", "workshop"]


@pytest.fixture(scope="module")
def search():
    return Search(DOCS, ids=IDS, titles=[f"Title {i}" for i in IDS], show_progress=False)


def test_update_shows_table_and_both_figures(search):
    view = update(search, "Where was Alan Turing born?", relevant={"birth"})
    assert view.message == ""
    assert view.result.doc_ids[view.result.top("rerank", 1)[0]] == "birth"
    assert view.table_html.index("birth") < view.table_html.index("death")  # ordered by rerank
    assert set(view.images) == {"scores", "rank_shift"}
    assert "★ Title birth" in view.images["rank_shift"]
    # The images are the charts the notebook shows (tests/test_plots.py checks what they draw).
    assert view.images["scores"] == score_bars_svg(view.result, 8, by="rerank", methods=("dense", "bm25", "rerank"))


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_gives_a_hint_not_an_error(search, query):
    view = update(search, query)
    assert view.result is None and view.images == {}
    assert "Type a query" in view.message and "Type a query" in view.table_html


def test_query_without_readable_characters_gives_a_message(search):
    view = update(search, "\u200b")  # a zero-width space shows nothing: the same hint as an empty query
    assert view.result is None and "Type a query" in view.message


def test_methods_and_order_by_choose_columns(search):
    view = update(search, "RFC 791", methods=["bm25"], order_by="dense", top_k=3)
    assert "bm25 (rank)" in view.table_html and "dense (rank)" in view.table_html  # order_by is added
    assert "rerank (rank)" not in view.table_html and "rank_shift" not in view.images
    assert view.table_html.count("<tr>") == 1 + 3


def test_top_k_larger_than_corpus_shows_every_document(search):
    view = update(search, "RFC 791", top_k=1000)
    assert view.table_html.count("<tr>") == 1 + len(DOCS)
    assert view.images["scores"].count('class="bar"') == 3 * len(DOCS)


def test_weight_moves_the_weighted_fusion(search):
    dense_only = update(search, "RFC 791", weight=1.0).result
    bm25_only = update(search, "RFC 791", weight=0.0).result
    assert (dense_only.ranks["weighted"] == dense_only.ranks["dense"]).all()
    assert (bm25_only.ranks["weighted"] == bm25_only.ranks["bm25"]).all()


def test_long_query_is_searched_with_a_note(search):
    view = update(search, "Where was Alan Turing born? " + "computer " * 400)
    assert "read only the first 256" in view.message and view.result is not None


def test_widget_redraws_when_the_query_changes(search):
    box = explorer(search, query="RFC 791", qrels={"q1": {"death": 2}}, queries={"q1": "Where did Turing die?"})
    controls, table, scores_image, shift_image = box.children
    text_box = controls.children[0]
    before = table.value
    text_box.value = "Where did Turing die?"
    assert table.value != before and table.value.index("death") < table.value.index("rfc791")
    assert bytes(scores_image.value).startswith(b"<?xml")
    text_box.value = ""
    assert "Type a query" in table.value and shift_image.layout.display == "none"


def test_a_japanese_query_shows_the_english_only_note_above_the_table(search):
    view = update(search, "チューリングはどこで生まれた？")
    assert view.message.startswith("This text looks Japanese")
    assert view.table_html.startswith("<p><b>Note:</b> This text looks Japanese")
