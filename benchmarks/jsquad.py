"""Retrieval quality on JSQuAD (Japanese): nDCG@10 and Recall@100 of BM25, dense and their fusion.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/jsquad.py [--minilm]`` (about 20 s; with
``--minilm`` also the English-only all-MiniLM-L6-v2, which takes a few minutes to encode on 2 cores).
The data comes from ``$RETRIEVAL_DATA/jsquad_valid`` or ``../shared/datasets/jsquad_valid``
(see :mod:`helpers.datasets`). Notebook 08 runs the same methods, MiniLM aside.
"""

from __future__ import annotations

import argparse

from helpers import evaluation as ev
from helpers.datasets import load_beir
from helpers.fusion import matched_only
from helpers.model.multilingual import UniversalSentenceEncoderEmbeddingFunction
from helpers.model.sparse import BM25EmbeddingFunction, build_default_analyzer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minilm", action="store_true", help="also evaluate the English-only all-MiniLM-L6-v2")
    args = parser.parse_args()
    jsquad = load_beir("jsquad_valid", download=False)
    print(jsquad)
    scores = {}
    for language in ("ja", "en"):
        bm25_ef = BM25EmbeddingFunction(build_default_analyzer(language))
        bm25_ef.fit(jsquad.documents)
        scores[f"BM25 ({language} analyzer)"] = ev.bm25_scores(bm25_ef, jsquad.documents, jsquad.query_texts)
    dense = ev.dense_scores(UniversalSentenceEncoderEmbeddingFunction(), jsquad.documents, jsquad.query_texts)
    scores["dense (multilingual USE)"] = dense
    # As the rrf method does: a BM25 score of 0 (no query word) is no hit, so it gets no vote.
    scores["RRF (BM25 ja + USE)"] = ev.rrf_scores([dense, matched_only(scores["BM25 (ja analyzer)"])])
    if args.minilm:
        from helpers.model.dense import SentenceTransformerEmbeddingFunction

        minilm = SentenceTransformerEmbeddingFunction(backend="onnx")  # float32: torch's vectors within 1e-6
        scores["dense (all-MiniLM-L6-v2, English-only)"] = ev.dense_scores(minilm, jsquad.documents, jsquad.query_texts)
    print("| method | nDCG@10 | Recall@100 |")
    print("|---|---:|---:|")
    for name, matrix in scores.items():
        result = ev.evaluate(name, matrix, jsquad.query_ids, jsquad.doc_ids, jsquad.qrels)
        print(f"| {name} | {result.ndcg10:.3f} | {result.recall100:.3f} |")


if __name__ == "__main__":
    main()
