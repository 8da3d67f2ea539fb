"""Time from a new query to an updated explorer (table + two charts) on the demo corpus.

Models are loaded and the documents encoded before timing starts. Each of the 34 demo
queries is run ``--rounds`` times in turn, so every timed call is a new query. For every
query, in the same run and alternating:

- the **explorer path**: exactly what the widget does, ``helpers.widgets.explorer.update``
  (search, HTML table, both charts as SVG text), split into its stages;
- the **previous path**: search through the rerank function (a second forward pass of the
  query, MaxSim over padded documents), and the two charts drawn by matplotlib and saved as SVG;
- the **peer for the charts**: matplotlib drawing the same content (bars from
  ``bar_content``, slope lines from ``shift_rows``, the tutorial style) saved as SVG with text
  kept as text, and saved as PNG, as inline display in a notebook does. This is what
  :mod:`helpers.plots.svg` replaced; the ratio is printed.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/explorer.py [--rounds 2] [--threads 1]

``--threads`` sets torch's intra-op threads and numpy's BLAS threads (default: their own
choice, the number of cores). On a shared, oversubscribed machine one thread is much faster for a single query;
see docs/explorer.md. The process's CPU time per query is printed beside the wall-clock
time: with ``--threads 1`` it is what the wall clock shows on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes over the 34 demo queries")
    parser.add_argument("--threads", type=int, default=None, help="torch and BLAS threads (default: theirs)")
    parser.add_argument("--top-k", type=int, default=8)
    parser.add_argument("--cache-dir", type=Path, default=Path("notebooks/work/embeddings"),
                        help="where Search caches document vectors (as notebook 04 does)")
    args = parser.parse_args()
    if args.threads:  # numpy's BLAS (MaxSim's matrix product) reads this when it is first imported
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from helpers.demo_data import load_demo_corpus
    from helpers.plots.svg import result_rank_shift_svg, score_bars_svg
    from helpers.search import Search
    from helpers.widgets.explorer import update

    demo = load_demo_corpus()
    start = time.perf_counter()
    search = Search.from_demo_corpus(demo, show_progress=False, cache_dir=args.cache_dir)
    setup = time.perf_counter() - start
    previous = copy.copy(search)
    previous._tokens = None  # the previous search path: dense_ef and rerank_fn, each with its own forward pass
    search.search("warm up the query path")
    previous.search("warm up the query path")

    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    k = args.top_k

    def timed(name: str, fn, *a, **kw):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn(*a, **kw)
        wall[name].append(time.perf_counter() - t0)
        cpu[name].append(time.process_time() - c0)
        return out

    def explorer_path(query: str) -> None:
        view = update(search, query, top_k=k)
        for svg in view.images.values():
            svg.encode()  # what the widget hands to the browser

    def previous_path(query: str) -> None:
        result = timed("previous: search", previous.search, query)
        result.table(k)._repr_html_()
        timed("peer: both charts by matplotlib, SVG", matplotlib_charts, result, k, "svg")

    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for query in demo.queries:
            # The explorer path's stages one by one, then the whole of it as the widget runs it.
            result = timed("search (5 methods, 267 docs)", search.search, query)
            timed("table (HTML)", lambda: result.table(k)._repr_html_())
            timed("both charts as SVG", lambda: (score_bars_svg(result, k), result_rank_shift_svg(result, k)))
            timed("TOTAL explorer path (update)", explorer_path, query)
            timed("TOTAL previous path", previous_path, query)
            timed("peer: both charts by matplotlib, PNG", matplotlib_charts, result, k, "png")
    load_after = os.getloadavg()

    print(f"torch threads: {torch.get_num_threads()}, {os.cpu_count()} cores, load average (1 min) "
          f"{load_before[0]:.1f} before and {load_after[0]:.1f} after timing")
    print(f"setup (load models, encode or load the cached documents): {setup:.1f} s")
    print(f"{'stage':40s} {'median ms':>10s} {'p90 ms':>8s} {'CPU ms':>8s}")
    for name, values in wall.items():
        values_ms = sorted(v * 1000 for v in values)
        p90 = values_ms[int(0.9 * (len(values_ms) - 1))]
        print(f"{name:40s} {statistics.median(values_ms):10.1f} {p90:8.1f} {statistics.median(cpu[name]) * 1000:8.1f}")
    new, old = (statistics.median(wall[n]) for n in ("TOTAL explorer path (update)", "TOTAL previous path"))
    new_cpu = statistics.median(cpu["TOTAL explorer path (update)"])
    old_cpu = statistics.median(cpu["TOTAL previous path"])
    print(f"previous path / explorer path: {old / new:.2f}x wall clock, {old_cpu / new_cpu:.2f}x CPU time")
    peer, ours = (statistics.median(cpu[n]) for n in ("peer: both charts by matplotlib, SVG", "both charts as SVG"))
    print(f"both charts, matplotlib SVG / helpers.plots.svg: {peer / ours:.0f}x CPU time")
    print(f"median query -> table + charts: {new * 1000:.0f} ms wall clock, {new_cpu * 1000:.0f} ms CPU time "
          "(goal <= 150 ms)")
    if args.threads == 1:
        print("with one thread, CPU time is what the wall clock shows on an otherwise idle machine")


def matplotlib_charts(result, k: int, fmt: str) -> None:
    """The peer: the two charts' content drawn by matplotlib and saved as ``fmt`` ("svg" or "png")."""
    import matplotlib as mpl
    import numpy as np
    from matplotlib.figure import Figure

    from helpers.methods import METHODS
    from helpers.plots.compare import bar_content, rank_shift_arguments
    from helpers.plots.rerank import MOVE_COLORS, shift_rows
    from helpers.plots.style import tutorial_style

    methods = ("dense", "bm25", "rerank")
    labels, scaled, values, title = bar_content(result, k, "rerank", methods)
    shift = rank_shift_arguments(result, k)
    rows = shift_rows(shift["labels"], shift["reranked_order"], shift["relevant"])
    with tutorial_style():
        bars = Figure(figsize=(11, 1.7 + 0.75 * len(labels)))
        ax = bars.add_subplot()
        y = np.arange(len(labels))[::-1]
        for j, m in enumerate(methods):
            drawn = ax.barh(y - 0.27 * j, scaled[j], height=0.25, color=METHODS[m].colour, hatch=METHODS[m].hatch,
                            label=METHODS[m].label)
            ax.bar_label(drawn, values[j], fontsize=10)
        ax.set_yticks(y, labels)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False)
        ax.set_title(title, loc="left", pad=32)
        slopes = Figure(figsize=(11, 1.2 + 0.42 * len(rows)))
        ax = slopes.add_subplot()
        for row in rows:
            ax.text(-0.03, row.before, f"{row.label}  {row.before}", ha="right", va="center", fontsize=11)
            if row.after is not None:
                ax.plot([0, 1], [row.before, row.after], color=MOVE_COLORS[row.move], linewidth=2.2, marker="o")
                ax.text(1.03, row.after, f"{row.after}  {row.label}", va="center", fontsize=11)
        ax.set_xlim(-1.6, 2.6)
        ax.invert_yaxis()
        ax.set_xticks([0, 1], [shift["first_stage"], shift["reranker"]])
        for fig in (bars, slopes):
            with mpl.rc_context({"svg.fonttype": "none"}):  # text kept as text, as the SVG charts do
                fig.savefig(io.BytesIO(), format=fmt, dpi=100)


if __name__ == "__main__":
    main()
