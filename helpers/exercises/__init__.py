"""Checks for the notebooks' exercises: each says whether an answer is right, and why.

One module per notebook (``primer`` for 00, ``dense`` for 01, ..., ``splade`` for 07, ``japanese`` for 08). A check takes the
learner's answer (``...`` until they fill it in) and returns a :class:`Verdict`, which a
notebook shows as one line. Checks compute the right answer themselves with ``helpers``,
so they stay right when the data or the defaults change.
"""

from helpers.exercises import bm25, compare, dense, japanese, milvus, primer, rerank, scifact, splade
from helpers.exercises.verdict import Verdict

__all__ = ["Verdict", "bm25", "compare", "dense", "japanese", "milvus", "primer", "rerank", "scifact", "splade"]
