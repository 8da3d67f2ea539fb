"""Interactive widgets, one module per notebook topic.

Every widget's update logic is a plain function next to it, so tests (and readers
without a running kernel) can call it directly. :func:`live_view` wires such a function
to its controls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from helpers.validation import EmptyQueryError, check_query


def readable_query(query: str) -> str | None:
    """The typed query ready for a model, or ``None`` when it shows nothing to read.

    Blank, zero-width-only and control-only queries give ``None`` (the widget shows its hint);
    characters that are not valid Unicode (half an emoji) are replaced with U+FFFD.
    """
    try:
        return check_query(query, errors="replace")
    except EmptyQueryError:
        return None


def query_box(value: str, width: str = "90%") -> Any:
    """A query Text box that sends its value on Enter (or leaving the box), not on every key."""
    import ipywidgets as widgets

    return widgets.Text(value=value, description="Query:", continuous_update=False,
                        layout=widgets.Layout(width=width))


def live_view(controls: Sequence[Any], render: Callable[[], Iterable[Any]]) -> Any:
    """Controls above an output area that ``render()`` refills whenever a control changes.

    Parameters
    ----------
    controls : sequence of ipywidgets widgets
        Shown in one row; a change of any ``value`` redraws.
    render : callable
        Returns what to show, in order: plain strings are printed, anything else (figures,
        SVG charts, tables) is displayed.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets
    from IPython.display import display

    out = widgets.Output()

    def redraw(_: Any = None) -> None:
        items = list(render())
        out.clear_output(wait=True)
        with out:
            for item in items:
                print(item) if type(item) is str else display(item)

    for control in controls:
        control.observe(redraw, names="value")
    redraw()
    row = controls[0] if len(controls) == 1 else widgets.HBox(list(controls))
    return widgets.VBox([row, out])
