"""ComfyUI-Manager V3.41 routes: captured answers by default, an accepting install queue."""

from __future__ import annotations

import time

import requests

from tests.fake_comfy import reference
from tests.fake_comfy_tests.wsclient import Recorder


def test_recorded_answers(fake_comfy):
    for item in reference.load("manager_responses.json")["responses"]:
        if item["method"] != "GET" or "note" in item or "status" not in item:
            continue
        response = requests.get(fake_comfy.url + item["url"], timeout=10)
        assert response.status_code == item["status"], item["url"]
        if item["content_type"]:
            assert response.headers["Content-Type"] == item["content_type"], item["url"]
        if "body_text" in item:
            assert response.text == item["body_text"], item["url"]
        elif "body" in item:
            assert response.json() == item["body"], item["url"]
        elif "n_entries" in item:
            assert len(response.json()) == item["n_entries"]
        elif "n_node_packs" in item:
            assert len(response.json()["node_packs"]) == item["n_node_packs"]


def test_install_is_refused_like_the_captured_server(fake_comfy):
    for item in reference.load("manager_responses.json")["responses"]:
        if item.get("url") == "/manager/queue/install":
            response = requests.post(fake_comfy.url + item["url"], json=item["request_json"],
                                     timeout=5)
            assert (response.status_code, response.text) == (item["status"], item["body_text"])
    form = requests.post(fake_comfy.url + "/manager/queue/reset", data={"a": "b"}, timeout=5)
    assert form.status_code == 400
    assert form.text.startswith("Invalid Content-Type")
    assert requests.post(fake_comfy.url + "/manager/queue/reset", json={},
                         timeout=5).status_code == 200


def test_accepting_mode_installs_and_reports_progress(fake_comfy):
    fake_comfy.scenario.manager.accepting = True
    fake_comfy.scenario.manager.fail_ids = {"bad-pack"}
    recorder = Recorder(fake_comfy.url, "panel")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        for pack in ("good-pack", "bad-pack"):
            response = requests.post(fake_comfy.url + "/manager/queue/install", json={
                "id": pack, "version": "1.0.0", "selected_version": "latest",
                "ui_id": f"ui-{pack}", "channel": "default", "mode": "local"}, timeout=5)
            assert response.status_code == 200
        status = requests.get(fake_comfy.url + "/manager/queue/status", timeout=5).json()
        assert status == {"total_count": 2, "done_count": 0, "in_progress_count": 0,
                          "is_processing": False}
        assert requests.post(fake_comfy.url + "/manager/queue/start",
                             timeout=5).status_code == 200
        assert recorder.wait_for(lambda fs: any(
            f["type"] == "cm-queue-status" and f["data"]["status"] == "done" for f in fs))
    finally:
        recorder.close()
    updates = [f["data"] for f in recorder.frames if f["type"] == "cm-queue-status"]
    assert [u["status"] for u in updates] == ["in_progress", "in_progress", "done"]
    assert updates[0]["target"] == "ui-good-pack"
    assert updates[-1]["nodepack_result"] == {
        "ui-good-pack": "success", "ui-bad-pack": "Installation failed: bad-pack"}
    assert [i["id"] for i in fake_comfy.manager_installs] == ["good-pack", "bad-pack"]
    installed = requests.get(fake_comfy.url + "/customnode/installed", timeout=5).json()
    assert list(installed) == ["good-pack"]
    packs = requests.get(fake_comfy.url + "/customnode/getlist",
                         params={"mode": "local", "skip_update": "true"}, timeout=10).json()
    assert packs["node_packs"]["good-pack"]["state"] == "enabled"


def test_disabled_pack_shows_in_getlist(fake_comfy):
    pack = next(iter(reference.shared("manager_getlist_local.json.gz")["node_packs"]))
    fake_comfy.scenario.manager.installed[pack] = {"state": "disabled"}
    packs = requests.get(fake_comfy.url + "/customnode/getlist",
                         params={"mode": "local"}, timeout=10).json()["node_packs"]
    assert packs[pack]["state"] == "disabled"
    installed = requests.get(fake_comfy.url + "/customnode/installed", timeout=5).json()
    assert installed[pack]["enabled"] is False


def test_without_manager_routes_are_missing(fake_comfy):
    fake_comfy.scenario.manager.mode = None
    assert requests.get(fake_comfy.url + "/manager/version", timeout=5).status_code == 404
    extensions = requests.get(fake_comfy.url + "/extensions", timeout=5).json()
    assert extensions == reference.load("extensions.json")


