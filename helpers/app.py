"""The search playground that Voila serves from ``notebooks/app.ipynb``.

Everything the page shows is computed here by plain functions that tests call directly;
the notebook only builds :class:`SearchApp` and displays it. Search itself comes from
:mod:`helpers.search` and the chart from :mod:`helpers.plots.svg`: this module only
renders them.

User text (the query) and document text reach the browser through ipywidgets ``HTML``,
which sets ``innerHTML``: every such string goes through :func:`escape`, so a query such
as ``<img src=x onerror=alert(1)>`` shows as text and runs nothing.
"""

from __future__ import annotations

import argparse
import html
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.model.tokens import token_offsets
from helpers.validation import check_text

__all__ = [
    "METHODS",
    "EXPLANATIONS",
    "FittedQuery",
    "Hit",
    "escape",
    "fit_query",
    "query_note_html",
    "results_html",
    "explanations_html",
    "BACKEND_ENV",
    "app_backend",
    "app_cache_dir",
    "build_cache",
    "build_search",
    "free_port",
    "voila_command",
    "voila_server",
]

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


def query_note_html(fitted: FittedQuery) -> str:
    """The line shown above the results: the searched query, and a note when it was cut."""
    shown = fitted.text if len(fitted.text) <= 160 else fitted.text[:159] + "…"
    line = f'<div class="app-query">Results for: <q class="app-query-text">{escape(shown)}</q></div>'
    if not fitted.truncated:
        return line
    note = (
        f'<div class="app-note" role="status" style="background:#fff4d6;border-left:4px solid #E69F00;'
        f'padding:6px 10px;margin:6px 0">Your query is longer than the model reads '
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


def results_html(
    columns: Mapping[str, Sequence[Hit]], corpus: str = "", score_formats: Mapping[str, str] | None = None
) -> str:
    """Render each method's hits as columns side by side, every text escaped.

    Parameters
    ----------
    columns : mapping of str to sequence of Hit
        Hits per method, best first; keys among :data:`METHODS`, shown in that order.
    score_formats : mapping of str to str, optional
        A :func:`format` spec per method (RRF scores need more decimals than BM25's).
    corpus : str
        The corpus searched, kept in a ``data-corpus`` attribute for tests and page scripts.

    Returns
    -------
    str
        HTML for an ipywidgets ``HTML`` value.
    """
    unknown = set(columns) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose among {list(METHODS)}")
    formats = {"dense": ".3f", "bm25": ".2f", "rrf": ".4f", "rerank": ".3f", **(score_formats or {})}
    parts = []
    for method in METHODS:
        if method not in columns:
            continue
        items = "".join(_hit_html(hit, formats[method]) for hit in columns[method])
        parts.append(
            f'<div class="app-column" data-method="{method}" style="flex:1 1 0;min-width:200px">'
            f'<h4 style="margin:4px 0">{METHOD_LABELS[method]}</h4>'
            f'<ol style="padding-left:1.4em;margin:0">{items}</ol></div>'
        )
    return (
        f'<div class="app-results" data-corpus="{escape(corpus)}" '
        'style="display:flex;gap:16px;flex-wrap:wrap;line-height:1.35">'
        f'{"".join(parts)}</div>'
    )


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


def app_cache_dir() -> Path:
    """Where the app keeps the corpora's dense vectors and the reranker's token vectors:
    ``$RETRIEVAL_CACHE`` if set, else ``notebooks/work/embeddings`` (gitignored, safe to
    delete; the next start encodes again)."""
    from helpers.embedding_cache import CACHE_ENV

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

    ``make app`` runs this before starting Voila, so every visitor's kernel loads the
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
        text measuring, about a millisecond instead of hundreds).
    result : SearchResult or None
        Every score and rank, for tests and for learners who want more.
    top_k : int
        Results shown per column.
    """

    query: FittedQuery | None
    note_html: str
    results_html: str
    svg: str | None
    result: Any
    top_k: int = 5

    def hits(self, method: str) -> list[str]:
        """The ids of the shown documents of ``method``, best first."""
        if self.result is None:
            return []
        return [self.result.doc_ids[i] for i in self.result.top(method, self.top_k)]


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
        text) and the note says so; an empty query gives a hint and no results.
        """
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
                for rank, i in enumerate(result.top(method, k), start=1)
            ]
            for method in METHODS
        }
        svg = score_bars_svg(result, k, by="rerank", methods=METHODS)
        return View(fitted, query_note_html(fitted), results_html(columns, corpus), svg, result, k)

    @property
    def widget(self) -> Any:
        """The ipywidgets layout, built on first access and showing the first example's results."""
        if self._widget is None:
            self._widget = _build_widget(self)
        return self._widget


