"""SciFact (BEIR test split) nDCG@10 and Recall@100 for BM25, dense, hybrid and reranked retrieval.

The same pipeline as ``notebooks/06_evaluate_on_scifact.ipynb``, as one script that prints a
Markdown table. The weighted sum's weight is tuned on the train split only. Embeddings and
rerank scores are cached (``--cache``, default ``notebooks/work/embeddings``), so a second
run takes seconds; the first encodes the corpus once (one forward pass gives the dense vectors
and MaxSim's token vectors, see ``helpers.evaluation.encode_corpus``).

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/scifact.py [--precision auto] [--backend onnx] [--depth 100]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from helpers import evaluation as ev
from helpers.datasets import load_beir
from helpers.model.dense import BACKENDS, PRECISIONS, SentenceTransformerEmbeddingFunction
from helpers.model.reranker import MaxSimRerankFunction
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--precision", default="float32", choices=PRECISIONS)
    parser.add_argument("--backend", default=None, choices=BACKENDS, help="default: the precision's usual backend")
    parser.add_argument("--depth", type=int, default=100, help="BM25 candidates reranked by MaxSim")
    parser.add_argument("--cache", type=Path, default=ROOT / "notebooks" / "work" / "embeddings")
    args = parser.parse_args()
    start = time.perf_counter()

    test, train = load_beir("scifact", "test", download=False), load_beir("scifact", "train", download=False)
    bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25_ef.fit(test.documents)
    bm25 = {s.split: ev.bm25_scores(bm25_ef, test.documents, s.query_texts) for s in (test, train)}
    dense_ef = SentenceTransformerEmbeddingFunction(precision=args.precision, backend=args.backend)
    maxsim = MaxSimRerankFunction(cache_mb=4000)
    ev.encode_corpus(dense_ef, test.documents, maxsim, args.cache)
    dense = {s.split: ev.dense_scores(dense_ef, test.documents, s.query_texts, args.cache) for s in (test, train)}
    best_w, _ = ev.tune_weight(dense["train"], bm25["train"], train.query_ids, train.doc_ids, train.qrels)
    reranked = ev.rerank_scores(maxsim, test.query_texts, test.documents, bm25["test"], args.depth, args.cache)
    reranked_train = ev.rerank_scores(maxsim, train.query_texts, test.documents, bm25["train"], args.depth, args.cache)
    weights, _ = ev.tune_weights(
        [dense["train"], bm25["train"], reranked_train], train.query_ids, train.doc_ids, train.qrels
    )
    methods = {
        "BM25 (stemmed)": bm25["test"],
        f"dense all-MiniLM-L6-v2 ({dense_ef.precision})": dense["test"],
        "hybrid RRF (k=60)": ev.rrf_scores([dense["test"], bm25["test"]]),
        f"hybrid weighted sum (w={best_w:.2f}, tuned on train)": ev.weighted_scores(
            [dense["test"], bm25["test"]], [best_w, 1 - best_w]
        ),
        f"BM25 top {args.depth} + MaxSim": reranked,
        f"dense + BM25 + MaxSim (weights {weights}, tuned on train)": ev.weighted_scores(
            [dense["test"], bm25["test"], reranked], weights
        ),
    }
    print(test)
    print("\n| method | nDCG@10 | Recall@100 |\n|---|---:|---:|")
    for name, scores in methods.items():
        r = ev.evaluate(name, scores, test.query_ids, test.doc_ids, test.qrels)
        print(f"| {name} | {r.ndcg10:.4f} | {r.recall100:.4f} |")
    print("\npublished nDCG@10: " + "; ".join(f"{k} {v:.3f} ({src})" for k, (v, src) in ev.PUBLISHED.items()))
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
