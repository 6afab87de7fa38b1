"""Validation bodies, queue, history, view, origin check and stop/start."""

from __future__ import annotations

import copy
import json

import pytest
import requests

from tests.fake_comfy import reference
from tests.fake_comfy_tests.traces import normalized_history
from tests.fake_comfy_tests.wsclient import Recorder


def _post(fake, body: dict) -> requests.Response:
    return requests.post(fake.url + "/prompt", json=body, timeout=10)


def test_validation_answers_equal_the_recorded_ones(fake_comfy):
    cases = reference.load("error_validation.json")
    for number, case in enumerate(cases):
        response = _post(fake_comfy, copy.deepcopy(case["request"]))
        assert response.status_code == case["status"], case["case"]
        body = response.json()
        if case["status"] == 200:
            assert body["number"] == number  # rejected posts used numbers too
            assert body["node_errors"] == case["body"]["node_errors"]
        else:
            assert body == case["body"], case["case"]
    assert fake_comfy.wait_idle(10)


def test_partial_prompt_runs_only_the_valid_output(fake_comfy):
    case = reference.load("error_validation.json")[-1]
    prompt_id = _post(fake_comfy, case["request"]).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    entry = fake_comfy.history[prompt_id]
    assert entry["prompt"][4] == ["9"]
    assert list(entry["outputs"]) == ["9"]


@pytest.mark.parametrize("name,value,kind", [
    ("steps", 10001, "value_bigger_than_max"),
    ("sampler_name", "nope", "value_not_in_list"),
])
def test_other_input_errors(fake_comfy, name, value, kind):
    body = reference.load("prompt_api.json")
    body["prompt"]["3"]["inputs"][name] = value
    response = _post(fake_comfy, body)
    assert response.status_code == 400
    assert response.json()["node_errors"]["3"]["errors"][0]["type"] == kind


@pytest.mark.parametrize("mutate", [
    lambda p: p["8"]["inputs"].update(samples=["8", 0]),      # a cycle
    lambda p: p["8"]["inputs"].update(samples=[3, 0]),        # int node id
    lambda p: p["8"]["inputs"].update(samples=["3", 7]),      # no such output slot
    lambda p: p["8"]["inputs"].update(samples=["3"]),         # malformed link
    lambda p: p["8"].update(inputs="nonsense"),
    lambda p: p["3"]["inputs"].update(seed=None),
])
def test_hostile_prompts_get_a_400_not_a_crash(fake_comfy, mutate):
    body = reference.load("prompt_api.json")
    mutate(body["prompt"])
    response = _post(fake_comfy, body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "prompt_outputs_failed_validation"
    assert requests.get(fake_comfy.url + "/queue", timeout=5).status_code == 200


def test_garbage_bodies_are_refused(fake_comfy):
    url = fake_comfy.url + "/prompt"
    assert requests.post(url, data=b"{not json", timeout=5).status_code == 500
    assert requests.post(url, json={"prompt": []}, timeout=5).status_code == 400
    assert requests.post(url, json={"prompt": {"1": "x"}}, timeout=5).json()["error"][
        "type"] == "invalid_prompt"


def test_v3_combo_values_are_checked(fake_comfy):
    prompt = {
        "1": {"class_type": "EmptyLatentImage",
              "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "2": {"class_type": "LatentCut", "inputs": {"samples": ["1", 0], "dim": "q",
                                                     "index": 0, "amount": 1}},
        "3": {"class_type": "SaveLatent", "inputs": {"samples": ["2", 0],
                                                      "filename_prefix": "x"}},
    }
    response = _post(fake_comfy, {"prompt": prompt})
    assert response.status_code == 400
    error = response.json()["node_errors"]["2"]["errors"][0]
    assert error["type"] == "value_not_in_list"
    assert error["details"] == "dim: 'q' not in ['x', 'y', 't']"


def test_history_entry_has_the_reference_shape(fake_comfy):
    body = reference.load("prompt_api.json")
    prompt_id = _post(fake_comfy, body).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    got = requests.get(f"{fake_comfy.url}/history/{prompt_id}", timeout=5).json()[prompt_id]
    want = next(iter(reference.load("history_ok.json").values()))
    assert list(got) == list(want)
    assert got["prompt"][2] == want["prompt"][2]
    assert got["prompt"][3] == want["prompt"][3] | {"client_id": body["client_id"]}
    assert got["prompt"][4] == want["prompt"][4]
    assert got["outputs"] == want["outputs"]
    assert got["meta"] == want["meta"]
    assert [m[0] for m in got["status"]["messages"]] == [
        m[0] for m in want["status"]["messages"]]
    assert got["status"]["status_str"] == "success" and got["status"]["completed"] is True
    assert requests.get(f"{fake_comfy.url}/history/nope", timeout=5).json() == {}
    assert list(requests.get(f"{fake_comfy.url}/history?max_items=1", timeout=5).json()) == [
        prompt_id]


