"""Recorded websocket traces (JSONL, as in the ComfyUI reference captures) as typed events.

Each record's ``t`` (``time.time()`` at receive on the capture machine) becomes the event's
``received`` stamp, so the engine computes the same intervals it would have live.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from app.comfy.events import Event, parse_text
from app.profiler.engine import Timeline


def load_trace(path: Path) -> list[Event]:
    """The text frames of a trace file as events (binary previews and client markers skipped)."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("kind") == "text":
            events.append(parse_text(json.dumps(record["msg"]), float(record["t"])))
    return events


def prompt_id_of(events: Iterable[Event]) -> str | None:
    """The prompt id of the first ``execution_start`` in a trace."""
    for event in events:
        if type(event).__name__ == "ExecutionStart":
            return event.prompt_id
    return None


def replay(events: list[Event], prompt_id: str | None = None) -> Timeline:
    """Feed a recorded trace into a fresh Timeline for its (or the given) prompt."""
    timeline = Timeline(prompt_id or prompt_id_of(events) or "")
    for event in events:
        timeline.feed(event)
    return timeline
