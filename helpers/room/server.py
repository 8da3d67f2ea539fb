"""The room server: one process holds the model, the indexes and the caches for every visitor.

Each browser tab loads a small static page (``helpers/room/static``) and opens one websocket:
that socket *is* the session. Queries go over it as JSON and come back as the views of
:meth:`helpers.app.SearchApp.update` (escaped HTML columns, notes, the SVG chart and its alt
text), computed in a small thread pool so the server keeps answering while numpy and ONNX
Runtime work. A session costs a socket and a few kilobytes: closing the tab closes the socket,
and a tab that vanishes without closing (a laptop lid shut, a dropped wifi) stops answering
pings and is dropped after :data:`PING_TIMEOUT_S`.

Politeness: a session that would exceed the room's cap gets a "room full" message instead of
making the laptop swap; the page shows a busy sign while a query runs, and a "connection lost,
reload" banner when its socket closes.

Security: with a token, every request needs the room cookie, which the login page (or
``?token=`` once) sets; the token itself is never echoed. Pages send a Content-Security-Policy
that allows only this server's own scripts, so even markup that slipped through escaping
could not run.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import tornado.web
import tornado.websocket
from tornado.log import access_log

from helpers.app.corpora import CORPORA
from helpers.app.search_app import SearchApp
from helpers.redact import redact_query
from helpers.room.config import MAX_TOP_K, RoomConfig, page_options

__all__ = ["Room", "make_application", "PING_INTERVAL_S", "PING_TIMEOUT_S"]

STATIC = Path(__file__).resolve().parent / "static"
PING_INTERVAL_S = 30  # the server pings every session this often ...
PING_TIMEOUT_S = 30  # ... and drops one whose answer is this late: gone within a minute (the goal: 2)
_COOKIE = "retrieval_room"
_MAX_MESSAGE = 1 << 20  # a pasted long text fits; the query is cut to the model's limit anyway
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)  # the results carry inline style attributes; no inline script runs


class Room:
    """The shared state of one room: the playground (model, indexes), the sessions, the query cache.

    Parameters
    ----------
    playground : SearchApp
        Its searches are built once, here, for every corpus.
    config : RoomConfig
        What pages start with, and the cap.
    token : str, optional
        The room's password; None or "" admits everyone who can reach the server.
    workers : int, optional
        Threads that run queries (default: the number of CPUs).
    """

    def __init__(self, playground: SearchApp, config: RoomConfig, token: str | None = None, workers: int | None = None):
        self.playground = playground
        self.config = config
        self.token = token or None
        for corpus in CORPORA:
            playground.search_for(corpus)  # built now, not by the first visitor
        self._executor = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2, thread_name_prefix="query")
        self._salt = secrets.token_bytes(16)
        self.sessions: dict[int, SessionSocket] = {}
        self.turned_away = 0
        self.queries = 0
        self._view = lru_cache(maxsize=256)(self._compute)  # repeated example queries cost nothing

    # --- authentication ---------------------------------------------------------------------

    def cookie_value(self) -> str:
        """What the room cookie holds: a keyed hash of the token, never the token itself."""
        return hmac.new(self._salt, (self.token or "").encode(), hashlib.sha256).hexdigest()

    def admits(self, cookie: str | None, token: str | None = None) -> bool:
        """True without a token, or for the room cookie, or for the token itself."""
        if self.token is None:
            return True
        if token is not None and hmac.compare_digest(token.encode(), self.token.encode()):
            return True
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.cookie_value().encode())

    # --- queries ----------------------------------------------------------------------------

    def _compute(self, query: str, corpus: str, top_k: int) -> dict[str, Any]:
        view = self.playground.update(query, corpus, top_k)
        return {
            "query": view.query.text if view.query else "",
            "corpus": corpus,
            "top_k": view.top_k,
            "note_html": view.note_html,
            "results_html": view.results_html,
            "svg": view.svg,
            "alt": view.alt,
        }

    async def search(self, query: str, corpus: str, top_k: int) -> dict[str, Any]:
        """The view of ``query`` (see :meth:`helpers.app.SearchApp.update`), computed off the event loop."""
        if not isinstance(query, str):
            raise ValueError("query must be text")
        if corpus not in CORPORA:
            raise ValueError(f"unknown corpus {corpus!r}; choose one of {list(CORPORA)}")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise ValueError(f"top_k must be a whole number from 1 to {MAX_TOP_K}")
        self.queries += 1
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._view, query, corpus, top_k)

    def status(self) -> dict[str, Any]:
        """Sessions, cap, turned-away visitors, queries and the server's memory (for the teacher and the benchmark)."""
        import psutil

        return {
            "sessions": len(self.sessions),
            "cap": self.config.cap,
            "turned_away": self.turned_away,
            "queries": self.queries,
            "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
        }

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class _RoomHandler(tornado.web.RequestHandler):
    """Security headers on every response, and the room's password check."""

    room: Room

    def initialize(self, room: Room) -> None:
        self.room = room

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", _CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")  # an address with ?token= never leaks onwards
        self.set_header("Cache-Control", "no-store")

    def admitted(self) -> bool:
        token = self.get_query_argument("token", None)
        if token is not None and self.room.admits(None, token):
            self._set_room_cookie()
            # Drop the token from the address bar (and the browser's history).
            rest = {k: v[-1].decode() for k, v in self.request.query_arguments.items() if k != "token"}
            self.redirect(self.request.path + ("?" + urlencode(rest) if rest else ""))
            return False
        if self.room.admits(self.get_cookie(_COOKIE)):
            return True
        self.redirect("/login")
        return False

    def _set_room_cookie(self) -> None:
        self.set_cookie(_COOKIE, self.room.cookie_value(), httponly=True, samesite="Strict", path="/")


