"""The search playground: its rendering functions directly, then the served app in a real browser."""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser
from xml.etree import ElementTree
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from helpers import app, blog
from helpers.methods import METHODS
from helpers.room import cli, config as room_config
from helpers.room.voila import voila_command
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
    hits = {m: [app.Hit(1, f"id-{HOSTILE}", f"title {HOSTILE}", f"text {HOSTILE}", 0.5)] for m in app.COLUMNS}
    parsed = parse(app.results_html(hits))
    assert "img" not in parsed.tags and "script" not in parsed.tags
    assert parsed.text.count(f"text {HOSTILE}") == len(app.COLUMNS)


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
    for method in app.COLUMNS:
        assert METHODS[method].heading in text and METHODS[method].describe(app.RERANK_DEPTH)[1] in text


def test_the_rerank_depth_in_the_text_is_the_one_searched():
    hits = {"rerank": [app.Hit(1, "a", "A", "a doc", 0.5)]}
    assert "top 12" in app.results_html(hits, rerank_depth=12) and "top 30" not in app.results_html(hits, rerank_depth=12)
    assert f"top {app.RERANK_DEPTH} " in "".join(parse(app.explanations_html()).text)
    assert {"SearchApp", "View", "COLUMNS"} <= set(app.__all__) and all(hasattr(app, name) for name in app.__all__)


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
    for method in app.COLUMNS:
        assert view.hits(method) == [reference.doc_ids[i] for i in reference.top(method, 3)]
    assert view.hits("rerank")[0] == "blog-5"  # the Dartmouth Conference, as in the blog's example 3
    ids = [i for i in re.findall(r'data-doc-id="([^"]+)"', view.results_html)]
    assert ids == [i for m in app.COLUMNS for i in view.hits(m)]


def test_top_k_is_capped_at_the_corpus_size(playground):
    view = playground.update("Alan Turing", "blog", top_k=10)
    assert all(len(view.hits(m)) == len(blog.documents()) for m in app.COLUMNS if m != "bm25")
    # BM25 lists only the documents that contain a query word
    assert len(view.hits("bm25")) == int((view.result.scores["bm25"] > 0).sum()) < len(blog.documents())


def test_empty_query_gives_a_hint_not_an_error(playground):
    view = playground.update("   ", "blog")
    assert view.result is None and view.svg is None and view.results_html == ""
    assert "Type a query" in view.note_html


@pytest.mark.parametrize("query", [r"$\frac{$", "cost $5 to $10", HOSTILE])
def test_chart_draws_any_query(playground, query):
    # matplotlib would read $...$ as mathematics; in SVG text, markup must come out escaped.
    view = playground.update(query, "blog")
    chart = ElementTree.fromstring(view.svg)  # well-formed XML, whatever the query
    texts = ["".join(t.itertext()) for t in chart.iter(f"{SVG}text")]  # the <title> is not drawn
    assert texts[0].startswith(repr(query)[:20])  # the title shows the query as typed
    drawn = ("svg", "title", "rect", "line", "text", "defs", "pattern", "g", "path", "circle")  # no script, no foreign markup
    assert {el.tag for el in chart.iter()} <= {f"{SVG}{tag}" for tag in drawn}
    assert chart.find(f"{SVG}title").text == view.alt and view.alt.startswith("Bar chart of the top")
    assert len(chart.findall(f".//{SVG}rect[@class='bar']")) == view.top_k * len(app.COLUMNS)
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
    assert built.rerank_fn.cache_info()["documents"] == len(blog.documents())  # the first query encodes none
    # A new kernel's Search reads the files, not the model: flip the stored vectors' signs
    # and its dense and reranker scores flip too.
    np.save(dense_file, -np.load(dense_file))
    with np.load(tokens_file) as stored:
        np.savez(tokens_file, data=-stored["data"], offsets=stored["offsets"])
    query = "Who coined the term artificial intelligence?"
    got = app.build_search("blog", tmp_path).search(query)
    np.testing.assert_allclose(got.scores["dense"], -reference.search(query).scores["dense"], atol=1e-5)
    flipped = MaxSimRerankFunction(backend=reference.rerank_fn.backend)
    flipped.add_documents(blog.documents(), [-t for t in reference.rerank_fn.document_tokens(blog.documents())])
    np.testing.assert_allclose(got.scores["rerank"], flipped.score(query, blog.documents()), atol=1e-5)


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


