"""The fake server's websocket traffic matches the captured traces frame by frame."""

from __future__ import annotations

import copy
import json

import requests

from tests.fake_comfy import reference
from tests.fake_comfy_tests.traces import (
    normalized,
    reference_frames,
    reference_normalized,
    summaries,
)
from tests.fake_comfy_tests.wsclient import Recorder


def _ok_prompt() -> dict:
    return reference.load("prompt_api.json")


def _exact(frames: list, prompt_id: str, client_id: str = "cid") -> list:
    return normalized(frames, [prompt_id], client_id)


def _run(fake, body: dict, client_id: str = "cid", first_message: dict | None = None):
    """Connect, post ``body`` as ``client_id`` and return (frames, prompt_id)."""
    recorder = Recorder(fake.url, client_id, first_message)
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= (2 if first_message else 1))
        body = copy.deepcopy(body)
        body["client_id"] = client_id
        response = requests.post(fake.url + "/prompt", json=body, timeout=10)
        assert response.status_code == 200, response.text
        prompt_id = response.json()["prompt_id"]
        return recorder.wait_end(prompt_id), prompt_id
    finally:
        recorder.close()


def test_cold_run_matches_reference_trace(fake_comfy):
    frames, prompt_id = _run(fake_comfy, _ok_prompt())
    assert _exact(frames, prompt_id) == reference_normalized("ws_run_ok.jsonl")


def test_cached_rerun_replays_executed_and_writes_nothing(fake_comfy):
    _run(fake_comfy, _ok_prompt())
    files_before = sorted(p.name for p in fake_comfy.output_dir.iterdir())
    frames, prompt_id = _run(fake_comfy, _ok_prompt())
    assert _exact(frames, prompt_id) == reference_normalized("ws_run_cached.jsonl")
    assert sorted(p.name for p in fake_comfy.output_dir.iterdir()) == files_before
    entry = requests.get(f"{fake_comfy.url}/history/{prompt_id}", timeout=5).json()[prompt_id]
    assert entry["outputs"]["9"]["images"][0]["filename"] == "ComfyUI_00001_.png"


def test_run_after_restart_is_cold_and_numbers_continue(fake_comfy):
    for number in range(1, 9):
        (fake_comfy.output_dir / f"ComfyUI_{number:05}_.png").write_bytes(b"old")
    fake_comfy.restart()
    frames, _ = _run(fake_comfy, _ok_prompt())
    assert summaries(frames) == summaries(
        reference_frames("ws_run_after_restart_with_manager.jsonl"))
    frames, _ = _run(fake_comfy, _ok_prompt())
    assert summaries(frames) == summaries(
        reference_frames("ws_run_after_restart_with_manager_cached.jsonl"))


def test_changed_seed_runs_only_downstream_nodes(fake_comfy):
    _run(fake_comfy, _ok_prompt())
    body = _ok_prompt()
    body["prompt"]["3"]["inputs"]["seed"] = 43
    frames, prompt_id = _run(fake_comfy, body)
    assert _exact(frames, prompt_id) == reference_normalized("ws_run_changed_seed.jsonl")


def test_feature_flags_give_metadata_previews_before_progress(fake_comfy):
    _run(fake_comfy, _ok_prompt())
    body = _ok_prompt()
    body["prompt"]["3"]["inputs"]["seed"] = 43
    _run(fake_comfy, body)  # the capture's sequence: seed 42, (cached), 43, then 44
    body["prompt"]["3"]["inputs"]["seed"] = 44
    hello = {"type": "feature_flags", "data": {"supports_preview_metadata": True}}
    frames, prompt_id = _run(fake_comfy, body, first_message=hello)
    assert _exact(frames, prompt_id) == reference_normalized("ws_run_feature_flags.jsonl")
    preview = next(f for f in frames if isinstance(f, bytes))
    size = int.from_bytes(preview[4:8], "big")
    meta = json.loads(preview[8:8 + size])
    assert meta == {"node_id": "3", "prompt_id": prompt_id, "display_node_id": "3",
                    "parent_node_id": None, "real_node_id": "3", "image_type": "image/jpeg"}
    assert preview[8 + size:8 + size + 2] == b"\xff\xd8"


