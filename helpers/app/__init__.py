"""The search playground: what the page shows for a query, computed by plain functions that tests call.

- :mod:`helpers.app.views`: the result columns, notes and explanations as HTML, every text escaped;
- :mod:`helpers.app.search_app`: :meth:`SearchApp.update`, query in, :class:`View` out;
- :mod:`helpers.app.corpora`: the corpora offered, how their searches are built, cached and run.

Two front ends show the views: the room server (:mod:`helpers.room`, what ``make app`` serves
to a whole class from one process) and the ipywidgets app in ``notebooks/app.ipynb``
(:mod:`helpers.widgets.playground`, for JupyterLab).
"""

from helpers.app.corpora import (
    APP_NOTEBOOK, BACKEND_ENV, CORPORA, EXAMPLES, RERANK_DEPTH, app_backend, app_cache_dir, build_cache, build_search,
)  # fmt: skip
from helpers.app.search_app import SearchApp, View
from helpers.app.views import (
    COLUMNS, SCORE_FORMAT, FittedQuery, Hit, column_header_html, column_notes, escape, explanations_html, fit_query,
    query_note_html, results_html,
)  # fmt: skip

__all__ = [
    "SearchApp", "View", "COLUMNS", "SCORE_FORMAT", "FittedQuery", "Hit", "escape", "fit_query", "query_note_html",
    "column_header_html", "results_html", "column_notes", "explanations_html", "CORPORA", "EXAMPLES", "RERANK_DEPTH",
    "APP_NOTEBOOK", "BACKEND_ENV", "app_backend", "app_cache_dir", "build_search", "build_cache",
]  # fmt: skip
