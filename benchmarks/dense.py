"""Dense encoding speed, measured as ratios in one run (the machine is shared, so absolute times drift).

1. Overhead of our wrapper: ``SentenceTransformerEmbeddingFunction.encode_documents`` against plain
   ``SentenceTransformer.encode(texts, batch_size=32, normalize_embeddings=True)`` on the same model
   and texts. Goal: at most 5% slower.
2. The fast path: our ``precision="bfloat16"`` (and ``"auto"``) against plain float32 ``encode``:
   the speed-up, and the cosine of every vector with its float32 twin.

Rounds are interleaved (A, B, A, B, ...) so load spikes hit every variant alike; the median is reported.
The texts are a seeded sample of SciFact's documents (see :mod:`helpers.datasets`), or the demo
corpus when SciFact is not on disk.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/dense.py --n 256 --rounds 5``
(add ``--precisions float32`` to skip bfloat16, which is very slow on CPUs without AVX512-BF16).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from helpers.model.dense import SentenceTransformerEmbeddingFunction, native_bfloat16


def sample_texts(n: int, seed: int = 0) -> tuple[str, list[str]]:
    from helpers.datasets import DatasetNotAvailable, load_beir

    try:
        documents = load_beir("scifact", download=False).documents
        source = "SciFact documents"
    except DatasetNotAvailable:
        from helpers.demo_data import load_demo_corpus

        documents, source = load_demo_corpus().texts, "demo corpus documents"
    picked = np.random.default_rng(seed).choice(len(documents), size=min(n, len(documents)), replace=False)
    return source, [documents[i] for i in picked]


def interleaved(variants: dict, rounds: int) -> dict[str, float]:
    """Median seconds per variant over ``rounds`` interleaved runs (after one warm-up each)."""
    for run in variants.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=256, help="documents to encode per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--precisions", nargs="+", default=["bfloat16"], help="fast-path precisions to compare")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    source, texts = sample_texts(args.n)
    ef = SentenceTransformerEmbeddingFunction()
    plain = ef.model
    print(f"{len(texts)} {source}, {args.rounds} interleaved rounds; native bfloat16 on this CPU: {native_bfloat16()}")

    def plain_encode() -> np.ndarray:
        return plain.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)

    medians = interleaved({"plain": plain_encode, "ours": lambda: ef.encode_documents(texts)}, args.rounds)
    overhead = medians["ours"] / medians["plain"] - 1
    print("\n| 1. wrapper overhead | median s | docs/s |\n|---|---:|---:|")
    for name, label in (("plain", "SentenceTransformer.encode"), ("ours", "encode_documents")):
        print(f"| {label} | {medians[name]:.2f} | {len(texts) / medians[name]:.0f} |")
    print(f"\noverhead: {overhead:+.1%} (goal: at most +5%)")

    reference = plain_encode()
    fast = {p: SentenceTransformerEmbeddingFunction(precision=p) for p in args.precisions}
    variants = {"float32": plain_encode} | {p: (lambda f=f: f.encode_documents(texts)) for p, f in fast.items()}
    medians = interleaved(variants, args.rounds)
    print("\n| 2. precision | resolved to | median s | speed-up vs float32 | cosine min | cosine mean |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| float32 (plain encode) | float32 | {medians['float32']:.2f} | 1.00x | 1.000000 | 1.000000 |")
    for p, f in fast.items():
        cosine = (np.stack(f.encode_documents(texts)) * reference).sum(axis=1)
        print(
            f"| {p} | {f.precision} | {medians[p]:.2f} | {medians['float32'] / medians[p]:.2f}x "
            f"| {cosine.min():.6f} | {cosine.mean():.6f} |"
        )


if __name__ == "__main__":
    main()
