"""Run a server in a subprocess for a test or a benchmark: a free port, waiting for it, stopping it.

Shared by the room server (:func:`room_server`) and the Voila baseline (:mod:`helpers.room.voila`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from helpers.loading import offline_env

__all__ = ["free_port", "wait_for_port", "stop", "serve_in_subprocess", "room_server"]


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait until ``process`` listens on ``host:port``; raise with its log's tail if it exits first."""
    # A TCP connect, not an HTTP GET: every GET of a Voila page starts a kernel.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the server exited with code {process.returncode} before listening:\n{tail}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"the server did not listen on {host}:{port} within {timeout:.0f} s; see {log}")


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop a server started in its own process group, and the processes it started (Voila's kernels), nothing else."""
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


@contextmanager
def serve_in_subprocess(
    argv: Sequence[str], env: dict[str, str], host: str, port: int, log: str | Path | None = None, timeout: float = 180.0
) -> Iterator[subprocess.Popen]:
    """Start ``argv`` in its own process group, wait for ``host:port``, yield the process, then stop it.

    Output goes to ``log`` (a temporary file when omitted); on exit the process and its
    children are stopped (SIGTERM, then SIGKILL after a grace period), and nothing else.
    """
    log_path = Path(log) if log else Path(tempfile.mkstemp(prefix="server-", suffix=".log")[1])
    with open(log_path, "w") as out:
        process = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_for_port(host, port, process, timeout, log_path)
        yield process
    finally:
        stop(process)


@contextmanager
def room_server(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    cap: int | None = None,
    config: str | Path | None = None,
    token: str | None = None,
    log: str | Path | None = None,
    timeout: float = 300.0,
) -> Iterator[str]:
    """Serve the room (``python -m helpers.room``, what ``make app`` runs) until the block ends; yield its URL.

    ``token`` reaches the server through ``RETRIEVAL_APP_TOKEN``, never its command line. The
    port opens once the model and the corpora are loaded, so the first page gets results at once.
    """
    port = port or free_port(host)
    argv = [sys.executable, "-m", "helpers.room", "--host", host, "--port", str(port)]
    argv += ["--cap", str(cap)] if cap is not None else []
    argv += ["--config", str(config)] if config is not None else []
    env = offline_env()
    env.pop("RETRIEVAL_APP_TOKEN", None)
    if token is not None:
        env["RETRIEVAL_APP_TOKEN"] = token
    with serve_in_subprocess(argv, env, host, port, log, timeout):
        yield f"http://{host}:{port}/"
