"""Jina AI's hosted rerank API, with pymilvus's JinaRerankFunction interface."""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any, Callable

import requests

from helpers.model.base import BaseRerankFunction, RerankResult
from helpers.redact import Secret, scrub
from helpers.validation import check_number

__all__ = ["JinaRerankFunction", "JinaAPIError", "API_URL"]

API_URL = "https://api.jina.ai/v1/rerank"
_RETRY_STATUS = {429, 500, 502, 503, 504}
_NO_KEY = (
    "no Jina API key: pass api_key=... or set the JINAAI_API_KEY environment variable "
    "(a free key comes with an account at https://jina.ai/reranker); "
    "offline, use MaxSimRerankFunction instead"
)


_KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")


def _check_key(key: str) -> None:
    """Refuse a key that cannot go into an HTTP header, without ever showing the key."""
    if _KEY_CHARACTERS.fullmatch(key):
        return
    position = next(i for i, ch in enumerate(key) if not _KEY_CHARACTERS.fullmatch(ch))
    raise ValueError(
        f"the Jina API key has a character that cannot be sent (U+{ord(key[position]):04X} at position {position}: "
        "a space, a line break or a typographic quote?); copy the key again as plain text"
    )


class JinaAPIError(RuntimeError):
    """The Jina rerank API refused a request or kept failing; the message says why, never the key."""


class JinaRerankFunction(BaseRerankFunction):
    """Rerank with Jina AI's hosted rerank API (``POST /v1/rerank``).

    The request follows Jina's public API: a Bearer ``Authorization`` header and a JSON body
    ``{"model", "query", "documents", "top_n"}``; the answer lists ``{"index",
    "relevance_score"}`` per document, best first. Rate limits (HTTP 429) and server errors
    (5xx) are retried with exponential backoff, honouring ``Retry-After``; so are dropped
    connections and timeouts, which workshop wifi produces. Client errors (other 4xx) fail
    at once with the API's explanation.

    The API key is never printed: not by ``repr``, not in error messages, not in an exception's
    chain. It is checked before anything is sent: it must be printable ASCII without spaces (a key
    pasted with a newline or with curly quotes is refused with advice, and without showing it).
    Answers that are not of the documented shape (a missing field, an index out of range or
    twice, a ``nan`` score) are errors, never results.

    Parameters
    ----------
    model_name : str
        A Jina reranker, e.g. ``"jina-reranker-v2-base-multilingual"``.
    api_key : str, optional
        Your Jina API key; by default the ``JINAAI_API_KEY`` environment variable.
    api_url : str
        The endpoint; change it for a proxy or a test server.
    timeout : float
        Seconds the whole call may take: connecting, every attempt and the waits between them,
        up to the last byte of the answer. A server that answers slowly, byte by byte, cannot
        stretch it.
    max_retries : int
        Attempts after the first one for 429, 5xx, timeouts and connection errors.
    backoff : float
        Seconds before the first retry; doubled for every further retry.
    sleep : callable
        Called with the number of seconds to wait between attempts (tests pass a recorder).

    Examples
    --------
    >>> rf = JinaRerankFunction()  # doctest: +SKIP (needs JINAAI_API_KEY and the network)
    >>> rf("What is AI?", ["AI is ...", "Bananas ..."], top_k=1)[0].index
    0
    """

    def __init__(
        self,
        model_name: str = "jina-reranker-v2-base-multilingual",
        api_key: str | None = None,
        api_url: str = API_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], Any] = time.sleep,
    ):
        key = api_key if api_key is not None else os.environ.get("JINAAI_API_KEY", "")
        if not isinstance(key, str) or not key.strip():
            raise ValueError(_NO_KEY)
        _check_key(key.strip())
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        timeout = check_number(timeout, "timeout", low=0, low_open=True, hint=" (seconds for the whole call)")
        backoff = check_number(backoff, "backoff", low=0, hint=" (seconds before the first retry)")
        self.model_name = model_name
        self.api_url = api_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._api_key = Secret(key.strip())
        self._session = requests.Session()

    def _rank(self, query: str, documents: list[str], top_k: int) -> list[RerankResult]:
        """Send ``query`` and ``documents`` to Jina and return its ``top_k`` best (the API ranks them).

        Raises
        ------
        JinaAPIError
            If the API rejects the request (4xx) or still fails after every retry.
        """
        body = {"model": self.model_name, "query": query, "documents": documents, "top_n": top_k}
        payload = self._post(body)
        return self._parse(payload, documents, top_k)

    def _post(self, body: dict[str, Any]) -> Any:
        headers = {
            "Authorization": f"Bearer {self._api_key.value}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        deadline = time.monotonic() + self.timeout
        problem = "no attempt"
        for attempt in range(self.max_retries + 1):
            answer = _send(self._session, self.api_url, body, headers, deadline)
            if isinstance(answer, str):  # could not connect, or out of time
                problem = answer
            elif answer.ok:
                payload = _json(answer.data)
                if payload is _NOT_JSON:  # raised here, outside any except block: no exception chain to leak from
                    raise JinaAPIError(self._scrub(f"{self.api_url} answered with something that is not JSON"))
                return payload
            else:
                problem = f"HTTP {answer.status}: {answer.detail()}"
                if answer.status not in _RETRY_STATUS:
                    raise JinaAPIError(self._scrub(self._advice(answer.status, problem)))
            if attempt == self.max_retries:
                break
            retry_after = None if isinstance(answer, str) else _retry_after(answer.headers)
            wait = retry_after if retry_after is not None else self.backoff * 2**attempt
            if time.monotonic() + wait >= deadline:
                problem += f"; the next attempt would start after timeout={self.timeout} s"
                break
            self._sleep(wait)
        raise JinaAPIError(
            self._scrub(
                f"the Jina rerank API failed {attempt + 1} times, last with {problem}; "
                "try again later (or raise timeout), or use MaxSimRerankFunction, which runs offline"
            )
        )

    def _parse(self, payload: Any, documents: list[str], top_k: int) -> list[RerankResult]:
        rows = _rows(payload)
        problem = None
        if rows is None:
            problem = "expected {'results': [{'index': int, 'relevance_score': number}]}"
        elif any(not 0 <= index < len(documents) for index, _ in rows):
            problem = f"a document index outside 0..{len(documents) - 1}"
        elif len({index for index, _ in rows}) != len(rows):
            problem = "the same document index twice"
        elif any(not math.isfinite(score) for _, score in rows):
            problem = "a relevance_score that is nan or infinite"
        if problem is not None:
            raise JinaAPIError(f"unexpected answer from {self.api_url}: {problem}; check api_url, or retry later")
        # The text comes from our own list: the answer may omit it (return_documents=false).
        rows.sort(key=lambda row: -row[1])
        return [RerankResult(text=documents[i], score=score, index=i) for i, score in rows[:top_k]]

    @staticmethod
    def _advice(status: int, problem: str) -> str:
        if status in (401, 403):
            return f"Jina rejected the API key ({problem}); check JINAAI_API_KEY or the api_key you passed"
        if status == 402:
            return f"the Jina account has no credit left ({problem}); top it up at https://jina.ai or use MaxSimRerankFunction"
        if status == 422 or status == 400:
            return f"Jina could not process the request ({problem}); check model_name and the documents"
        return f"Jina refused the request ({problem})"

    def _scrub(self, message: str) -> str:
        """Remove the key from text the server sent back, in case it echoes the request."""
        return scrub(message, [self._api_key])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_name={self.model_name!r}, api_url={self.api_url!r}, api_key=***)"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a numeric ``Retry-After`` header, capped at a minute; None when absent."""
    try:
        return min(max(float(headers["Retry-After"]), 0.0), 60.0)
    except (KeyError, ValueError):
        return None


