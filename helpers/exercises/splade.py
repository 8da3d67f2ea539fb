"""Exercises of notebook 07, learned sparse embeddings: a SPLADE weight by hand, and an expansion."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises.verdict import Verdict, check_number, right, unanswered, wrong

# One vocabulary entry's logits at the three token positions of a short text.
LOGITS = (-1.2, 0.8, 2.5)


def check_weight(answer: Any) -> Verdict:
    """Exercise 1: the SPLADE weight of a vocabulary entry whose logits at a text's tokens are ``LOGITS``."""
    activations = np.log1p(np.maximum(np.array(LOGITS), 0.0))
    truth = float(activations.max())
    return check_number(
        answer, truth,
        hint="take log(1 + relu(logit)) at every token, then the maximum over the tokens",
        explain=f"log(1 + 2.5) = {truth:.4f}: the strongest token decides, and a negative logit counts as 0",
        mistakes=[
            (float(activations.sum()), "that is the sum over the tokens (the first SPLADE); this model takes the maximum"),
            (max(LOGITS), "that is the raw logit; SPLADE squashes it with log(1 + relu(x)), so no logit can dominate"),
            (float(activations.mean()), "that averages the tokens; SPLADE keeps each entry's maximum"),
        ],
    )


def check_expansion(answer: Any, ef: Any, text: str, top: int = 15) -> Verdict:
    """Exercise 2: a word piece among ``text``'s ``top`` heaviest terms (as a document) that ``text`` does not contain.

    Parameters
    ----------
    answer : str
        The learner's word piece.
    ef : SpladeEmbeddingFunction
        Gives the terms with :meth:`~helpers.model.sparse.SpladeEmbeddingFunction.expansion`.
    text : str
        The document.
    top : int
        How many of the heaviest terms count.
    """
    hint = f"splade_ef.expansion(text, top={top}, as_query=False) marks whether each term occurs in the text"
    if (pending := unanswered(answer, hint)) is not None:
        return pending
    if not isinstance(answer, str) or not answer.strip():
        return wrong(f"give one word piece as a string, such as 'computer', not {answer!r}")
    term = answer.strip().lower()
    weights = {t: (weight, own) for t, weight, own in ef.expansion(text, top=top, as_query=False)}
    if term not in weights:
        return wrong(f"{term!r} is not among the text's {top} heaviest terms. {hint}")
    weight, own = weights[term]
    if own:
        return wrong(f"{term!r} occurs in the text; an expansion is a heavy term that does not")
    return right(f"{term!r} is not in the text, yet it weighs {weight:.3g}: the model added a related word")
