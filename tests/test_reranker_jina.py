"""JinaRerankFunction against a real HTTP server on 127.0.0.1 that plays the Jina rerank API."""

import json
import time
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers.model.reranker import JinaRerankFunction
from helpers.model.reranker.jinaai import API_URL, JinaAPIError

KEY = "jina_test_SECRET_0123456789abcdef"
QUERY = "What event in 1956 marked the birth of AI?"
DOCS = ["Turing 1950.", "Dartmouth 1956.", "Chess 1951.", "Logic Theorist 1955."]


def jina_answer(body, scores=(0.2, 0.9, 0.1, 0.5)):
    """What the real API returns: the top_n documents, best first, with index and relevance_score."""
    rows = [{"index": i, "relevance_score": s, "document": {"text": body["documents"][i]}} for i, s in enumerate(scores)]
    rows.sort(key=lambda row: -row["relevance_score"])
    return {"model": body["model"], "usage": {"total_tokens": 42}, "results": rows[: body["top_n"]]}


class FakeJina:
    """Answers POSTs from a script of (status, body or callable, headers); records every request."""

    def __init__(self):
        self.script = []
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, answer, headers = fake.script.pop(0) if fake.script else (200, jina_answer, {})
                payload = answer(body) if callable(answer) else answer
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/rerank"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    fake = FakeJina()
    yield fake
    fake.close()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def rf(server, sleeps):
    return JinaRerankFunction(api_key=KEY, api_url=server.url, sleep=sleeps.append, timeout=10)


def test_request_follows_the_jina_api(rf, server):
    rf(QUERY, DOCS, top_k=3)
    (request,) = server.requests
    assert request["path"] == "/v1/rerank"
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == {
        "model": "jina-reranker-v2-base-multilingual", "query": QUERY, "documents": DOCS, "top_n": 3,
    }
    assert API_URL == "https://api.jina.ai/v1/rerank"


def test_results_come_back_best_first(rf):
    results = rf(QUERY, DOCS, top_k=3)
    assert [(r.index, r.score, r.text) for r in results] == [(1, 0.9, DOCS[1]), (3, 0.5, DOCS[3]), (0, 0.2, DOCS[0])]
    assert all(type(r.score) is float for r in results)


def test_text_comes_from_our_documents_when_the_answer_omits_it(rf, server):
    server.script.append((200, {"results": [{"index": 2, "relevance_score": 0.7}]}, {}))
    assert [r.to_dict() for r in rf(QUERY, DOCS, top_k=1)] == [{"text": DOCS[2], "score": 0.7, "index": 2}]


def test_top_k_larger_than_the_list_asks_for_all(rf, server):
    assert len(rf(QUERY, DOCS, top_k=10)) == 4
    assert server.requests[0]["body"]["top_n"] == 4


def test_empty_documents_send_nothing(rf, server):
    assert rf(QUERY, [], top_k=3) == []
    assert server.requests == []


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retries_with_exponential_backoff(rf, server, sleeps, status):
    server.script += [(status, {"detail": "busy"}, {})] * 2
    results = rf(QUERY, DOCS, top_k=2)
    assert [r.index for r in results] == [1, 3]
    assert len(server.requests) == 3 and sleeps == [1.0, 2.0]


def test_retry_after_header_is_honoured(rf, server, sleeps):
    server.script.append((429, {"detail": "rate limit"}, {"Retry-After": "7"}))
    rf(QUERY, DOCS, top_k=1)
    assert sleeps == [7.0]


def test_gives_up_after_max_retries(server, sleeps):
    rf = JinaRerankFunction(api_key=KEY, api_url=server.url, sleep=sleeps.append, max_retries=2, backoff=0.5)
    server.script += [(503, {"detail": "overloaded"}, {})] * 3
    with pytest.raises(JinaAPIError, match=r"failed 3 times, last with HTTP 503: overloaded.*MaxSimRerankFunction"):
        rf(QUERY, DOCS)
    assert len(server.requests) == 3 and sleeps == [0.5, 1.0]


def test_connection_errors_are_retried_then_explained(sleeps):
    probe = FakeJina()
    url = probe.url
    probe.close()  # nothing listens on this port any more
    rf = JinaRerankFunction(api_key=KEY, api_url=url, sleep=sleeps.append, max_retries=1, timeout=2)
    with pytest.raises(JinaAPIError, match="could not reach") as error:
        rf(QUERY, DOCS)
    assert sleeps == [1.0] and KEY not in str(error.value)


@pytest.mark.parametrize(
    "status, advice", [(401, "rejected the API key"), (403, "rejected the API key"), (402, "no credit"), (422, "model_name")]
)
def test_client_errors_fail_at_once_without_the_key(rf, server, sleeps, status, advice):
    # A server that echoes the request (and so the key) must not leak it into the message.
    server.script.append((status, {"detail": f"Invalid token: Bearer {KEY}"}, {}))
    with pytest.raises(JinaAPIError, match=advice) as error:
        rf(QUERY, DOCS)
    assert KEY not in str(error.value) and KEY not in repr(error.value)
    assert f"HTTP {status}" in str(error.value)
    assert len(server.requests) == 1 and sleeps == []


