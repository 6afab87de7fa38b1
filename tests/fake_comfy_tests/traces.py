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


def normalized(frames: list[Any], prompt_ids: list[str], client_id: str | None) -> list[Any]:
    """Frames with ids replaced by placeholders and timestamps zeroed, for exact equality;
    binary frames reduce to their 8-byte header."""
    out: list[Any] = []
    for frame in frames:
        if isinstance(frame, bytes):
            out.append(frame[:8].hex())
            continue
        text = json.dumps(frame)
        for index, prompt_id in enumerate(prompt_ids):
            text = text.replace(prompt_id, f"PROMPT{index}")
        if client_id:
            text = text.replace(client_id, "CLIENT")
        data = json.loads(text)
        if "timestamp" in data["data"]:
            data["data"]["timestamp"] = 0
        out.append(data)
    return out


def reference_normalized(name: str) -> list[Any]:
    """A captured trace, normalized with the ids its client markers recorded."""
    prompt_ids: list[str] = []
    client_id = None
    for line in reference.path(name).read_text().splitlines():
        record = json.loads(line)
        if record["kind"] != "client_event":
            continue
        if record["event"] == "http_post_prompt_response":
            prompt_ids.append(record["data"]["body"]["prompt_id"])
        elif record["event"] == "ws_connected":
            client_id = record["data"]["url"].split("clientId=")[1]
    return normalized(reference_frames(name), prompt_ids, client_id)


def normalized_history(history: dict[str, Any], prompt_ids: list[str],
                       client_id: str | None) -> dict[str, Any]:
    """A /history answer with ids replaced and message timestamps zeroed."""
    text = json.dumps(history)
    for index, prompt_id in enumerate(prompt_ids):
        text = text.replace(prompt_id, f"PROMPT{index}")
    if client_id:
        text = text.replace(client_id, "CLIENT")
    data = json.loads(text)
    for entry in data.values():
        for _, message in entry["status"]["messages"]:
            message["timestamp"] = 0
    return data
