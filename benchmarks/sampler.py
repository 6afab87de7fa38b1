"""Profiler sampler and chart figures (issue 4). Prints a table; not a test.

    .venv/bin/python benchmarks/sampler.py [--seconds 10]

1. Sampler overhead at 20 Hz with psutil (this process) + a fake NVML: CPU time the sampling
   thread used, as a percentage of one core.
2. Sampling jitter: how late each tick's stamp is against its ideal schedule (p50/p99/max).
3. Chart updates of a 10-minute run at 20 Hz (12,000 samples, 40 nodes shaded): time of one
   redraw (setData of the five series) and its repaint while samples keep arriving in 0.25 s
   batches; then the same with the live step refresh (spans, labels, bars) in each update.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.profiler.backends import PsutilBackend
from app.profiler.engine import Step
from app.profiler.nvml import NvmlBackend
from app.profiler.sampler import Sampler
from app.profiler.samples import Sample
from tests.profiler.fake_nvml import GIB, FakeNvml


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def measure_sampler(seconds: float) -> dict[str, float]:
    backends = [PsutilBackend(os.getpid()), NvmlBackend(FakeNvml(used=GIB, load=50.0),
                                                        pid=os.getpid())]
    cpu: dict[str, float] = {}
    sampler = Sampler(backends, interval_ms=50, batch_interval=0.25)
    original = sampler._run

    def timed_run() -> None:  # CPU time of the sampling thread only
        start = time.thread_time()
        original()
        cpu["thread"] = time.thread_time() - start

    sampler._run = timed_run
    wall_start = time.monotonic()
    sampler.start()
    threading.Event().wait(seconds)
    sampler.stop()
    wall = time.monotonic() - wall_start
    for backend in backends:
        backend.close()
    stamps = [s.t for s in sampler.samples()]
    late_ms = [(t - (stamps[0] + i * 0.05)) * 1000 for i, t in enumerate(stamps)]
    gaps_ms = [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
    return {"samples": len(stamps), "wall": wall, "cpu_pct": 100 * cpu["thread"] / wall,
            "late_p50": percentile(late_ms, 50), "late_p99": percentile(late_ms, 99),
            "late_max": max(late_ms), "gap_p99_dev": percentile([abs(g - 50) for g in gaps_ms], 99),
            "ticks_late": sampler.ticks_late}


def measure_charts(updates: int = 120) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from app.ui.widgets.profiler_charts import ProfilerCharts

    app = QApplication.instance() or QApplication([])
    charts = ProfilerCharts()
    charts.resize(1200, 900)
    charts.show()
    charts.stop()  # redraws are driven (and timed) by hand below
    origin = 1000.0
    n = 12_000
    samples = [Sample(t=origin + i * 0.05, vram=int((2 + (i % 400) / 100) * GIB),
                      ram=int(6 * GIB), cpu=float(i % 100), gpu_load=float((i // 20) % 100),
                      process_vram=int((1 + (i // 10 % 300) / 100) * GIB))
               for i in range(n)]
    steps = [Step(str(k), f"node {k}", "KSampler", exec_time=15.0, t_start=k * 15.0,
                  t_end=(k + 1) * 15.0, vram_max=4 * GIB) for k in range(40)]
    charts.set_steps(steps)
    charts.add_samples(samples[: n - updates * 5], origin)
    charts.redraw_now()
    app.processEvents()
    times, set_data, live = [], [], []
    for k in range(updates):  # the last 120 batches of 5 samples arrive one by one
        lo = n - (updates - k) * 5
        charts.add_samples(samples[lo: lo + 5], origin)
        start = time.perf_counter()
        charts.redraw_now()
        middle = time.perf_counter()
        app.processEvents()  # the repaint of the plots (software rendering, offscreen)
        times.append((time.perf_counter() - start) * 1000)
        set_data.append((middle - start) * 1000)
    for k in range(updates // 2):  # as a live run does it: the running node's end moves too
        steps[-1].t_end = steps[-1].t_start + 1.0 + k * 0.25
        start = time.perf_counter()
        charts.set_steps(steps)
        t0 = samples[-1].t + 0.25 * k
        charts.add_samples([replace(samples[-1], t=t0 + 0.05 * (j + 1)) for j in range(5)],
                           origin)
        charts.redraw_now()
        app.processEvents()
        live.append((time.perf_counter() - start) * 1000)
    charts.close()
    return {"points": charts.buffer.n, "p50": statistics.median(times),
            "live_p50": statistics.median(live), "live_p99": percentile(live, 99),
            "p99": percentile(times, 99), "max": max(times),
            "set_p50": statistics.median(set_data), "set_p99": percentile(set_data, 99)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    sampler = measure_sampler(args.seconds)
    charts = measure_charts()
    rows = [
        ("sampler CPU at 20 Hz (psutil + fake NVML)", f"{sampler['cpu_pct']:.2f} % of a core",
         "<= 1 %", sampler["cpu_pct"] <= 1.0),
        ("sampling jitter p99 (lateness vs schedule)", f"{sampler['late_p99']:.2f} ms",
         "<= 10 ms", sampler["late_p99"] <= 10.0),
        ("sampling jitter p50 / max", f"{sampler['late_p50']:.2f} / {sampler['late_max']:.2f} ms",
         "", None),
        ("samples taken / ticks skipped", f"{sampler['samples']} / {sampler['ticks_late']}",
         f"{args.seconds:g} s", None),
        (f"chart update + repaint, {charts['points']} points p99", f"{charts['p99']:.2f} ms",
         "<= 16 ms", charts["p99"] <= 16.0),
        ("chart update + repaint p50 / max", f"{charts['p50']:.2f} / {charts['max']:.2f} ms",
         "", None),
        ("  of which setData of 5 series p50 / p99",
         f"{charts['set_p50']:.2f} / {charts['set_p99']:.2f} ms", "", None),
        ("live update (+ 40 node spans/labels/bars) p99", f"{charts['live_p99']:.2f} ms",
         "<= 16 ms", charts["live_p99"] <= 16.0),
        ("live update p50", f"{charts['live_p50']:.2f} ms", "", None),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure'.ljust(width)}  {'measured':>22}  {'target':>9}  ok")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name.ljust(width)}  {value:>22}  {target:>9}  {mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
