"""The search playground: what the page shows for a query, as plain functions.

Everything the page shows is computed here by plain functions that tests call directly.
Two front ends show it: the room server (:mod:`helpers.room`, what ``make app`` serves to a
whole class from one process) and the ipywidgets app in ``notebooks/app.ipynb``
(:mod:`helpers.widgets.playground`, for JupyterLab). Search itself comes from
:mod:`helpers.search` and the chart from :mod:`helpers.plots.svg`: this module only
renders them.

User text (the query) and document text reach the browser as HTML set through
``innerHTML``: every such string goes through :func:`escape`, so a query such as
``<img src=x onerror=alert(1)>`` shows as text and runs nothing.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.model.tokens import token_offsets
from helpers.validation import check_text

__all__ = [
    "METHODS", "EXPLANATIONS", "SCALES", "SUMMARIES", "FittedQuery", "Hit", "escape", "fit_query",
    "query_note_html", "results_html", "column_notes", "explanations_html", "BACKEND_ENV", "app_backend",
    "app_cache_dir", "build_cache", "build_search", "SearchApp", "View",
]  # fmt: skip

# The four result columns in reading order (two first stages, their fusion, the second stage),
# named as in helpers.search: the hybrid column is reciprocal rank fusion.
METHODS = ("dense", "bm25", "rrf", "rerank")

METHOD_LABELS = {"dense": "Dense", "bm25": "BM25", "rrf": "Hybrid (RRF)", "rerank": "Reranked"}

EXPLANATIONS = {
    "dense": (
        "Encodes the query and every document as a 384-number vector with all-MiniLM-L6-v2 and "
        "ranks by cosine similarity. Finds paraphrases and synonyms; weak on rare names, codes and numbers."
    ),
    "bm25": (
        "Counts the query's words in each document, weighting rare words up and long documents down. "
        "Exact on names, codes and numbers; blind to synonyms."
    ),
    "rrf": (
        "Reciprocal rank fusion: each document scores the sum of 1 / (60 + rank) over dense and BM25. "
        "Uses ranks, not raw scores, so the two scales never need to match."
    ),
    "rerank": (
        "Takes the hybrid column's top 30 and scores each query-document pair again, word piece by word piece "
        "(late interaction over MiniLM token vectors). Too slow for a whole corpus, so it sees a short list."
    ),
}

# What each column's numbers mean: shown under its name, so four scales are never compared by eye.
SCALES = {
    "dense": "cosine similarity, -1 to 1",
    "bm25": "BM25 score, 0 up, no ceiling",
    "rrf": "sum of 1 / (60 + rank), at most 0.0328",
    "rerank": "MaxSim: mean best cosine, up to 1",
}

# One line per column, under its name; the full explanation is its tooltip.
SUMMARIES = {
    "dense": "Meaning: finds paraphrases, weak on names and numbers.",
    "bm25": "Exact words: strong on names and codes, blind to synonyms.",
    "rrf": "Votes by rank from dense and BM25.",
    "rerank": "Rescores the hybrid top 30 word piece by word piece.",
}

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


def column_header_html(method: str) -> str:
    """A column's name, its score scale and a one-line summary; the full explanation is the tooltip."""
    return (
        f'<div class="app-column-head" title="{escape(EXPLANATIONS[method])}">'
        f'<h4 style="margin:4px 0 0 0">{METHOD_LABELS[method]}</h4>'
        f'<div class="app-scale" style="font-size:12px;color:#555">{escape(SCALES[method])}</div>'
        f'<div class="app-summary" style="font-size:12px;color:#555">{escape(SUMMARIES[method])}</div></div>'
    )