def test_v2_manager_probe_and_task_queue(fake_comfy):
    manager = fake_comfy.scenario.manager
    manager.mode = "v2"
    assert requests.get(fake_comfy.url + "/manager/version", timeout=5).status_code == 404
    assert requests.get(fake_comfy.url + "/v2/manager/version", timeout=5).text == "V4.3"
    task = {"ui_id": "u1", "client_id": "c", "kind": "install",
            "params": {"id": "some-pack", "selected_version": "latest"}}
    url = fake_comfy.url + "/v2/manager/queue/task"
    assert requests.post(url, json=task, timeout=5).status_code == 403
    manager.accepting = True
    assert requests.post(url, json=task, timeout=5).status_code == 200
    assert requests.post(fake_comfy.url + "/v2/manager/queue/start",
                         timeout=5).status_code == 200
    status_url = fake_comfy.url + "/v2/customnode/installed"
    deadline = time.monotonic() + 10
    while "some-pack" not in requests.get(status_url, timeout=5).json():
        assert time.monotonic() < deadline
    assert fake_comfy.manager_installs == [
        {"kind": "install", "id": "some-pack", "selected_version": "latest", "ui_id": "u1"}]


def test_reboot_restarts_the_server(fake_comfy):
    body = reference.load("prompt_api.json")
    prompt_id = requests.post(fake_comfy.url + "/prompt", json=body, timeout=5).json()[
        "prompt_id"]
    assert fake_comfy.wait_history(prompt_id) is not None
    recorder = Recorder(fake_comfy.url, "panel")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        assert requests.post(fake_comfy.url + "/manager/reboot", timeout=5).status_code == 200
        assert recorder.wait_closed()
    finally:
        recorder.close()
    assert _get_when_back(f"{fake_comfy.url}/history/{prompt_id}").json() == {}


def _get_when_back(url: str, timeout: float = 10.0) -> requests.Response:
    """GET ``url`` as soon as the rebooting server accepts connections again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise


def _classes(fake) -> dict:
    return requests.get(fake.url + "/object_info", timeout=10).json()


def test_installed_pack_nodes_appear_after_reboot(fake_comfy):
    manager = fake_comfy.scenario.manager
    manager.accepting = True
    assert "AddMask" not in _classes(fake_comfy)
    recorder = Recorder(fake_comfy.url, "panel")
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        requests.post(fake_comfy.url + "/manager/queue/install",
                      json={"id": "comfyui-impact-pack", "ui_id": "u"}, timeout=5)
        requests.post(fake_comfy.url + "/manager/queue/start", timeout=5)
        assert recorder.wait_for(lambda fs: any(
            f["type"] == "cm-queue-status" and f["data"]["status"] == "done" for f in fs))
    finally:
        recorder.close()
    assert "AddMask" not in _classes(fake_comfy)  # new code loads at the next start
    fake_comfy.restart()
    info = _classes(fake_comfy)
    assert info["AddMask"]["python_module"] == "custom_nodes.comfyui-impact-pack"
    manager.installed["comfyui-impact-pack"]["state"] = "disabled"
    fake_comfy.restart()
    assert "AddMask" not in _classes(fake_comfy)
    packs = requests.get(fake_comfy.url + "/customnode/getlist", params={"mode": "local"},
                         timeout=10).json()["node_packs"]
    assert packs["ComfyUI-Impact-Pack"]["state"] == "disabled"


def test_preinstalled_pack_and_custom_classes(fake_comfy):
    scenario = fake_comfy.scenario
    scenario.manager.installed["comfyui-impact-pack"] = {"state": "enabled"}
    scenario.add_node_class("FakeSaver", inputs={"required": {"images": ["IMAGE"]}},
                            output_node=True)
    scenario.hidden_nodes.add("PreviewImage")
    info = _classes(fake_comfy)
    assert "AddMask" in info and "FakeSaver" in info and "PreviewImage" not in info
    body = reference.load("prompt_api.json")
    body["prompt"]["9"]["class_type"] = "FakeSaver"
    del body["prompt"]["9"]["inputs"]["filename_prefix"]
    prompt_id = requests.post(fake_comfy.url + "/prompt", json=body, timeout=5).json()[
        "prompt_id"]
    entry = fake_comfy.wait_history(prompt_id)
    assert entry is not None and entry["status"]["status_str"] == "success"
    preview = reference.load("prompt_api_loadimage_preview.json")
    rejected = requests.post(fake_comfy.url + "/prompt", json=preview, timeout=5).json()
    assert rejected["error"]["message"] == (
        "Cannot execute because node PreviewImage does not exist.")
