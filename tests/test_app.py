"""The search playground: its rendering functions directly, then the served app in a real browser."""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser
from xml.etree import ElementTree
from pathlib import Path

import numpy as np
import pytest

from helpers import app
from helpers.model.reranker import MaxSimRerankFunction

COINED_QUERY = "Who coined the term artificial intelligence?"
HOSTILE = "<img src=x onerror=alert(1)>"
SVG = "{http://www.w3.org/2000/svg}"


class _Tags(HTMLParser):
    """Collect the start tags and the text of an HTML fragment, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


# --- escaping ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [HOSTILE, '"><script>alert(1)</script>', "a & b < c", "it's \"quoted\""])
def test_escape_shows_markup_as_text(text):
    escaped = app.escape(text)
    assert parse(escaped).tags == []
    assert html.unescape(escaped) == text


def test_results_html_escapes_document_text_and_ids():
    hits = {m: [app.Hit(1, f"id-{HOSTILE}", f"title {HOSTILE}", f"text {HOSTILE}", 0.5)] for m in app.METHODS}
    parsed = parse(app.results_html(hits))
    assert "img" not in parsed.tags and "script" not in parsed.tags
    assert parsed.text.count(f"text {HOSTILE}") == len(app.METHODS)


def test_results_html_shows_methods_in_order_with_hits_best_first():
    columns = {
        "rerank": [app.Hit(1, "b", "B", "second doc", 2.0), app.Hit(2, "a", "A", "first doc", 1.0)],
        "dense": [app.Hit(1, "a", "A", "first doc", 0.9)],
    }
    rendered = app.results_html(columns)
    assert rendered.index('data-method="dense"') < rendered.index('data-method="rerank"')
    assert rendered.index('data-doc-id="b"') < rendered.index('data-doc-id="a"', rendered.index("rerank"))
    with pytest.raises(ValueError, match="unknown methods"):
        app.results_html({"splade": []})


def test_explanations_cover_every_method():
    text = "".join(parse(app.explanations_html()).text)
    for method in app.METHODS:
        assert app.METHOD_LABELS[method] in text


# --- long queries --------------------------------------------------------------------------


def test_short_query_is_searched_whole(minilm):
    fitted = app.fit_query("  Where was Turing born?  ", minilm.tokenizer, minilm.max_seq_length)
    assert fitted.text == "Where was Turing born?"
    assert not fitted.truncated
    assert "app-note" not in app.query_note_html(fitted)


def test_long_query_is_cut_to_what_the_model_reads(minilm):
    words = [f"word{i}" if i % 7 else "retrieval" for i in range(2000)]
    query = " ".join(words)
    fitted = app.fit_query(query, minilm.tokenizer, minilm.max_seq_length)
    assert fitted.truncated and fitted.n_tokens > fitted.max_tokens == minilm.max_seq_length - 2
    n_tokens = len(minilm.tokenizer(fitted.text, add_special_tokens=False)["input_ids"])
    assert n_tokens == fitted.max_tokens
    # The reference: sentence-transformers truncates on its own, so the cut query must embed
    # exactly like the full one, and one more word must not fit.
    full, cut = minilm.encode([query, fitted.text])
    np.testing.assert_allclose(cut, full, atol=1e-6)
    assert query.startswith(fitted.text)


def test_long_query_note_is_visible_and_escaped(minilm):
    query = HOSTILE + " " + "x " * 600
    fitted = app.fit_query(query, minilm.tokenizer, minilm.max_seq_length)
    note = app.query_note_html(fitted)
    parsed = parse(note)
    assert "img" not in parsed.tags
    assert "longer than the model reads" in "".join(parsed.text)
    assert f"limit is {fitted.max_tokens}" in note


@pytest.mark.parametrize("query", ["Where was Turing born?", "the Turing test of machine intelligence " * 120, "  ünïcode   ✓ " * 90])
def test_onnx_tokenizer_cuts_queries_like_the_transformers_one(minilm, query):
    # The app's kernels run the model with ONNX Runtime, whose encoder has a `tokenizers.Tokenizer`
    # (truncating at the model's limit): the cut and the count must not change.
    onnx = pytest.importorskip("helpers.model.onnx_encoder").onnx_sentence_encoder()
    expected = app.fit_query(query, minilm.tokenizer, minilm.max_seq_length)
    assert app.fit_query(query, onnx.tokenizer, onnx.max_seq_length) == expected
    assert onnx.tokenizer.truncation is not None  # the encoder's own tokenizer is left as it was


def test_fit_query_rejects_non_strings(minilm):
    with pytest.raises(TypeError, match="query must be a string"):
        app.fit_query(["a query"], minilm.tokenizer, minilm.max_seq_length)


# --- the app's update function ------------------------------------------------------------


@pytest.fixture(scope="module")
def playground(tmp_path_factory, onnx_minilm):
    """A SearchApp with its own vector cache; tests use the blog's seven documents, which encode in a moment."""
    return app.SearchApp(cache_dir=tmp_path_factory.mktemp("embeddings"))