def test_a_query_with_half_an_emoji_is_searched_with_it_replaced(playground):
    view = playground.update("Alan Turing \ud83d", "blog")
    assert view.result is not None and view.result.query == "Alan Turing \ufffd"


class _StubApp:
    """Stands in for SearchApp in the widget: answers any query but "boom", which fails."""

    top_k, view = 3, None

    def update(self, query, corpus, top_k):
        if query == "boom":
            raise RuntimeError("the model crashed")
        return SimpleNamespace(note_html=f"<p>{query}</p>", results_html=f"<ol><li>{query}</li></ol>", svg="<svg/>", alt="")


def test_a_failed_query_clears_the_previous_results_under_the_banner():
    from helpers.widgets.playground import playground_widget

    stub = _StubApp()
    layout = playground_widget(stub)
    (query, _), _, status, results, plot = layout.children[0].children, layout.children[1], *layout.children[2:5]
    query.value = "turing"
    assert "turing" in results.value and stub.view is not None and plot.layout.display is None
    query.value = "boom"
    assert "Search failed" in status.value and "crashed" in status.value
    assert results.value == "" and stub.view is None and plot.layout.display == "none"
    query.value = "turing again"  # and the next good query shows again
    assert "turing again" in results.value and plot.layout.display is None


def test_unknown_corpus_names_the_choices(playground):
    with pytest.raises(ValueError, match="choose one of"):
        playground.update("Turing", "wikipedia")


# --- honest columns ------------------------------------------------------------------------


def test_bm25_without_a_matching_word_shows_a_note_and_rrf_is_dense_alone(playground):
    from helpers.fusion import ranks

    view = playground.update("the of and", "blog")
    assert view.hits("bm25") == []
    assert "found no document containing a word" in "".join(parse(view.results_html).text)
    # The reference: with no BM25 hit, RRF is 1 / (60 + dense rank), plain numpy.
    expected = 1.0 / (60 + ranks(view.result.scores["dense"]))
    np.testing.assert_allclose(view.result.scores["rrf"], expected, rtol=1e-12)


def test_rrf_gives_no_vote_to_documents_without_a_query_word(playground):
    from helpers.fusion import ranks

    result = playground.update("Turing", "blog").result
    matched = result.scores["bm25"] > 0
    assert 0 < matched.sum() < len(result)
    bm25_rank = ranks(np.where(matched, result.scores["bm25"], -np.inf))
    expected = 1.0 / (60 + ranks(result.scores["dense"])) + np.where(matched, 1.0 / (60 + bm25_rank), 0.0)
    np.testing.assert_allclose(result.scores["rrf"], expected, rtol=1e-12)
    assert set(playground.update("Turing", "blog", 7).hits("bm25")) == {
        result.doc_ids[i] for i in np.flatnonzero(matched)}


def test_columns_label_their_scales_and_non_english_gets_a_note(playground):
    view = playground.update("東京はどこですか", "blog")
    text = "".join(parse(view.results_html + view.note_html).text)
    assert all(METHODS[m].scale in text for m in app.COLUMNS)
    assert "trained on English only" in text
    assert "English only" not in playground.update("Where was Turing born?", "blog").note_html


def test_chart_bars_keep_a_weak_hit_short(playground):
    from helpers.plots.compare import absolute_scale, bar_content

    result = playground.update(COINED_QUERY, "blog").result
    _, scaled, _, _ = bar_content(result, 5, "rerank", ["rrf"], scale="absolute")
    np.testing.assert_allclose(scaled[0], result.scores["rrf"][result.top("rerank", 5)] * 61 / 2)
    assert absolute_scale(result, "dense").max() <= 1 and absolute_scale(result, "bm25").max() == 1.0


# --- room options and the command line (no server) ------------------------------------------


