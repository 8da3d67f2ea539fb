"""Connecting to Milvus, and the lifetime of the Milvus Lite server a local file needs.

``MILVUS_URI`` / ``MILVUS_TOKEN`` select a Milvus server or Zilliz Cloud; without them a Milvus
Lite database in a working folder is used. pymilvus starts one Milvus Lite server per database
file inside this process and never stops it: :class:`MilvusConnection` counts its clients per
file, so the last :meth:`~MilvusConnection.close` stops it. The token never appears in reprs or
messages (:mod:`helpers.redact`).

pymilvus (and milvus-lite for local files) are imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.redact import redact_uri, scrub

__all__ = ["DEFAULT_LITE_PATH", "MilvusConnection", "connect", "require_pymilvus"]

# Relative to the working directory: notebooks run in notebooks/, so this is notebooks/work/,
# which is gitignored and safe to delete.
DEFAULT_LITE_PATH = Path("work") / "milvus_demo.db"

_INSTALL_HINT = "pip install pymilvus==3.0.2 milvus-lite==3.2.2 (both are in this project's pyproject.toml)"


def require_pymilvus() -> Any:
    """The ``pymilvus`` module, or an ImportError that says how to install it."""
    try:
        import pymilvus
    except ImportError:  # pragma: no cover - the project pins it
        raise ImportError(f"helpers.milvus needs pymilvus: {_INSTALL_HINT}") from None
    return pymilvus


# Milvus Lite runs one server per database file inside this process; pymilvus shares it
# between clients but never stops it. Count our clients per file so the last close stops it.
_lite_clients: Counter[str] = Counter()
_lite_lock = threading.Lock()


_LITE_GRPC_OPTIONS = {"grpc.keepalive_permit_without_calls": 0, "grpc.keepalive_time_ms": 300_000}


@dataclass(eq=False)
class MilvusConnection:
    """A ``MilvusClient`` and where it points, printable without secrets.

    Use it as a context manager, or call :meth:`close`, so a Milvus Lite server started for
    the file stops when its last client closes.

    Attributes
    ----------
    client : pymilvus.MilvusClient
        The client; every pymilvus call goes through it.
    uri : str
        Where it points, with any ``user:password@`` removed.
    lite_path : Path or None
        The database file when this is Milvus Lite, else None.
    has_token : bool
        Whether a token was given (the token itself is not kept here).
    """

    client: Any = field(repr=False)
    uri: str
    lite_path: Path | None = None
    has_token: bool = False
    closed: bool = field(default=False, repr=False)

    @property
    def is_lite(self) -> bool:
        """True when the database is a local Milvus Lite file."""
        return self.lite_path is not None

    def describe(self) -> str:
        """One line for learners: which Milvus this is."""
        if self.is_lite:
            return f"Milvus Lite, database file {self.uri}"
        return f"Milvus server at {self.uri}" + (" (token set)" if self.has_token else "")

    def close(self) -> None:
        """Close the client; for Milvus Lite, stop its server once no client of ours uses it."""
        if self.closed:
            return
        self.closed = True
        self.client.close()
        if self.lite_path is not None:
            key = str(self.lite_path.resolve())
            with _lite_lock:
                _lite_clients[key] -= 1
                last = _lite_clients[key] <= 0
                if last:
                    del _lite_clients[key]
            if last:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(key)

    def __enter__(self) -> MilvusConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        token = ", token=<set>" if self.has_token else ""
        kind = "Milvus Lite" if self.is_lite else "Milvus server"
        state = ", closed" if self.closed else ""
        return f"MilvusConnection({kind}, uri={self.uri!r}{token}{state})"


def connect(
    uri: str | os.PathLike[str] | None = None,
    token: str | None = None,
    *,
    lite_path: str | os.PathLike[str] = DEFAULT_LITE_PATH,
    timeout: float | None = 10.0,
) -> MilvusConnection:
    """Connect to Milvus: a server when ``MILVUS_URI`` is set, else a Milvus Lite file.

    Parameters
    ----------
    uri : str or path, optional
        ``http://host:19530``, a Zilliz Cloud endpoint, or a ``.db`` file for Milvus Lite.
        Defaults to the ``MILVUS_URI`` environment variable, then to ``lite_path``.
    token : str, optional
        ``user:password`` or an API key. Defaults to ``MILVUS_TOKEN``. It is passed to the
        client and never stored, printed or put in an error message here.
    lite_path : str or path
        The Milvus Lite file used when no URI is given; its folder is created. Must end in ``.db``.
    timeout : float, optional
        Seconds to wait for a server before giving up.

    Returns
    -------
    MilvusConnection
        Holds ``.client``; close it (or use ``with``) when done.

    Raises
    ------
    ConnectionError
        If the server cannot be reached; the message says how to fall back to Milvus Lite.
    ValueError
        If the URI is neither a server address nor a ``.db`` path, or the ``.db`` path is a plain
        file (a Milvus Lite 2.x database, which Milvus Lite 3 cannot open).

    Examples
    --------
    >>> with connect(lite_path="work/demo.db") as conn:  # doctest: +SKIP
    ...     conn.client.list_collections()
    []
    """
    env_uri = os.environ.get("MILVUS_URI", "").strip()
    uri = str(uri) if uri is not None else env_uri
    token = token if token is not None else os.environ.get("MILVUS_TOKEN", "")
    lite_file: Path | None = None
    if not uri:
        uri = str(lite_path)
    if uri.endswith(".db"):
        lite_file = Path(uri).expanduser()
        if lite_file.is_file():  # Milvus Lite 3 keeps a database in a folder named *.db
            raise ValueError(
                f"{lite_file} is a plain file, not a Milvus Lite database folder: an older Milvus Lite (2.x) "
                "made it, and this version cannot read it. Fix: move or delete it and insert the documents "
                "again, or pass another lite_path"
            )
        lite_file.parent.mkdir(parents=True, exist_ok=True)
        uri = str(lite_file)
    elif "://" not in uri:
        raise ValueError(
            f"Milvus URI {redact_uri(uri)!r} is neither a server address (http://host:19530) nor a "
            "Milvus Lite file ending in .db; fix MILVUS_URI or the uri argument"
        )
    pymilvus = require_pymilvus()
    shown = redact_uri(uri)
    # pymilvus pings every 10 s even when idle; Milvus Lite's in-process gRPC server allows one
    # idle ping per 5 minutes and answers more with GOAWAY "too_many_pings", which gRPC prints
    # to stderr (into notebook outputs). A loopback channel needs no keepalive while idle.
    options = {"grpc_options": _LITE_GRPC_OPTIONS} if lite_file is not None else {}
    try:
        client = pymilvus.MilvusClient(uri=uri, token=token, timeout=timeout, **options)
    except pymilvus.MilvusException as exc:
        detail = scrub(str(exc), [token, uri])
        where = "the Milvus Lite file" if lite_file else "the Milvus server"
        fix = (
            "check that the folder is writable and that no other process has the file open"
            if lite_file
            else "check that the server is running and MILVUS_URI/MILVUS_TOKEN are right, "
            "or unset MILVUS_URI to use Milvus Lite"
        )
        raise ConnectionError(f"could not open {where} at {shown}: {detail}. Fix: {fix}.") from None
    if lite_file is not None:
        with _lite_lock:
            _lite_clients[str(lite_file.resolve())] += 1
    return MilvusConnection(client=client, uri=shown, lite_path=lite_file, has_token=bool(token))
