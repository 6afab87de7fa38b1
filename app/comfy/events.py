"""Websocket messages of ComfyUI as typed, immutable events.

Every event carries ``received`` (``time.monotonic()`` when the frame arrived). Parsing
never raises: a frame that is not understood becomes an :class:`UnknownEvent`.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

# Binary frame event types (ComfyUI protocol.py BinaryEventTypes).
BINARY_PREVIEW_IMAGE = 1
BINARY_TEXT = 3
BINARY_PREVIEW_IMAGE_WITH_METADATA = 4
_IMAGE_TYPES = {1: "jpeg", 2: "png"}
_MIME_TYPES = {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True, kw_only=True)
class Event:
    received: float


@dataclass(frozen=True, kw_only=True)
class Status(Event):
    queue_remaining: int
    sid: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExecutionStart(Event):
    prompt_id: str
    timestamp: int | None = None


@dataclass(frozen=True, kw_only=True)
class ExecutionCached(Event):
    prompt_id: str
    nodes: tuple[str, ...]
    timestamp: int | None = None


@dataclass(frozen=True, kw_only=True)
class Executing(Event):
    prompt_id: str | None
    node: str | None
    display_node: str | None = None


@dataclass(frozen=True, kw_only=True)
class Progress(Event):
    prompt_id: str | None
    node: str | None
    value: float
    max: float


@dataclass(frozen=True, kw_only=True)
class ProgressState(Event):
    prompt_id: str | None
    nodes: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Executed(Event):
    prompt_id: str | None
    node: str
    display_node: str | None
    output: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class ExecutionSuccess(Event):
    prompt_id: str
    timestamp: int | None = None


@dataclass(frozen=True, kw_only=True)
class ExecutionError(Event):
    prompt_id: str
    node_id: str | None
    node_type: str | None
    exception_message: str
    exception_type: str
    traceback: tuple[str, ...] = ()
    executed: tuple[str, ...] = ()
    timestamp: int | None = None


@dataclass(frozen=True, kw_only=True)
class ExecutionInterrupted(Event):
    prompt_id: str
    node_id: str | None
    node_type: str | None
    executed: tuple[str, ...] = ()
    timestamp: int | None = None


@dataclass(frozen=True, kw_only=True)
class PreviewImage(Event):
    """A sampler preview frame. ``format`` is ``"jpeg"``, ``"png"`` or ``"webp"``."""

    image: bytes = field(repr=False)
    format: str
    metadata: dict[str, Any] | None = None
    prompt_id: str | None = None
    node: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProgressText(Event):
    node: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Logs(Event):
    entries: tuple[dict[str, Any], ...]


@dataclass(frozen=True, kw_only=True)
class FeatureFlags(Event):
    data: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(Event):
    type: str
    data: Any


@dataclass(frozen=True, kw_only=True)
class ConnectionChanged(Event):
    connected: bool
    reason: str


@dataclass(frozen=True, kw_only=True)
class PromptFinished(Event):
    """Emitted exactly once per watched prompt, however its end was learnt."""

    prompt_id: str
    outcome: Literal["success", "error", "interrupted"]
    outputs: dict[str, Any]
    error: str | None
    via: Literal["websocket", "reconcile"]


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def _ts(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _status(d: dict[str, Any], t: float) -> Event:
    exec_info = (d.get("status") or {}).get("exec_info") or {}
    return Status(
        received=t,
        queue_remaining=int(exec_info.get("queue_remaining", 0)),
        sid=_opt_str(d.get("sid")),
    )


def _executing(d: dict[str, Any], t: float) -> Event:
    return Executing(
        received=t,
        prompt_id=_opt_str(d.get("prompt_id")),
        node=_opt_str(d.get("node")),
        display_node=_opt_str(d.get("display_node")),
    )


def _progress(d: dict[str, Any], t: float) -> Event:
    return Progress(
        received=t,
        prompt_id=_opt_str(d.get("prompt_id")),
        node=_opt_str(d.get("node")),
        value=float(d["value"]),
        max=float(d["max"]),
    )


def _progress_state(d: dict[str, Any], t: float) -> Event:
    nodes = d.get("nodes")
    return ProgressState(
        received=t,
        prompt_id=_opt_str(d.get("prompt_id")),
        nodes=nodes if isinstance(nodes, dict) else {},
    )


def _executed(d: dict[str, Any], t: float) -> Event:
    output = d.get("output")
    return Executed(
        received=t,
        prompt_id=_opt_str(d.get("prompt_id")),
        node=str(d["node"]),
        display_node=_opt_str(d.get("display_node")),
        output=output if isinstance(output, dict) else {},
    )


def _error(d: dict[str, Any], t: float) -> Event:
    tb = d.get("traceback")
    return ExecutionError(
        received=t,
        prompt_id=str(d["prompt_id"]),
        node_id=_opt_str(d.get("node_id")),
        node_type=_opt_str(d.get("node_type")),
        exception_message=str(d.get("exception_message", "")),
        exception_type=str(d.get("exception_type", "")),
        traceback=tuple(str(x) for x in tb) if isinstance(tb, list) else (),
        executed=_ids(d.get("executed")),
        timestamp=_ts(d.get("timestamp")),
    )


def _interrupted(d: dict[str, Any], t: float) -> Event:
    return ExecutionInterrupted(
        received=t,
        prompt_id=str(d["prompt_id"]),
        node_id=_opt_str(d.get("node_id")),
        node_type=_opt_str(d.get("node_type")),
        executed=_ids(d.get("executed")),
        timestamp=_ts(d.get("timestamp")),
    )


def _logs(d: dict[str, Any], t: float) -> Event:
    entries = d.get("entries")
    items = tuple(e for e in entries if isinstance(e, dict)) if isinstance(entries, list) else ()
    return Logs(received=t, entries=items)


_TEXT_PARSERS = {
    "status": _status,
    "execution_start": lambda d, t: ExecutionStart(
        received=t, prompt_id=str(d["prompt_id"]), timestamp=_ts(d.get("timestamp"))
    ),
    "execution_cached": lambda d, t: ExecutionCached(
        received=t,
        prompt_id=str(d["prompt_id"]),
        nodes=_ids(d.get("nodes")),
        timestamp=_ts(d.get("timestamp")),
    ),
    "executing": _executing,
    "progress": _progress,
    "progress_state": _progress_state,
    "executed": _executed,
    "execution_success": lambda d, t: ExecutionSuccess(
        received=t, prompt_id=str(d["prompt_id"]), timestamp=_ts(d.get("timestamp"))
    ),
    "execution_error": _error,
    "execution_interrupted": _interrupted,
    "logs": _logs,
    "feature_flags": lambda d, t: FeatureFlags(received=t, data=dict(d)),
}


def parse_text(raw: str, received: float) -> Event:
    """Parse one text frame ``{"type": T, "data": {...}}`` into its typed event."""
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        return UnknownEvent(received=received, type="invalid_json", data=raw)
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return UnknownEvent(received=received, type="invalid_message", data=message)
    kind, data = message["type"], message.get("data")
    parser = _TEXT_PARSERS.get(kind)
    if parser is None or not isinstance(data, dict):
        return UnknownEvent(received=received, type=kind, data=data)
    try:
        return parser(data, received)
    except (KeyError, TypeError, ValueError, AttributeError):
        # A known type with a shape we do not understand still reaches listeners.
        return UnknownEvent(received=received, type=kind, data=data)


def _sniff(image: bytes) -> str:
    if image.startswith(b"\xff\xd8"):
        return "jpeg"
    if image.startswith(b"\x89PNG"):
        return "png"
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "webp"
    return "unknown"


def parse_binary(data: bytes, received: float) -> Event:
    """Parse one binary frame (previews: event 1 and 4; progress text: event 3)."""
    if len(data) < 8:
        return UnknownEvent(received=received, type="binary", data=bytes(data))
    (kind,) = struct.unpack(">I", data[:4])
    if kind == BINARY_PREVIEW_IMAGE:
        (image_type,) = struct.unpack(">I", data[4:8])
        image = bytes(data[8:])
        return PreviewImage(
            received=received, image=image, format=_IMAGE_TYPES.get(image_type) or _sniff(image)
        )
    if kind == BINARY_PREVIEW_IMAGE_WITH_METADATA:
        return _preview_with_metadata(data, received)
    if kind == BINARY_TEXT:
        (length,) = struct.unpack(">I", data[4:8])
        if 8 + length <= len(data):
            node = data[8 : 8 + length].decode("utf-8", "replace")
            return ProgressText(
                received=received, node=node, text=data[8 + length :].decode("utf-8", "replace")
            )
    return UnknownEvent(received=received, type=f"binary:{kind}", data=bytes(data[4:]))


def _preview_with_metadata(data: bytes, received: float) -> Event:
    (length,) = struct.unpack(">I", data[4:8])
    try:
        metadata = json.loads(data[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        metadata = None
    if 8 + length > len(data) or not isinstance(metadata, dict):
        return UnknownEvent(received=received, type="binary:4", data=bytes(data[4:]))
    image = bytes(data[8 + length :])
    fmt = _MIME_TYPES.get(str(metadata.get("image_type", "")).lower()) or _sniff(image)
    return PreviewImage(
        received=received,
        image=image,
        format=fmt,
        metadata=metadata,
        prompt_id=_opt_str(metadata.get("prompt_id")),
        node=_opt_str(metadata.get("node_id")),
    )
