"""Scenario knobs: failures, dropped sockets, slow answers, GPU, durations, logs."""

from __future__ import annotations

import requests

from tests.fake_comfy import GpuSpec, reference
from tests.fake_comfy_tests.wsclient import Recorder


def _post(fake, body: dict | None = None, client_id: str = "cid") -> str:
    body = body or reference.load("prompt_api.json")
    body["client_id"] = client_id
    response = requests.post(fake.url + "/prompt", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["prompt_id"]


def test_fail_node_by_class_type_reports_execution_error(fake_comfy):
    fake_comfy.scenario.fail_node = "KSampler"
    fake_comfy.scenario.fail_message = "CUDA out of memory"
    prompt_id = _post(fake_comfy)
    entry = fake_comfy.wait_history(prompt_id)
    assert entry is not None
    kind, data = entry["status"]["messages"][-1]
    assert kind == "execution_error"
    assert (data["node_id"], data["node_type"]) == ("3", "KSampler")
    assert data["exception_message"] == "CUDA out of memory\n"
    assert data["executed"] == ["4", "5", "10", "7", "6"]
    assert set(data["current_inputs"]) >= {"seed", "model", "latent_image"}


def test_disconnect_at_node_drops_sockets_and_the_run_continues(fake_comfy):
    fake_comfy.scenario.disconnect_at_node = "8"
    recorder = Recorder(fake_comfy.url, "cid")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        prompt_id = _post(fake_comfy)
        assert recorder.wait_closed()
        types = recorder.types()
        assert "execution_success" not in types
        assert ("executing", "8") not in [
            (f["type"], f["data"].get("node")) for f in recorder.frames
            if isinstance(f, dict)]
    finally:
        recorder.close()
    entry = fake_comfy.wait_history(prompt_id)
    assert entry is not None and entry["status"]["status_str"] == "success"


def test_reconnecting_client_is_told_the_current_node(fake_comfy):
    fake_comfy.scenario.step_duration = 0.05
    body = reference.load("prompt_api.json")
    body["prompt"]["3"]["inputs"]["steps"] = 100
    first = Recorder(fake_comfy.url, "cid")
    try:
        assert first.wait_for(lambda fs: len(fs) >= 1)
        prompt_id = _post(fake_comfy, body)
        assert first.wait_for(lambda fs: any(isinstance(f, dict) and f["type"] == "progress"
                                             for f in fs))
    finally:
        first.close()
    second = Recorder(fake_comfy.url, "cid")
    try:
        assert second.wait_for(lambda fs: len(fs) >= 2)
        assert second.frames[0]["data"]["sid"] == "cid"
        assert second.frames[1] == {"type": "executing", "data": {"node": "3"}}
        requests.post(fake_comfy.url + "/interrupt", timeout=5)
        second.wait_end(prompt_id)
    finally:
        second.close()


def test_http_delay_slows_answers(fake_comfy):
    fake_comfy.scenario.http_delay = 0.3
    session = requests.Session()
    try:
        session.get(fake_comfy.url + "/prompt", timeout=0.1)
    except requests.Timeout:
        pass
    else:
        raise AssertionError("a slow server should have made the client time out")
    assert session.get(fake_comfy.url + "/prompt", timeout=5).status_code == 200


def test_system_stats_reports_the_scenario_gpu(fake_comfy):
    default = requests.get(fake_comfy.url + "/system_stats", timeout=5).json()
    assert default == reference.load("system_stats.json")
    fake_comfy.scenario.gpu = GpuSpec(name="cuda:0 Fake GPU", vram_total=8 << 30,
                                      vram_free=6 << 30, torch_vram_total=2 << 30,
                                      torch_vram_free=1 << 30)
    device = requests.get(fake_comfy.url + "/system_stats", timeout=5).json()["devices"][0]
    assert device == {"name": "cuda:0 Fake GPU", "type": "cuda", "index": 0,
                      "vram_total": 8 << 30, "vram_free": 6 << 30,
                      "torch_vram_total": 2 << 30, "torch_vram_free": 1 << 30}


def test_models_follow_the_scenario(fake_comfy):
    fake_comfy.scenario.models["checkpoints"] = ["new.safetensors"]
    assert requests.get(fake_comfy.url + "/models/checkpoints", timeout=5).json() == [
        "new.safetensors"]
    assert requests.get(fake_comfy.url + "/models/vae", timeout=5).json() == []
    assert requests.get(fake_comfy.url + "/models/nope", timeout=5).status_code == 404
    info = requests.get(fake_comfy.url + "/object_info", timeout=10).json()
    assert info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] == [
        "new.safetensors"]
    rejected = requests.post(fake_comfy.url + "/prompt",
                             json=reference.load("prompt_api.json"), timeout=5)
    assert rejected.json()["node_errors"]["4"]["errors"][0]["type"] == "value_not_in_list"


