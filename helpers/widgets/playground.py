"""The search playground as ipywidgets, for ``notebooks/app.ipynb`` in JupyterLab.

What it shows comes from :meth:`helpers.app.SearchApp.update`; this module only wires the
controls to it. The room server (:mod:`helpers.room`) shows the same views to a whole class.
"""

from __future__ import annotations

from typing import Any

from helpers.app.corpora import CORPORA, EXAMPLES
from helpers.app.search_app import SearchApp
from helpers.app.views import escape, explanations_html

__all__ = ["playground_widget"]


def playground_widget(playground: SearchApp) -> Any:
    """The search playground as ipywidgets: query box, corpus menu, top-k slider, example buttons,
    the four columns and the chart, all drawn by :meth:`SearchApp.update`."""
    import ipywidgets as widgets

    corpus = widgets.Dropdown(options=[(label, key) for key, label in CORPORA.items()], value="demo",
                              description="Corpus:", layout=widgets.Layout(width="420px", max_width="100%"))
    query = widgets.Text(value=EXAMPLES["demo"][0], description="Query:", continuous_update=False,
                         placeholder="Type a question or a few keywords, then press Enter",
                         layout=widgets.Layout(width="640px", max_width="100%"))
    query.add_class("app-query-box")
    top_k = widgets.IntSlider(value=playground.top_k, min=1, max=10, description="Top k:")
    examples = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
    status = widgets.HTML()
    status.add_class("app-status")
    results = widgets.HTML()
    results.add_class("app-results-box")
    plot = widgets.Image(format="svg+xml", layout=widgets.Layout(width="100%", max_width="1100px"))
    plot.add_class("app-plot")

    def show(_: Any = None) -> None:
        try:
            view = playground.update(query.value, corpus.value, top_k.value)
        except Exception as exc:  # the page must say what went wrong, not freeze
            # ...and must not leave the previous query's results under the banner, as if they answered this one.
            playground.view = None
            status.value = f'<div class="app-error" role="alert">Search failed: {escape(repr(exc))}</div>'
            results.value = ""
            plot.layout.display = "none"
            return
        playground.view = view
        status.value = view.note_html
        results.value = view.results_html
        plot.layout.display = None if view.svg is not None else "none"
        if view.svg is not None:  # last: the browser test waits for the new image
            plot.value = view.svg.encode()

    def set_examples(_: Any = None) -> None:
        buttons = []
        for text in EXAMPLES[corpus.value]:
            button = widgets.Button(description=text if len(text) <= 40 else text[:39] + "…", tooltip=text,
                                    layout=widgets.Layout(width="auto"))
            button.on_click(lambda _, text=text: setattr(query, "value", text))
            buttons.append(button)
        examples.children = [widgets.HTML("Try:"), *buttons]

    def change_corpus(_: Any) -> None:
        set_examples()
        if query.value in EXAMPLES["demo"] + EXAMPLES["blog"]:
            query.value = EXAMPLES[corpus.value][0]  # triggers show()
        else:
            show()

    query.observe(show, names="value")
    top_k.observe(show, names="value")
    corpus.observe(change_corpus, names="value")
    set_examples()
    show()
    wrap = widgets.Layout(flex_flow="row wrap")  # controls wrap on a phone-sized screen
    return widgets.VBox([widgets.HBox([query, corpus], layout=wrap), widgets.HBox([top_k, examples], layout=wrap),
                         status, results, plot, widgets.HTML(explanations_html())])
