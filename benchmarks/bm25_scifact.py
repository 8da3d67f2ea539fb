"""BM25 retrieval quality on SciFact (BEIR test split): nDCG@10 and Recall@100, ours beside bm25s.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bm25_scifact.py`` (under a minute).
The data comes from ``$RETRIEVAL_DATA/scifact`` or ``../shared/datasets/scifact``
(see :mod:`helpers.datasets`). Published figures: BM25 0.665 (BEIR paper, Table 2),
bm25s with stemming 0.687.
"""

from __future__ import annotations

import numpy as np

from helpers.datasets import load_beir
from helpers.metrics import ndcg_at_k, recall_at_k, run_from_scores
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer


def ours(documents: list[str], queries: list[str]) -> np.ndarray:
    bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25_ef.fit(documents)
    return (bm25_ef.encode_queries(queries) @ bm25_ef.encode_documents(documents).T).toarray()


def bm25s_scores(documents: list[str], queries: list[str]) -> np.ndarray:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(bm25s.tokenize(documents, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(queries, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
    return np.stack([retriever.get_scores(query) for query in tokens])


def main() -> None:
    scifact = load_beir("scifact", split="test", download=False)
    print(scifact)
    print("| method | nDCG@10 | Recall@100 |")
    print("|---|---:|---:|")
    for name, score in (("helpers BM25 (en analyzer)", ours), ("bm25s 0.3.16 (stemmed)", bm25s_scores)):
        scores = score(scifact.documents, scifact.query_texts)
        run = run_from_scores(scifact.query_ids, scifact.doc_ids, scores, k=100)
        print(f"| {name} | {ndcg_at_k(scifact.qrels, run, 10):.4f} | {recall_at_k(scifact.qrels, run, 100):.4f} |")


if __name__ == "__main__":
    main()
