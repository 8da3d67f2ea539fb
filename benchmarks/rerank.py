"""Reranking on SciFact (BEIR test split): nDCG@10 before and after MaxSim, and its time per query.

Two first stages retrieve each query's top 100 documents: BM25 alone, and a dense + BM25
hybrid (reciprocal rank fusion, k=60, of all-MiniLM-L6-v2 and BM25; BM25's zeros get no vote),
both scored by the method registry (:func:`helpers.methods.score_methods`). MaxSimRerankFunction
then reorders those 100. Time per query is measured apart, on the first ``--timing``
queries: "cold" encodes all 100 candidates (an empty cache, as for a new query in
production), "warm" finds them in the token cache; the peer is the BM25 first stage
(encode the query, score 5,183 documents) timed in the same run.

Run (about 30 minutes on a quiet 2-core CPU; the quality pass encodes the whole corpus once)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/rerank.py

``--queries 30`` gives a quick, rougher estimate. The data comes from
``$RETRIEVAL_DATA/scifact`` or ``../shared/datasets/scifact`` (see :mod:`helpers.datasets`);
dense document vectors are cached on disk by :mod:`helpers.embedding_cache`.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from tqdm.auto import tqdm

from helpers.datasets import BeirDataset, load_beir
from helpers.evaluation import CorpusScoring
from helpers.methods import score_methods
from helpers.metrics import ndcg_at_k, recall_at_k
from helpers.model.dense import DefaultEmbeddingFunction
from helpers.model.reranker import MaxSimRerankFunction
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

# Token embeddings of the whole SciFact corpus (5,183 abstracts, at most 256 word pieces
# each) take about 1.9 GB in float32: a cache this size encodes every document once.
QUALITY_CACHE_MB = 2500


def first_stages(data: BeirDataset) -> tuple[dict[str, np.ndarray], BM25EmbeddingFunction]:
    """Score matrices (queries x documents) of BM25 and of the dense + BM25 hybrid."""
    bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25_ef.fit(data.documents)
    scores = score_methods(CorpusScoring(data.documents, DefaultEmbeddingFunction(), bm25_ef), data.query_texts, ["rrf"])
    return {"BM25": scores["bm25"], "dense + BM25 (RRF)": scores["rrf"]}, bm25_ef


def candidates(scores: np.ndarray, depth: int) -> np.ndarray:
    """Positions of each query's ``depth`` best documents, best first (ties by corpus order)."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :depth]


def rerank_run(rf: MaxSimRerankFunction, data: BeirDataset, top: np.ndarray) -> dict:
    """Rerank every query's candidates; return the run ``{query_id: {doc_id: score}}``."""
    documents, run = data.documents, {}
    for query_id, query, row in zip(tqdm(data.query_ids, desc="reranking", unit="query"), data.query_texts, top):
        results = rf(query, [documents[i] for i in row], top_k=len(row))
        run[query_id] = {data.doc_ids[row[r.index]]: r.score for r in results}
    return run


def per_query_ms(function, items) -> float:
    """Median milliseconds of ``function(item)`` over ``items``."""
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def timing(data: BeirDataset, top: np.ndarray, bm25_ef: BM25EmbeddingFunction, n: int) -> None:
    documents, queries = data.documents, data.query_texts[:n]
    bm25_docs = bm25_ef.encode_documents(documents).T.tocsr()
    bm25_ms = per_query_ms(lambda q: (bm25_ef.encode_queries([q]) @ bm25_docs).toarray(), queries)
    cold = MaxSimRerankFunction(cache_mb=0)
    pairs = [(q, [documents[i] for i in row]) for q, row in zip(queries, top)]
    cold_ms = per_query_ms(lambda pair: cold(*pair, top_k=len(pair[1])), pairs)
    warm = MaxSimRerankFunction(cache_mb=QUALITY_CACHE_MB)
    for pair in pairs:
        warm(*pair)
    warm_ms = per_query_ms(lambda pair: warm(*pair, top_k=len(pair[1])), pairs)
    print(f"\nTime per query (median of {n} queries, {top.shape[1]} candidates each, this machine, one run):")
    print("| step | ms per query | ratio to BM25 first stage |")
    print("|---|---:|---:|")
    for name, ms in (("BM25 first stage (5,183 documents)", bm25_ms),
                     ("MaxSim rerank, cold (encode 100 candidates)", cold_ms),
                     ("MaxSim rerank, warm (candidates cached)", warm_ms)):
        print(f"| {name} | {ms:.1f} | {ms / bm25_ms:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depth", type=int, default=100, help="candidates reranked per query")
    parser.add_argument("--queries", type=int, default=None, help="only the first N test queries")
    parser.add_argument("--timing", type=int, default=20, help="queries timed cold and warm")
    args = parser.parse_args()

    data = load_beir("scifact", split="test", download=False)
    if args.queries:
        keep = data.query_ids[: args.queries]
        data = BeirDataset(data.name, data.split, data.path, data.doc_ids, data.titles, data.texts,
                           {q: data.queries[q] for q in keep}, {q: data.qrels[q] for q in keep})
    print(data)
    stages, bm25_ef = first_stages(data)
    rf = MaxSimRerankFunction(cache_mb=QUALITY_CACHE_MB)
    rows = []
    for name, scores in stages.items():
        top = candidates(scores, args.depth)
        before = {q: {data.doc_ids[i]: float(s) for i, s in zip(row, scores[k, row])}
                  for k, (q, row) in enumerate(zip(data.query_ids, top))}
        after = rerank_run(rf, data, top)
        rows.append((name, ndcg_at_k(data.qrels, before, 10), ndcg_at_k(data.qrels, after, 10),
                     recall_at_k(data.qrels, before, args.depth)))
    print(f"\nnDCG@10 on SciFact ({len(data.queries)} queries), top {args.depth} reranked by MaxSim:")
    print(f"| first stage | first stage alone | + MaxSim rerank | change | Recall@{args.depth} (the ceiling) |")
    print("|---|---:|---:|---:|---:|")
    for name, before, after, recall in rows:
        print(f"| {name} | {before:.3f} | {after:.3f} | {after - before:+.3f} | {recall:.3f} |")
    timing(data, candidates(stages["BM25"], args.depth)[: args.timing], bm25_ef, args.timing)


if __name__ == "__main__":
    main()
