"""Exercises of notebook 08, the Japanese track: what Sudachi makes of a question, and which method wins on JSQuAD."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.exercises.verdict import Verdict, right, unanswered, wrong

QUESTION = "チューリングはどこで生まれましたか？"


def check_terms(answer: Any, text: str = QUESTION) -> Verdict:
    """Exercise 1: the terms the ``ja`` analyzer gives for ``text``, in order."""
    from helpers.model.sparse import build_default_analyzer

    hint = "run build_default_analyzer('ja') on the question, or think: content words only, in dictionary form"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    if isinstance(answer, str) or not isinstance(answer, (list, tuple)) or not all(isinstance(t, str) for t in answer):
        return wrong(f"give a list of strings, e.g. ['...', '...'], not {answer!r}")
    terms = build_default_analyzer("ja")(text)
    answer = list(answer)
    if answer == terms:
        return right(f"{terms}: particles, auxiliary verbs and punctuation are dropped, and verbs take their dictionary form")
    if any(particle in answer for particle in ("は", "で", "か", "を", "に", "の")):
        return wrong("particles such as は, で and か carry no topic: the analyzer drops them by part of speech")
    if any(t.startswith("生まれ") and t not in terms for t in answer):
        return wrong("the analyzer returns each word's dictionary form: 生まれました becomes 生まれる")
    return wrong(f"{len(terms)} terms, in the order of the text. {hint}")


def check_best_method(answer: Any, ndcg: Mapping[str, Mapping[str, float]], collection: str = "JSQuAD (ja)") -> Verdict:
    """Exercise 2: the method with the highest nDCG@10 on ``collection`` in the notebook's ``ndcg`` table."""
    hint = "read the JSQuAD column of the table above (or max over ndcg)"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    scores = {name: row[collection] for name, row in ndcg.items() if collection in row}
    if answer not in scores:
        return wrong(f"give one of the method names {sorted(scores)}, not {answer!r}")
    best = max(scores, key=scores.get)
    if answer == best:
        return right(f"{best}, {scores[best]:.3f}: the questions reuse their paragraph's words, which is what BM25 rewards")
    return wrong(f"{answer} scores {scores[answer]:.3f}, but {best} scores {scores[best]:.3f}")
