"""Time the search playground in a real browser: start-up to first results, then each query.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/app.py [--runs 3] [--queries 10] [--backend torch|onnx]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/app.py --phases   # a kernel's start-up, step by step

First it fills the document-vector cache as ``make app`` does before starting Voila
(:func:`helpers.app.build_cache`; ``--cold`` starts from an empty private cache folder
instead, so the first kernel encodes the corpus itself). For each run it starts Voila exactly as ``make app`` does
(on a free loopback port), opens the page in headless Chromium and records:

- ``port``: Voila listening, from the moment it was started;
- ``first results``: the first results and plot visible in the browser, from the same moment;
- per query (the demo corpus's own queries): Enter pressed to new result columns, and to the new plot;
- the memory of one kernel, which is what each visitor's browser tab costs.

The same start-up is timed for a one-widget notebook, the floor that Voila, a kernel and
the browser cost before any of our code runs; the ratio is printed, so a busy machine's
noise shows up in both. The load average is printed too: read the numbers with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from helpers.app import BACKEND_ENV, EXAMPLES, app_backend, build_cache
from helpers.room.voila import voila_server
from helpers.embedding_cache import CACHE_ENV
from helpers.demo_data import load_demo_corpus

BROWSER = os.environ.get("APP_TEST_BROWSER", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def _floor_notebook(folder: Path) -> Path:
    """A notebook with one Text and one Image widget: what Voila costs with none of our code."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as w\n"
        "img = w.Image(value=bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'"
        "'1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082'), format='png')\n"
        "img.add_class('app-plot')\n"
        "w.VBox([w.Text(), img])"
    )]  # fmt: skip
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


def _kernels() -> list[psutil.Process]:
    """The Jupyter kernels this script started (through Voila): nobody else's."""
    return [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]


def time_startup(pw, notebook: Path | None, queries: list[str], preheat: bool = True) -> dict[str, object]:
    """Start Voila, open the page, wait for the first plot; then time ``queries`` one by one."""
    browser = pw.chromium.launch(executable_path=BROWSER, headless=True, args=ARGS)
    kwargs = {"preheat": preheat} if notebook is None else {"notebook": notebook, "preheat": preheat}
    start = time.monotonic()
    try:
        with voila_server(**kwargs, timeout=600) as url:
            port = time.monotonic() - start
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=600_000)
            page.wait_for_selector("img.app-plot[src^='blob:']", timeout=600_000)
            first = time.monotonic() - start
            # CPU-seconds the page's kernel spent until then: unlike wall time, barely
            # affected by other work on the machine (an idle machine needs at least cpu / cores).
            cpu = max((sum(k.cpu_times()[:2]) for k in _kernels()), default=0.0)
            text_times, plot_times = [], []
            box = page.locator(".app-query-box input")
            for query in queries:
                before_plot = page.locator("img.app-plot").get_attribute("src")
                before_text = page.locator(".app-query-text").inner_text()
                box.fill(query)
                t0 = time.monotonic()
                box.press("Enter")
                page.wait_for_function(
                    "before => document.querySelector('.app-query-text')?.innerText !== before",
                    arg=before_text, timeout=120_000,
                )  # fmt: skip
                text_times.append(time.monotonic() - t0)
                page.wait_for_function(
                    "before => document.querySelector('img.app-plot').src !== before", arg=before_plot, timeout=120_000
                )
                plot_times.append(time.monotonic() - t0)
            rss_mb = max((k.memory_info().rss for k in _kernels()), default=0) / 1e6
    finally:
        browser.close()
    return {"port": port, "first": first, "text": text_times, "plot": plot_times, "rss_mb": rss_mb, "cpu": cpu}


