"""The search playground's one computation: :meth:`SearchApp.update` turns a query into a :class:`View`.

Both front ends show the same views: the ipywidgets app (:mod:`helpers.widgets.playground`,
``notebooks/app.ipynb``) and the room server (:mod:`helpers.room`, what ``make app`` serves).
Search itself comes from :mod:`helpers.search`, the chart from :mod:`helpers.plots.svg`, the
HTML from :mod:`helpers.app.views`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.app import corpora
from helpers.app.views import COLUMNS, FittedQuery, Hit, column_notes, escape, fit_query, query_note_html, results_html

__all__ = ["SearchApp", "View"]


@dataclass(frozen=True)
class View:
    """What the page shows for one query: the plain result of :meth:`SearchApp.update`.

    Attributes
    ----------
    query : FittedQuery or None
        The query as searched; None when there was nothing to search.
    note_html : str
        The line above the results (the query, a note when it was cut, or a hint).
    results_html : str
        The four result columns ("" when there are none).
    svg : str or None
        The comparison chart (:func:`helpers.plots.svg.score_bars_svg`: what
        :func:`helpers.plots.compare.score_bars` draws, written as SVG text without matplotlib's
        text measuring, about a millisecond instead of hundreds), on each method's own scale
        (:func:`helpers.plots.compare.absolute_scale`), so a weak hit keeps a short bar.
    result : SearchResult or None
        Every score and rank, for tests and for learners who want more.
    top_k : int
        Results shown per column (BM25 may show fewer: only documents with a query word).
    alt : str
        A text equivalent of the chart, for its ``alt`` attribute.
    """

    query: FittedQuery | None
    note_html: str
    results_html: str
    svg: str | None
    result: Any
    top_k: int = 5
    alt: str = ""

    def hits(self, method: str) -> list[str]:
        """The ids of the shown documents of ``method``, best first."""
        if self.result is None:
            return []
        return [self.result.doc_ids[i] for i in self.result.hits(method, self.top_k)]


class SearchApp:
    """The search playground: a query box, a corpus choice, four result columns and a plot.

    The widgets call :meth:`update`, a plain method that tests and the notebook call too.

    Parameters
    ----------
    top_k : int
        Results per column at start (the slider changes it).
    searches : dict, optional
        Prebuilt :class:`helpers.search.Search` objects by corpus key, e.g. to share one
        between notebooks; missing corpora are built on first use.
    cache_dir : str or Path, optional
        Where the corpora's dense vectors are cached; default :func:`~helpers.app.corpora.app_cache_dir`.

    Examples
    --------
    >>> playground = SearchApp()
    >>> view = playground.update("Where was Alan Turing born?", "demo")
    >>> view.hits("rerank")[0]
    'turing-birth'
    """

    def __init__(self, top_k: int = 5, searches: Mapping[str, Any] | None = None, cache_dir: str | Path | None = None):
        self.top_k = top_k
        self.cache_dir = corpora.app_cache_dir(cache_dir)
        self._searches: dict[str, Any] = dict(searches or {})
        self._widget: Any = None
        self.view: View | None = None  # what the widget shows now

    def search_for(self, corpus: str) -> Any:
        """The :class:`~helpers.search.Search` of ``corpus`` ("demo" or "blog"), built once."""
        if corpus not in corpora.CORPORA:
            raise ValueError(f"unknown corpus {corpus!r}; choose one of {list(corpora.CORPORA)}")
        if corpus not in self._searches:
            self._searches[corpus] = corpora.build_search(corpus, self.cache_dir)
        return self._searches[corpus]

    def update(self, query: str, corpus: str = "demo", top_k: int | None = None) -> View:
        """Search ``query`` in ``corpus`` and return everything the page shows.

        A query longer than the model reads is cut first (every method searches the same
        text) and the note says so; an empty query gives a hint and no results. A column
        shows only the documents its method found (:meth:`~helpers.search.SearchResult.hits`),
        with a note when BM25 found fewer than ``top_k``.
        """
        from helpers.plots.compare import bar_alt_text
        from helpers.plots.svg import score_bars_svg
        from helpers.search import EmptyQueryError

        top_k = self.top_k if top_k is None else top_k
        search = self.search_for(corpus)
        model = search.dense_ef.model
        fitted = fit_query(query, model.tokenizer, model.max_seq_length)
        try:
            result = search.search(fitted.text, first_stage="rrf")
        except EmptyQueryError as exc:
            hint = f'<div class="app-note" role="status">{escape(str(exc))}</div>'
            return View(None, hint, "", None, None)
        k = result.cap(top_k)
        columns = {
            method: [
                Hit(rank, result.doc_ids[i], result.titles[i], result.texts[i], float(result.scores[method][i]))
                for rank, i in enumerate(result.hits(method, k), start=1)
            ]
            for method in COLUMNS
        }
        svg = score_bars_svg(result, k, by="rerank", methods=COLUMNS, scale="absolute")
        rendered = results_html(columns, corpus, column_notes(result, k), search.rerank_depth or len(search))
        return View(fitted, query_note_html(fitted), rendered, svg, result, k, bar_alt_text(result, k, "rerank", COLUMNS))

    @property
    def widget(self) -> Any:
        """The ipywidgets layout (:func:`helpers.widgets.playground.playground_widget`), built on first access."""
        if self._widget is None:
            from helpers.widgets.playground import playground_widget

            self._widget = playground_widget(self)
        return self._widget


