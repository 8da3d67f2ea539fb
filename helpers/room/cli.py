"""``python -m helpers.room``: serve the search playground to a room (what ``make app`` runs).

On start it prepares the caches (:func:`helpers.app.corpora.build_cache`), loads the model and both
corpora once, and prints where students connect: served beyond this machine, the LAN
address, a QR code of it and how many students this machine's free memory allows.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["main", "TOKEN_ENV", "SESSION_MB", "students_for_memory", "lan_addresses", "resolve_token"]

TOKEN_ENV = "RETRIEVAL_APP_TOKEN"  # the room's password, kept out of the command line (and so out of `ps`)
# What one more connected student costs the server, measured by benchmarks/room.py (30 sessions
# querying: about 0.2 MB each, see docs/app.md), rounded up generously for long-open tabs.
SESSION_MB = 2.0
_RESERVE = 0.25  # of the free memory, left to the system and the teacher's own programs


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(
    host: str, given: str | None, environ: dict[str, str] | None = None, token_file: str | None = None
) -> str | None:
    """The room's password: ``--token``, else ``--token-file``'s first line, else ``$RETRIEVAL_APP_TOKEN``,
    else one made up when served beyond loopback.

    Raises
    ------
    ValueError
        For an empty token on an address others can reach (anyone on the network could join), a
        token with spaces or control characters (a URL cannot carry it), both ``given`` and
        ``token_file``, or a token file that cannot be read.
    """
    environ = os.environ if environ is None else environ
    if given is not None and token_file is not None:
        raise ValueError("give --token or --token-file, not both")
    if token_file is not None:
        try:
            given = open(token_file, encoding="utf-8").readline().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the token file {token_file}: {exc}; write the password on its first line") from None
    token = given if given is not None else environ.get(TOKEN_ENV)
    if token and any(ch.isspace() or not ch.isprintable() for ch in token.strip()):
        raise ValueError("the token has spaces or control characters that a URL cannot carry; use letters and digits")
    if token is None and not is_loopback(host):
        # Short, lower case, no look-alikes (0/o, 1/l/i): easy to read out or copy from a whiteboard.
        token = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))
    if token is not None and not token.strip():
        if not is_loopback(host):
            raise ValueError(
                f"an empty token on {host} would let anyone on the network in; set {TOKEN_ENV} to a password, "
                "or leave it unset to get one made up"
            )
        token = None
    return token


def students_for_memory(available_bytes: int, session_mb: float = SESSION_MB) -> int:
    """How many students the free memory allows, leaving a quarter of it to the rest of the machine."""
    return max(0, int(available_bytes * (1 - _RESERVE) / (session_mb * 2**20)))


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that others on the network can reach, private (room wifi) ones first."""
    import psutil

    found = []
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family == socket.AF_INET and not ipaddress.ip_address(entry.address).is_loopback:
                found.append(entry.address)
    return sorted(set(found), key=lambda a: (not ipaddress.ip_address(a).is_private, a))


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the port must be a number from 1 to 65535, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"the port must be from 1 to 65535, got {port}; 8866 is the default")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers.room", description="Serve the search playground to a room.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=_port, default=8866, help="TCP port (default: 8866)")
    parser.add_argument("--token", default=None,
                        help=f"the room's password (better: set {TOKEN_ENV}, which `ps` does not show); "
                             "made up for you when HOST is not loopback")  # fmt: skip
    parser.add_argument("--token-file", default=None, help="read the room's password from this file's first line")
    parser.add_argument("--cap", type=int, default=None, help="most students at once (default: the room file's, else 40)")
    parser.add_argument("--config", default=None, help="a room file (TOML): corpus, top_k, cap, examples")
    return parser


def _print_room(host: str, port: int, token: str | None, show_token: bool, cap: int, fits: int, server_mb: float) -> None:
    import segno

    local = f"http://{host if is_loopback(host) else '127.0.0.1'}:{port}/"
    print(f"Serving the search playground at {local} (Ctrl-C stops it)", flush=True)
    if is_loopback(host):
        return
    addresses = lan_addresses() if host in {"0.0.0.0", "::"} else [host]
    if not addresses:
        print("No network address found: is this laptop on the room's wifi?", flush=True)
        return
    url = f"http://{addresses[0]}:{port}/"
    print(f"Students open {url}" + (f"  (others: {', '.join(addresses[1:])})" if addresses[1:] else ""))
    if token and show_token:  # made up here, so the teacher must learn it; a chosen one is never printed
        print(f"Room password: {token}   The QR code below carries it, so scanning it logs in.")
    elif token:
        print(f"Room password: the one in {TOKEN_ENV}. The QR code below carries it, so scanning it logs in.")
    segno.make(f"{url}?token={token}" if token else url, error="m").terminal(compact=True)
    print(f"The server holds the model and both corpora in {server_mb:.0f} MB; each student adds about "
          f"{SESSION_MB:g} MB, so free memory allows about {fits} students. The room admits {cap} at once "
          "(CAP=... to change).", flush=True)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line, prepare the caches, then serve until Ctrl-C."""
    import asyncio

    import psutil

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        token = resolve_token(args.host, args.token, token_file=args.token_file)
        from helpers.room.config import load_room_config

        config = load_room_config(args.config, cap=args.cap)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    from helpers.app.corpora import app_backend, app_cache_dir
    from helpers.app.search_app import SearchApp
    from helpers.room.server import Room, make_application

    print(f"Preparing the model ({app_backend()}) and the corpora's document vectors in {app_cache_dir()} "
          "(loaded, or made once)...", flush=True)  # fmt: skip
    # In a child process: making the caches may import torch (to export the model), which the
    # server, loading only files afterwards, then never holds in memory.
    subprocess.run([sys.executable, "-c", "from helpers.app.corpora import build_cache; build_cache()"], check=True)
    fits = students_for_memory(psutil.virtual_memory().available)
    if fits < config.cap:
        from dataclasses import replace

        print(f"Free memory allows about {fits} students, fewer than the cap of {config.cap}: the cap is now {fits}.")
        config = replace(config, cap=max(fits, 1))
    room = Room(SearchApp(top_k=config.top_k), config, token)
    server_mb = psutil.Process().memory_info().rss / 2**20

    async def serve() -> None:
        make_application(room).listen(args.port, args.host)
        made_up = args.token is None and args.token_file is None and TOKEN_ENV not in os.environ
        _print_room(args.host, args.port, token, made_up, config.cap, fits, server_mb)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        room.close()
