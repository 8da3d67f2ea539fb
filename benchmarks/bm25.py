"""Time our BM25 against bm25s and pymilvus-model on 1k, 10k and 100k real-text documents.

Corpus: passages of SciFact abstracts (``../shared/datasets/scifact`` or ``$RETRIEVAL_DATA``).
Each abstract (title first) is split into sentences, and every run of 1, 2 or 3 consecutive
sentences is one passage, abstract by abstract, in corpus order: 5,183 abstracts give about
125k passages of real English, of varied length, overlapping like chunks in a RAG index.
The first N passages form the N-document corpus. Queries: the first 100 SciFact test claims.

Measured, each library and size in a fresh subprocess (so peak memory is comparable):
- index: ours ``fit`` + ``encode_documents``; bm25s ``tokenize`` + ``index``;
  pymilvus-model ``fit`` + ``encode_documents``, given our English analyzer (its own
  default needs NLTK downloads);
- search: encode 100 queries and take each one's top 10 (ours and pymilvus-model: sparse
  dot products; bm25s: ``tokenize`` + ``retrieve``);
- peak MB: the process's peak resident memory during index + search, above what it held
  before (Linux: the peak mark is reset through /proc/self/clear_refs after loading).

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bm25.py`` (about 10 minutes, most of it
pymilvus-model at 100k; ``--skip-slow`` leaves that one out). Times are single runs on a
shared machine: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time

import numpy as np

SIZES = (1_000, 10_000, 100_000)
LIBRARIES = ("ours", "bm25s", "pymilvus-model")
N_QUERIES, TOP_K = 100, 10


def passages(abstracts: list[str]) -> list[str]:
    """Every run of 1-3 consecutive sentences of each abstract, abstract by abstract."""
    result = []
    for abstract in abstracts:
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(])", abstract)
        for start in range(len(sentences)):
            for length in (1, 2, 3):
                if start + length <= len(sentences):
                    result.append(" ".join(sentences[start : start + length]))
    return result


def load_corpus(size: int) -> tuple[list[str], list[str]]:
    from helpers.datasets import load_beir

    scifact = load_beir("scifact", split="test", download=False)
    corpus = passages(scifact.documents)
    if len(corpus) < size:
        raise SystemExit(f"only {len(corpus)} passages; sizes must not exceed that")
    return corpus[:size], scifact.query_texts[:N_QUERIES]


def top_k(query_vectors, document_vectors, batch: int = 10) -> np.ndarray:
    """Best TOP_K documents per query by sparse dot product, a few queries at a time (bounded memory)."""
    ranked = []
    for start in range(0, query_vectors.shape[0], batch):
        # documents @ queries.T keeps the big matrix in CSR: no transposed copy of it.
        scores = (document_vectors @ query_vectors[start : start + batch].T).toarray().T
        best = np.argpartition(-scores, TOP_K - 1, axis=1)[:, :TOP_K]
        ranked.append(np.take_along_axis(best, np.argsort(-np.take_along_axis(scores, best, 1), axis=1), 1))
    return np.concatenate(ranked)


def _run_pymilvus_api(bm25_class: type, corpus: list[str], queries: list[str]) -> tuple[float, float, np.ndarray]:
    # Ours and pymilvus-model share one API, so one timing harness serves both.
    from helpers.model.sparse import build_default_analyzer

    start = time.perf_counter()
    ef = bm25_class(build_default_analyzer("en"))
    ef.fit(corpus)
    documents = ef.encode_documents(corpus)
    indexed = time.perf_counter()
    best = top_k(ef.encode_queries(queries), documents)
    return indexed - start, time.perf_counter() - indexed, best


def run_ours(corpus: list[str], queries: list[str]) -> tuple[float, float, np.ndarray]:
    from helpers.model.sparse import BM25EmbeddingFunction

    return _run_pymilvus_api(BM25EmbeddingFunction, corpus, queries)


def run_pymilvus(corpus: list[str], queries: list[str]) -> tuple[float, float, np.ndarray]:
    from pymilvus.model.sparse.bm25.bm25 import BM25EmbeddingFunction

    return _run_pymilvus_api(BM25EmbeddingFunction, corpus, queries)


def run_bm25s(corpus: list[str], queries: list[str]) -> tuple[float, float, np.ndarray]:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    start = time.perf_counter()
    tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(tokens, show_progress=False)
    indexed = time.perf_counter()
    query_tokens = bm25s.tokenize(queries, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
    best, _ = retriever.retrieve(query_tokens, k=TOP_K, show_progress=False)
    return indexed - start, time.perf_counter() - indexed, np.asarray(best)


RUNNERS = {"ours": run_ours, "bm25s": run_bm25s, "pymilvus-model": run_pymilvus}


def _memory_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+)", status.read()).group(1))


def worker(library: str, size: int) -> None:
    """Measure one library at one size; print the result as JSON."""
    corpus, queries = load_corpus(size)
    import bm25s  # noqa: F401  every library's imports go in the baseline, not the peak
    import pymilvus.model.sparse.bm25.bm25  # noqa: F401

    import helpers.model.sparse  # noqa: F401

    # Reset the peak-memory mark (Linux), so loading the corpus does not hide the work's peak.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    baseline = _memory_kib("VmRSS")
    index_s, search_s, best = RUNNERS[library](corpus, queries)
    peak_mb = (_memory_kib("VmHWM") - baseline) / 1024
    print(json.dumps({"index_s": index_s, "search_s": search_s, "peak_mb": peak_mb, "top": best[:, 0].tolist()}))


def measure(library: str, size: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", library, str(size)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-slow", action="store_true", help="skip pymilvus-model at 100k documents")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return

    print("| docs | library | index s | ours faster | search 100 q s | peak MB | top-1 same as ours |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        results = {}
        for library in LIBRARIES:
            if library == "pymilvus-model" and size >= 100_000 and args.skip_slow:
                continue
            results[library] = measure(library, size)
        ours = results["ours"]
        for library, r in results.items():
            same = np.mean(np.array(r["top"]) == np.array(ours["top"]))
            print(
                f"| {size:,} | {library} | {r['index_s']:.2f} | {r['index_s'] / ours['index_s']:.1f}x "
                f"| {r['search_s']:.3f} | {r['peak_mb']:.0f} | {same:.0%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
