"""The explorer: type a query, see what dense, BM25, fusion and reranking make of it, side by side.

:func:`update` is the whole logic as a plain function (tests and the benchmark call it);
:func:`explorer` wires it to ipywidgets: a query box, method toggles, an order-by menu, a
top-k slider and a fusion-weight slider above a results table and two figures.

The two charts reach the browser as SVG written directly by :mod:`helpers.plots.svg` (the
same charts the notebook shows, built in about a millisecond), with text left as text: the
browser draws it crisply at any projector resolution.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.methods import method
from helpers.plots.svg import SvgChart, result_rank_shift_svg, score_bars_svg
from helpers.search import METHODS, Search, SearchResult

__all__ = ["ExplorerView", "update", "explorer"]

DEFAULT_QUERY = "Where was Alan Turing born?"
MAX_TOP_K = 20  # more rows than this no longer fit a projector screen


@dataclass
class ExplorerView:
    """What the explorer shows for one setting of its controls.

    Attributes
    ----------
    message : str
        A friendly line for the learner: the empty-query hint, a note on a long query, or "".
    result : SearchResult or None
        Every document's scores and ranks; None when there is nothing to search.
    table_html : str
        The results table (or the message) as HTML.
    images : dict of str to SvgChart
        SVG documents: ``"scores"`` (grouped bars, :func:`helpers.plots.svg.score_bars_svg`)
        and ``"rank_shift"`` (first stage to reranked,
        :func:`helpers.plots.svg.result_rank_shift_svg`), when there is a result and the
        methods they need are selected. A notebook shows one as it is (or with ``IPython.display.SVG``).
    """

    message: str
    result: SearchResult | None
    table_html: str
    images: dict[str, SvgChart] = field(default_factory=dict)


def update(
    search: Search,
    query: str,
    methods: Sequence[str] = ("dense", "bm25", "rerank"),
    order_by: str = "rerank",
    top_k: int = 8,
    weight: float = 0.5,
    first_stage: str = "rrf",
    relevant: Collection[str] = (),
) -> ExplorerView:
    """Search ``query`` and build the table and figures the explorer shows.

    Parameters
    ----------
    search : Search
        The corpus with its encoded documents.
    query : str
        What the learner typed; an empty query (or one the models cannot read) gives a
        message in the view, not an error.
    methods : sequence of str
        Methods shown as table columns and bars (at least one).
    order_by : str
        The method that orders the table and picks the documents; added to ``methods`` if missing.
    top_k : int
        Rows and bars; capped at the corpus size.
    weight : float
        Dense weight of the weighted-sum fusion (0 = BM25 only, 1 = dense only).
    first_stage : str
        The ranking the reranker starts from; the left column of the rank-shift chart.
    relevant : collection of str
        Ids of documents judged relevant to this query; starred in the rank-shift chart.

    Returns
    -------
    ExplorerView
    """
    methods = [m for m in METHODS if m in methods or m == order_by]  # pipeline order
    try:
        result = search.search(query, weight=weight, first_stage=first_stage)
    except ValueError as problem:  # EmptyQueryError, or a query no model can read (e.g. only "\u200b")
        message = html.escape(str(problem))
        return ExplorerView(str(problem), None, f"<p><i>{message}</i></p>")
    table = result.table(top_k, by=order_by, methods=methods)
    view = ExplorerView(" ".join(result.notes), result, table._repr_html_())
    bar_methods = [m for m in methods if m in ("dense", "bm25", "rerank")] or methods
    view.images["scores"] = score_bars_svg(result, top_k, by=order_by, methods=bar_methods)
    if "rerank" in methods:
        view.images["rank_shift"] = result_rank_shift_svg(result, top_k, relevant=relevant)
    return view


def explorer(
    search: Search,
    query: str = DEFAULT_QUERY,
    qrels: dict[str, dict[str, int]] | None = None,
    queries: dict[str, str] | None = None,
) -> Any:
    """An interactive explorer over ``search``.

    Parameters
    ----------
    search : Search
        E.g. ``Search.from_demo_corpus()``.
    query : str
        The query shown first.
    qrels, queries : dict, optional
        Relevance judgments ``{query_id: {doc_id: grade}}`` and query texts ``{query_id: text}``:
        when the typed query is one of ``queries``, its relevant documents get a star.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    text_to_id = {text.strip().lower(): qid for qid, text in (queries or {}).items()}
    box = widgets.Text(value=query, description="Query:", continuous_update=False,
                       placeholder="Type a question or keywords, then press Enter",
                       layout=widgets.Layout(width="95%"))
    toggles = {m: widgets.ToggleButton(value=m in ("dense", "bm25", "rerank"), description=method(m).label,
                                       layout=widgets.Layout(width="auto")) for m in METHODS}
    order_by = widgets.Dropdown(options=[(method(m).label, m) for m in METHODS], value="rerank",
                                description="Order by:")
    top_k = widgets.IntSlider(value=8, min=1, max=min(MAX_TOP_K, len(search)), description="Top k:",
                              continuous_update=False)
    weight = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="Dense weight:",
                                 continuous_update=False, style={"description_width": "initial"})
    table = widgets.HTML()
    images = {name: widgets.Image(format="svg+xml", layout=widgets.Layout(width="100%", max_width="1100px"))
              for name in ("scores", "rank_shift")}

    def redraw(_: Any = None) -> None:
        qid = text_to_id.get(box.value.strip().lower())
        relevant = {d for d, grade in (qrels or {}).get(qid, {}).items() if grade > 0} if qid else ()
        view = update(search, box.value, [m for m, t in toggles.items() if t.value], order_by.value,
                      top_k.value, weight.value, relevant=relevant)
        table.value = view.table_html
        for name, image in images.items():
            svg = view.images.get(name)
            image.layout.display = None if svg is not None else "none"
            if svg is not None:
                image.value = svg.encode()

    for control in (box, order_by, top_k, weight, *toggles.values()):
        control.observe(redraw, names="value")
    redraw()
    controls = widgets.VBox([box, widgets.HBox(list(toggles.values())), widgets.HBox([order_by, top_k, weight])])
    return widgets.VBox([controls, table, images["scores"], images["rank_shift"]])