def test_previews_can_be_switched_off(fake_comfy):
    fake_comfy.scenario.preview_frames = False
    recorder = Recorder(fake_comfy.url, "cid")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        frames = recorder.wait_end(_post(fake_comfy))
    finally:
        recorder.close()
    assert not any(isinstance(f, bytes) for f in frames)
    assert [f["data"]["value"] for f in frames if f["type"] == "progress"] == [1, 2]


def test_node_durations_by_id_and_class_apply(fake_comfy):
    scenario = fake_comfy.scenario
    scenario.node_durations = {"4": 1.5, "KSampler": 0.25}
    assert scenario.duration_for("4", "CheckpointLoaderSimple") == 1.5
    assert scenario.duration_for("3", "KSampler") == 0.25
    assert scenario.duration_for("8", "VAEDecode") == scenario.default_node_duration


def test_log_subscription_streams_server_lines(fake_comfy):
    recorder = Recorder(fake_comfy.url, "logger")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        requests.patch(fake_comfy.url + "/internal/logs/subscribe",
                       json={"clientId": "logger", "enabled": True}, timeout=5)
        _post(fake_comfy, client_id="someone-else")
        assert recorder.wait_for(lambda fs: any(
            f["type"] == "logs" and "Prompt executed" in f["data"]["entries"][0]["m"]
            for f in fs))
    finally:
        recorder.close()
    logs = [f["data"] for f in recorder.frames if f["type"] == "logs"]
    assert logs[0] == {"entries": [{"t": logs[0]["entries"][0]["t"], "m": "got prompt\n"}],
                       "size": {"cols": 80, "rows": 24}}
    assert all(batch["size"] is None for batch in logs[1:])
    raw = requests.get(fake_comfy.url + "/internal/logs/raw", timeout=5).json()
    assert raw["entries"][0]["m"] == "got prompt\n"


def test_queue_busy_statuses_follow_the_capture(fake_comfy):
    """POST A, B, C while A runs, delete B, interrupt A: C runs next (ws_run_queue_busy)."""
    fake_comfy.scenario.step_duration = 0.05
    body = reference.load("prompt_api.json")
    body["prompt"]["3"]["inputs"]["steps"] = 100
    recorder = Recorder(fake_comfy.url, "cid")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        a = _post(fake_comfy, body)
        assert recorder.wait_for(lambda fs: "executing" in recorder.types(fs))
        b, c = _post(fake_comfy, body), _post(fake_comfy, body)
        requests.post(fake_comfy.url + "/queue", json={"delete": [b]}, timeout=5)
        requests.post(fake_comfy.url + "/interrupt", json={"prompt_id": a}, timeout=5)
        assert recorder.wait_for(lambda fs: any(
            f["type"] == "execution_start" and f["data"]["prompt_id"] == c
            for f in fs if isinstance(f, dict)))
        requests.post(fake_comfy.url + "/interrupt", timeout=5)
        recorder.wait_end(c)
    finally:
        recorder.close()
    statuses = [f["data"]["status"]["exec_info"]["queue_remaining"]
                for f in recorder.frames if isinstance(f, dict) and f["type"] == "status"]
    assert statuses[:8] == [0, 1, 1, 2, 3, 2, 1, 1]
    text = [f for f in recorder.frames if isinstance(f, dict)]
    end_a = next(i for i, f in enumerate(text) if f["type"] == "execution_interrupted")
    assert [f["type"] for f in text[end_a:end_a + 4]] == [
        "execution_interrupted", "status", "executing", "status"]
    assert b not in fake_comfy.history
