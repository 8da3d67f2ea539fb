"""BiEncoderRerankFunction: the cosine of an embedding function, with pymilvus's rerank call."""

import numpy as np
import pytest

from helpers.model.reranker import BiEncoderRerankFunction
from helpers.search import Search

QUERY = "1956年に人工知能が学問分野として誕生したきっかけは何か？"
DOCS = [
    "1950年、アラン・チューリングは論文「計算する機械と知能」を発表し、知能の基準としてチューリング・テストを提案した。",
    "1956年のダートマス会議は人工知能という分野の発祥の地とされ、ジョン・マッカーシーらが「人工知能」という言葉を作った。",
    "1951年、チューリングはチェスを指す最初のプログラムも開発し、ゲーム戦略におけるAIの初期の例を示した。",
    "1955年にニューウェル、サイモン、ショーが発明したロジック・セオリストは、最初の本物のAIプログラムとされる。",
]


@pytest.fixture(scope="module")
def rf(multilingual):
    return BiEncoderRerankFunction(multilingual)


def test_scores_are_the_cosines_of_the_embedding_function(rf, multilingual):
    results = rf(QUERY, DOCS, top_k=3)
    cosines = np.stack(multilingual.encode_documents(DOCS)) @ multilingual.encode_queries([QUERY])[0]
    assert [r.index for r in results] == list(np.argsort(-cosines, kind="stable")[:3])
    np.testing.assert_allclose([r.score for r in results], np.sort(cosines)[::-1][:3], atol=1e-6)
    assert results[0].index == 1 and results[0].text == DOCS[1]


def test_call_checks_like_every_rerank_function(rf):
    assert rf(QUERY, [], top_k=3) == []
    assert len(rf(QUERY, DOCS, top_k=10)) == 4
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        rf(QUERY, DOCS, top_k=0)
    with pytest.raises(TypeError, match="ef must be an embedding function"):
        BiEncoderRerankFunction("universal-sentence-encoder")


def test_a_multilingual_search_gives_no_english_only_note(rf, multilingual):
    from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

    search = Search(DOCS, dense_ef=multilingual, bm25_ef=BM25EmbeddingFunction(build_default_analyzer("ja")),
                    rerank_fn=rf, show_progress=False)
    result = search.search(QUERY)
    assert result.notes == ()
    assert result.doc_ids[result.top("rerank", 1)[0]] == "1"