def _build_widget(playground: SearchApp) -> Any:
    import ipywidgets as widgets

    corpus = widgets.Dropdown(options=[(label, key) for key, label in CORPORA.items()], value="demo",
                              description="Corpus:", layout=widgets.Layout(width="420px"))
    query = widgets.Text(value=EXAMPLES["demo"][0], description="Query:", continuous_update=False,
                         placeholder="Type a question or a few keywords, then press Enter",
                         layout=widgets.Layout(width="640px"))
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
    return widgets.VBox([widgets.HBox([query, corpus]), widgets.HBox([top_k, examples]), status, results, plot,
                         widgets.HTML(explanations_html())])


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _wait_for_port(host: str, port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    # A TCP connect, not an HTTP GET: every GET of a Voila page starts a kernel.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"Voila exited with code {process.returncode} before listening:\n{tail}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"Voila did not listen on {host}:{port} within {timeout:.0f} s; see {log}")


def _stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop Voila and the kernels it started, and nothing else."""
    import psutil

    try:
        # Kernels run in their own sessions (jupyter_client starts them so), so they are
        # found as Voila's descendants, not through its process group.
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # Voila shuts its kernels down on SIGTERM
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
    _, alive = psutil.wait_procs(children, timeout=timeout)
    for child in alive:
        child.kill()


APP_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "app.ipynb"
# `python -m voila`, minus a 2.5 CPU-second import: jsonschema loads every optional format checker
# it finds, and rfc3987-syntax (pulled in by jupyter-events' jsonschema[format-nongpl]) builds ~35
# Lark parsers at import, for the "iri" format that no Jupyter schema uses
# (python-jsonschema/jsonschema#1428). Blocked, jsonschema just skips that one format.
_VOILA_MAIN = "import sys; sys.modules['rfc3987_syntax'] = None; from voila.app import main; sys.exit(main())"
_REFILL_DELAY_S = 15
# Voila's lab template without its CDN links (see share/jupyter/voila/templates/offline).
_TEMPLATES = Path(__file__).resolve().parent.parent / "share" / "jupyter"


def voila_command(
    notebook: str | Path = APP_NOTEBOOK,
    *,
    host: str = "127.0.0.1",
    port: int = 8866,
    preheat: bool = True,
    token: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve ``notebook`` as an app.

    Parameters
    ----------
    notebook : str or Path
        The notebook to serve.
    host : str
        The address to listen on. ``127.0.0.1`` (the default) admits only this machine;
        ``0.0.0.0`` admits anyone who can reach it (see docs/app.md before doing that).
    port : int
        The TCP port.
    preheat : bool
        Run the notebook in a spare kernel before anyone asks, so each visitor's page
        arrives with results instead of waiting for the models to load.
    token : str, optional
        A password visitors must add to the URL (``?token=...``); none by default. It goes to
        Voila in the environment (``JUPYTER_TOKEN``), never on the command line, where ``ps``
        would show it.

    Returns
    -------
    argv : list of str
        The command line.
    env : dict
        The environment: offline model loading, and the template folder when present.
    """
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook}")
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1")}
    argv = [sys.executable, "-c", _VOILA_MAIN, str(notebook), "--no-browser", f"--Voila.ip={host}", f"--port={port}"]
    if (_TEMPLATES / "voila" / "templates" / "offline").is_dir():
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(_TEMPLATES), os.environ.get("JUPYTER_PATH")]))
        argv.append("--template=offline")
    if preheat:
        # Voila refills the pool fill_delay seconds after a visitor takes the pre-heated kernel; at
        # its default (1 s) the new kernel's imports compete with the visitor's kernel while it is
        # still running the notebook, on a 2-core laptop doubling the first visitor's wait.
        argv += ["--preheat_kernel=True", "--pool_size=1", f"--VoilaKernelManager.fill_delay={_REFILL_DELAY_S}"]
    if token:
        # Through the environment, not the command line: any user of the machine can read argv (ps).
        env["JUPYTER_TOKEN"] = token
        argv.append("--Voila.auto_token=True")  # makes Voila take its token from JUPYTER_TOKEN
    return argv, env


