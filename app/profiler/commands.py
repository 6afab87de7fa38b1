"""``comfydesk profile``: run a workflow under the profiler, list runs, compare two runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from app.comfy.errors import ComfyError
from app.config import SettingsStore, database_url, resolve_paths
from app.db.database import DatabaseError, open_database
from app.profiler.compare import compare_runs
from app.profiler.errors import ProfilerError
from app.profiler.export import export_run
from app.profiler.records import RunRecord
from app.profiler.runner import ProfileRun, RunOptions, RunRequest
from app.profiler.sampler import DEFAULT_INTERVAL_MS, MAX_INTERVAL_MS, MIN_INTERVAL_MS
from app.profiler.sources import FILE, WorkflowSource, load_prompt
from app.profiler.store import ProfilerStore

GIB = 1024 ** 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profile", help="run a workflow under the profiler; list or compare stored runs",
        description="Run WORKFLOW.json (API or UI format) on ComfyUI, store each run and print "
                    "the per-node table. --list lists stored runs, --compare A B compares two.")
    parser.add_argument("workflow", nargs="?", type=Path, help="workflow JSON file")
    parser.add_argument("--runs", type=_positive, default=1, help="how many times to run it")
    parser.add_argument("--backend", help="ComfyUI URL (default: the active backend)")
    parser.add_argument("--name", default="", help="name of the stored run(s)")
    parser.add_argument("--interval-ms", type=_interval, default=DEFAULT_INTERVAL_MS,
                        help=f"sampling interval, {MIN_INTERVAL_MS}-{MAX_INTERVAL_MS} ms "
                             f"(default {DEFAULT_INTERVAL_MS})")
    parser.add_argument("--list", action="store_true", help="list stored runs")
    parser.add_argument("--compare", nargs=2, type=int, metavar=("A", "B"),
                        help="compare run B against run A")
    parser.add_argument("--export", nargs=2, metavar=("RUN", "FILE"),
                        help="export run RUN to FILE (.csv or .json)")
    parser.set_defaults(func=main)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _interval(text: str) -> int:
    value = int(text)
    if not MIN_INTERVAL_MS <= value <= MAX_INTERVAL_MS:
        raise argparse.ArgumentTypeError(
            f"{value} ms is outside {MIN_INTERVAL_MS}-{MAX_INTERVAL_MS} ms")
    return value


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        database = open_database(database_url(resolve_paths().ensure()))
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        store = ProfilerStore(database)
        if args.list:
            print_runs(store, out)
        elif args.compare:
            print_comparison(store.get_run(args.compare[0]), store.get_run(args.compare[1]), out)
        elif args.export:
            record = store.get_run(int(args.export[0]))
            path = export_run(record, Path(args.export[1]), store.samples(record.id))
            print(f"exported run #{record.id} to {path}", file=out)
        elif args.workflow is not None:
            return _profile(args, store, out)
        else:
            print("error: give WORKFLOW.json, --list, --compare A B or --export RUN FILE",
                  file=sys.stderr)
            return 2
        return 0
    except (ProfilerError, ComfyError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        database.dispose()


def _profile(args: argparse.Namespace, store: ProfilerStore, out: TextIO) -> int:
    from app.comfy.client import ComfyClient

    url = args.backend or SettingsStore(resolve_paths().settings_file).load().active().url
    client = ComfyClient(url)
    try:
        prompt = load_prompt(WorkflowSource(FILE, str(args.workflow)), client)
    finally:
        client.close()
    failures = 0
    for index in range(args.runs):
        name = args.name or args.workflow.stem
        if args.runs > 1:
            name = f"{name} ({index + 1}/{args.runs})"
        request = RunRequest(prompt=prompt, backend_url=url, name=name,
                             interval_ms=args.interval_ms)
        record = ProfileRun(request, store, RunOptions()).run()
        print_run(record, out)
        failures += record.summary.status != "completed"
    return 1 if failures else 0


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _gib(value: int | None) -> str:
    return "-" if value is None else f"{value / GIB:.2f} GiB"


def print_run(record: RunRecord, out: TextIO) -> None:
    summary = record.summary
    print(f"run #{summary.id} {summary.name}: {summary.status}"
          + (f" ({summary.error})" if summary.error else ""), file=out)
    rows = [("node", "type", "time", "VRAM max", "cached")]
    rows += [(f"{s.node_id} {s.node_title}", s.node_type, _seconds(s.exec_time),
              _gib(s.vram_max), "yes" if s.cached else "") for s in record.steps]
    _table(rows, out)
    print(f"total: {_seconds(summary.total_time)}", file=out)
    if record.cached_note():
        print(f"note: {record.cached_note()}", file=out)
    if summary.sampler_info:
        print(f"sampling: {summary.sampler_info}", file=out)


def print_runs(store: ProfilerStore, out: TextIO) -> None:
    rows = [("id", "date", "name", "total", "status")]
    rows += [(str(r.id), r.local_time, r.name,
              _seconds(r.total_time), r.status + (" (forced)" if r.forced else ""))
             for r in store.list_runs()]
    _table(rows, out)


def print_comparison(a: RunRecord, b: RunRecord, out: TextIO) -> None:
    comparison = compare_runs(a, b)
    print(f"run #{b.id} against run #{a.id}", file=out)
    rows = [("node", "type", "time A", "time B", "Δtime", "ΔVRAM", "")]
    for row in comparison.rows:
        d_time = "-" if row.d_time is None else f"{row.d_time:+.3f} s"
        d_vram = "-" if row.d_vram is None else f"{row.d_vram / GIB:+.2f} GiB"
        rows.append((f"{row.node_id} {row.node_title}", row.node_type, _seconds(row.time_a),
                     _seconds(row.time_b), d_time, d_vram,
                     "REGRESSION" if row.regressed else ""))
    _table(rows, out)
    for label, steps in (("only in A", comparison.only_a), ("only in B", comparison.only_b)):
        for step in steps:
            print(f"{label}: {step.node_id} {step.node_title} ({step.node_type})", file=out)
    d_total = comparison.d_total
    print(f"total: {_seconds(a.summary.total_time)} -> {_seconds(b.summary.total_time)}"
          + ("" if d_total is None else f" ({d_total:+.3f} s)"), file=out)


def _table(rows: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip(), file=out)
