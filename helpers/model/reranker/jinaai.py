"""Jina AI's hosted rerank API, with pymilvus's JinaRerankFunction interface."""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import requests

from helpers.model.base import BaseRerankFunction, RerankResult
from helpers.model.reranker._common import check_rerank_args

__all__ = ["JinaRerankFunction", "JinaAPIError", "API_URL"]

API_URL = "https://api.jina.ai/v1/rerank"
_RETRY_STATUS = {429, 500, 502, 503, 504}
_NO_KEY = (
    "no Jina API key: pass api_key=... or set the JINAAI_API_KEY environment variable "
    "(a free key comes with an account at https://jina.ai/reranker); "
    "offline, use MaxSimRerankFunction instead"
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

    The API key is never printed: not by ``repr``, not in error messages.

    Parameters
    ----------
    model_name : str
        A Jina reranker, e.g. ``"jina-reranker-v2-base-multilingual"``.
    api_key : str, optional
        Your Jina API key; by default the ``JINAAI_API_KEY`` environment variable.
    api_url : str
        The endpoint; change it for a proxy or a test server.
    timeout : float
        Seconds to wait for the server on each attempt.
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
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        if not timeout > 0 or not backoff >= 0:
            raise ValueError(f"timeout must be > 0 and backoff >= 0, got timeout={timeout!r}, backoff={backoff!r}")
        self.model_name = model_name
        self.api_url = api_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._api_key = _Secret(key.strip())
        self._session = requests.Session()

    def __call__(self, query: str, documents: list[str], top_k: int = 5) -> list[RerankResult]:
        """Send ``query`` and ``documents`` to Jina and return the ``top_k`` best, highest score first.

        Parameters
        ----------
        query : str
            The search query.
        documents : list of str
            Candidate documents.
        top_k : int
            How many results to return; more than ``len(documents)`` returns them all.

        Returns
        -------
        list of RerankResult
            ``index`` is the document's position in ``documents``.

        Raises
        ------
        JinaAPIError
            If the API rejects the request (4xx) or still fails after every retry.
        """
        query, documents, top_k = check_rerank_args(query, documents, top_k)
        if not documents:
            return []
        body = {"model": self.model_name, "query": query, "documents": documents, "top_n": top_k}
        payload = self._post(body)
        return self._parse(payload, documents, top_k)

    def _post(self, body: dict[str, Any]) -> Any:
        headers = {
            "Authorization": f"Bearer {self._api_key.value}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                response = self._session.post(self.api_url, json=body, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"could not reach {self.api_url} ({type(exc).__name__})"
            else:
                if response.ok:
                    try:
                        return response.json()
                    except ValueError:
                        raise JinaAPIError(self._scrub(f"{self.api_url} answered with something that is not JSON")) from None
                problem = f"HTTP {response.status_code}: {self._detail(response)}"
                if response.status_code not in _RETRY_STATUS:
                    raise JinaAPIError(self._scrub(self._advice(response.status_code, problem)))
                retry_after = _retry_after(response)
            if attempt < self.max_retries:
                self._sleep(retry_after if retry_after is not None else self.backoff * 2**attempt)
        raise JinaAPIError(
            self._scrub(
                f"the Jina rerank API failed {self.max_retries + 1} times, last with {problem}; "
                "try again later, or use MaxSimRerankFunction, which runs offline"
            )
        )

    def _parse(self, payload: Any, documents: list[str], top_k: int) -> list[RerankResult]:
        try:
            rows = [(int(row["index"]), float(row["relevance_score"])) for row in payload["results"]]
        except (KeyError, TypeError, ValueError):
            raise JinaAPIError(
                f"unexpected answer from {self.api_url}: expected {{'results': [{{'index', 'relevance_score'}}]}}"
            ) from None
        if any(not 0 <= index < len(documents) for index, _ in rows):
            raise JinaAPIError(f"the API returned a document index outside 0..{len(documents) - 1}")
        # The text comes from our own list: the answer may omit it (return_documents=false).
        rows.sort(key=lambda row: -row[1])
        return [RerankResult(text=documents[i], score=score, index=i) for i, score in rows[:top_k]]

    @staticmethod
    def _detail(response: requests.Response) -> str:
        try:
            detail = response.json().get("detail", response.text)
        except (ValueError, AttributeError):
            detail = response.text
        return " ".join(str(detail).split())[:300] or response.reason or "no details"

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
        return message.replace(self._api_key.value, "***")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_name={self.model_name!r}, api_url={self.api_url!r}, api_key=***)"


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a numeric ``Retry-After`` header, capped at a minute; None when absent."""
    try:
        return min(max(float(response.headers["Retry-After"]), 0.0), 60.0)
    except (KeyError, ValueError):
        return None


class _Secret:
    """Holds a string that never shows in repr, str or f-strings."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__
