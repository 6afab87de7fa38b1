"""Workflow sources: a file, a workflow saved in ComfyUI, the last Generate request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.comfy.client import ComfyClient
from app.generation.params import GenerationParams
from app.generation.store import GenerationStore
from app.profiler.errors import WorkflowSourceError
from app.profiler.runner import ProfileRun, RunOptions, RunRequest
from app.profiler.sources import (
    FILE,
    GENERATE,
    USERDATA,
    WorkflowSource,
    list_userdata_workflows,
    load_prompt,
)
from tests.profiler.fake_nvml import FakeNvml

REF = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"


@pytest.mark.integration
def test_workflow_saved_in_comfyui_is_listed_and_converted(fake_comfy):
    client = ComfyClient(fake_comfy.url)
    try:
        client.userdata_write("workflows/sub/my flow.json",
                              (REF / "workflow_ui_example.json").read_bytes())
        assert "sub/my flow.json" in list_userdata_workflows(client)
        prompt = load_prompt(WorkflowSource(USERDATA, "sub/my flow.json"), client)
    finally:
        client.close()
    assert {node["class_type"] for node in prompt.values()} >= {"KSampler", "SaveImage"}


def test_last_generate_request_is_rebuilt_by_generates_builder(database):
    source = WorkflowSource(GENERATE, "")
    with pytest.raises(WorkflowSourceError, match="no Generate request"):
        load_prompt(source, database=database)
    GenerationStore(database).create(
        "req-1", GenerationParams(checkpoint="random_sd15.safetensors", prompt="a red fox"))
    prompt = load_prompt(source, database=database)
    texts = [n["inputs"].get("text") for n in prompt.values()
             if n["class_type"] == "CLIPTextEncode"]
    assert "a red fox" in texts


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"hello": 1}), "not a ComfyUI workflow"),
    (json.dumps({"nodes": [], "links": []}), "needs ComfyUI's node list"),
])
def test_bad_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WorkflowSourceError, match=message):
        load_prompt(WorkflowSource(FILE, str(path)))
    with pytest.raises(WorkflowSourceError, match="Cannot read"):
        load_prompt(WorkflowSource(FILE, str(tmp_path / "missing.json")))


@pytest.mark.integration
def test_selected_image_pool_profile_is_applied_to_the_run_and_recorded(fake_comfy, store):
    fake_comfy.scenario.add_node_class(
        "GridImagePool", inputs={"required": {"index": ["INT", {}], "pool_id": ["STRING", {}]}},
        outputs=("IMAGE",))
    prompt = json.loads((REF / "prompt_api.json").read_text())["prompt"]
    prompt["30"] = {"class_type": "GridImagePool", "inputs": {"index": -1, "pool_id": "old"}}
    request = RunRequest(prompt=prompt, backend_url=fake_comfy.url, profile_id="pool-42")
    runner = ProfileRun(request, store, RunOptions(nvml_api=FakeNvml()))
    record = runner.run()
    assert record.summary.profile_id == "pool-42" and record.summary.status == "completed"
    assert runner.profile_nodes == ["30"]
    ran = fake_comfy.history[runner.prompt_id]["prompt"][2]  # what ComfyUI received
    assert ran["30"]["inputs"]["pool_id"] == "pool-42"
    assert prompt["30"]["inputs"]["pool_id"] == "old"  # the workflow itself is not changed


@pytest.mark.integration
def test_a_profile_is_not_recorded_on_a_workflow_without_image_pool_nodes(fake_comfy, store):
    prompt = json.loads((REF / "prompt_api.json").read_text())["prompt"]
    request = RunRequest(prompt=prompt, backend_url=fake_comfy.url, profile_id="pool-42")
    record = ProfileRun(request, store, RunOptions(nvml_api=FakeNvml())).run()
    assert record.summary.status == "completed" and record.summary.profile_id is None