def test_room_file_and_url_parameters(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text('corpus = "blog"\ntop_k = 3\ncap = 12\n[examples]\nblog = ["Who was Turing?"]\n')
    config = room_config.load_room_config(path)
    assert (config.corpus, config.top_k, config.cap, config.examples["blog"]) == ("blog", 3, 12, ("Who was Turing?",))
    assert room_config.load_room_config(path, cap=30).cap == 30
    start, problems = room_config.page_options(config, {"k": "7", "corpus": "wikipedia"})
    assert start == {"corpus": "blog", "top_k": 7, "query": "Who was Turing?"} and "corpus=demo" in problems[0]
    path.write_text("colour = 1\n")
    with pytest.raises(ValueError, match="unknown keys"):
        room_config.load_room_config(path)
    with pytest.raises(ValueError, match="top_k must be a whole number from 1 to 10"):
        room_config.RoomConfig(top_k=0)


def test_token_comes_from_the_environment_and_an_empty_one_is_refused_beyond_loopback():
    assert cli.resolve_token("0.0.0.0", None, {cli.TOKEN_ENV: "turing"}) == "turing"
    assert cli.resolve_token("127.0.0.1", None, {}) is None
    made_up = cli.resolve_token("0.0.0.0", None, {})
    assert len(made_up) == 8 and made_up.isalnum()
    with pytest.raises(ValueError, match="empty token"):
        cli.resolve_token("0.0.0.0", "", {})
    assert cli.resolve_token("127.0.0.1", "", {}) is None


def test_token_file_is_read_and_bad_tokens_are_refused(tmp_path):
    token_file = tmp_path / "token.txt"
    token_file.write_text("from-file-9\nignored\n")
    assert cli.resolve_token("0.0.0.0", None, {cli.TOKEN_ENV: "env"}, token_file=str(token_file)) == "from-file-9"
    with pytest.raises(ValueError, match="not both"):
        cli.resolve_token("0.0.0.0", "x", {}, token_file=str(token_file))
    with pytest.raises(ValueError, match="cannot read the token file"):
        cli.resolve_token("0.0.0.0", None, {}, token_file=str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="spaces or control characters"):
        cli.resolve_token("0.0.0.0", "a b", {})


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--port", "70000"], "from 1 to 65535"),
        (["--port", "http"], "from 1 to 65535"),
        (["--host", "0.0.0.0", "--token", ""], "empty token"),
        (["--token", "x", "--token-file", "y"], "not both"),
    ],
)
def test_bad_command_lines_fail_before_the_cache_is_built(monkeypatch, capsys, argv, fragment):
    import helpers.app.corpora

    monkeypatch.setattr(helpers.app.corpora, "build_cache", lambda *a, **k: pytest.fail("the cache was built"))
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert fragment in capsys.readouterr().err


def test_port_range_is_checked(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--port", "70000"])
    assert "from 1 to 65535" in capsys.readouterr().err


def test_students_allowed_by_free_memory_and_lan_addresses():
    assert cli.students_for_memory(8 * 2**30, session_mb=2) == int(8 * 1024 * 0.75 / 2)
    assert all(not a.startswith("127.") for a in cli.lan_addresses())
    assert all(cli.is_loopback(h) for h in ["127.0.0.1", "127.0.1.1", "::1", "localhost"])
    assert not any(cli.is_loopback(h) for h in ["0.0.0.0", "192.168.1.20", "my-laptop"])


def test_voila_baseline_listens_on_loopback_by_default():
    argv, env = voila_command()
    assert "--Voila.ip=127.0.0.1" in argv
    assert Path(argv[3]) == app.APP_NOTEBOOK


def test_make_app_serves_the_room_on_loopback_by_default():
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    assert "HOST   ?= 127.0.0.1" in makefile and "-m helpers.room --host $(HOST)" in makefile


# --- the room server, over its protocol ------------------------------------------------------

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app_server():
    """The room server (``python -m helpers.room``) on a free loopback port, with a password and a cap of 3."""
    from helpers.room.process import room_server

    ARTIFACTS.mkdir(exist_ok=True)
    with room_server(token="letmein", cap=3, log=ARTIFACTS / "room.log", timeout=600) as url:
        yield url


def _ws(url: str, cookie: str):
    import asyncio

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(url.replace("http", "ws") + "session?corpus=blog", headers={"Cookie": cookie})
    return asyncio.wait_for(websocket_connect(request), 30)


def _login(url: str) -> str:
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url + "?token=letmein", timeout=30)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302 and redirect.headers["Location"] == "/"
        cookie = redirect.headers["Set-Cookie"]
        assert "letmein" not in cookie and "HttpOnly" in cookie
        return cookie.split(";")[0]
    raise AssertionError("?token= must set the cookie and redirect")


