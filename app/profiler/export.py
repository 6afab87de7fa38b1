"""Export a run as CSV (one row per node) or JSON (run, steps and the sample series)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict
from datetime import UTC
from pathlib import Path
from typing import Any

from app.atomic import atomic_write_json, atomic_write_text
from app.profiler.errors import ExportFailed
from app.profiler.records import SERIES_COLUMNS, RunRecord, SampleSeries
from app.profiler.store import STEP_FIELDS


def run_to_csv(record: RunRecord) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["run_id", *STEP_FIELDS])
    for step in record.steps:
        writer.writerow([record.id, *(_csv_value(getattr(step, f)) for f in STEP_FIELDS)])
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def _clean(values) -> list[float | None]:
    return [None if math.isnan(v) else float(v) for v in values]


def run_to_json(record: RunRecord, samples: SampleSeries | None = None) -> dict[str, Any]:
    summary = asdict(record.summary)
    stamp = record.summary.timestamp
    # Stored as naive UTC: say so in the file (an offset-less time reads as local time).
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp
    summary["timestamp"] = stamp.isoformat()
    data: dict[str, Any] = {"format": "comfydesk-profiler-run", "version": 1, "run": summary,
                            "steps": [asdict(step) for step in record.steps]}
    if samples is not None:
        data["samples"] = {name: _clean(getattr(samples, name))
                           for name in SERIES_COLUMNS}
    return data


def export_run(record: RunRecord, path: Path, samples: SampleSeries | None = None) -> Path:
    """Write ``.csv`` or ``.json`` (by suffix) crash-safely; returns the path written.

    Raises:
        ExportFailed: the file could not be written (an older file there is left as it was).
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            atomic_write_text(path, run_to_csv(record))
        else:
            atomic_write_json(path, run_to_json(record, samples))
    except OSError as exc:
        raise ExportFailed(path, exc.strerror or str(exc)) from exc
    return path