@contextmanager
def voila_server(
    notebook: str | Path = APP_NOTEBOOK,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    preheat: bool = True,
    log: str | Path | None = None,
    timeout: float = 180.0,
) -> Iterator[str]:
    """Serve ``notebook`` with Voila until the block ends; yield its URL.

    Voila runs in its own process group; on exit it and the kernels it started are
    stopped (SIGTERM, then SIGKILL after a grace period), and no other process is touched.

    Parameters
    ----------
    notebook : str or Path
        The notebook to serve (the app by default).
    host : str
        The address to listen on; loopback by default, so nobody else can connect.
    port : int, optional
        The port; a free one when omitted.
    preheat : bool
        As in :func:`voila_command`.
    log : str or Path, optional
        Where Voila's output goes (a temporary file when omitted).
    timeout : float
        Seconds to wait for the port to open.

    Yields
    ------
    str
        The app's URL, e.g. ``http://127.0.0.1:8866/``.
    """
    import tempfile

    port = port or free_port(host)
    argv, env = voila_command(notebook, host=host, port=port, preheat=preheat)
    log_path = Path(log) if log else Path(tempfile.mkstemp(prefix="voila-", suffix=".log")[1])
    with open(log_path, "w") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _wait_for_port(host, port, process, timeout, log_path)
        yield f"http://{host}:{port}/"
    finally:
        _stop(process)


def _is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


TOKEN_ENV = "RETRIEVAL_APP_TOKEN"


def _port(text: str) -> int:
    """argparse type: a TCP port, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port; choose one from 1 to 65535, e.g. 8866")
    return port


def _token(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str | None:
    """The visitors' password: --token, else --token-file, else $RETRIEVAL_APP_TOKEN, else made up off loopback."""
    if args.token is not None and args.token_file is not None:
        parser.error("give --token or --token-file, not both")
    token = args.token
    if args.token_file is not None:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            parser.error(f"cannot read the token file {args.token_file}: {exc}")
    if token is None and os.environ.get(TOKEN_ENV) is not None:
        token = os.environ[TOKEN_ENV].strip()
    if token is None and not _is_loopback(args.host):
        # Short, lower case, no look-alikes (0/o, 1/l/i): easy to read out or copy from a whiteboard.
        token = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))
    if token == "" and not _is_loopback(args.host):
        parser.error(
            f"an empty token would let anyone who can reach {args.host} use the app without a password; "
            f"give a token (--token, --token-file or {TOKEN_ENV}), drop it to get one made up, or serve on 127.0.0.1"
        )
    if token and any(ch.isspace() or not ch.isprintable() for ch in token):
        parser.error("the token has spaces or control characters that a URL cannot carry; use letters and digits")
    return token or None


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m helpers.app [--host H] [--port P]``: serve the app (what ``make app`` runs)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.app", description="Serve the search playground with Voila.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=_port, default=8866, help="TCP port, 1-65535 (default: 8866)")
    parser.add_argument("--no-preheat", action="store_true", help="start each visitor's kernel on demand")
    parser.add_argument(
        "--token", default=None,
        help=f"password visitors add to the URL (visible in ps: prefer --token-file or {TOKEN_ENV}); "
        "made up for you when HOST is not loopback",
    )  # fmt: skip
    parser.add_argument("--token-file", default=None, help="read the token from this file (its first line)")
    args = parser.parse_args(argv)
    token = _token(args, parser)  # every argument is checked before the (slow) cache is built
    print(f"Preparing the model ({app_backend()}) and the corpora's document vectors in {app_cache_dir()} "
          "(loaded, or made once)...", flush=True)  # fmt: skip
    build_cache()  # every visitor's kernel then loads files instead of encoding (or exporting the model)
    command, env = voila_command(host=args.host, port=args.port, preheat=not args.no_preheat, token=token)
    shown = socket.gethostname() if args.host in {"0.0.0.0", "::"} else args.host
    url = f"http://{shown}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"Serving the search playground at {url} (Ctrl-C stops it)", flush=True)
    os.execvpe(command[0], command, env)  # Voila replaces this process, so Ctrl-C reaches it directly


if __name__ == "__main__":
    main()
