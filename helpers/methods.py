"""The retrieval methods this course compares, each described once: key, labels, colour, hatch, text, scoring.

Every table, plot, widget, the app and the benchmarks read a method's name and look from
:data:`METHODS`, and :class:`~helpers.search.Search`, :mod:`helpers.evaluation` and the
benchmarks score with :func:`score_methods`. Adding a method is one entry here plus its score
function in :mod:`helpers.scoring` (and, for a method with its own model, the context's
method that runs it).

Examples
--------
>>> METHODS["rrf"].label
'RRF fusion'
>>> FIRST_STAGES
('dense', 'bm25', 'rrf', 'weighted')
>>> METHODS["rrf"].inputs
('dense', 'bm25')
>>> method("dense ").key
Traceback (most recent call last):
...
KeyError: "unknown method 'dense '; use one of: dense, bm25, rrf, weighted, rerank"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from helpers import scoring
from helpers.scoring import ScoringContext

__all__ = ["Method", "METHODS", "FIRST_STAGES", "FIRST_STAGE", "method", "score_methods"]

FIRST_STAGE = "first_stage"  # in Method.inputs: whichever method the context reranks

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}


@dataclass(frozen=True)
class Method:
    """One retrieval method as every view shows it.

    Attributes
    ----------
    key : str
        Short name used in code: ``SearchResult.scores[key]``, ``first_stage=key``.
    label : str
        Name in plot legends and tables, e.g. ``"dense (cosine)"``.
    name : str
        Short name in running text and menus, e.g. ``"dense"`` in "dense rank 6".
    heading : str
        Column heading in the app, e.g. ``"Dense"``.
    colour : str
        Okabe-Ito hex colour of its bars and lines.
    hatch : str
        matplotlib hatch of its bars, so methods differ by more than hue.
    scale : str
        What its numbers mean, e.g. ``"cosine similarity, -1 to 1"``.
    summary : str
        One line on what it is good and bad at; ``{depth}`` stands for the rerank depth.
    explanation : str
        A few sentences on how it scores; ``{depth}`` stands for the rerank depth.
    score : callable
        ``score(context, queries, scores)``: the ``(n_queries, n_documents)`` score matrix of a
        batch of queries, given a :class:`~helpers.scoring.ScoringContext` and the matrices of
        its ``inputs`` (see :mod:`helpers.scoring`).
    inputs : tuple of str
        The methods whose scores it needs; :data:`FIRST_STAGE` stands for the context's first stage.
    first_stage : bool
        Whether it ranks the whole corpus (``True``) or rescores another method's short list.
    """

    key: str
    label: str
    name: str
    heading: str
    colour: str
    hatch: str
    scale: str
    summary: str
    explanation: str
    score: Callable[[ScoringContext, Sequence[str], Mapping[str, np.ndarray]], np.ndarray]
    inputs: tuple[str, ...] = ()
    first_stage: bool = True

    def describe(self, depth: int) -> tuple[str, str]:
        """The summary and explanation with the rerank depth filled in."""
        return self.summary.format(depth=depth), self.explanation.format(depth=depth)


METHODS: dict[str, Method] = {
    m.key: m
    for m in (
        Method(
            key="dense", label="dense (cosine)", name="dense", heading="Dense", colour=OKABE_ITO["blue"], hatch="",
            scale="cosine similarity, -1 to 1",
            summary="Meaning: finds paraphrases, weak on names and numbers.",
            explanation=(
                "Encodes the query and every document as a 384-number vector with all-MiniLM-L6-v2 and "
                "ranks by cosine similarity. Finds paraphrases and synonyms; weak on rare names, codes and numbers."
            ),
            score=scoring.dense,
        ),
        Method(
            key="bm25", label="BM25", name="BM25", heading="BM25", colour=OKABE_ITO["orange"], hatch="//",
            scale="BM25 score, 0 up, no ceiling",
            summary="Exact words: strong on names and codes, blind to synonyms.",
            explanation=(
                "Counts the query's words in each document, weighting rare words up and long documents down. "
                "Exact on names, codes and numbers; blind to synonyms."
            ),
            score=scoring.bm25,
        ),
        Method(
            key="rrf", label="RRF fusion", name="hybrid (RRF)", heading="Hybrid (RRF)", colour=OKABE_ITO["green"], hatch="..",
            scale="sum of 1 / (60 + rank), at most 0.0328",
            summary="Votes by rank from dense and BM25.",
            explanation=(
                "Reciprocal rank fusion: each document scores the sum of 1 / (60 + rank) over dense and BM25. "
                "Uses ranks, not raw scores, so the two scales never need to match."
            ),
            score=scoring.rrf, inputs=("dense", "bm25"),
        ),
        Method(
            key="weighted", label="weighted sum", name="hybrid (weighted)", heading="Hybrid (weighted)", colour=OKABE_ITO["purple"],
            hatch="\\\\",
            scale="weight x dense + (1 - weight) x BM25, each min-max scaled, 0 to 1",
            summary="Adds dense and BM25 after scaling each to 0-1.",
            explanation=(
                "Weighted sum: scales the dense and BM25 scores to 0-1 over the corpus, then adds them, "
                "weight x dense + (1 - weight) x BM25. Uses the scores' sizes, so one strong match counts."
            ),
            score=scoring.weighted, inputs=("dense", "bm25"),
        ),
        Method(
            key="rerank", label="reranked (MaxSim)", name="reranked", heading="Reranked", colour=OKABE_ITO["vermillion"], hatch="xx",
            scale="MaxSim: mean best cosine, up to 1",
            summary="Rescores the hybrid top {depth} word piece by word piece.",
            explanation=(
                "Takes the hybrid column's top {depth} and scores each query-document pair again, word piece by "
                "word piece (late interaction over MiniLM token vectors). Too slow for a whole corpus, so it sees "
                "a short list."
            ),
            score=scoring.rerank, inputs=(FIRST_STAGE,), first_stage=False,
        ),
    )
}

FIRST_STAGES = tuple(key for key, m in METHODS.items() if m.first_stage)


def method(key: str) -> Method:
    """The :class:`Method` named ``key``, with an error that lists the known keys."""
    try:
        return METHODS[key]
    except (KeyError, TypeError):
        raise KeyError(f"unknown method {key!r}; use one of: {', '.join(METHODS)}") from None


def score_methods(
    context: ScoringContext, queries: Sequence[str], keys: Iterable[str] | None = None
) -> dict[str, np.ndarray]:
    """Score a batch of queries by the methods ``keys`` (default every one) and what they need.

    Parameters
    ----------
    context : ScoringContext
        The search or evaluation that encodes queries and holds the corpus.
    queries : sequence of str
        The batch.
    keys : iterable of str, optional
        The methods wanted; their inputs are scored too (each once).

    Returns
    -------
    dict of str to ndarray
        One ``(len(queries), n_documents)`` float64 matrix per method scored, in :data:`METHODS` order.
    """
    wanted = list(METHODS) if keys is None else [method(key).key for key in keys]
    needed: set[str] = set()

    def need(key: str) -> None:
        if key not in needed:
            needed.add(key)
            for name in METHODS[key].inputs:
                need(method(context.first_stage).key if name == FIRST_STAGE else name)

    for key in wanted:
        need(key)
    scores: dict[str, np.ndarray] = {}
    for key in METHODS:  # registry order: every method comes after its inputs
        if key in needed:
            scores[key] = METHODS[key].score(context, queries, scores)
    return scores
