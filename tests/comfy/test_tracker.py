"""PromptTracker: each watched prompt finishes exactly once, from the socket or history."""

from __future__ import annotations

import json

from app.comfy.events import Executing, ExecutionSuccess, parse_text
from app.comfy.results import Job, job_from_history
from app.comfy.tracker import LOST_GRACE, LOST_MESSAGE, PromptTracker
from tests.comfy.refdata import history_entry, trace


def _replay(tracker: PromptTracker, name: str) -> None:
    for index, record in enumerate(trace(name)):
        if record["kind"] == "text":
            tracker.on_event(parse_text(json.dumps(record["msg"]), float(index)))


def _prompt_id(name: str) -> str:
    return next(
        r["data"]["body"]["prompt_id"]
        for r in trace(name)
        if r["kind"] == "client_event" and r["event"] == "http_post_prompt_response"
    )


def test_successful_run_finishes_once_with_the_outputs_history_has():
    tracker = PromptTracker()
    prompt_id = _prompt_id("ws_run_ok.jsonl")
    tracker.watch(prompt_id)
    _replay(tracker, "ws_run_ok.jsonl")
    (finished,) = tracker.drain_ready()
    assert finished.prompt_id == prompt_id
    assert (finished.outcome, finished.via, finished.error) == ("success", "websocket", None)
    _, entry = history_entry("history_ok.json")
    assert finished.outputs == entry["outputs"]
    _replay(tracker, "ws_run_ok.jsonl")  # the same frames again change nothing
    assert tracker.drain_ready() == []
    assert tracker.watched() == []


def test_cached_run_reports_the_replayed_output():
    tracker = PromptTracker()
    tracker.watch(_prompt_id("ws_run_cached.jsonl"))
    _replay(tracker, "ws_run_cached.jsonl")
    (finished,) = tracker.drain_ready()
    assert finished.outcome == "success"
    assert finished.outputs["9"]["images"][0]["filename"] == "ComfyUI_00001_.png"


def test_failed_and_interrupted_runs():
    tracker = PromptTracker()
    tracker.watch(_prompt_id("ws_run_exec_error.jsonl"))
    tracker.watch(_prompt_id("ws_run_interrupted.jsonl"))
    _replay(tracker, "ws_run_exec_error.jsonl")
    _replay(tracker, "ws_run_interrupted.jsonl")
    failed, interrupted = tracker.drain_ready()
    assert failed.outcome == "error"
    assert failed.error.startswith("VAEDecode (node 8): RuntimeError: Given groups=1")
    assert interrupted.outcome == "interrupted"


def test_watch_after_the_prompt_already_finished_reports_it():
    tracker = PromptTracker()
    _replay(tracker, "ws_run_cached.jsonl")  # 6 ms runs can end before watch() is called
    assert tracker.drain_ready() == []
    tracker.watch(_prompt_id("ws_run_cached.jsonl"))
    (finished,) = tracker.drain_ready()
    assert finished.via == "websocket" and finished.outcome == "success"


def test_gap_defers_to_history_and_still_finishes_once():
    clock = [100.0]
    tracker = PromptTracker(clock=lambda: clock[0])
    prompt_id, entry = history_entry("history_ok.json")
    tracker.watch(prompt_id)
    assert tracker.due() == []  # the socket normally reports it: first check later
    tracker.check_all_now()  # what a (re)connect does
    assert tracker.due() == [prompt_id]
    tracker.on_job(prompt_id, Job(prompt_id, "in_progress"))
    assert tracker.due() == []
    tracker.mark_gap()  # socket dropped mid-run
    assert tracker.due() == [prompt_id]
    tracker.on_job(prompt_id, Job(prompt_id, "in_progress"))
    clock[0] += 2.5
    assert tracker.due() == [prompt_id]  # re-checked quickly while there was a gap
    # Reconnected in time for the end: the socket frame asks for history instead.
    tracker.on_event(ExecutionSuccess(received=0.0, prompt_id=prompt_id))
    tracker.on_event(Executing(received=0.0, prompt_id=prompt_id, node=None))
    assert tracker.drain_ready() == []
    assert tracker.due() == [prompt_id]
    tracker.on_job(prompt_id, job_from_history(prompt_id, entry))
    (finished,) = tracker.drain_ready()
    assert (finished.outcome, finished.via) == ("success", "reconcile")
    assert finished.outputs == entry["outputs"]
    tracker.on_job(prompt_id, job_from_history(prompt_id, entry))
    assert tracker.drain_ready() == []


def test_prompt_the_server_lost_is_reported_as_an_error():
    clock = [0.0]
    tracker = PromptTracker(clock=lambda: clock[0])
    tracker.watch("not-posted", posted=False)
    tracker.watch("racing")  # watched just before its POST went out
    tracker.watch("seen")
    tracker.on_job("seen", Job("seen", "pending"))
    for prompt_id in ("not-posted", "racing", "seen"):
        tracker.on_job(prompt_id, None)
    (finished,) = tracker.drain_ready()  # the server had shown it, now it is gone
    assert (finished.prompt_id, finished.outcome) == ("seen", "error")
    assert (finished.error, finished.via) == (LOST_MESSAGE, "reconcile")
    clock[0] += LOST_GRACE
    tracker.on_job("racing", None)
    tracker.on_job("not-posted", None)
    assert [f.prompt_id for f in tracker.drain_ready()] == ["racing"]


def test_unwatch_stops_reporting():
    tracker = PromptTracker()
    prompt_id = _prompt_id("ws_run_ok.jsonl")
    tracker.watch(prompt_id)
    tracker.unwatch(prompt_id)
    _replay(tracker, "ws_run_ok.jsonl")
    assert tracker.drain_ready() == []
