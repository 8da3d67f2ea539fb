"""One method, two collections: nDCG@10 on a Japanese and an English benchmark, side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from helpers.plots.evaluation import method_color
from helpers.plots.style import tutorial_style

__all__ = ["ndcg_by_collection"]

_HATCHES = ("", "//")


def ndcg_by_collection(
    ndcg: Mapping[str, Mapping[str, float]],
    collections: Sequence[str],
    *,
    keys: Mapping[str, str | None] | None = None,
) -> Figure:
    """Horizontal bars of nDCG@10 per method, one bar per collection, the second one hatched.

    Parameters
    ----------
    ndcg : dict of str to dict of str to float
        ``{method: {collection: nDCG@10}}``; a collection a method was not run on is left out.
    collections : sequence of str
        One or two collection names, in the order of the bars (the first is solid).
    keys : dict of str to str, optional
        The registry method of each name (``{"BM25 top 100 + rerank": "rerank"}``), whose colour its
        bars get (:data:`helpers.methods.METHODS`); a name without one is drawn black.

    Returns
    -------
    matplotlib.figure.Figure
        Bars start at 0, so lengths compare honestly; each bar carries its value.
    """
    if not 1 <= len(collections) <= len(_HATCHES):
        raise ValueError(f"give one or two collections, got {list(collections)}")
    methods = list(ndcg)
    keys = keys or {}
    height = 0.8 / len(collections)
    with tutorial_style():
        fig = Figure(figsize=(9, 1.5 + 0.7 * len(methods)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(methods))[::-1]
        for c, (collection, hatch) in enumerate(zip(collections, _HATCHES)):
            offset = (len(collections) - 1) / 2 - c
            for yi, method in zip(y, methods):
                value = ndcg[method].get(collection)
                if value is None:
                    continue
                color = method_color(keys.get(method))
                ax.barh(yi + offset * height, value, height=height * 0.9, color=color if not hatch else "white",
                        edgecolor=color, hatch=hatch, linewidth=1.5)
                ax.text(value + 0.01, yi + offset * height, f"{value:.3f}", va="center", fontsize=11)
        for collection, hatch in zip(collections, _HATCHES):  # legend: fill pattern only, in neutral grey
            ax.barh([np.nan], [np.nan], color="grey" if not hatch else "white", edgecolor="grey", hatch=hatch,
                    label=collection)
        ax.set_yticks(y, methods)
        ax.set_xlim(0, 1.08)
        ax.set_xlabel("nDCG@10")
        ax.legend(loc="lower right")
        ax.grid(axis="y", visible=False)
    return fig