def test_the_access_log_masks_the_password_in_an_address(app_server):
    import time
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as missing:  # a 404 is logged to the teacher's terminal
        urllib.request.urlopen(app_server + "nothing-here?token=letmein", timeout=30)
    assert missing.value.code == 404
    time.sleep(0.5)  # the server's stderr reaches its log file
    log = (ARTIFACTS / "room.log").read_text()
    assert "GET /nothing-here?token=*** " in log and "letmein" not in log


def test_login_page_speaks_to_students_and_has_no_password_change_form(app_server):
    import urllib.request

    page = urllib.request.urlopen(app_server, timeout=30)  # no cookie: redirected to the login page
    text = page.read().decode()
    assert page.url.endswith("/login") and "Your teacher has it" in text
    assert parse(text).tags.count("input") == 1 and "new password" not in text.lower()


def test_sessions_answer_as_update_does_and_the_cap_turns_the_next_one_away(app_server):
    import asyncio
    import json

    cookie = _login(app_server)
    expected = app.SearchApp().update(COINED_QUERY, "blog", 3)

    async def room():
        sockets = [await _ws(app_server, cookie) for _ in range(3)]
        hellos = [json.loads(await s.read_message()) for s in sockets]
        assert hellos[0]["type"] == "hello" and hellos[0]["start"]["corpus"] == "blog"  # the URL's corpus
        await sockets[0].write_message(json.dumps({"id": 7, "query": COINED_QUERY, "corpus": "blog", "top_k": 3}))
        answer = json.loads(await sockets[0].read_message())
        full = await _ws(app_server, cookie)
        turned_away = json.loads(await full.read_message())
        for s in sockets:
            s.close()
        return answer, turned_away

    answer, turned_away = asyncio.run(room())
    assert answer["id"] == 7
    assert re.findall(r'data-doc-id="([^"]+)"', answer["results_html"]) == [i for m in app.COLUMNS for i in expected.hits(m)]
    assert turned_away["type"] == "full" and "The room is full" in turned_away["message"]


# --- the served page in a real browser -------------------------------------------------------

BROWSER = Path(os.environ.get("APP_TEST_BROWSER", "/usr/bin/chromium"))
BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
TIMEOUT_MS = 60_000
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
    """A room server of its own (no password, cap 2) and headless Chromium.

    Yields a function that opens a page and a record of what went wrong in pages: uncaught
    errors, dialogs (an ``alert`` from injected markup would land here) and requests that
    left this machine.
    """
    from helpers.room.process import room_server

    sync_playwright = _require_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    record = {"page_errors": [], "dialogs": [], "external_requests": []}

    def on_request(request):
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            record["external_requests"].append(request.url)

    def on_dialog(dialog):
        record["dialogs"].append(dialog.message)
        dialog.dismiss()

    with room_server(cap=2, log=ARTIFACTS / "room-browser.log", timeout=600) as url, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(BROWSER), headless=True, args=BROWSER_ARGS)

        def open_page(address: str = url, width: int = 1280, height: int = 720):
            page = chromium.new_page(viewport={"width": width, "height": height})
            page.on("pageerror", lambda error: record["page_errors"].append(str(error)))
            page.on("dialog", on_dialog)
            page.on("request", on_request)
            page.goto(address, timeout=TIMEOUT_MS)
            return page

        try:
            yield url, open_page, record
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """The room's page at 1280x720 with its first results; after each test, nothing may have gone wrong."""
    _, open_page, record = browser
    page = open_page()
    page.wait_for_selector("img.app-plot[src^='blob:']", timeout=TIMEOUT_MS)
    yield page
    page.close()
    assert record["page_errors"] == []
    assert record["dialogs"] == []
    assert record["external_requests"] == [], "the app must work offline"