def _reference_history(name: str) -> tuple[dict, list[str], str]:
    data = reference.load(name)
    data = data.get("body", data)
    ids = list(data)
    return data, ids, next(iter(data.values()))["prompt"][3]["client_id"]


def test_history_equals_the_captured_entries(fake_comfy):
    for name in ("history_ok.json", "history_cached.json"):
        want, want_ids, want_client = _reference_history(name)
        body = reference.load("prompt_api.json")
        body["client_id"] = "client-under-test-0001"
        prompt_id = _post(fake_comfy, body).json()["prompt_id"]
        got = requests.get(f"{fake_comfy.url}/history/{prompt_id}", timeout=5)
        if not got.json():
            assert fake_comfy.wait_history(prompt_id) is not None
            got = requests.get(f"{fake_comfy.url}/history/{prompt_id}", timeout=5)
        mine = normalized_history(got.json(), [prompt_id], "client-under-test-0001")
        theirs = normalized_history(want, want_ids, want_client)
        mine[next(iter(mine))]["prompt"][0] = theirs[next(iter(theirs))]["prompt"][0]
        assert mine == theirs, name


def test_history_list_after_restart_equals_the_capture(fake_comfy):
    for number in range(1, 9):
        (fake_comfy.output_dir / f"ComfyUI_{number:05}_.png").write_bytes(b"old")
    fake_comfy.restart()
    want = reference.load("history_list_max2.json")["body"]
    ids = []
    for entry in want.values():  # posted like the capture: no extra_data, own client ids
        body = {"prompt": entry["prompt"][2], "client_id": entry["prompt"][3]["client_id"]}
        ids.append(_post(fake_comfy, body).json()["prompt_id"])
        assert fake_comfy.wait_history(ids[-1]) is not None
    got = requests.get(fake_comfy.url + "/history", params={"max_items": 2}, timeout=5).json()
    assert normalized_history(got, ids, None) == normalized_history(want, list(want), None)
    latest = requests.get(fake_comfy.url + "/history", params={"max_items": 1}, timeout=5)
    assert list(latest.json()) == ids[1:]


