"""Typed answers: validation errors, queue, history and jobs, from the reference data."""

from __future__ import annotations

import pytest

from app.comfy.errors import ComfyHTTPError, MissingNodeTypes, PromptRejected
from app.comfy.results import (
    job_from_history,
    job_from_jobs_api,
    parse_queue,
    parse_queued_prompt,
)
from app.comfy.system import parse_system_stats
from tests.comfy.refdata import history_entry, load

CASES = {c["case"]: c for c in load("error_validation.json")}


def test_rejection_describes_the_node_input_and_message():
    body = CASES["value below min (KSampler.steps=0)"]["body"]
    error = PromptRejected(body["error"], body["node_errors"], 400)
    text = error.describe()
    assert text.startswith("Prompt outputs failed validation.")
    assert "KSampler (node 3, input 'steps'): Value 0 smaller than min of 1." in text
    assert str(error) == text


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_captured_rejection_gives_one_readable_paragraph(case):
    body = CASES[case]["body"]
    if "error" not in body:
        return  # the accepted partial prompt
    text = PromptRejected(body["error"], body["node_errors"], 400).describe()
    assert body["error"]["message"] in text
    assert "\n" not in text
    for node_id, info in body["node_errors"].items():
        assert f"{info['class_type']} (node {node_id}" in text


def test_unknown_node_rejection_mentions_the_node():
    body = CASES["unknown class_type (extra node 11)"]["body"]
    text = PromptRejected(body["error"], body["node_errors"], 400).describe()
    assert "NoSuchNodeType does not exist" in text and "#11" in text


def test_partial_acceptance_keeps_node_errors():
    queued = parse_queued_prompt(CASES[sorted(c for c in CASES if "partially" in c)[0]]["body"])
    assert queued.number == 13 and "13" in queued.node_errors


def test_queue_pending_sorted_by_number_and_found():
    busy = load("queue_busy.json")
    state = parse_queue(busy["GET /queue while A running, B and C pending"])
    ids = busy["prompt_ids"]
    assert [i.prompt_id for i in state.running] == [ids["running_A"]]
    assert [i.number for i in state.pending] == [15, 16]
    assert state.find(ids["pending_C"])[0] == "pending"
    assert state.running[0].client_id and state.running[0].outputs_to_execute == ["9"]
    assert state.find("nope") is None
    assert parse_queue(load("queue_empty.json")).running == []


def test_history_entries_become_jobs():
    pid, entry = history_entry("history_ok.json")
    job = job_from_history(pid, entry)
    assert (job.status, job.outcome, job.finished) == ("completed", "success", True)
    assert job.outputs["9"]["images"][0]["filename"].startswith("ComfyUI_")
    pid, entry = history_entry("history_exec_error.json")
    job = job_from_history(pid, entry)
    assert job.outcome == "error" and job.error.startswith("VAEDecode (node 8): RuntimeError")
    pid, entry = history_entry("history_interrupted.json")
    assert job_from_history(pid, entry).outcome == "interrupted"


def test_jobs_api_shapes():
    job = job_from_jobs_api(
        {
            "id": "a",
            "status": "failed",
            "priority": 3,
            "execution_error": {
                "node_id": "8",
                "node_type": "VAEDecode",
                "exception_type": "RuntimeError",
                "exception_message": "boom",
            },
        }
    )
    assert job.error == "VAEDecode (node 8): RuntimeError: boom" and job.number == 3
    assert job_from_jobs_api({"id": "b", "status": "in_progress"}).finished is False
    assert job_from_jobs_api({"id": "c", "status": "weird"}) is None
    assert job_from_jobs_api("junk") is None


def test_system_stats():
    stats = parse_system_stats(load("system_stats.json"))
    assert stats.comfyui_version == "0.3.64"
    assert stats.pytorch_version == "2.13.0+cpu"
    (cpu,) = stats.devices
    assert (cpu.name, cpu.type, cpu.index) == ("cpu", "cpu", None)
    assert cpu.vram_total == 25276502016
    assert parse_system_stats("garbage").devices == []


def test_error_messages():
    err = ComfyHTTPError(500, "http://x/view", "x" * 1000)
    assert "HTTP 500" in str(err) and len(str(err)) < 400
    missing = MissingNodeTypes(["B", "A", "B"])
    assert missing.types == ["A", "B"] and "A, B" in str(missing)
