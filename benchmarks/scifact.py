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
from dataclasses import replace
from pathlib import Path

from helpers import evaluation as ev
from helpers.datasets import load_beir
from helpers.methods import score_methods
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
    dense_ef = SentenceTransformerEmbeddingFunction(precision=args.precision, backend=args.backend)
    maxsim = MaxSimRerankFunction(cache_mb=4000)
    ev.encode_corpus(dense_ef, test.documents, maxsim, args.cache)
    # Every method scored by the registry's functions, as Search scores one query; BM25 top depth reranked.
    context = ev.CorpusScoring(test.documents, dense_ef, bm25_ef, maxsim, first_stage="bm25", depth=args.depth,
                               cache_folder=args.cache)
    train_scores = score_methods(context, train.query_texts, ["dense", "bm25", "rerank"])
    best_w, _ = ev.tune_weight(train_scores["dense"], train_scores["bm25"], train.query_ids, train.doc_ids, train.qrels)
    scores = score_methods(replace(context, weight=best_w), test.query_texts)
    three = ["dense", "bm25", "rerank"]
    weights, _ = ev.tune_weights([train_scores[m] for m in three], train.query_ids, train.doc_ids, train.qrels)
    methods = {
        "BM25 (stemmed)": scores["bm25"],
        f"dense all-MiniLM-L6-v2 ({dense_ef.precision})": scores["dense"],
        "hybrid RRF (k=60)": scores["rrf"],
        f"hybrid weighted sum (w={best_w:.2f}, tuned on train)": scores["weighted"],
        f"BM25 top {args.depth} + MaxSim": scores["rerank"],
        f"dense + BM25 + MaxSim (weights {weights}, tuned on train)": ev.weighted_scores(
            [scores[m] for m in three], weights
        ),
    }
    print(test)
    print("\n| method | nDCG@10 | Recall@100 |\n|---|---:|---:|")
    for name, matrix in methods.items():
        r = ev.evaluate(name, matrix, test.query_ids, test.doc_ids, test.qrels)
        print(f"| {name} | {r.ndcg10:.4f} | {r.recall100:.4f} |")
    print("\npublished nDCG@10: " + "; ".join(f"{k} {v:.3f} ({src})" for k, (v, src) in ev.PUBLISHED.items()))
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