def test_update_shows_what_search_computes(playground):
    query = COINED_QUERY
    view = playground.update(query, "blog", top_k=3)
    reference = playground.search_for("blog").search(query, first_stage="rrf")
    for method in app.METHODS:
        assert view.hits(method) == [reference.doc_ids[i] for i in reference.top(method, 3)]
    assert view.hits("rerank")[0] == "blog-5"  # the Dartmouth Conference, as in the blog's example 3
    ids = [i for i in re.findall(r'data-doc-id="([^"]+)"', view.results_html)]
    assert ids == [i for m in app.METHODS for i in view.hits(m)]


def test_top_k_is_capped_at_the_corpus_size(playground):
    view = playground.update("Alan Turing", "blog", top_k=10)
    assert all(len(view.hits(m)) == len(app.BLOG_DOCUMENTS) for m in app.METHODS)


def test_empty_query_gives_a_hint_not_an_error(playground):
    view = playground.update("   ", "blog")
    assert view.result is None and view.svg is None and view.results_html == ""
    assert "Type a query" in view.note_html


@pytest.mark.parametrize("query", [r"$\frac{$", "cost $5 to $10", HOSTILE])
def test_chart_draws_any_query(playground, query):
    # matplotlib would read $...$ as mathematics; in SVG text, markup must come out escaped.
    view = playground.update(query, "blog")
    chart = ElementTree.fromstring(view.svg)  # well-formed XML, whatever the query
    texts = ["".join(t.itertext()) for t in chart.iter(f"{SVG}text")]
    assert texts[0].startswith(repr(query)[:20])  # the title shows the query as typed
    assert {el.tag for el in chart.iter()} <= {f"{SVG}{tag}" for tag in ("svg", "rect", "line", "text")}
    assert len(chart.findall(f".//{SVG}rect[@class='bar']")) == view.top_k * len(app.METHODS)
    # The rows are the reranked column's documents, best first.
    rows = [t for t in texts if re.match(r"\d+\. ", t)]
    assert [int(t.split(".")[0]) for t in rows] == list(range(1, view.top_k + 1))


def test_app_searches_load_dense_and_token_vectors_from_the_cache(playground, tmp_path):
    reference = playground.search_for("blog")
    built = app.build_search("blog", tmp_path)
    (dense_file,) = tmp_path.glob("*.npy")
    (tokens_file,) = tmp_path.glob("maxsim-tokens-*.npz")
    np.testing.assert_allclose(np.load(dense_file), reference._dense_docs, atol=1e-5)
    assert built.rerank_depth == app.RERANK_DEPTH
    assert built.rerank_fn.cache_info()["documents"] == len(app.BLOG_DOCUMENTS)  # the first query encodes none
    # A new kernel's Search reads the files, not the model: flip the stored vectors' signs
    # and its dense and reranker scores flip too.
    np.save(dense_file, -np.load(dense_file))
    with np.load(tokens_file) as stored:
        np.savez(tokens_file, data=-stored["data"], offsets=stored["offsets"])
    query = "Who coined the term artificial intelligence?"
    got = app.build_search("blog", tmp_path).search(query)
    np.testing.assert_allclose(got.scores["dense"], -reference.search(query).scores["dense"], atol=1e-5)
    flipped = MaxSimRerankFunction(backend=reference.rerank_fn.backend)
    flipped.add_documents(list(app.BLOG_DOCUMENTS), [-t for t in reference.rerank_fn.document_tokens(list(app.BLOG_DOCUMENTS))])
    np.testing.assert_allclose(got.scores["rerank"], flipped.score(query, list(app.BLOG_DOCUMENTS)), atol=1e-5)