def results_html(
    columns: Mapping[str, Sequence[Hit]],
    corpus: str = "",
    notes: Mapping[str, str] | None = None,
) -> str:
    """Render each method's hits as columns side by side, every text escaped.

    Parameters
    ----------
    columns : mapping of str to sequence of Hit
        Hits per method, best first; keys among :data:`METHODS`, shown in that order.
    corpus : str
        The corpus searched, kept in a ``data-corpus`` attribute for tests and page scripts.
    notes : mapping of str to str, optional
        A note shown in a method's column above its hits (e.g. BM25 matched no word).

    Returns
    -------
    str
        HTML for ``innerHTML`` (the room page) or an ipywidgets ``HTML`` value.
    """
    unknown = (set(columns) | set(notes or {})) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose among {list(METHODS)}")
    parts = []
    for method in METHODS:
        if method not in columns:
            continue
        items = "".join(_hit_html(hit, SCORE_FORMAT) for hit in columns[method])
        note = (notes or {}).get(method)
        note_html = f'<p class="app-column-note" role="status">{escape(note)}</p>' if note else ""
        parts.append(
            f'<div class="app-column" data-method="{method}" style="flex:1 1 220px;min-width:0">'
            f'{column_header_html(method)}{note_html}'
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


def explanations_html() -> str:
    """A short explanation of what each method does, for the page's footer."""
    rows = "".join(f"<li><b>{METHOD_LABELS[m]}</b>: {escape(EXPLANATIONS[m])}</li>" for m in METHODS)
    return f'<div class="app-explanations"><h4>What each column does</h4><ul>{rows}</ul></div>'


# --- the app --------------------------------------------------------------------------------

# The blog's documents: examples 1-2 (dense, BM25) and example 3 (reranking) of the
# pymilvus `model` integrations, as in Milvus's documentation.
BLOG_DOCUMENTS = (
    "Artificial intelligence was founded as an academic discipline in 1956.",
    "Alan Turing was the first person to conduct substantial research in AI.",
    "Born in Maida Vale, London, Turing was raised in southern England.",
    "In 1950, Alan Turing published his seminal paper, 'Computing Machinery and Intelligence,' proposing the "
    "Turing Test as a criterion of intelligence, a foundational concept in the philosophy and development of "
    "artificial intelligence.",
    "The Dartmouth Conference in 1956 is considered the birthplace of artificial intelligence as a field; here, "
    "John McCarthy and others coined the term 'artificial intelligence' and laid out its basic goals.",
    "In 1951, British mathematician and computer scientist Alan Turing also developed the first program designed "
    "to play chess, demonstrating an early example of AI in game strategy.",
    "The invention of the Logic Theorist by Allen Newell, Herbert A. Simon, and Cliff Shaw in 1955 marked the "
    "creation of the first true AI program, which was capable of solving problems and proving theorems.",
)

CORPORA = {
    "demo": "Demo corpus: history of computing (267 documents)",
    "blog": "The pymilvus blog's examples (7 documents)",
}

# Example queries per corpus: each shows one method at its best (see data/demo_corpus/README.md).
EXAMPLES = {
    "demo": ("Where was Alan Turing born?", "RFC 791", "an insect caused a malfunction in an early machine"),
    "blog": ("Where was Turing born?", "What event in 1956 marked the official birth of artificial intelligence as a discipline?"),
}

RERANK_DEPTH = 30  # the reranker rescores the hybrid top 30, as a production pipeline would
APP_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "app.ipynb"


def app_cache_dir() -> Path:
    """Where the app keeps the corpora's dense vectors and the reranker's token vectors:
    ``$RETRIEVAL_CACHE`` if set, else ``notebooks/work/embeddings`` (gitignored, safe to
    delete; the next start encodes again)."""
    from helpers.paths import CACHE_ENV

    return Path(os.environ.get(CACHE_ENV) or APP_NOTEBOOK.parent / "work" / "embeddings").expanduser()


BACKEND_ENV = "APP_BACKEND"


def app_backend() -> str:
    """What runs all-MiniLM-L6-v2 in the app: ``$APP_BACKEND`` when set (``"torch"`` or ``"onnx"``),
    else ``"onnx"`` when ONNX Runtime is installed, else ``"torch"``.

    With ONNX Runtime a kernel never imports torch (about 11 CPU-seconds and 400 MB less per
    visitor, see docs/app.md); ``make app`` exports the model once, with torch, before serving.
    """
    chosen = os.environ.get(BACKEND_ENV)
    if chosen:
        if chosen not in ("torch", "onnx"):
            raise ValueError(f"{BACKEND_ENV} must be 'torch' or 'onnx', got {chosen!r}; unset it for the default")
        return chosen
    from helpers.model.onnx_encoder import onnx_available

    return "onnx" if onnx_available() else "torch"


def build_search(corpus: str, cache_dir: str | Path | None = None, backend: str | None = None) -> Any:
    """The :class:`~helpers.search.Search` the app uses for ``corpus`` ("demo" or "blog").

    Every document's dense vector and reranker token vectors come from the disk cache in
    ``cache_dir`` (default :func:`app_cache_dir`), and are encoded and saved there on a miss:
    a kernel that finds the cache encodes nothing but the queries. The model runs on
    ``backend`` (default :func:`app_backend`): with ONNX Runtime, a kernel whose caches and
    model export exist never imports torch (about 10 CPU-seconds less at start).
    """
    from helpers.model.dense import DefaultEmbeddingFunction
    from helpers.model.reranker.maxsim import MaxSimRerankFunction
    from helpers.search import Search

    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; choose one of {list(CORPORA)}")
    folder = app_cache_dir() if cache_dir is None else Path(cache_dir)
    backend = backend or app_backend()
    options = {
        "rerank_depth": RERANK_DEPTH, "show_progress": False, "warm_up": True, "cache_dir": folder,
        "dense_ef": DefaultEmbeddingFunction(backend=backend), "rerank_fn": MaxSimRerankFunction(backend=backend),
    }  # fmt: skip
    if corpus == "demo":
        return Search.from_demo_corpus(**options)
    ids = [f"blog-{i}" for i in range(1, len(BLOG_DOCUMENTS) + 1)]
    return Search(list(BLOG_DOCUMENTS), ids=ids, **options)


def build_cache(cache_dir: str | Path | None = None) -> Path:
    """Encode every corpus the app offers into the disk cache (no-op for those already there).

    ``make app`` runs this before serving, so the server (and any notebook kernel) loads the
    dense and token vectors, and the ONNX export of the model, instead of making them.
    Returns the cache folder.
    """
    folder = app_cache_dir() if cache_dir is None else Path(cache_dir)
    for corpus in CORPORA:
        build_search(corpus, folder)
    return folder


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
        Where the corpora's dense vectors are cached; default :func:`app_cache_dir`.

    Examples
    --------
    >>> playground = SearchApp()
    >>> view = playground.update("Where was Alan Turing born?", "demo")
    >>> view.hits("rerank")[0]
    'turing-birth'
    """

    def __init__(self, top_k: int = 5, searches: Mapping[str, Any] | None = None, cache_dir: str | Path | None = None):
        self.top_k = top_k
        self.cache_dir = app_cache_dir() if cache_dir is None else Path(cache_dir)
        self._searches: dict[str, Any] = dict(searches or {})
        self._widget: Any = None
        self.view: View | None = None  # what the widget shows now

    def search_for(self, corpus: str) -> Any:
        """The :class:`~helpers.search.Search` of ``corpus`` ("demo" or "blog"), built once."""
        if corpus not in CORPORA:
            raise ValueError(f"unknown corpus {corpus!r}; choose one of {list(CORPORA)}")
        if corpus not in self._searches:
            self._searches[corpus] = build_search(corpus, self.cache_dir)
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
            for method in METHODS
        }
        svg = score_bars_svg(result, k, by="rerank", methods=METHODS, scale="absolute")
        rendered = results_html(columns, corpus, column_notes(result, k))
        return View(fitted, query_note_html(fitted), rendered, svg, result, k, bar_alt_text(result, k, "rerank", METHODS))

    @property
    def widget(self) -> Any:
        """The ipywidgets layout (:func:`helpers.widgets.playground.playground_widget`), built on first access."""
        if self._widget is None:
            from helpers.widgets.playground import playground_widget

            self._widget = playground_widget(self)
        return self._widget


