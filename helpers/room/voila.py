"""The Voila baseline: ``notebooks/app.ipynb`` served with one kernel per visitor.

Before the room server, ``make app`` served the app this way. ``benchmarks/room.py`` still
starts it, to compare a room served by one process with one kernel per browser tab.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.app.corpora import APP_NOTEBOOK
from helpers.loading import offline_env
from helpers.room.process import free_port, serve_in_subprocess

__all__ = ["voila_command", "voila_server"]

# `python -m voila`, minus a 2.5 CPU-second import: jsonschema loads every optional format checker
# it finds, and rfc3987-syntax (pulled in by jupyter-events' jsonschema[format-nongpl]) builds ~35
# Lark parsers at import, for the "iri" format that no Jupyter schema uses
# (python-jsonschema/jsonschema#1428). Blocked, jsonschema just skips that one format.
_VOILA_MAIN = "import sys; sys.modules['rfc3987_syntax'] = None; from voila.app import main; sys.exit(main())"
_REFILL_DELAY_S = 15
# Voila's lab template without its CDN links (see share/jupyter/voila/templates/offline).
_TEMPLATES = Path(__file__).resolve().parents[2] / "share" / "jupyter"


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
        A password visitors must add to the URL (``?token=...``); none by default.

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
    env = offline_env()
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
    port = port or free_port(host)
    argv, env = voila_command(notebook, host=host, port=port, preheat=preheat)
    with serve_in_subprocess(argv, env, host, port, log, timeout):
        yield f"http://{host}:{port}/"


