"""Build every cache before class, then say how long each notebook cell takes: ``make warm``.

Each notebook runs once, top to bottom, in ``notebooks/`` as a learner's kernel would, and its
outputs are thrown away (the stored notebooks are not touched). That fills exactly the caches a
learner's run reads: the dense and token vectors in ``notebooks/work/embeddings``, the ONNX
export, the saved BM25 parameters. Then the demo app's corpora are encoded into its cache
(``helpers.app.build_cache``). A notebook whose benchmark data is absent is reported and skipped.

Run it twice to see the room's experience: the second run's table lists the slowest cell and the
kernel's peak memory per notebook on a warm machine, and ``--limit 10`` fails when any cell
takes longer than 10 s.

Usage::

    python scripts/warm.py                      # every notebook, then the app's cache
    python scripts/warm.py 01_dense_embeddings.ipynb 08_japanese_track.ipynb --limit 10
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def cell_seconds(cell: dict) -> float | None:
    """Wall time of one executed cell, from the timestamps the kernel client records."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


# Appended to each run (never to the stored notebook): the kernel's peak memory, in MB.
_PEAK_MEMORY = "import resource; print('peak MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"


def peak_memory_mb(cell: dict) -> int | None:
    """The kernel's peak resident memory that the appended cell printed, or None."""
    for output in cell.get("outputs", []):
        text = output.get("text", "")
        if text.startswith("peak MB"):
            return int(text.split()[-1])
    return None


def run_notebook(path: Path, timeout: int) -> tuple[str, list[tuple[float, int, str]], int | None]:
    """Execute ``path`` in its folder.

    Returns a status, ``(seconds, cell number, first line)`` per code cell, and the kernel's peak
    memory in MB (Linux and macOS; None elsewhere or when a cell failed).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    if sys.platform != "win32":
        notebook.cells.append(nbformat.v4.new_code_cell(_PEAK_MEMORY))
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    status = "ok"
    try:
        client.execute()
    except CellExecutionError as error:
        status = "skipped: its data is missing" if "DatasetNotAvailable" in str(error) else f"FAILED: {str(error)[-300:]}"
    memory = peak_memory_mb(notebook.cells[-1]) if sys.platform != "win32" else None
    cells = notebook.cells[:-1] if sys.platform != "win32" else notebook.cells
    timings = []
    for number, cell in enumerate(cells):
        seconds = cell_seconds(cell) if cell.cell_type == "code" else None
        if seconds is not None:
            timings.append((seconds, number, cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""))
    return status, timings, memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names in notebooks/ (default: all NN_*.ipynb)")
    parser.add_argument("--limit", type=float, default=None, help="fail when a cell takes longer than this many seconds")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds one cell may take before it is stopped")
    parser.add_argument("--no-app", action="store_true", help="skip the demo app's cache")
    args = parser.parse_args(argv)
    paths = [NOTEBOOKS / name for name in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}; give names as in notebooks/, e.g. 01_dense_embeddings.ipynb")

    slow, failed = [], 0
    for path in paths:
        start = time.perf_counter()
        status, timings, memory = run_notebook(path, args.timeout)
        failed += status.startswith("FAILED")
        worst = max(timings, default=(0.0, -1, ""))
        peak = f"{memory} MB" if memory is not None else "?"
        print(f"{path.name:36} {time.perf_counter() - start:7.1f} s  peak {peak:>8}  slowest cell {worst[0]:6.1f} s "
              f"(cell {worst[1]}: {worst[2]!r})  {status}", flush=True)
        slow += [(s, path.name, n, line) for s, n, line in timings if args.limit is not None and s > args.limit]
    if not args.no_app:
        from helpers.app import app_cache_dir, build_cache

        start = time.perf_counter()
        build_cache()
        print(f"{'demo app corpora':40} {time.perf_counter() - start:7.1f} s  cache in {app_cache_dir()}")
    for seconds, name, number, line in sorted(slow, reverse=True):
        print(f"over {args.limit:g} s: {name} cell {number} took {seconds:.1f} s: {line!r}")
    return 1 if failed or slow else 0


if __name__ == "__main__":
    sys.exit(main())
