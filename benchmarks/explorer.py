"""Time from a new query to an updated explorer (table + two figures) on the demo corpus.

Models are loaded and the documents encoded before timing starts. Each of the 34 demo
queries is run ``--rounds`` times in turn, so every timed call is a new query; we report
the median of every stage and of the total, for the explorer's path (figure reused, SVG)
and for the plain path a notebook would take (new figures, PNG at 100 dpi), in one run.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/explorer.py [--rounds 3] [--threads N]

``--threads`` sets torch's intra-op threads (default: torch's own choice, the number of
cores). On a shared, oversubscribed machine one thread is much faster for a single query;
see docs/explorer.md. With ``--threads 1`` the process's CPU time per query is also what
the wall clock would show on an idle machine, so it is printed beside the wall-clock time.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections import defaultdict

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the 34 demo queries")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--top-k", type=int, default=8)
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from helpers.demo_data import load_demo_corpus
    from helpers.plots.compare import result_rank_shift, score_bars
    from helpers.search import Search
    from helpers.widgets.explorer import figure_svg

    demo = load_demo_corpus()
    start = time.perf_counter()
    search = Search.from_demo_corpus(demo, show_progress=False)
    setup = time.perf_counter() - start
    search.search("warm up the query path")

    times: dict[str, list[float]] = defaultdict(list)
    figures: dict = {}
    cpu: list[float] = []  # CPU time of the explorer path: what it would take on an idle machine
    k = args.top_k

    def timed(name: str, fn, *a, **kw):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        times[name].append(time.perf_counter() - t0)
        return out

    for _ in range(args.rounds):
        for query in demo.queries:
            # The explorer's path: the same steps as helpers.widgets.explorer.update + rendering.
            t0, c0 = time.perf_counter(), time.process_time()
            result = timed("search (5 methods, 267 docs)", search.search, query)
            timed("table (HTML)", lambda: result.table(k)._repr_html_())
            figures["scores"] = timed("score bars: build", score_bars, result, k, fig=figures.get("scores"))
            shift = timed("rank shift: build", result_rank_shift, result, k)
            timed("render both as SVG", lambda: (figure_svg(figures["scores"]), figure_svg(shift)))
            times["TOTAL explorer path"].append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)

            # The plain path: new figures each time, PNG at 100 dpi (what inline display does).
            t0 = time.perf_counter()
            for fig in (score_bars(result, k), result_rank_shift(result, k)):
                fig.savefig(io.BytesIO(), format="png", dpi=100)
            times["figures, plain path (new + PNG)"].append(time.perf_counter() - t0)

    load = os.getloadavg()[0]
    print(f"torch threads: {torch.get_num_threads()}, load average (1 min): {load:.1f} on {os.cpu_count()} cores")
    print(f"setup (load models, encode 267 documents twice): {setup:.1f} s")
    print(f"{'stage':40s} {'median ms':>10s} {'p90 ms':>8s}")
    for name, values in times.items():
        values_ms = sorted(v * 1000 for v in values)
        p90 = values_ms[int(0.9 * (len(values_ms) - 1))]
        print(f"{name:40s} {statistics.median(values_ms):10.1f} {p90:8.1f}")
    explorer_figs = statistics.median(
        [a + b + c for a, b, c in zip(times["score bars: build"], times["rank shift: build"], times["render both as SVG"])]
    )
    plain = statistics.median(times["figures, plain path (new + PNG)"])
    print(f"figures: plain path / explorer path = {plain / explorer_figs:.2f}x")
    total = statistics.median(times["TOTAL explorer path"]) * 1000
    cpu_ms = statistics.median(cpu) * 1000
    print(f"median query -> table + figures: {total:.0f} ms wall clock, {cpu_ms:.0f} ms CPU time (goal <= 150 ms)")
    if args.threads == 1:
        print("with one thread, CPU time is what the wall clock shows on an otherwise idle machine")


if __name__ == "__main__":
    main()