def test_malformed_answers_are_clear_errors(rf, server):
    server.script.append((200, {"data": []}, {}))
    with pytest.raises(JinaAPIError, match="unexpected answer"):
        rf(QUERY, DOCS)
    server.script.append((200, {"results": [{"index": 9, "relevance_score": 1.0}]}, {}))
    with pytest.raises(JinaAPIError, match="index outside"):
        rf(QUERY, DOCS)
    server.script.append((200, "<html>proxy login</html>", {}))
    with pytest.raises(JinaAPIError, match="not JSON"):
        rf(QUERY, DOCS)


def test_key_from_environment_and_never_shown(monkeypatch, server):
    monkeypatch.setenv("JINAAI_API_KEY", KEY)
    rf = JinaRerankFunction(api_url=server.url)
    rf(QUERY, DOCS, top_k=1)
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"
    for text in (repr(rf), str(rf), repr(vars(rf)), f"{rf._api_key}"):
        assert KEY not in text
    assert "api_key=***" in repr(rf)


@pytest.mark.parametrize("key", [None, "", "  "])
def test_missing_key_says_how_to_get_one(monkeypatch, key):
    monkeypatch.delenv("JINAAI_API_KEY", raising=False)
    with pytest.raises(ValueError, match="JINAAI_API_KEY.*MaxSimRerankFunction"):
        JinaRerankFunction(api_key=key)


def test_bad_input_is_rejected_before_any_request(rf, server):
    with pytest.raises(TypeError, match="query must be a string"):
        rf(None, DOCS)
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        rf(QUERY, DOCS, top_k=0)
    assert server.requests == []


class DripServer:
    """Answers 200 with a valid body, but one byte every 0.25 s (in the headers or in the body)."""

    def __init__(self, where):
        answer = json.dumps(jina_answer({"documents": DOCS, "top_n": 1, "model": "m"})).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(answer)}\r\n\r\n".encode()
                slow, fast = (head, b"") if where == "headers" else (answer, head)
                try:
                    self.wfile.write(fast)
                    for i in range(len(slow)):
                        self.wfile.write(slow[i : i + 1])
                        self.wfile.flush()
                        time.sleep(0.25)
                    if where == "headers":
                        self.wfile.write(answer)
                except OSError:  # the client hung up, as it should
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/rerank"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_timeout_bounds_the_whole_call_even_when_the_server_drips(where, sleeps):
    drip = DripServer(where)
    try:
        rf = JinaRerankFunction(api_key=KEY, api_url=drip.url, sleep=sleeps.append, timeout=1.0, max_retries=2)
        start = time.monotonic()
        with pytest.raises(JinaAPIError, match="within the timeout") as error:
            rf(QUERY, DOCS, top_k=1)
        assert time.monotonic() - start < 1.8  # before: 7.9 s for timeout=1.0, as each byte reset the read timeout
        assert KEY not in str(error.value)
    finally:
        drip.close()


@pytest.mark.parametrize("key", ["jina_abc\ndef_0123", "\u201cjina_abc_0123\u201d", "jina abc 0123"])
def test_a_key_that_cannot_be_sent_is_refused_before_sending_and_never_shown(server, key):
    with pytest.raises(ValueError, match="copy the key again as plain text") as error:
        JinaRerankFunction(api_key=key, api_url=server.url)
    assert "abc" not in str(error.value) and error.value.__cause__ is None and error.value.__context__ is None
    assert server.requests == []


def test_a_pasted_key_with_a_trailing_newline_is_stripped(server):
    JinaRerankFunction(api_key=KEY + "\n", api_url=server.url)(QUERY, DOCS, top_k=1)
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"


def test_no_error_chain_carries_the_key(rf, server):
    # A proxy page that echoes the request: the key must be neither in the message nor in any chained exception.
    server.script.append((200, f"<html>login for Bearer {KEY}</html>", {}))
    with pytest.raises(JinaAPIError, match="not JSON") as error:
        rf(QUERY, DOCS)
    assert error.value.__cause__ is None and error.value.__context__ is None
    assert KEY not in str(error.value)


@pytest.mark.parametrize(
    "results, problem",
    [
        ([{"index": 1, "relevance_score": 0.9}, {"index": 1, "relevance_score": 0.8}], "same document index twice"),
        ([{"index": 1, "relevance_score": float("nan")}], "nan or infinite"),
        ([{"index": 1, "relevance_score": "0.9"}], "expected"),
        ([{"index": True, "relevance_score": 0.9}], "expected"),
        ({"index": 1}, "expected"),
    ],
)
def test_malformed_results_are_rejected(rf, server, results, problem):
    server.script.append((200, json.dumps({"results": results}), {}))
    with pytest.raises(JinaAPIError, match=problem):
        rf(QUERY, DOCS)


def test_bad_timeout_and_backoff_are_refused(server):
    with pytest.raises(ValueError, match="timeout must be above 0"):
        JinaRerankFunction(api_key=KEY, api_url=server.url, timeout=float("nan"))
    with pytest.raises(ValueError, match="backoff must be at least 0"):
        JinaRerankFunction(api_key=KEY, api_url=server.url, backoff=-1)