def test_saved_png_is_served_with_real_size_and_metadata(fake_comfy):
    body = reference.load("prompt_api.json")
    body["prompt"]["5"]["inputs"].update(width=96, height=80, batch_size=2)
    body["prompt"]["9"]["inputs"]["filename_prefix"] = "ComfyDesk/abc"
    prompt_id = _post(fake_comfy, body).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    images = fake_comfy.history[prompt_id]["outputs"]["9"]["images"]
    assert images == [
        {"filename": "abc_00001_.png", "subfolder": "ComfyDesk", "type": "output"},
        {"filename": "abc_00002_.png", "subfolder": "ComfyDesk", "type": "output"},
    ]
    response = requests.get(fake_comfy.url + "/view", params=images[1], timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    from io import BytesIO

    from PIL import Image
    with Image.open(BytesIO(response.content)) as image:
        assert image.size == (96, 80)
        assert "prompt" in image.text and "workflow" in image.text


def test_view_rejects_missing_and_escaping_paths(fake_comfy):
    view = fake_comfy.url + "/view"
    assert requests.get(view, params={"filename": "nope.png"}, timeout=5).status_code == 404
    assert requests.get(view, params={"filename": "../x.png"}, timeout=5).status_code == 400
    assert requests.get(view, params={"filename": "x.png", "subfolder": "../.."},
                        timeout=5).status_code == 403
    assert requests.get(view, params={"filename": "x.png", "type": "bogus"},
                        timeout=5).status_code == 400


def test_counter_continues_after_files_on_disk(fake_comfy):
    (fake_comfy.output_dir / "ComfyUI_00007_.png").write_bytes(b"x")
    prompt_id = _post(fake_comfy, reference.load("prompt_api.json")).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    images = fake_comfy.history[prompt_id]["outputs"]["9"]["images"]
    assert images[0]["filename"] == "ComfyUI_00008_.png"


def test_queue_listing_delete_and_interrupt_by_id(fake_comfy):
    fake_comfy.scenario.step_duration = 0.05
    body = reference.load("prompt_api.json")
    body["prompt"]["3"]["inputs"]["steps"] = 200
    ids = []
    for seed in (1, 2, 3):
        body["prompt"]["3"]["inputs"]["seed"] = seed
        ids.append(_post(fake_comfy, body).json()["prompt_id"])
    queue = requests.get(fake_comfy.url + "/queue", timeout=5).json()
    assert [item[1] for item in queue["queue_running"]] == ids[:1]
    assert [item[1] for item in sorted(queue["queue_pending"])] == ids[1:]
    assert requests.get(fake_comfy.url + "/prompt", timeout=5).json() == {
        "exec_info": {"queue_remaining": 3}}
    response = requests.post(fake_comfy.url + "/queue", json={"delete": [ids[1]]}, timeout=5)
    assert response.status_code == 200 and response.text == ""
    requests.post(fake_comfy.url + "/interrupt", json={"prompt_id": "not-running"}, timeout=5)
    assert not fake_comfy.wait_idle(0.05)
    for prompt_id in (ids[0], ids[2]):
        requests.post(fake_comfy.url + "/interrupt", json={"prompt_id": prompt_id},
                      timeout=5)
        assert fake_comfy.wait_history(prompt_id) is not None
    assert fake_comfy.wait_idle(10)
    history = fake_comfy.history
    assert ids[1] not in history
    assert history[ids[0]]["status"]["messages"][-1][0] == "execution_interrupted"


def test_busy_queue_answers_equal_the_capture(fake_comfy):
    """A running, B and C pending; delete B; interrupt A (queue_busy.json)."""
    captured = reference.load("queue_busy.json")
    before = captured["GET /queue while A running, B and C pending"]
    _post(fake_comfy, reference.load("prompt_api.json"))  # warm the cache like the capture
    assert fake_comfy.wait_idle(10)
    fake_comfy.scenario.step_duration = 0.05
    want_ids = [item[1] for item in before["queue_running"] + before["queue_pending"]]
    ids = []
    for item in before["queue_running"] + sorted(before["queue_pending"]):
        ids.append(_post(fake_comfy, {"prompt": item[2], **item[3]}).json()["prompt_id"])

    def same(got: dict, want: dict) -> None:
        mine = json.loads(_replace(json.dumps(got), ids))
        theirs = json.loads(_replace(json.dumps(want), want_ids))
        for item in mine["queue_running"] + mine["queue_pending"]:
            item[0] = "N"
        for item in theirs["queue_running"] + theirs["queue_pending"]:
            item[0] = "N"
        assert mine == theirs

    same(requests.get(fake_comfy.url + "/queue", timeout=5).json(), before)
    assert requests.get(fake_comfy.url + "/prompt", timeout=5).json() == captured[
        "GET /prompt at same time"]
    requests.post(fake_comfy.url + "/queue", json={"delete": [ids[1]]}, timeout=5)
    same(requests.get(fake_comfy.url + "/queue", timeout=5).json(),
         captured["GET /queue after delete"])
    requests.post(fake_comfy.url + "/interrupt", json={"prompt_id": ids[0]}, timeout=5)
    history_a = fake_comfy.wait_history(ids[0])
    assert fake_comfy.wait_history(ids[2]) is not None
    mine = normalized_history({"A": history_a}, ids, None)["A"]
    theirs = normalized_history(captured["history_A"], want_ids, None)["PROMPT0"]
    mine["prompt"][0] = theirs["prompt"][0]  # the capture's server had taken 14 numbers
    assert mine == theirs
    assert requests.get(f"{fake_comfy.url}/history/{ids[1]}", timeout=5).json() == captured[
        "history_B (deleted, never ran)"]


def _replace(text: str, ids: list[str]) -> str:
    for index, prompt_id in enumerate(ids):
        text = text.replace(prompt_id, f"PROMPT{index}")
    return text


def test_queue_clear(fake_comfy):
    fake_comfy.scenario.default_node_duration = 0.05
    body = reference.load("prompt_api.json")
    for seed in (1, 2, 3):
        body["prompt"]["3"]["inputs"]["seed"] = seed
        _post(fake_comfy, body)
    requests.post(fake_comfy.url + "/queue", json={"clear": True}, timeout=5)
    assert requests.get(fake_comfy.url + "/queue", timeout=5).json()["queue_pending"] == []
    assert fake_comfy.wait_idle(10)
    assert len(fake_comfy.history) == 1


def test_foreign_origin_is_refused(fake_comfy):
    url = fake_comfy.url + "/queue"
    assert requests.get(url, headers={"Origin": "http://evil.example"},
                        timeout=5).status_code == 403
    same = f"http://127.0.0.1:{fake_comfy.port}"
    assert requests.get(url, headers={"Origin": same}, timeout=5).status_code == 200


@pytest.mark.parametrize("name", ["embeddings", "features", "extensions_with_manager",
                                  "models", "queue_empty"])
def test_simple_answers_equal_the_capture_also_under_api(fake_comfy, name):
    route = {"extensions_with_manager": "extensions", "queue_empty": "queue"}.get(name, name)
    for prefix in ("", "/api"):
        got = requests.get(f"{fake_comfy.url}{prefix}/{route}", timeout=5).json()
        assert got == reference.load(f"{name}.json")


# /internal/files/output listed the capture's placeholder file; a fresh fake has none.
@pytest.mark.parametrize("case", [c for c in reference.load("misc_get_responses.json")
                                  if "note" not in c and "/internal/files" not in c["url"]])
def test_misc_answers_equal_the_capture(fake_comfy, case):
    response = requests.get(fake_comfy.url + case["url"], timeout=10)
    assert response.status_code == case["status"]
    if "body" in case:
        body = response.json()
        if case["url"].startswith("/experiment/models/"):
            body = [{k: v for k, v in e.items() if k in ("name", "pathIndex")} for e in body]
            case["body"] = [{k: v for k, v in e.items() if k in ("name", "pathIndex")}
                            for e in case["body"]]
        assert body == case["body"]


def test_routes_are_also_under_api_but_internal_is_not(fake_comfy):
    assert requests.get(fake_comfy.url + "/api/system_stats", timeout=5).status_code == 200
    assert requests.get(fake_comfy.url + "/api/object_info/KSampler", timeout=5).json()[
        "KSampler"]["name"] == "KSampler"
    assert requests.get(fake_comfy.url + "/internal/logs/raw", timeout=5).status_code == 200
    assert requests.get(fake_comfy.url + "/api/internal/logs/raw",
                        timeout=5).status_code == 404


def test_requests_are_recorded(fake_comfy):
    requests.post(fake_comfy.url + "/queue?x=1", json={"clear": True}, timeout=5)
    recorded = fake_comfy.requests[-1]
    assert (recorded.method, recorded.path, recorded.query, recorded.json) == (
        "POST", "/queue", {"x": "1"}, {"clear": True})


def test_stop_drops_sockets_and_start_reuses_the_port(fake_comfy):
    port = fake_comfy.port
    recorder = Recorder(fake_comfy.url, "cid")
    session = requests.Session()
    assert session.get(fake_comfy.url + "/prompt", timeout=5).status_code == 200
    try:
        assert recorder.wait_for(lambda fs: len(fs) >= 1)
        fake_comfy.stop()
        assert recorder.wait_closed()
        with pytest.raises(requests.ConnectionError):
            session.get(fake_comfy.url + "/prompt", timeout=5)
        fake_comfy.start()
        assert fake_comfy.port == port
        assert session.get(fake_comfy.url + "/prompt", timeout=5).status_code == 200
    finally:
        recorder.close()


def test_restart_clears_history_but_keeps_files(fake_comfy):
    prompt_id = _post(fake_comfy, reference.load("prompt_api.json")).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    fake_comfy.restart(clear_history=True)
    assert requests.get(f"{fake_comfy.url}/history/{prompt_id}", timeout=5).json() == {}
    assert (fake_comfy.output_dir / "ComfyUI_00001_.png").is_file()
    second = _post(fake_comfy, reference.load("prompt_api.json")).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    entry = fake_comfy.history[second]
    assert entry["outputs"]["9"]["images"][0]["filename"] == "ComfyUI_00002_.png"
    assert entry["status"]["messages"][1] == ["execution_cached", {
        "nodes": [], "prompt_id": second,
        "timestamp": entry["status"]["messages"][1][1]["timestamp"]}]  # cold again


def test_crash_loses_the_running_prompt_and_history(fake_comfy):
    fake_comfy.scenario.step_duration = 0.05
    body = reference.load("prompt_api.json")
    body["prompt"]["3"]["inputs"]["steps"] = 100
    done = _post(fake_comfy, reference.load("prompt_api.json")).json()["prompt_id"]
    assert fake_comfy.wait_history(done) is not None
    running = _post(fake_comfy, body).json()["prompt_id"]
    fake_comfy.crash()
    with pytest.raises(requests.ConnectionError):
        requests.get(fake_comfy.url + "/queue", timeout=5)
    fake_comfy.start()
    assert requests.get(fake_comfy.url + "/queue", timeout=5).json() == {
        "queue_running": [], "queue_pending": []}
    assert fake_comfy.history == {}
    assert fake_comfy.wait_history(running, timeout=0.1) is None


def test_factory_makes_independent_servers(fake_comfy, fake_comfy_factory):
    other = fake_comfy_factory()
    assert other.port != fake_comfy.port
    _post(other, reference.load("prompt_api.json"))
    assert other.wait_idle(10)
    assert len(other.history) == 1 and fake_comfy.history == {}