def test_runtime_error_matches_reference(fake_comfy):
    _run(fake_comfy, _ok_prompt())
    fake_comfy.scenario.fail_node = "8"
    body = reference.load("prompt_api_exec_error.json")
    frames, prompt_id = _run(fake_comfy, body)
    # Everything is equal but what the failure itself says (the fake raises its own error).
    assert _mask_failure(_exact(frames, prompt_id)) == _mask_failure(
        reference_normalized("ws_run_exec_error.jsonl"))
    error = next(f for f in frames if f != b"" and isinstance(f, dict)
                 and f["type"] == "execution_error")["data"]
    assert error["current_outputs"] == ["9", "8", "4", "20"]
    assert error["exception_message"].endswith("\n")
    assert all(isinstance(line, str) for line in error["traceback"])
    entry = fake_comfy.history[prompt_id]
    assert entry["status"]["status_str"] == "error"
    assert entry["status"]["completed"] is False
    assert entry["outputs"] == {} and entry["meta"] == {}
    assert [m[0] for m in entry["status"]["messages"]] == [
        "execution_start", "execution_cached", "execution_error"]


def _mask_failure(frames: list) -> list:
    for frame in frames:
        if isinstance(frame, dict) and frame["type"] == "execution_error":
            data = frame["data"]
            data["exception_message"] = data["traceback"] = "..."
            data["current_inputs"] = sorted(data["current_inputs"])
    return frames


def test_interrupt_stops_at_a_step_boundary(fake_comfy):
    _run(fake_comfy, _ok_prompt())
    fake_comfy.scenario.step_duration = 0.05
    body = reference.load("history_interrupted.json")
    prompt = next(iter(body.values()))["prompt"][2]
    recorder = Recorder(fake_comfy.url, "cid")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        response = requests.post(fake_comfy.url + "/prompt",
                                 json={"prompt": prompt, "client_id": "cid"}, timeout=5)
        prompt_id = response.json()["prompt_id"]
        assert recorder.wait_for(lambda fs: any(
            isinstance(f, dict) and f["type"] == "progress" and f["data"]["value"] == 3
            for f in fs))
        assert requests.post(fake_comfy.url + "/interrupt", timeout=5).text == ""
        frames = recorder.wait_end(prompt_id)
    finally:
        recorder.close()
    expected = _collapse_steps(summaries(reference_frames("ws_run_interrupted.jsonl")))
    assert _collapse_steps(summaries(frames)) == expected
    entry = fake_comfy.history[prompt_id]
    assert entry["status"]["messages"][-1][0] == "execution_interrupted"
    assert entry["status"]["status_str"] == "error"


def _collapse_steps(items: list[tuple]) -> list[tuple]:
    """Sampler step blocks (progress_state, progress, preview) become one marker, since
    how many steps pass before an interrupt lands depends on timing."""
    out: list[tuple] = []
    for item in items:
        sampler_state = item[0] == "progress_state" and item[1][-1][2] not in (0.0, 1.0)
        if sampler_state or item[0] in ("progress", "BINARY"):
            item = ("step-block",)
        if not (out and out[-1] == item == ("step-block",)):
            out.append(item)
    return out


def test_other_client_sees_only_status(fake_comfy):
    observer = Recorder(fake_comfy.url, "observer")
    try:
        assert observer.wait_for(lambda fs: len(fs) >= 1)
        _run(fake_comfy, _ok_prompt(), client_id="submitter")
        assert observer.wait_for(lambda fs: len(fs) >= 4)
        assert summaries(observer.frames) == summaries(
            reference_frames("ws_observer_other_client.jsonl"))
    finally:
        observer.close()


def test_prompt_without_client_id_broadcasts_progress_only(fake_comfy):
    _run(fake_comfy, _ok_prompt())  # warm the cache like the capture
    observer = Recorder(fake_comfy.url, "observer")
    try:
        assert observer.wait_for(lambda fs: len(fs) >= 1)
        body = _ok_prompt()
        body["prompt"]["3"]["inputs"]["seed"] = 45
        del body["client_id"]
        response = requests.post(fake_comfy.url + "/prompt", json=body, timeout=5)
        assert response.status_code == 200
        assert fake_comfy.wait_idle(10)
        assert observer.wait_for(lambda fs: summaries(fs)[-1][:2] == ("status", 0))
        assert summaries(observer.frames) == summaries(
            reference_frames("ws_observer_no_client_id.jsonl"))
    finally:
        observer.close()


def test_api_ws_path_and_generated_sid(fake_comfy):
    recorder = Recorder(fake_comfy.url, None, path="/api/ws")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        sid = recorder.frames[0]["data"]["sid"]
        assert len(sid) == 32 and "-" not in sid
    finally:
        recorder.close()