def submit(page, query: str) -> None:
    """Type ``query``, press Enter, and wait for the new chart."""
    before = page.locator("img.app-plot").get_attribute("src")
    page.locator("#query").fill(query)
    page.locator("#query").press("Enter")
    page.wait_for_function("b => document.querySelector('img.app-plot').src !== b", arg=before, timeout=TIMEOUT_MS)


def column_ids(page, method: str) -> list[str]:
    return page.locator(f".app-column[data-method='{method}'] .app-hit").evaluate_all(
        "items => items.map(li => li.dataset.docId)"
    )


def test_page_shows_four_labelled_columns_with_explanations_visible_at_1280x720(page):
    for method in app.COLUMNS:
        assert len(column_ids(page, method)) == 5
    for summary in page.locator(".app-summary").all():
        box = summary.bounding_box()
        assert summary.is_visible() and box["y"] + box["height"] <= 720  # above the fold on a projector
    assert page.locator("img.app-plot").get_attribute("alt").startswith("Bar chart of the top 5")
    assert page.locator(".app-column-head").first.get_attribute("title") == METHODS["dense"].describe(app.RERANK_DEPTH)[1]


def test_browser_shows_what_update_computes_with_a_busy_sign_meanwhile(page):
    page.evaluate("""() => { window.sawBusy = false;
        new MutationObserver(() => { if (!document.getElementById('busy').hidden) window.sawBusy = true; })
            .observe(document.getElementById('busy'), {attributes: true}); }""")
    expected = app.SearchApp().update("RFC 791", "demo")
    submit(page, "RFC 791")
    assert page.evaluate("window.sawBusy") and page.locator("#busy").is_hidden()
    assert page.locator(".app-query-text").inner_text() == "RFC 791"
    for method in app.COLUMNS:
        assert column_ids(page, method) == expected.hits(method)
    scores = page.locator(".app-column[data-method='rerank'] .app-score").all_inner_texts()
    assert scores == [f"{expected.result.scores['rerank'][expected.result.doc_ids.index(i)]:.4g}" for i in expected.hits("rerank")]


def test_bm25_no_match_note_and_markup_shown_as_text(page):
    submit(page, "the of and")
    assert "found no document containing a word" in page.locator(".app-column[data-method='bm25'] .app-column-note").inner_text()
    assert column_ids(page, "bm25") == []
    submit(page, HOSTILE)
    assert page.locator(".app-query-text").inner_text() == HOSTILE
    assert page.locator("img[src='x']").count() == 0  # no element was injected (and no alert: see the fixture)


def test_controls_wrap_at_390_px(browser):
    _, open_page, _ = browser
    page = open_page(width=390, height=844)
    page.wait_for_selector("img.app-plot[src^='blob:']", timeout=TIMEOUT_MS)
    for selector in ("#query", "#corpus", "#topk", "#go"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    page.screenshot(path=str(ARTIFACTS / "app_390.png"), full_page=True)
    page.close()


def test_room_full_then_connection_lost_banner(browser):
    url, open_page, _ = browser
    first = open_page()
    first.wait_for_selector("img.app-plot[src^='blob:']", timeout=TIMEOUT_MS)
    second = open_page()
    second.wait_for_selector("img.app-plot[src^='blob:']", timeout=TIMEOUT_MS)
    third = open_page()  # the cap is 2
    assert "The room is full" in third.locator(".app-room-full").inner_text(timeout=TIMEOUT_MS)
    # The server goes away (here: the test stops it): open pages say so instead of going silent.
    import psutil

    server = next(p for p in psutil.Process().children() if "helpers.room" in " ".join(p.cmdline()) and
                  f"{url.rsplit(':', 1)[1].strip('/')}" in " ".join(p.cmdline()))
    server.terminate()
    server.wait(30)
    banner = first.locator("#banner")
    banner.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "Connection lost" in banner.inner_text() and "Reload" in banner.inner_text()
    assert third.locator("#banner").is_hidden()  # a turned-away page knows why it closed