class PageHandler(_RoomHandler):
    def get(self) -> None:
        if self.admitted():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.write((STATIC / "room.html").read_bytes())


class LoginHandler(_RoomHandler):
    """A page for students: one field for the room's password, nothing else."""

    def get(self, wrong: bool = False) -> None:
        if self.room.token is None:
            self.redirect("/")
            return
        page = (STATIC / "login.html").read_text(encoding="utf-8")
        message = "That is not the room's password. Check it with your teacher and try again." if wrong else ""
        self.set_status(401 if wrong else 200)
        self.write(page.replace("{{message}}", message))  # a fixed sentence: nothing typed is echoed

    async def post(self) -> None:
        if self.room.admits(None, self.get_body_argument("password", "")):
            self._set_room_cookie()
            self.redirect("/")
        else:
            await asyncio.sleep(0.5)  # slows guessing (a room password is short), without blocking the room
            self.get(wrong=True)

    def check_xsrf_cookie(self) -> None:  # the form sets a cookie and nothing else; a forged login gains nothing
        return


class NoIconHandler(_RoomHandler):
    def get(self) -> None:
        self.set_status(204)  # browsers ask for /favicon.ico; answer "none" rather than a 404 in the console


class StatusHandler(_RoomHandler):
    def get(self) -> None:
        if not self.room.admits(self.get_cookie(_COOKIE), self.get_query_argument("token", None)):
            raise tornado.web.HTTPError(403)
        self.write(self.room.status())


class SessionSocket(tornado.websocket.WebSocketHandler):
    """One browser tab: the hello (or "room full"), then one JSON reply per search message."""

    def initialize(self, room: Room) -> None:
        self.room = room

    def open(self) -> None:
        if not self.room.admits(self.get_cookie(_COOKIE)):
            self.close(4003, "not logged in")
            return
        if len(self.room.sessions) >= self.room.config.cap:
            self.room.turned_away += 1
            self.write_message({"type": "full", "message": (
                f"The room is full: {self.room.config.cap} people are using it. "
                "Ask your teacher, or try again in a minute.")})  # fmt: skip
            self.close(4000, "room full")
            return
        self.room.sessions[id(self)] = self
        params = {k: v[-1].decode(errors="replace") for k, v in self.request.query_arguments.items()}
        start, problems = page_options(self.room.config, params)
        self.write_message({"type": "hello", **self.room.config.to_page(), "start": start, "problems": problems})

    async def on_message(self, message: str | bytes) -> None:
        # Tornado delivers a session's next message only after this returns: one query at a time per tab.
        try:
            request = json.loads(message)
            answer = await self.room.search(request.get("query"), request.get("corpus"), request.get("top_k"))
            reply = {"type": "results", "id": request.get("id"), **answer}
        except Exception as exc:  # the page must say what went wrong, not wait forever
            reply = {"type": "error", "id": _id_of(message), "message": f"Search failed: {exc}"}
        if self.ws_connection is not None:
            self.write_message(reply)

    def on_close(self) -> None:
        self.room.sessions.pop(id(self), None)


def _id_of(message: str | bytes) -> Any:
    try:
        return json.loads(message).get("id")
    except Exception:
        return None


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access-log line, with the ``?token=`` of the address masked (4xx lines reach the terminal)."""
    status, request = handler.get_status(), handler.request
    log = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    uri = redact_query(request.uri or "")
    log("%d %s %s (%s) %.2fms", status, request.method, uri, request.remote_ip, 1000.0 * request.request_time())


def make_application(room: Room) -> tornado.web.Application:
    """The room's tornado application: page, login, status, session socket and static files."""
    routes = [
        (r"/", PageHandler, {"room": room}),
        (r"/login", LoginHandler, {"room": room}),
        (r"/status", StatusHandler, {"room": room}),
        (r"/session", SessionSocket, {"room": room}),
        (r"/favicon.ico", NoIconHandler, {"room": room}),
    ]
    return tornado.web.Application(
        routes,
        static_path=str(STATIC),
        websocket_ping_interval=PING_INTERVAL_S,
        websocket_ping_timeout=PING_TIMEOUT_S,
        websocket_max_message_size=_MAX_MESSAGE,
        log_function=log_request,
    )