def test_app_kernel_runs_without_torch(playground, run_python):
    # What a visitor's kernel does once `make app` has made the caches and the ONNX export (here:
    # the playground, in this process): answer a query without importing torch, nor transformers
    # and matplotlib, which it does not use (1.2 and 0.8 CPU-seconds of every visitor's start).
    if app.app_backend() != "onnx":
        pytest.skip("ONNX Runtime is not installed (or APP_BACKEND=torch): the app runs on torch")
    playground.search_for("blog")
    code = (
        "import sys\nfrom helpers import app\n"
        f"view = app.SearchApp(cache_dir={str(playground.cache_dir)!r}).update({COINED_QUERY!r}, 'blog')\n"
        "print(view.hits('rerank')[0], sorted({'torch', 'sentence_transformers', 'transformers', 'matplotlib'} & set(sys.modules)))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = run_python(code, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["blog-5", "[]"]  # the Dartmouth Conference, as in the blog's example 3


def test_backend_is_onnx_when_installed_and_can_be_chosen_by_environment(monkeypatch):
    from helpers.model import onnx_encoder

    monkeypatch.delenv(app.BACKEND_ENV, raising=False)
    monkeypatch.setattr(onnx_encoder, "onnx_available", lambda export=False: True)
    assert app.app_backend() == "onnx"
    monkeypatch.setattr(onnx_encoder, "onnx_available", lambda export=False: False)
    assert app.app_backend() == "torch"
    monkeypatch.setenv(app.BACKEND_ENV, "torch")
    assert app.app_backend() == "torch"
    monkeypatch.setenv(app.BACKEND_ENV, "tensorflow")
    with pytest.raises(ValueError, match="must be 'torch' or 'onnx'"):
        app.app_backend()


def test_unknown_corpus_names_the_choices(playground):
    with pytest.raises(ValueError, match="choose one of"):
        playground.update("Turing", "wikipedia")


# --- serving -------------------------------------------------------------------------------


def test_voila_listens_on_loopback_by_default():
    argv, env = app.voila_command()
    assert "--Voila.ip=127.0.0.1" in argv
    assert env["HF_HUB_OFFLINE"] in {"1", os.environ.get("HF_HUB_OFFLINE")}
    assert Path(argv[3]) == app.APP_NOTEBOOK


# --- the served app in a real browser ------------------------------------------------------
#
# One Voila server and one page for the module: every page load starts a kernel that loads
# the models, so each test drives the same page with its own query and waits for its result.

ARTIFACTS = Path(__file__).parent / "artifacts"
BROWSER = Path(os.environ.get("APP_TEST_BROWSER", "/usr/bin/chromium"))
BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
PAGE_TIMEOUT_MS = 600_000  # a cold kernel loads torch and encodes the corpus; slow on a busy 2-core machine
UPDATE_TIMEOUT_MS = 120_000
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _require_browser():
    """Return Playwright's ``sync_playwright``, or skip (fail in CI) saying how to get a browser."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Playwright is not installed: pip install -e '.[test]' (or make test)"
    if problem is None and not BROWSER.is_file():
        problem = (
            f"no Chromium at {BROWSER}: install Debian's with `sudo apt-get install -y chromium` "
            "(`playwright install` needs internet), or point APP_TEST_BROWSER at a Chromium binary"
        )
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI must run the browser test: {problem}")
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    """The app served by Voila on a free loopback port, open in headless Chromium.

    Yields the page and a record of what went wrong in it: uncaught page errors, dialogs
    (an ``alert`` from injected markup would land here) and requests that left this machine.
    """
    sync_playwright = _require_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    record = {"page_errors": [], "dialogs": [], "external_requests": []}

    def on_request(request):
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            record["external_requests"].append(request.url)

    def on_dialog(dialog):
        record["dialogs"].append(dialog.message)
        dialog.dismiss()

    with app.voila_server(log=ARTIFACTS / "voila.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(BROWSER), headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda error: record["page_errors"].append(str(error)))
            page.on("dialog", on_dialog)
            page.on("request", on_request)
            page.goto(url, timeout=PAGE_TIMEOUT_MS)
            page.wait_for_selector("img.app-plot[src^='blob:']", timeout=PAGE_TIMEOUT_MS)
            yield page, record
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """The app's page; after each test, nothing may have gone wrong in it."""
    page, record = browser
    yield page
    assert record["page_errors"] == []
    assert record["dialogs"] == []
    assert record["external_requests"] == [], "the app must work offline"


def plot_src(page) -> str:
    return page.locator("img.app-plot").get_attribute("src") or ""


def wait_for_new_plot(page, before: str) -> None:
    """Wait until the plot image itself is replaced: the text columns update before it."""
    page.wait_for_function(
        "before => { const img = document.querySelector('img.app-plot'); return img && img.src !== before; }",
        arg=before,
        timeout=UPDATE_TIMEOUT_MS,
    )


def submit(page, query: str) -> None:
    """Type ``query``, press Enter, and wait for the new plot."""
    box = page.locator(".app-query-box input")
    assert box.input_value() != query, "the same query sends no update; use a new one"
    before = plot_src(page)
    box.fill(query)
    box.press("Enter")
    wait_for_new_plot(page, before)


def choose_corpus(page, key: str) -> None:
    if page.locator(".app-results").get_attribute("data-corpus") == key:
        return
    before = plot_src(page)
    page.locator("select").select_option(value=app.CORPORA[key])
    wait_for_new_plot(page, before)


def column_ids(page, method: str) -> list[str]:
    return page.locator(f".app-column[data-method='{method}'] .app-hit").evaluate_all(
        "items => items.map(li => li.dataset.docId)"
    )


def test_app_shows_first_results_in_four_columns(page):
    choose_corpus(page, "demo")
    for method in app.METHODS:
        assert len(column_ids(page, method)) == 5
    assert page.locator(".app-explanations").is_visible()
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)


