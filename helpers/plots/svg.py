"""The live charts, one renderer each: score bars and rank shift, written directly as SVG text.

A live chart is redrawn on every query (the explorer, the rerank widget and the app), and the
same function draws it in a notebook's static output, so a notebook shows exactly what the
widgets show. Measured with ``benchmarks/explorer.py --threads 1`` on the demo corpus (2 cores,
load about 8): both charts as SVG text 0.7 ms median; the same two charts by matplotlib, saved
as SVG, 83 ms of CPU (221 ms wall clock), and as PNG, as inline display does, 233 ms of CPU.
matplotlib measures every piece of text (font loading, glyph layout) and walks about 150 artists
per figure on every save; trimmed to the bone, its bare axes alone took 20 ms. Here the browser
lays out the text (``text-anchor`` aligns it without measuring it), so a chart is one string.

In a notebook a chart displays as an ``image/svg+xml`` output (JupyterLab, VS Code and GitHub
draw it; hatches as SVG patterns, so methods differ by more than hue), with its text equivalent
as the plain-text output. nbval compares both (it skips only PNG and JPEG), within the float
tolerance of :mod:`helpers.nbval_floats`, so a stored chart is tested like a printed table.
Charts drawn once (the scoreboard, heatmaps, token matches) stay matplotlib Figures.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from html import escape
from typing import Any

from helpers.methods import METHODS
from helpers.plots.compare import bar_alt_text, bar_axis_label, bar_content, rank_shift_arguments
from helpers.plots.rerank import CUT_COLOR, MOVE_COLORS, ShiftRow, shift_rows
from helpers.search_result import SearchResult

__all__ = ["SvgChart", "score_bars_svg", "rank_shift_svg", "result_rank_shift_svg"]


class SvgChart(str):
    """SVG text that a notebook displays as the chart, with its text equivalent as plain text.

    A ``str``, so the app and the widgets hand it to the browser as it is.

    Attributes
    ----------
    alt_text : str
        What the chart shows, in words (also the SVG's ``<title>``, its accessible name).
    """

    alt_text: str

    def __new__(cls, svg: str, alt_text: str) -> SvgChart:
        chart = super().__new__(cls, svg)
        chart.alt_text = alt_text
        return chart

    def _repr_svg_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.alt_text)


_FONT = "DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif"  # matplotlib's default, then look-alikes
_WIDTH = 11.0  # inches, as the tutorial's wide matplotlib figures
_LABEL_INCHES = 3.9  # room the score bars' document labels need at 12 points
_GRID = 'stroke="#b0b0b0" stroke-opacity="0.3" stroke-width="0.8"'
_DASHES = {"up": "", "down": ' stroke-dasharray="8.14,3.52"', "same": ' stroke-dasharray="2.2,3.63"'}  # matplotlib's, at 2.2 pt


def _document(height_inches: float, body: list[str], title: str) -> SvgChart:
    """An SVG document in points (72 per inch), as matplotlib writes them; text is laid out by the browser.

    ``title`` becomes the SVG's ``<title>``: its accessible name (alt text) for screen readers.
    """
    width, height = _WIDTH * 72, height_inches * 72
    name = f'<title>{escape(title, quote=False)}</title>\n'
    return SvgChart(
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1f}pt" height="{height:.1f}pt" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{_FONT}" role="img">\n{name}'
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n",
        title,
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


# The methods' matplotlib hatches (helpers.methods.METHODS) as SVG pattern tiles (8 x 8 points, white lines
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
        f'<g stroke="#ffffff" stroke-width="1">{_HATCH_TILES[METHODS[method].hatch]}</g></pattern>'
        for method in methods
        if METHODS[method].hatch in _HATCH_TILES
    ]
    return f"<defs>{''.join(tiles)}</defs>" if tiles else ""


def _swatch(method: str, geometry: str, css_class: str = "") -> str:
    """A rectangle in the method's colour, with its hatch over it."""
    cls = f' class="{css_class}"' if css_class else ""
    rect = f'<rect{cls} {geometry} fill="{METHODS[method].colour}"/>'
    if METHODS[method].hatch in _HATCH_TILES:
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
) -> SvgChart:
    """Grouped horizontal bars: for each of the top documents, one bar per method, its raw score at the end.

    Parameters
    ----------
    result : SearchResult
        From :meth:`helpers.search.Search.search`.
    top_k : int
        Documents shown, the best by ``by`` on top; capped at the corpus size.
    by : str
        The method that picks and orders the documents.
    methods : sequence of str
        One bar per method, in this order; keys of :data:`helpers.methods.METHODS`.
    scale : str
        How bar lengths are scaled: ``"corpus"`` (min-max over the corpus) or ``"absolute"``,
        see :func:`~helpers.plots.compare.bar_content`.

    Returns
    -------
    SvgChart
        SVG text with a ``<title>`` (:func:`~helpers.plots.compare.bar_alt_text`); bars are
        ``<rect class="bar">``, one per document and method, row by row.

    Examples
    --------
    >>> score_bars_svg(search.search("RFC 791"), top_k=5)  # doctest: +SKIP
    """
    labels, scaled, values, title = bar_content(result, top_k, by, methods, scale)
    n, m = len(labels), len(methods)
    height_inches = 1.7 + 0.2 * n * m + 0.15 * n  # room for every bar, the title, legend and axis label
    left, right = _LABEL_INCHES * 72, 0.98 * _WIDTH * 72  # the axes' margins, in points
    top, bottom = 1.05 * 72, (height_inches - 0.7) * 72

    def x(value: float) -> float:  # x limits 0 to 1.25 leave room for the raw values
        return left + value / 1.25 * (right - left)

    def y(value: float) -> float:  # y limits -0.5 to n - 0.5, best document (n - 1) on top
        return bottom - (value + 0.5) / n * (bottom - top)

    body = [_hatch_defs(methods), _text(0.01 * _WIDTH * 72, top - 33, title, 15, centre=False)]
    legend_x = left + 2
    for method in methods:  # the legend, in one row above the axes
        name = METHODS[method].label
        body.append(_swatch(method, f'x="{legend_x:.2f}" y="{top - 18.7:.2f}" width="24" height="8.4"'))
        body.append(_text(legend_x + 33.6, top - 14.5, name, 12))
        legend_x += 33.6 + 0.53 * 12 * len(name) + 24  # text width estimated, then column spacing
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


