"""Turn captured traces and live frames into comparable summaries (ids and times out)."""

from __future__ import annotations

import json
import struct
from typing import Any

from tests.fake_comfy import reference


def reference_frames(name: str) -> list[Any]:
    """Server frames of a captured .jsonl trace: dicts for text, bytes heads for binary."""
    frames: list[Any] = []
    for line in reference.path(name).read_text().splitlines():
        record = json.loads(line)
        if record["kind"] == "text":
            frames.append(record["msg"])
        elif record["kind"] == "binary":
            frames.append(bytes.fromhex(record["head_hex"]))
    return frames


def summary(frame: Any) -> tuple:
    """What must match between the real server and the fake for one frame."""
    if isinstance(frame, bytes):
        event = struct.unpack(">I", frame[:4])[0]
        return ("BINARY", event, struct.unpack(">I", frame[4:8])[0] if event == 1 else "meta")
    kind, data = frame["type"], frame["data"]
    keys = tuple(sorted(data))
    if kind == "status":
        return (kind, data["status"]["exec_info"]["queue_remaining"], keys)
    if kind == "progress_state":
        return (kind, tuple((nid, n["state"], n["value"], n["max"], type(n["value"]).__name__,
                             tuple(sorted(n)))
                            for nid, n in data["nodes"].items()))
    if kind in ("executing", "executed"):
        return (kind, data["node"], keys, json.dumps(data.get("output")))
    if kind == "execution_cached":
        return (kind, tuple(data["nodes"]), keys)
    if kind == "progress":
        return (kind, data["value"], data["max"], data["node"], keys)
    if kind in ("execution_error", "execution_interrupted"):
        return (kind, data["node_id"], data["node_type"], tuple(data["executed"]), keys)
    return (kind, keys)


def summaries(frames: list[Any]) -> list[tuple]:
    return [summary(f) for f in frames]
