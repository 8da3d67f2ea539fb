"""A query box that shows how a reranker reorders a first stage's candidates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.methods import METHODS
from helpers.plots.svg import SvgChart, rank_shift_svg
from helpers.search import EmptyQueryError, Search
from helpers.validation import InvalidTextError
from helpers.widgets import live_view

__all__ = ["RerankView", "update", "rerank_widget", "reranker_name"]

STAGE_CHOICES = ("bm25", "dense", "rrf")  # the first stages the menu offers, by registry key


@dataclass(frozen=True)
class RerankView:
    """What the widget shows for one query.

    Attributes
    ----------
    query : str
        The query.
    first_stage : str
        The method that picked the candidates (``"bm25"``, ``"dense"`` or ``"rrf"``).
    candidate_ids : list of str
        Document ids of the candidates, in first-stage order.
    reranked_ids : list of str
        The same ids in the reranker's order.
    moves : list of str
        One line per judged-relevant candidate: its rank before and after.
    figure : SvgChart
        The rank-shift chart (:func:`helpers.plots.svg.rank_shift_svg`).
    notes : tuple of str
        Notes for the learner from the search, e.g. that the query is not English and the
        reranker is English-only (:func:`helpers.language.language_note`).
    """

    query: str
    first_stage: str
    candidate_ids: list[str]
    reranked_ids: list[str]
    moves: list[str]
    figure: SvgChart
    notes: tuple[str, ...] = ()


def reranker_name(rerank_fn: Any) -> str:
    """A short display name: ``MaxSimRerankFunction`` -> ``"MaxSim"``."""
    return type(rerank_fn).__name__.removesuffix("RerankFunction") or type(rerank_fn).__name__


def update(
    search: Search, query: str, first_stage: str = "bm25", judged: Mapping[str, int] | None = None
) -> RerankView | str:
    """Rerank the first stage's top ``search.rerank_depth`` documents for ``query``.

    Parameters
    ----------
    search : Search
        A :class:`helpers.search.Search` built with a ``rerank_depth`` (e.g. 10).
    query : str
        What the learner typed.
    first_stage : str
        ``"bm25"``, ``"dense"`` or ``"rrf"``.
    judged : mapping of str to int, optional
        ``{doc_id: grade}`` for a query with relevance judgements: relevant candidates get a star.

    Returns
    -------
    RerankView, or str
        The view, or a hint to show when the query is empty or not valid Unicode.
    """
    try:
        result = search.search(query, first_stage=first_stage)
    except (EmptyQueryError, InvalidTextError) as error:
        return str(error)
    candidates = result.top(first_stage, result.rerank_depth)
    # Candidate positions (0 = first stage's best) in the reranker's order.
    reranked = np.argsort(result.ranks["rerank"][candidates], kind="stable")
    judged = judged or {}
    relevant = [judged.get(result.doc_ids[p], 0) > 0 for p in candidates]
    before_name = METHODS[first_stage].name
    after_name = reranker_name(search.rerank_fn)
    new_rank = np.empty(len(candidates), dtype=int)
    new_rank[reranked] = np.arange(1, len(candidates) + 1)
    moves = [
        f"★ {result.doc_ids[p]}: {before_name} rank {i + 1} → {after_name} rank {new_rank[i]}"
        for i, p in enumerate(candidates)
        if relevant[i]
    ]
    figure = rank_shift_svg(
        [result.titles[p] for p in candidates],
        reranked,
        first_stage=before_name,
        reranker=after_name,
        relevant=relevant if any(relevant) else None,
    )
    ids = [result.doc_ids[p] for p in candidates]
    return RerankView(query, first_stage, ids, [ids[i] for i in reranked], moves, figure, result.notes)


def rerank_widget(
    search: Search, queries: Mapping[str, Mapping[str, int]] | None = None, value: str = ""
) -> Any:
    """A query box and a first-stage menu above the rank-shift chart.

    Parameters
    ----------
    search : Search
        Built with a ``rerank_depth``, e.g. ``Search.from_demo_corpus(rerank_depth=10)``.
    queries : mapping, optional
        ``{query text: {doc_id: grade}}``: offered as suggestions in the box, and their
        relevant documents are starred in the chart.
    value : str
        The query shown first.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    queries = dict(queries or {})
    box = widgets.Combobox(
        value=value, options=list(queries), placeholder="Type a question, or pick one",
        description="Query:", continuous_update=False, ensure_option=False,
        layout=widgets.Layout(width="70%"),
    )
    stage = widgets.Dropdown(
        options=[(METHODS[key].name, key) for key in STAGE_CHOICES], value="bm25", description="First stage:"
    )

    def render() -> list[Any]:
        view = update(search, box.value, stage.value, queries.get(box.value))
        if isinstance(view, str):
            return [view]
        moves = "\n".join(view.moves) or "No judged document for this query: stars mark none."
        return [*view.notes, moves, view.figure]

    return live_view([box, stage], render)