def test_typed_query_updates_columns_and_plot(page):
    choose_corpus(page, "demo")
    submit(page, "RFC 791")
    assert page.locator(".app-query-text").inner_text() == "RFC 791"
    # The demo corpus's BM25 showcase: only the exact number finds the IP standard.
    assert column_ids(page, "bm25")[0] == "rfc-791"
    assert column_ids(page, "rerank")[0] == "rfc-791"


def test_browser_shows_what_update_computes(page):
    query = "Who coined the term artificial intelligence?"
    expected = app.SearchApp().update(query, "blog")
    choose_corpus(page, "blog")
    submit(page, query)
    for method in app.METHODS:
        assert column_ids(page, method) == expected.hits(method)
    scores = page.locator(".app-column[data-method='rerank'] .app-score").all_inner_texts()
    assert scores == [f"{expected.result.scores['rerank'][expected.result.doc_ids.index(i)]:.3f}" for i in expected.hits("rerank")]


def test_markup_in_the_query_shows_as_text(page):
    choose_corpus(page, "demo")
    submit(page, HOSTILE)
    assert page.locator(".app-query-text").inner_text() == HOSTILE
    assert page.locator("img[src='x']").count() == 0  # no element was injected (and no alert: see the fixture)


def test_long_query_is_cut_with_a_visible_note(page):
    choose_corpus(page, "demo")
    submit(page, "the Turing test of machine intelligence " * 120)
    note = page.locator(".app-note")
    assert note.is_visible()
    assert "longer than the model reads" in note.inner_text()
    page.screenshot(path=str(ARTIFACTS / "app_long_query.png"), full_page=True)


