"""Time from a new query to an updated explorer (table + two charts) on the demo corpus.

Models are loaded and the documents encoded before timing starts. Each of the 34 demo
queries is run ``--rounds`` times in turn, so every timed call is a new query. For every
query, in the same run and alternating:

- the **explorer path**: exactly what the widget does, ``helpers.widgets.explorer.update``
  (search, HTML table, both charts as SVG text), split into its stages;
- the **previous path** (before this benchmark's last change): search through the rerank
  function (a second forward pass of the query, MaxSim over padded documents), score bars
  redrawn in place and a new rank-shift figure, both saved as SVG by matplotlib;
- the **plain path** for the figures alone: new matplotlib figures saved as PNG, as inline
  display in a notebook does.

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
    from helpers.plots.compare import result_rank_shift, score_bars
    from helpers.plots.svg import result_rank_shift_svg, score_bars_svg
    from helpers.search import Search
    from helpers.widgets.explorer import figure_svg, update

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
    figures: dict = {}
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
        figures["scores"] = score_bars(result, k, fig=figures.get("scores"))
        timed("previous: figures (matplotlib SVG)",
              lambda: (figure_svg(figures["scores"]), figure_svg(result_rank_shift(result, k))))

    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for query in demo.queries:
            # The explorer path's stages one by one, then the whole of it as the widget runs it.
            result = timed("search (5 methods, 267 docs)", search.search, query)
            timed("table (HTML)", lambda: result.table(k)._repr_html_())
            timed("both charts as SVG", lambda: (score_bars_svg(result, k), result_rank_shift_svg(result, k)))
            timed("TOTAL explorer path (update)", explorer_path, query)
            timed("TOTAL previous path", previous_path, query)
            timed("figures, plain path (new + PNG)",
                  lambda: [f.savefig(io.BytesIO(), format="png", dpi=100)
                           for f in (score_bars(result, k), result_rank_shift(result, k))])
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
    print(f"median query -> table + charts: {new * 1000:.0f} ms wall clock, {new_cpu * 1000:.0f} ms CPU time "
          "(goal <= 150 ms)")
    if args.threads == 1:
        print("with one thread, CPU time is what the wall clock shows on an otherwise idle machine")


if __name__ == "__main__":
    main()
