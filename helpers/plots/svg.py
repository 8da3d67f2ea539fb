"""The explorer's two live charts written directly as SVG, for a redraw on every query.

:func:`score_bars_svg` and :func:`rank_shift_svg` draw what
:func:`helpers.plots.compare.score_bars` and :func:`helpers.plots.rerank.rank_shift` draw,
from the same content (:func:`~helpers.plots.compare.bar_content`,
:func:`~helpers.plots.rerank.shift_rows`), the same layout in points and the same colours,
so the widget shows what the notebook's static figures show.

Why not let matplotlib write the SVG: it measures every piece of text (font loading, glyph
layout) and walks about 150 artists per figure on every save, which took 60 to 80 ms per
figure on this machine, most of the explorer's time per query. Here the browser lays out the
text (``text-anchor`` aligns it without measuring it), and a chart is one string built in
about a millisecond. Static notebook figures stay matplotlib Figures.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from html import escape

from helpers.plots.compare import (
    _LABEL_INCHES,
    METHOD_LABELS,
    bar_alt_text,
    bar_axis_label,
    bar_content,
    bar_figure_height,
    rank_shift_arguments,
)
from helpers.plots.rerank import CUT_COLOR, MOVE_COLORS, shift_rows
from helpers.plots.style import METHOD_COLORS, METHOD_HATCHES
from helpers.search import SearchResult

__all__ = ["score_bars_svg", "rank_shift_svg", "result_rank_shift_svg"]

_FONT = "DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif"  # matplotlib's default, then look-alikes
_WIDTH = 11.0  # inches, as the matplotlib figures
_GRID = 'stroke="#b0b0b0" stroke-opacity="0.3" stroke-width="0.8"'
_DASHES = {"up": "", "down": ' stroke-dasharray="8.14,3.52"', "same": ' stroke-dasharray="2.2,3.63"'}  # matplotlib's, at 2.2 pt


def _document(height_inches: float, body: list[str], title: str | None = None) -> str:
    """An SVG document in points (72 per inch), as matplotlib writes them; text is laid out by the browser.

    ``title`` becomes the SVG's ``<title>``: its accessible name (alt text) for screen readers.
    """
    width, height = _WIDTH * 72, height_inches * 72
    name = f'<title>{escape(title, quote=False)}</title>\n' if title else ""
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1f}pt" height="{height:.1f}pt" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{_FONT}" role="img">\n{name}'
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def _text(x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False,
          color: str = "#000000", centre: bool = True) -> str:
    """One text element; ``centre`` puts its middle (not its baseline) at ``y``, like ``va="center"``."""
    # Browsers collapse runs of spaces in SVG text (xml:space is obsolete): keep them as no-break spaces.
    text = text.replace("  ", " \u00a0")
    text = "\u00a0" + text[1:] if text.startswith(" ") else text
    extra = ' font-weight="bold"' if bold else ""
    extra += ' dy="0.35em"' if centre else ""
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" text-anchor="{anchor}" fill="{color}"{extra}>'
            f"{escape(text, quote=False)}</text>")


# The hatches of helpers.plots.style.METHOD_HATCHES as SVG pattern tiles (8 x 8 points, white lines
# as matplotlib draws them), so that bars differ by more than hue here too.
_HATCH_TILES = {
    "//": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4"/>',
    "\\\\": '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4"/>',
    "xx": '<path d="M0,8 l8,-8 M0,0 l8,8"/>',
    "..": '<circle cx="2" cy="2" r="0.9" fill="#ffffff"/><circle cx="6" cy="6" r="0.9" fill="#ffffff"/>',
}


def _hatch_defs(methods: Sequence[str]) -> str:
    """``<defs>`` with one hatch pattern per method that has a hatch (``hatch-<method>``)."""
    tiles = [
        f'<pattern id="hatch-{method}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<g stroke="#ffffff" stroke-width="1">{_HATCH_TILES[METHOD_HATCHES[method]]}</g></pattern>'
        for method in methods
        if METHOD_HATCHES.get(method) in _HATCH_TILES
    ]
    return f"<defs>{''.join(tiles)}</defs>" if tiles else ""


def _swatch(method: str, geometry: str, css_class: str = "") -> str:
    """A rectangle in the method's colour, with its hatch over it."""
    cls = f' class="{css_class}"' if css_class else ""
    rect = f'<rect{cls} {geometry} fill="{METHOD_COLORS[method]}"/>'
    if METHOD_HATCHES.get(method) in _HATCH_TILES:
        rect += f'<rect {geometry} fill="url(#hatch-{method})"/>'
    return rect


def _line(x1: float, y1: float, x2: float, y2: float, style: str = 'stroke="#000000" stroke-width="0.8"') -> str:
    return f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" {style}/>'


