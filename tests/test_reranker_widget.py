"""The rerank widget's update function, checked against calling BM25 and MaxSim directly."""

import numpy as np
import pytest

from helpers.model.reranker import MaxSimRerankFunction
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer
from helpers.search import Search
from helpers.widgets.rerank import RerankView, rerank_widget, reranker_name, update

DOCS = [
    "Alan Turing proposed the imitation game in 1950 as a test of machine intelligence.",
    "The Dartmouth workshop of 1956 gave artificial intelligence its name as a field of research.",
    "Turing machines are an abstract model of computation described by Alan Turing in 1936.",
    "ENIAC was a room-sized electronic computer built for artillery tables.",
    "John McCarthy, Marvin Minsky and others organised the 1956 summer workshop at Dartmouth College.",
    "Deep Blue defeated the world chess champion Garry Kasparov in 1997.",
]
IDS = ["turing-test", "dartmouth", "turing-machine", "eniac", "mccarthy", "deep-blue"]
QUERY = "When was the field of artificial intelligence founded?"


@pytest.fixture(scope="module")
def search(minilm):
    return Search(DOCS, ids=IDS, rerank_depth=4, show_progress=False)


def test_update_reranks_the_first_stage_candidates(search):
    view = update(search, QUERY, "bm25")
    assert isinstance(view, RerankView)
    bm25 = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25.fit(DOCS)
    bm25_scores = (bm25.encode_queries([QUERY]) @ bm25.encode_documents(DOCS).T).toarray().ravel()
    expected_candidates = [IDS[i] for i in np.argsort(-bm25_scores, kind="stable")[:4]]
    assert view.candidate_ids == expected_candidates
    texts = [DOCS[IDS.index(i)] for i in expected_candidates]
    results = MaxSimRerankFunction()(QUERY, texts, top_k=4)
    assert view.reranked_ids == [expected_candidates[r.index] for r in results]
    assert ">BM25</text>" in view.figure  # the left column's name on the rank-shift chart


def test_update_stars_and_reports_judged_documents(search):
    view = update(search, QUERY, "dense", judged={"dartmouth": 2, "eniac": 0})
    assert len(view.moves) == ("dartmouth" in view.candidate_ids)
    before = view.candidate_ids.index("dartmouth") + 1
    after = view.reranked_ids.index("dartmouth") + 1
    assert view.moves == [f"★ dartmouth: dense rank {before} → MaxSim rank {after}"]


def test_update_with_empty_query_returns_a_hint(search):
    hint = update(search, "   ", "bm25")
    assert isinstance(hint, str) and "Type a query" in hint


def test_widget_builds_and_redraws(search, capsys):
    # Outside a kernel the Output area passes its prints through to stdout.
    widget = rerank_widget(search, {QUERY: {"dartmouth": 2}}, value=QUERY)
    box, stage = widget.children[0].children
    assert box.options == (QUERY,) and stage.value == "bm25"
    assert "dartmouth: BM25 rank" in capsys.readouterr().out
    stage.value = "rrf"
    assert "dartmouth: hybrid (RRF) rank" in capsys.readouterr().out
    box.value = ""
    assert "Type a query" in capsys.readouterr().out


def test_reranker_name(minilm):
    assert reranker_name(MaxSimRerankFunction()) == "MaxSim"
    assert reranker_name(object()) == "object"


def test_a_japanese_query_carries_the_english_only_note_into_the_view_and_widget(search, capsys):
    query = "人工知能という分野はいつ生まれたか"
    view = update(search, query, "bm25")
    english = [note for note in view.notes if "English only" in note]
    assert len(english) == 1 and "all-MiniLM-L6-v2 was trained on English only" in english[0]
    assert update(search, QUERY, "bm25").notes == ()
    rerank_widget(search, value=query)
    assert "This text looks Japanese" in capsys.readouterr().out
