"""The app's views: a query's columns, notes and explanations as HTML, every text escaped.

User text (the query) and document text reach the browser as HTML set through
``innerHTML``: every such string goes through :func:`escape`, so a query such as
``<img src=x onerror=alert(1)>`` shows as text and runs nothing. Each column's heading, scale
and explanation come from the method registry, :data:`helpers.methods.METHODS`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.app.corpora import RERANK_DEPTH
from helpers.methods import METHODS
from helpers.model.tokens import token_offsets
from helpers.validation import check_text

__all__ = [
    "COLUMNS", "SCORE_FORMAT", "FittedQuery", "Hit", "escape", "fit_query", "query_note_html", "column_header_html",
    "results_html", "column_notes", "explanations_html",
]  # fmt: skip

# The four result columns in reading order (two first stages, their fusion, the second stage),
# keys of helpers.methods.METHODS: the hybrid column is reciprocal rank fusion.
COLUMNS = ("dense", "bm25", "rrf", "rerank")

# Tokenizing a pasted megabyte would stall the kernel; no query that fits a model is this long.
_MAX_QUERY_CHARS = 100_000


def escape(text: str) -> str:
    """Escape ``text`` for HTML, quotes included, so it displays as text and never as markup.

    Examples
    --------
    >>> escape("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class FittedQuery:
    """A query as it is searched: cut to the model's input limit when it was longer.

    Attributes
    ----------
    text : str
        The text that is searched (the whole query unless it was cut).
    original : str
        The text as typed.
    n_tokens : int
        Length of the typed query in model tokens (at least ``max_tokens + 1`` when cut).
    max_tokens : int
        How many query tokens the model reads, special tokens excluded.
    """

    text: str
    original: str
    n_tokens: int
    max_tokens: int

    @property
    def truncated(self) -> bool:
        """True when only the beginning of the query is searched."""
        return self.text != self.original.strip()


def fit_query(query: str, tokenizer: Any, max_length: int) -> FittedQuery:
    """Cut ``query`` to what a model with ``max_length`` input tokens reads.

    Every method then searches the same cut text, so their results stay comparable.
    The cut falls on a token boundary of the model's own tokenizer.

    Parameters
    ----------
    query : str
        The query as typed.
    tokenizer : transformers fast tokenizer or tokenizers.Tokenizer
        The model's tokenizer: ``SentenceTransformer.tokenizer``, or the ``tokenizers.Tokenizer``
        of an ONNX Runtime encoder (whose own truncation is ignored here, so that the length of
        the whole query is known).
    max_length : int
        The model's input limit including special tokens (``max_seq_length``, 256 for all-MiniLM-L6-v2).

    Returns
    -------
    FittedQuery
        The text to search and what was cut.

    Raises
    ------
    TypeError
        If ``query`` is not a string.

    Notes
    -----
    Characters that are not valid Unicode (a lone surrogate, e.g. half an emoji pasted from a
    broken file) are replaced with U+FFFD (:func:`helpers.validation.check_text`), so every
    model can read the query.
    """
    query = check_text(query, "query", errors="replace")
    budget = max_length - tokenizer.num_special_tokens_to_add(False)  # `pair` or `is_pair`, by library
    if budget < 1:
        raise ValueError(f"max_length={max_length} leaves no room for query tokens after the special tokens")
    head = query.strip()[:_MAX_QUERY_CHARS]
    offsets = token_offsets(tokenizer, head)
    text = head[: offsets[budget - 1][1]] if len(offsets) > budget else head
    return FittedQuery(text, query, len(offsets), budget)


_NOTE_STYLE = "background:#fff4d6;border-left:4px solid #E69F00;padding:6px 10px;margin:6px 0"


def query_note_html(fitted: FittedQuery) -> str:
    """The line shown above the results: the searched query, and notes when it was cut or is not English."""
    from helpers.language import english_only_note

    shown = fitted.text if len(fitted.text) <= 160 else fitted.text[:159] + "…"
    line = f'<div class="app-query">Results for: <q class="app-query-text">{escape(shown)}</q></div>'
    language = english_only_note(fitted.text)
    if language:
        line += f'<div class="app-note app-language-note" role="status" style="{_NOTE_STYLE}">{escape(language)}</div>'
    if not fitted.truncated:
        return line
    note = (
        f'<div class="app-note" role="status" style="{_NOTE_STYLE}">Your query is longer than the model reads '
        f"(about {fitted.n_tokens:,} tokens; the limit is {fitted.max_tokens}). "
        f"Only its first {len(fitted.text):,} characters were searched, by every method.</div>"
    )
    return line + note


@dataclass(frozen=True)
class Hit:
    """One result row of one method."""

    rank: int
    doc_id: str
    title: str
    text: str
    score: float


def _hit_html(hit: Hit, score_format: str) -> str:
    text = hit.text if len(hit.text) <= 150 else hit.text[:149] + "…"
    title = f"<b>{escape(hit.title)}</b> " if hit.title else ""
    return (
        f'<li class="app-hit" data-doc-id="{escape(hit.doc_id)}" style="margin:0 0 8px 0">'
        f'<span class="app-score" style="font-family:monospace">{format(hit.score, score_format)}</span> '
        f"{title}<span style=\"color:#444\">{escape(text)}</span></li>"
    )


SCORE_FORMAT = ".4g"  # model scores at 4 significant digits: float32 agrees across CPUs only to about 1e-6


def column_header_html(method: str, rerank_depth: int = RERANK_DEPTH) -> str:
    """A column's heading, its score scale and a one-line summary; the full explanation is the tooltip."""
    shown = METHODS[method]
    summary, explanation = shown.describe(rerank_depth)
    return (
        f'<div class="app-column-head" title="{escape(explanation)}">'
        f'<h4 style="margin:4px 0 0 0">{escape(shown.heading)}</h4>'
        f'<div class="app-scale" style="font-size:12px;color:#555">{escape(shown.scale)}</div>'
        f'<div class="app-summary" style="font-size:12px;color:#555">{escape(summary)}</div></div>'
    )


def results_html(
    columns: Mapping[str, Sequence[Hit]],
    corpus: str = "",
    notes: Mapping[str, str] | None = None,
    rerank_depth: int = RERANK_DEPTH,
) -> str:
    """Render each method's hits as columns side by side, every text escaped.

    Parameters
    ----------
    columns : mapping of str to sequence of Hit
        Hits per method, best first; keys among :data:`COLUMNS`, shown in that order.
    corpus : str
        The corpus searched, kept in a ``data-corpus`` attribute for tests and page scripts.
    notes : mapping of str to str, optional
        A note shown in a method's column above its hits (e.g. BM25 matched no word).
    rerank_depth : int
        How many hybrid results the reranker rescored, as its column's summary says.

    Returns
    -------
    str
        HTML for ``innerHTML`` (the room page) or an ipywidgets ``HTML`` value.
    """
    unknown = (set(columns) | set(notes or {})) - set(COLUMNS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose among {list(COLUMNS)}")
    parts = []
    for method in COLUMNS:
        if method not in columns:
            continue
        items = "".join(_hit_html(hit, SCORE_FORMAT) for hit in columns[method])
        note = (notes or {}).get(method)
        note_html = f'<p class="app-column-note" role="status">{escape(note)}</p>' if note else ""
        parts.append(
            f'<div class="app-column" data-method="{method}" style="flex:1 1 220px;min-width:0">'
            f'{column_header_html(method, rerank_depth)}{note_html}'
            f'<ol style="padding-left:1.4em;margin:4px 0 0 0">{items}</ol></div>'
        )
    return (
        f'<div class="app-results" data-corpus="{escape(corpus)}" '
        'style="display:flex;gap:16px;flex-wrap:wrap;line-height:1.35">'
        f'{"".join(parts)}</div>'
    )


def column_notes(result: Any, top_k: int) -> dict[str, str]:
    """The per-column notes for ``result``: when BM25 found fewer than ``top_k`` documents, say so."""
    from helpers.search import BM25_NO_MATCH

    found = int(result.retrieved("bm25").sum())
    if found == 0:
        return {"bm25": BM25_NO_MATCH}
    if found < min(top_k, len(result)):
        return {"bm25": f"Only {found} document{'s' if found > 1 else ''} contain{'' if found > 1 else 's'} "
                        "a word of your query."}  # fmt: skip
    return {}


def explanations_html(rerank_depth: int = RERANK_DEPTH) -> str:
    """A short explanation of what each column's method does, for the page's footer."""
    rows = "".join(
        f"<li><b>{escape(METHODS[m].heading)}</b>: {escape(METHODS[m].describe(rerank_depth)[1])}</li>" for m in COLUMNS
    )
    return f'<div class="app-explanations"><h4>What each column does</h4><ul>{rows}</ul></div>'