_NOT_JSON = object()


def _json(data: bytes) -> Any:
    """The parsed body, or ``_NOT_JSON``: no exception leaves, so none can carry the body onwards."""
    try:
        return json.loads(data)
    except ValueError:
        return _NOT_JSON


def _rows(payload: Any) -> list[tuple[int, float]] | None:
    """``[(index, score)]`` from the answer, or None when it has not that shape."""
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        return None
    rows = []
    for row in results:
        index, score = (row.get("index"), row.get("relevance_score")) if isinstance(row, dict) else (None, None)
        if isinstance(index, bool) or not isinstance(index, int) or isinstance(score, bool) or not isinstance(score, Real):
            return None
        rows.append((index, float(score)))
    return rows


@dataclass(frozen=True)
class _Answer:
    """What the server sent back: status, headers and the whole body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    data: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def detail(self) -> str:
        payload = _json(self.data)
        detail = payload.get("detail", self.data) if isinstance(payload, dict) else self.data
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return " ".join(text.split())[:300] or self.reason or "no details"


def _send(session: requests.Session, url: str, body: dict, headers: dict, deadline: float) -> _Answer | str:
    """POST once and read the whole answer by ``deadline``; an ``_Answer``, or a string saying what failed.

    requests' ``timeout`` bounds each socket read, so a server that sends a byte now and then could
    hold a call for ever. The request runs in a daemon thread that reads the body in chunks and
    stops at the deadline; the caller waits for it no longer than that. Failures come back as text
    (the exception's class name), so no exception that holds the request, and so the key, travels on.
    """
    result: list[_Answer | str] = []

    def run() -> None:
        try:
            timeout = max(deadline - time.monotonic(), 0.001)
            with session.post(url, json=body, headers=headers, timeout=timeout, stream=True) as response:
                chunks = []
                for chunk in response.iter_content(1 << 14):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        result.append("no complete answer within the timeout")
                        return
                result.append(_Answer(response.status_code, response.reason or "", dict(response.headers), b"".join(chunks)))
        except (requests.ConnectionError, requests.Timeout) as exc:
            result.append(f"could not reach {url} ({type(exc).__name__})")
        except Exception as exc:  # noqa: BLE001 - a thread's traceback would print the request, key included
            result.append(f"the request failed ({type(exc).__name__})")

    worker = threading.Thread(target=run, daemon=True, name="jina-rerank-request")
    worker.start()
    worker.join(max(deadline - time.monotonic(), 0.0))
    return result[0] if result else f"no complete answer from {url} within the timeout"

