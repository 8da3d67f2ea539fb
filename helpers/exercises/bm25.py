"""Exercises of notebook 02, BM25: analyzed terms and a document weight by hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from helpers.exercises.verdict import Verdict, check_number, right, unanswered, wrong


def check_terms(answer: Any, analyzer: Callable[[str], list[str]], text: str) -> Verdict:
    """Exercise 1: the terms ``analyzer`` makes of ``text``, in order."""
    hint = "lowercase, drop stopwords (in, was, the, ...), then cut each word to its stem"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    truth = analyzer(text)
    if not isinstance(answer, (list, tuple)) or not all(isinstance(term, str) for term in answer):
        return wrong(f"give a list of strings, such as ['turing'], not {answer!r}")
    answer = list(answer)
    if answer == truth:
        return right(f"{truth}: these terms, and nothing else, can match a document")
    words = text.lower().replace("?", " ").replace(".", " ").replace(",", " ").split()
    if any(term in words and term not in truth for term in answer):
        return wrong("some of your terms are stopwords or unstemmed words; the analyzer drops or stems them")
    if [term.lower() for term in answer] != answer:
        return wrong("the analyzer lowercases every word")
    return wrong(f"not these terms. {hint}")


def check_document_weight(answer: Any, ef: Any, docs: Sequence[str], term: str, doc: int) -> Verdict:
    """Exercise 2: the BM25 weight of ``term`` in document ``doc``, given the fitted ``ef``.

    The weight is ``tf (k1 + 1) / (tf + k1 (1 - b + b |D| / avgdl))``.
    """
    hint = f"tf = 1, k1 = {ef.k1}, b = {ef.b}, |D| = the document's number of terms, avgdl = {ef.avgdl:.4g}"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    truth = ef.decode(ef.encode_documents([docs[doc]]))[0][term]
    return check_number(
        answer, truth, hint=hint,
        explain=f"{truth:.4f}: a longer-than-average document gets a little less than 1 for one occurrence",
        mistakes=[(1.0, "that is the weight with b = 0; with b = 0.75 the document's length |D| / avgdl counts")],
    )