def _shift_alt_text(rows: list[ShiftRow], title: str) -> str:
    """The rank-shift chart in words: each candidate's rank before and after reranking."""
    moves = "; ".join(
        f"{row.before}. {row.label} → " + (f"{row.after}" if row.after is not None else "not reranked") for row in rows
    )
    return f"Slope chart, {title}. {moves}."


def rank_shift_svg(
    labels: Sequence[str],
    reranked_order: Sequence[int],
    first_stage: str = "first stage",
    reranker: str = "reranked",
    relevant: Sequence[bool] | None = None,
    width: int = 38,
) -> SvgChart:
    """A slope chart: each candidate's rank before reranking (left) and after (right).

    Parameters
    ----------
    labels : sequence of str
        The candidates in first-stage order: ``labels[0]`` is the first stage's rank 1.
    reranked_order : sequence of int
        Candidate positions in their new order, e.g. ``[r.index for r in results]``.
        Candidates left out (cut by ``top_k``) are drawn greyed, without a right end.
    first_stage, reranker : str
        Column titles, e.g. ``"BM25"`` and ``"MaxSim"``.
    relevant : sequence of bool, optional
        Marks candidates known to be relevant (from judgements) with a star, in bold.
    width : int
        Characters of each label.

    Returns
    -------
    SvgChart
        SVG text; each reranked candidate is a ``<line class="shift">`` from its old rank to
        its new one: green and solid up, vermillion and dashed down, grey and dotted in place.

    Examples
    --------
    >>> chart = rank_shift_svg(["doc a", "doc b", "doc c"], [2, 0, 1], "BM25", "MaxSim")
    >>> chart.alt_text
    'Slope chart, BM25 order → MaxSim order (1 of 3 moved up; solid = up, dashed = down). 1. doc a → 2; 2. doc b → 3; 3. doc c → 1.'
    """
    rows = shift_rows(labels, reranked_order, relevant, width)
    n = len(rows)
    moved_up = sum(1 for row in rows if row.move == "up")
    title = f"{first_stage} order → {reranker} order ({moved_up} of {n} moved up; solid = up, dashed = down)"
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
        left_label = f"{row.label}  {row.before}"
        if row.after is None:  # cut by top_k: greyed, no line
            body.append(_text(x(-0.03), y(row.before), left_label, 11, "end", color=CUT_COLOR))
            continue
        color = MOVE_COLORS[row.move]
        body.append(_line(x(0), y(row.before), x(1), y(row.after),
                          f'class="shift" stroke="{color}" stroke-width="2.2"{_DASHES[row.move]}'))
        for cx, cy in ((x(0), y(row.before)), (x(1), y(row.after))):
            body.append(f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="3" fill="{color}"/>')
        body.append(_text(x(-0.03), y(row.before), left_label, 11, "end", bold=row.relevant))
        body.append(_text(x(1.03), y(row.after), f"{row.after}  {row.label}", 11, bold=row.relevant))
    return _document(height_inches, body, _shift_alt_text(rows, title))


def result_rank_shift_svg(
    result: SearchResult,
    top_k: int = 10,
    first_stage: str | None = None,
    relevant: Collection[str] = (),
) -> SvgChart:
    """Slope chart of the first stage's top ``top_k`` documents, reordered by the reranker.

    A thin adapter from a :class:`~helpers.search.SearchResult` to :func:`rank_shift_svg`: the
    left column is the first stage's order, the right column the same documents sorted by their
    rerank score.

    Parameters
    ----------
    result : SearchResult
        From :meth:`helpers.search.Search.search`.
    top_k : int
        Candidates shown; capped at the corpus size and at the number of reranked documents.
    first_stage : str, optional
        The left column's method; default the one that fed the reranker (``result.first_stage``).
    relevant : collection of str
        Ids of documents known to be relevant (e.g. from the demo corpus's judgments); they get a star.

    Returns
    -------
    SvgChart
    """
    return rank_shift_svg(**rank_shift_arguments(result, top_k, first_stage, relevant))
