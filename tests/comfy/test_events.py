"""Every frame ComfyUI really sent (the reference traces) parses to its typed event."""

from __future__ import annotations

import json
import struct

import pytest

from app.comfy import events as ev
from tests.comfy.refdata import trace, trace_names

EXPECTED = {
    "status": ev.Status,
    "execution_start": ev.ExecutionStart,
    "execution_cached": ev.ExecutionCached,
    "executing": ev.Executing,
    "progress": ev.Progress,
    "progress_state": ev.ProgressState,
    "executed": ev.Executed,
    "execution_success": ev.ExecutionSuccess,
    "execution_error": ev.ExecutionError,
    "execution_interrupted": ev.ExecutionInterrupted,
    "logs": ev.Logs,
    "feature_flags": ev.FeatureFlags,
}


@pytest.mark.parametrize("name", trace_names())
def test_every_text_frame_of_every_trace_parses_to_its_type(name):
    frames = [r for r in trace(name) if r["kind"] == "text"]
    assert frames, name
    for index, record in enumerate(frames):
        event = ev.parse_text(json.dumps(record["msg"]), received=float(index))
        assert type(event) is EXPECTED[record["msg"]["type"]], record["msg"]
        assert event.received == float(index)
        data = record["msg"]["data"]
        if "prompt_id" in data:
            assert event.prompt_id == data["prompt_id"]


def _fake_image(magic_hex: str) -> bytes:
    return bytes.fromhex(magic_hex) + b"\x00" * 32


@pytest.mark.parametrize("name", trace_names())
def test_binary_preview_frames_rebuilt_from_the_traces_decode(name):
    for record in (r for r in trace(name) if r["kind"] == "binary"):
        image = _fake_image(record["image_magic_hex"])
        if record["event_type"] == 1:
            frame = bytes.fromhex(record["head_hex"]) + image
            event = ev.parse_binary(frame, 1.0)
            assert isinstance(event, ev.PreviewImage)
            assert event.format == {1: "jpeg", 2: "png"}[record["image_type"]]
            assert event.metadata is None and event.prompt_id is None
        else:
            meta = json.dumps(record["metadata"]).encode()
            assert len(meta) == record["metadata_len"]
            frame = struct.pack(">II", 4, len(meta)) + meta + image
            assert frame[:8].hex() == record["head_hex"]
            event = ev.parse_binary(frame, 1.0)
            assert isinstance(event, ev.PreviewImage)
            assert event.format == "jpeg"
            assert event.metadata == record["metadata"]
            assert event.prompt_id == record["metadata"]["prompt_id"]
            assert event.node == "3"
        assert event.image == image


def test_field_values_of_key_messages():
    records = {
        r["msg"]["type"]: r["msg"] for r in trace("ws_run_exec_error.jsonl") if r["kind"] == "text"
    }
    error = ev.parse_text(json.dumps(records["execution_error"]), 2.0)
    assert error.node_id == "8" and error.node_type == "VAEDecode"
    assert error.exception_type == "RuntimeError"
    assert error.executed == ("20",) and isinstance(error.traceback, tuple)
    assert isinstance(error.timestamp, int)
    first = next(r["msg"] for r in trace("ws_run_ok.jsonl") if r["kind"] == "text")
    status = ev.parse_text(json.dumps(first), 0.0)
    assert status.queue_remaining == 0 and status.sid == "2fe3f8b3-2eeb-4219-b8e7-0d4d4e46d14f"
    end = ev.parse_text('{"type":"executing","data":{"node":null,"prompt_id":"p"}}', 0.0)
    assert end.node is None and end.prompt_id == "p"


def test_png_preview_and_progress_text_frames():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    event = ev.parse_binary(struct.pack(">II", 1, 2) + png, 0.0)
    assert event.format == "png" and event.image == png
    text = struct.pack(">I", 1) + b"7" + "step 3 ✓".encode()
    event = ev.parse_binary(struct.pack(">I", 3) + text, 0.0)
    assert isinstance(event, ev.ProgressText)
    assert (event.node, event.text) == ("7", "step 3 ✓")


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"data": {}}',
        '{"type": "progress", "data": {"value": "x", "max": 2}}',
        '{"type": "executed", "data": {"output": {}}}',
        '{"type": "status", "data": "oops"}',
        '{"type": "cm-queue-status", "data": {"status": "in_progress"}}',
    ],
)
def test_unexpected_text_frames_pass_through_as_unknown(raw):
    event = ev.parse_text(raw, 5.0)
    assert isinstance(event, ev.UnknownEvent)
    assert event.received == 5.0


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"\x00\x00\x00\x04",
        struct.pack(">II", 4, 999) + b"{}",
        struct.pack(">II", 4, 2) + b"[]" + b"img",
        struct.pack(">II", 9, 0) + b"???",
    ],
)
def test_malformed_binary_frames_never_raise(frame):
    assert isinstance(ev.parse_binary(frame, 0.0), ev.UnknownEvent)


def test_events_are_immutable():
    event = ev.parse_text(
        '{"type":"status","data":{"status":{"exec_info":{"queue_remaining":2}}}}', 0
    )
    with pytest.raises(AttributeError):
        event.queue_remaining = 3