def score_bars_svg(
    result: SearchResult,
    top_k: int = 8,
    by: str = "rerank",
    methods: Sequence[str] = ("dense", "bm25", "rerank"),
    scale: str = "corpus",
) -> str:
    """:func:`helpers.plots.compare.score_bars` as an SVG document (same content, same layout).

    Parameters
    ----------
    result : SearchResult
        From :meth:`helpers.search.Search.search`.
    top_k : int
        Documents shown, the best by ``by`` on top; capped at the corpus size.
    by : str
        The method that picks and orders the documents.
    methods : sequence of str
        One bar per method, in this order.
    scale : str
        How bar lengths are scaled: ``"corpus"`` (min-max) or ``"absolute"``, see
        :func:`~helpers.plots.compare.bar_content`.

    Returns
    -------
    str
        SVG text with a ``<title>`` (:func:`~helpers.plots.compare.bar_alt_text`); bars are
        ``<rect class="bar">``, one per document and method, row by row.
    """
    labels, scaled, values, title = bar_content(result, top_k, by, methods, scale)
    n, m = len(labels), len(methods)
    height_inches = bar_figure_height(n, m)
    # The matplotlib figure's fixed margins, in points.
    left, right = _LABEL_INCHES * 72, 0.98 * _WIDTH * 72
    top, bottom = 1.05 * 72, (height_inches - 0.7) * 72

    def x(value: float) -> float:  # x limits 0 to 1.25 leave room for the raw values
        return left + value / 1.25 * (right - left)

    def y(value: float) -> float:  # y limits -0.5 to n - 0.5, best document (n - 1) on top
        return bottom - (value + 0.5) / n * (bottom - top)

    body = [_hatch_defs(methods), _text(0.01 * _WIDTH * 72, top - 33, title, 15, centre=False)]
    legend_x = left + 2
    for method in methods:  # the legend, in one row above the axes
        body.append(_swatch(method, f'x="{legend_x:.2f}" y="{top - 18.7:.2f}" width="24" height="8.4"'))
        body.append(_text(legend_x + 33.6, top - 14.5, METHOD_LABELS[method], 12))
        legend_x += 33.6 + 0.53 * 12 * len(METHOD_LABELS[method]) + 24  # text width estimated, then column spacing
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(_line(x(tick), top, x(tick), bottom, _GRID))
        body.append(_line(x(tick), bottom, x(tick), bottom + 3.5))
        body.append(_text(x(tick), bottom + 17, f"{tick:.2f}", 12, "middle", centre=False))
    body.append(_text((left + right) / 2, bottom + 38, bar_axis_label(scale), 13, "middle", centre=False))
    height = 0.8 / m
    for i, label in enumerate(labels):
        row = n - 1 - i
        body.append(_line(left - 3.5, y(row), left, y(row)))
        body.append(_text(left - 7, y(row), label, 12, "end"))
        for j, method in enumerate(methods):
            centre = row + (m - 1) / 2 * height - j * height
            width = x(scaled[j][i]) - left
            geometry = (f'x="{left:.2f}" y="{y(centre + 0.46 * height):.2f}" width="{width:.2f}" '
                        f'height="{y(centre - 0.46 * height) - y(centre + 0.46 * height):.2f}"')
            body.append(_swatch(method, geometry, "bar"))
            body.append(_text(x(scaled[j][i]), y(centre), values[j][i], 10))
    body.append(_line(left, top, left, bottom))  # the left and bottom spines, over the bars
    body.append(_line(left, bottom, right, bottom))
    return _document(height_inches, body, bar_alt_text(result, top_k, by, methods))


def rank_shift_svg(
    labels: Sequence[str],
    reranked_order: Sequence[int],
    first_stage: str = "first stage",
    reranker: str = "reranked",
    relevant: Sequence[bool] | None = None,
    width: int = 38,
) -> str:
    """:func:`helpers.plots.rerank.rank_shift` as an SVG document (same content, same layout).

    Parameters are those of :func:`~helpers.plots.rerank.rank_shift`.

    Returns
    -------
    str
        SVG text; each reranked candidate is a ``<line class="shift">`` from its old rank to its new one.
    """
    rows, title = shift_rows(labels, reranked_order, first_stage, reranker, relevant, width)
    n = len(rows)
    height_inches = 1.2 + 0.42 * n
    left, axes_width = 0.01 * _WIDTH * 72, 0.98 * _WIDTH * 72
    top, bottom = 0.95 * 72, (height_inches - 0.1) * 72

    def x(value: float) -> float:  # x limits -1.6 to 2.6: the two columns at 0 and 1, labels beside them
        return left + (value + 1.6) / 4.2 * axes_width

    def y(rank: float) -> float:  # y limits n + 0.7 (bottom) to 0.2 (top): rank 1 on top
        return top + (rank - 0.2) / (n + 0.5) * (bottom - top)

    body = [_text(left + axes_width / 2, top - 27, title, 13, "middle", centre=False)]
    for column, name in ((0, first_stage), (1, reranker)):
        body.append(_line(x(column), top, x(column), top - 3.5))
        body.append(_text(x(column), top - 8, name, 12, "middle", centre=False))
    for row in rows:
        if row.after is None:  # cut by top_k: greyed, no line
            body.append(_text(x(-0.03), y(row.before), row.left, 11, "end", color=CUT_COLOR))
            continue
        color = MOVE_COLORS[row.move]
        body.append(_line(x(0), y(row.before), x(1), y(row.after),
                          f'class="shift" stroke="{color}" stroke-width="2.2"{_DASHES[row.move]}'))
        for cx, cy in ((x(0), y(row.before)), (x(1), y(row.after))):
            body.append(f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="3" fill="{color}"/>')
        body.append(_text(x(-0.03), y(row.before), row.left, 11, "end", bold=row.relevant))
        body.append(_text(x(1.03), y(row.after), row.right, 11, bold=row.relevant))
    return _document(height_inches, body)


def result_rank_shift_svg(
    result: SearchResult,
    top_k: int = 10,
    first_stage: str | None = None,
    relevant: Collection[str] = (),
) -> str:
    """:func:`helpers.plots.compare.result_rank_shift` as an SVG document; same parameters."""
    return rank_shift_svg(**rank_shift_arguments(result, top_k, first_stage, relevant))

