"""What the pymilvus blog printed, so notebooks and tests can set our output beside it.

The blog is "Introducing PyMilvus Integration with Embedding Models" (Milvus blog, June
2024, :data:`URL`). Its three examples encode three sentences with the default dense model,
fit BM25 on them, and rerank four sentences with Jina AI's hosted reranker. It prints the
dense vectors (shortened with ``...``) and the reranker's results; the BM25 example prints
nothing.

Only the printed numbers live here; compare with them at float32 precision
(``np.allclose(ours, blog, atol=1e-6)``), never digit by digit.
"""

from __future__ import annotations

URL = "https://milvus.io/blog/introducing-pymilvus-integrations-with-embedding-models.md"

DOCS = (
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
)
"""The three sentences of examples 1 and 2."""

EMBEDDING_HEAD = (
    -3.09392996e-02, -1.80662833e-02, 1.34775648e-02, 2.77156215e-02,
    -4.86349640e-03, -3.12581174e-02, -3.55921760e-02, 5.76934684e-03,
    2.80773244e-03, 1.35783911e-01, 3.59678417e-02, 6.17732145e-02,
)  # fmt: skip
"""Example 1: the first 12 values of the first document's vector, as printed."""

EMBEDDING_TAIL = (
    -4.61330153e-02, -4.85207550e-02, 3.13997865e-02, 7.82178566e-02,
    -4.75336798e-02, 5.21207601e-02, 9.04406682e-02, -5.36676683e-02,
)  # fmt: skip
"""Example 1: the last 8 values of the last document's vector, as printed."""

RERANK_QUERY = "What event in 1956 marked the official birth of artificial intelligence as a discipline?"
RERANK_DOCUMENTS = (
    "In 1950, Alan Turing published his seminal paper, 'Computing Machinery and Intelligence,' proposing the Turing "
    "Test as a criterion of intelligence, a foundational concept in the philosophy and development of artificial "
    "intelligence.",
    "The Dartmouth Conference in 1956 is considered the birthplace of artificial intelligence as a field; here, John "
    "McCarthy and others coined the term 'artificial intelligence' and laid out its basic goals.",
    "In 1951, British mathematician and computer scientist Alan Turing also developed the first program designed to "
    "play chess, demonstrating an early example of AI in game strategy.",
    "The invention of the Logic Theorist by Allen Newell, Herbert A. Simon, and Cliff Shaw in 1955 marked the creation "
    "of the first true AI program, which was capable of solving logic problems, akin to proving mathematical theorems.",
)
"""The four documents of example 3."""
RERANK_MODEL = "jina-reranker-v1-base-en"
"""The Jina model example 3 names (pymilvus's own default is jina-reranker-v2-base-multilingual)."""

RERANK_RESULTS = ((1, 0.937096), (3, 0.354210), (0, 0.349866), (2, 0.272896))
"""Example 3: ``(index, score)`` of each result, best first, as printed (6 decimals)."""
