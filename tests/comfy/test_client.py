"""ComfyClient against the fake ComfyUI server (a real local HTTP peer)."""

from __future__ import annotations

import copy
import uuid

import pytest

from app.comfy.client import ComfyClient, normalize_base_url
from app.comfy.errors import ComfyNotFound, ComfyUnreachable, PromptRejected
from tests.comfy.refdata import load

pytestmark = pytest.mark.integration


@pytest.fixture
def prompt():
    return copy.deepcopy(load("prompt_api.json")["prompt"])


@pytest.fixture
def client(fake_comfy):
    client = ComfyClient(fake_comfy.url, timeout=5.0)
    yield client
    client.close()


def _run(client, fake_comfy, prompt):
    queued = client.queue_prompt(prompt, client_id="test-client")
    assert fake_comfy.wait_idle(10)
    return queued


def test_addresses_and_websocket_url():
    assert normalize_base_url("127.0.0.1:8188/") == "http://127.0.0.1:8188"
    assert (
        ComfyClient("https://box.lan/comfy").ws_url("a b")
        == "wss://box.lan/comfy/ws?clientId=a%20b"
    )
    assert ComfyClient("http://127.0.0.1:8188").ws_url("x") == "ws://127.0.0.1:8188/ws?clientId=x"


def test_system_stats_and_cached_object_info(client, fake_comfy):
    assert client.system_stats().comfyui_version == "0.3.64"
    info = client.object_info()
    assert "KSampler" in info
    assert client.object_info() is info
    count = sum(r.path == "/object_info" for r in fake_comfy.requests)
    assert count == 1
    client.object_info(refresh=True)
    client.drop_cache()
    client.object_info()
    assert sum(r.path == "/object_info" for r in fake_comfy.requests) == 3


def test_models_listing(client):
    assert "random_sd15.safetensors" in client.models("checkpoints")
    with pytest.raises(ComfyNotFound):
        client.models("does_not_exist")


def test_a_run_end_to_end_history_job_and_view(client, fake_comfy, prompt):
    prompt_id = str(uuid.uuid4())
    queued = client.queue_prompt(
        prompt, "test-client", extra_data={"extra_pnginfo": {}}, prompt_id=prompt_id
    )
    assert (queued.prompt_id, queued.node_errors) == (prompt_id, {})
    assert fake_comfy.wait_idle(10)
    entry = client.history(prompt_id)
    image = entry["outputs"]["9"]["images"][0]
    job = client.job(prompt_id)
    assert (job.status, job.outcome) == ("completed", "success")
    data = client.view(image["filename"], image["subfolder"], image["type"])
    assert data.startswith(b"\x89PNG")
    assert prompt_id in client.history_all(max_items=1)
    assert client.history("no-such-prompt") is None
    assert client.job("no-such-prompt") is None
    posted = next(r for r in fake_comfy.requests if r.path == "/prompt")
    assert posted.json["client_id"] == "test-client"


def test_requests_never_carry_an_origin_header(client, fake_comfy, prompt):
    client.system_stats()
    _run(client, fake_comfy, prompt)
    assert fake_comfy.requests
    assert all("Origin" not in r.headers for r in fake_comfy.requests)


REJECTED = [
    c for c in load("error_validation.json") if c["status"] == 400 and "prompt" in c["request"]
]


@pytest.mark.parametrize("case", REJECTED, ids=lambda c: c["case"])
def test_validation_failures_raise_prompt_rejected_with_the_server_details(client, case):
    with pytest.raises(PromptRejected) as caught:
        client.queue_prompt(case["request"]["prompt"], "test-client")
    rejected = caught.value
    assert rejected.status == 400
    assert rejected.error["type"] == case["body"]["error"]["type"]
    assert set(rejected.node_errors) == set(case["body"]["node_errors"])
    for node_id, info in case["body"]["node_errors"].items():
        assert rejected.node_errors[node_id]["class_type"] == info["class_type"]
    assert case["body"]["error"]["message"] in rejected.describe()


def test_queue_delete_interrupt_and_cancel(client, fake_comfy, prompt):
    fake_comfy.scenario.step_duration = 5.0  # the first prompt samples until interrupted
    ids = []
    for seed in (1, 2, 3, 4):
        prompt["3"]["inputs"]["seed"] = seed
        ids.append(client.queue_prompt(copy.deepcopy(prompt), "test-client").prompt_id)
    state = client.get_queue()
    assert [i.prompt_id for i in state.running] == ids[:1]
    assert [i.prompt_id for i in state.pending] == ids[1:]
    assert [i.number for i in state.pending] == sorted(i.number for i in state.pending)
    assert client.job(ids[1]).status == "pending"
    assert client.job(ids[0]).status == "in_progress"
    client.delete_from_queue([ids[1]])
    client.cancel(ids[2])  # pending: removed from the queue
    assert [i.prompt_id for i in client.get_queue().pending] == [ids[3]]
    fake_comfy.scenario.step_duration = 0.001  # for ids[3]
    client.cancel(ids[0])  # running: interrupted at its next sampler step
    assert fake_comfy.wait_idle(10)
    client.interrupt()  # global form: no body
    assert client.job(ids[0]).outcome == "interrupted"
    assert client.job(ids[1]) is None and client.job(ids[2]) is None
    interrupts = [r for r in fake_comfy.requests if r.path == "/interrupt"]
    assert interrupts[0].json == {"prompt_id": ids[0]}
    assert interrupts[1].json is None and interrupts[1].body == b""


def test_capabilities_are_probed_once(client, fake_comfy):
    caps = client.capabilities()
    assert caps.has_jobs_api is False  # v0.3.64 has no /api/jobs
    assert client.capabilities() is caps
    assert sum(r.path == "/api/jobs" for r in fake_comfy.requests) == 1


def test_unreachable_server(fake_comfy):
    client = ComfyClient(fake_comfy.url, timeout=2.0)
    fake_comfy.stop()
    with pytest.raises(ComfyUnreachable) as caught:
        client.system_stats()
    assert caught.value.address == fake_comfy.url
    assert "refused" in caught.value.reason
    fake_comfy.start()
    assert client.system_stats().comfyui_version == "0.3.64"


def test_slow_server_times_out_as_unreachable(fake_comfy):
    fake_comfy.scenario.http_delay = 1.0
    client = ComfyClient(fake_comfy.url, timeout=0.2)
    with pytest.raises(ComfyUnreachable, match=r"no answer within 0\.2 s"):
        client.get_queue()