def test_a_token_is_passed_to_voila_and_loopback_is_recognised():
    argv, env = app.voila_command(host="0.0.0.0", token="abc123")
    assert "--Voila.ip=0.0.0.0" in argv and env["JUPYTER_TOKEN"] == "abc123"
    assert not any("abc123" in arg for arg in argv)  # ps shows argv to every user of the machine
    assert all(app._is_loopback(h) for h in ["127.0.0.1", "127.0.1.1", "::1", "localhost"])
    assert not any(app._is_loopback(h) for h in ["0.0.0.0", "192.168.1.20", "my-laptop"])


# --- bad input in the app: a failed query leaves no stale results; the CLI checks before the slow part -----


def test_a_query_with_half_an_emoji_is_searched_with_it_replaced(playground):
    view = playground.update("Alan Turing \ud83d", "blog")
    assert view.result is not None and view.result.query == "Alan Turing \ufffd"


class _StubApp:
    """Stands in for SearchApp in the widget: answers any query but "boom", which fails."""

    top_k, view = 3, None

    def update(self, query, corpus, top_k):
        if query == "boom":
            raise RuntimeError("the model crashed")
        return app.View(None, f"<p>{query}</p>", f"<ol><li>{query}</li></ol>", "<svg/>", None, top_k)


def test_a_failed_query_clears_the_previous_results_under_the_banner():
    stub = _StubApp()
    layout = app._build_widget(stub)
    (query, _), _, status, results, plot = layout.children[0].children, layout.children[1], *layout.children[2:5]
    query.value = "turing"
    assert "turing" in results.value and stub.view is not None and plot.layout.display is None
    query.value = "boom"
    assert "Search failed" in status.value and "crashed" in status.value
    assert results.value == "" and stub.view is None and plot.layout.display == "none"
    query.value = "turing again"  # and the next good query shows again
    assert "turing again" in results.value and plot.layout.display is None


@pytest.fixture
def served(monkeypatch):
    """Run main() up to the point where Voila would start; record what would have run."""
    calls = {}
    monkeypatch.setattr(app, "build_cache", lambda: calls.setdefault("cache", True))
    monkeypatch.setattr(app, "app_backend", lambda: "onnx")
    monkeypatch.setattr(app.os, "execvpe", lambda file, argv, env: calls.update(argv=argv, env=env))
    monkeypatch.delenv(app.TOKEN_ENV, raising=False)
    return calls


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--port", "70000"], "'70000' is not a TCP port; choose one from 1 to 65535"),
        (["--port", "0"], "not a TCP port"),
        (["--port", "http"], "not a TCP port"),
        (["--host", "0.0.0.0", "--token", ""], "an empty token would let anyone"),
        (["--host", "0.0.0.0", "--token", "a b"], "spaces or control characters"),
        (["--token", "x", "--token-file", "y"], "not both"),
        (["--token-file", "/nonexistent/token.txt"], "cannot read the token file"),
    ],
)
def test_bad_command_lines_fail_before_the_cache_is_built(served, capsys, argv, fragment):
    with pytest.raises(SystemExit):
        app.main(argv)
    assert fragment in capsys.readouterr().err and "cache" not in served


def test_the_token_comes_from_the_environment_or_a_file_and_never_reaches_argv(served, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(app.TOKEN_ENV, "from-env-7")
    app.main(["--host", "0.0.0.0"])
    assert served["env"]["JUPYTER_TOKEN"] == "from-env-7" and not any("from-env-7" in a for a in served["argv"])
    token_file = tmp_path / "token.txt"
    token_file.write_text("from-file-9\n")
    app.main(["--host", "0.0.0.0", "--token-file", str(token_file)])
    assert served["env"]["JUPYTER_TOKEN"] == "from-file-9" and not any("from-file-9" in a for a in served["argv"])
    assert "?token=from-file-9" in capsys.readouterr().out  # the teacher needs the link to hand out


def test_loopback_serves_without_a_token_and_other_hosts_get_one_made_up(served):
    app.main([])
    assert "JUPYTER_TOKEN" not in served["env"] or served["env"]["JUPYTER_TOKEN"] == os.environ.get("JUPYTER_TOKEN")
    app.main(["--host", "0.0.0.0"])
    assert len(served["env"]["JUPYTER_TOKEN"]) == 8