# What a visitor's kernel does before the first results, step by step, timed in CPU-seconds in a
# fresh process (the load of a shared machine barely changes CPU time). Imports are timed on their
# own first, in the order the app would reach them, so each line is the step's own cost.
_PHASES = """
import sys, time
import ipykernel.ipkernel, ipywidgets  # a Voila kernel has imported these before the notebook runs
steps, t0 = [], time.process_time()
def step(name):
    global t0
    steps.append((name, time.process_time() - t0)); t0 = time.process_time()
import helpers.app as app; step("import helpers.app")
backend = app.app_backend()
if backend == "onnx":
    import onnxruntime, tokenizers; step("import onnxruntime, tokenizers")
else:
    import sentence_transformers; step("import sentence-transformers (torch, transformers, scikit-learn)")
import scipy.sparse; step("import scipy.sparse (BM25)")
import helpers.model.reranker; step("import helpers.model.reranker (MaxSim; its other clients load on first use)")
from helpers.model.dense import DefaultEmbeddingFunction
had_transformers = "transformers" in sys.modules
DefaultEmbeddingFunction(backend=backend)
step(f"load the model ({backend})" + ("" if had_transformers or "transformers" not in sys.modules else
     ", importing transformers on the way"))
playground = app.SearchApp()
playground.search_for("demo"); step("Search: corpus, BM25 index, dense and token vectors from the cache")
import helpers.plots.svg; step("import the chart module")
playground.widget; step("first query, chart, widgets")
assert playground.view.hits("rerank")[0] == "turing-birth"
playground.update("RFC 791", "demo"); step("a second query (columns and chart, not sent)")
print(f"| step (backend {backend}) | CPU-s |")
print("|---|---|")
for name, cpu in steps:
    print(f"| {name} | {cpu:.2f} |")
print(f"| **total** | **{sum(c for _, c in steps):.2f}** |")
unused = ("torch", "sentence_transformers", "transformers", "matplotlib", "requests")
print("imported on the way:", ", ".join(m for m in unused if m in sys.modules) or "none of " + ", ".join(unused))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Voila start-ups per notebook (default 3)")
    parser.add_argument("--queries", type=int, default=10, help="queries timed per run (default 10)")
    parser.add_argument("--no-preheat", action="store_true", help="serve without a pre-heated kernel (make app preheats)")
    parser.add_argument("--cold", action="store_true", help="start with an empty document-vector cache (the first kernel encodes)")
    parser.add_argument("--backend", choices=["torch", "onnx"], help="what runs the model in the app (default: as make app)")
    parser.add_argument("--phases", action="store_true", help="only time a kernel's start-up steps in CPU-seconds (no browser)")
    args = parser.parse_args()
    if args.backend:
        os.environ[BACKEND_ENV] = args.backend  # the kernels inherit it
    if args.phases:
        build_cache()
        subprocess.run([sys.executable, "-c", _PHASES], check=True)
        return
    from playwright.sync_api import sync_playwright

    if args.cold:
        # A fresh, empty folder for this run only; the kernels inherit the setting.
        os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="app-bench-cache-")
        print(f"document-vector cache: empty at start ({os.environ[CACHE_ENV]})")
    else:
        t0 = time.monotonic()
        folder = build_cache()
        print(f"document-vector cache: {folder} (make app's build step took {time.monotonic() - t0:.1f} s here)")

    demo = load_demo_corpus()
    first = EXAMPLES["demo"][0]  # the page opens with it; typing it again sends no update
    queries = [q for q in demo.queries if q != first][: args.queries]
    print(f"pre-heated kernel: {'no' if args.no_preheat else 'yes (as make app)'}; model backend: {app_backend()}")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    app_runs, floor_runs = [], []
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        floor = _floor_notebook(Path(tmp))
        for run in range(args.runs):
            floor_runs.append(time_startup(pw, floor, [], preheat=not args.no_preheat))
            app_runs.append(time_startup(pw, None, queries, preheat=not args.no_preheat))
            print(f"run {run + 1}: app first results {app_runs[-1]['first']:.1f} s, "
                  f"one-widget notebook {floor_runs[-1]['first']:.1f} s", file=sys.stderr, flush=True)  # fmt: skip
    med = statistics.median
    app_first, floor_first = med(r["first"] for r in app_runs), med(r["first"] for r in floor_runs)
    text = [t for r in app_runs for t in r["text"]]
    plot = [t for r in app_runs for t in r["plot"]]
    print(f"load average after:  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    print(f"| start-up (median of {args.runs}) | port open | first results in the browser | kernel CPU until then |")
    print("|---|---|---|---|")
    for name, runs in [("one-widget notebook (Voila's floor)", floor_runs), ("search playground", app_runs)]:
        print(f"| {name} | {med(r['port'] for r in runs):.1f} s | {med(r['first'] for r in runs):.1f} s "
              f"| {med(r['cpu'] for r in runs):.1f} s |")  # fmt: skip
    print(f"| ratio playground / floor | | {app_first / floor_first:.2f} | |")
    print()
    print(f"memory of one app kernel (largest resident set): {max(r['rss_mb'] for r in app_runs):.0f} MB; "
          f"one-widget kernel: {max(r['rss_mb'] for r in floor_runs):.0f} MB")  # fmt: skip
    print()
    print(f"| per query ({len(text)} queries) | median | 90th percentile | max |")
    print("|---|---|---|---|")
    for name, times in [("Enter to new result columns", text), ("Enter to new plot", plot)]:
        p90 = statistics.quantiles(times, n=10, method="inclusive")[-1] if len(times) > 1 else times[0]
        print(f"| {name} | {med(times) * 1000:.0f} ms | {p90 * 1000:.0f} ms | {max(times) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
