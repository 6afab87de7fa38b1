"""Profiling real runs on the fake ComfyUI (a real local server) with a fake NVML driver."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from app.profiler.runner import ProfileRun, RunOptions, RunRequest
from tests.profiler.fake_nvml import GIB, FakeNvml

pytestmark = pytest.mark.integration
REF = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"
MARGIN = 0.25  # event delivery + scheduling on a busy 2-core machine
# Both ends are stamped on arrival, so the start frame can arrive a little later than it was
# sent while the end frame does not: a measured time may come out a hair under the duration.
EARLY = 0.03


def reference_prompt() -> dict:
    return json.loads((REF / "prompt_api.json").read_text())["prompt"]


def run_profile(fake_comfy, store, prompt=None, nvml=None, on_update=None, interval_ms=20,
                **options):
    request = RunRequest(prompt=prompt or reference_prompt(), backend_url=fake_comfy.url,
                         name="test run", interval_ms=interval_ms)
    opts = RunOptions(nvml_api=nvml or FakeNvml(), connect_timeout=5.0, max_duration=30.0,
                      **options)
    runner = ProfileRun(request, store, opts, on_update=on_update)
    return runner, runner.run


def test_slower_node_is_reported_slower_within_its_configured_time(fake_comfy, store):
    import os

    fake_comfy.scenario.node_durations = {"6": 0.2, "8": 0.6}
    # The fake ComfyUI listens in this process: NVML reports its own GPU memory.
    nvml = FakeNvml(processes={os.getpid(): 3 * GIB})
    # The default 50 ms: the fake server, the socket and the sampler share this process,
    # and faster sampling only adds contention to the timing being checked.
    _runner, run = run_profile(fake_comfy, store, nvml=nvml, interval_ms=50)
    record = run()
    assert record.summary.status == "completed", record.summary.error
    steps = {s.node_id: s for s in record.steps}
    assert steps["8"].exec_time > steps["6"].exec_time
    assert 0.2 - EARLY <= steps["6"].exec_time <= 0.2 + MARGIN
    assert 0.6 - EARLY <= steps["8"].exec_time <= 0.6 + MARGIN
    assert steps["8"].node_type == "VAEDecode" and not steps["8"].cached
    assert store.sample_count(record.id) > 10  # ~17 samples at 50 ms, written in batches
    assert record.summary.total_time >= 0.8
    assert "NVML" in record.summary.sampler_info
    assert set(store.samples(record.id).process_vram) == {3 * GIB}  # stored for the chart


def test_second_identical_run_marks_cached_nodes(fake_comfy, store):
    run_profile(fake_comfy, store)[1]()
    record = run_profile(fake_comfy, store)[1]()
    assert record.summary.status == "completed"
    assert all(step.cached and step.exec_time is None for step in record.steps)


def test_vram_ramp_during_one_node_is_that_nodes_peak_only(fake_comfy, store):
    fake_comfy.scenario.node_durations = {"8": 0.6, "6": 0.2}
    ramp = {"start": None}

    def used(now: float) -> int:
        if ramp["start"] is None:
            return 1 * GIB
        dt = now - ramp["start"]
        if dt < 0.1 or 0.3 <= dt < 0.4:
            return 5 * GIB
        return 9 * GIB if dt < 0.3 else 1 * GIB

    def on_update(update):
        if update.running_node == "8" and ramp["start"] is None:
            ramp["start"] = time.monotonic()

    _runner, run = run_profile(fake_comfy, store, nvml=FakeNvml(used=used), on_update=on_update)
    record = run()
    steps = {s.node_id: s for s in record.steps}
    assert steps["8"].vram_max == 9 * GIB
    assert all(s.vram_max == 1 * GIB for s in record.steps if s.node_id != "8")
    assert steps["8"].vram_end == 1 * GIB


def test_failing_node_gives_a_failed_run_naming_it(fake_comfy, store):
    fake_comfy.scenario.fail_node = "8"
    record = run_profile(fake_comfy, store)[1]()
    assert record.summary.status == "failed"
    assert "VAEDecode (node 8)" in record.summary.error
    assert "Fake failure injected" in record.summary.error
    assert store.list_runs()[0].status == "failed"


def test_interrupt_gives_an_interrupted_run(fake_comfy, store):
    fake_comfy.scenario.step_duration = 0.2
    prompt = reference_prompt()
    prompt["3"]["inputs"]["steps"] = 50
    holder = {}

    def on_update(update):
        if update.running_node == "3":
            holder["runner"].interrupt()

    runner, run = run_profile(fake_comfy, store, prompt=prompt, on_update=on_update)
    holder["runner"] = runner
    record = run()
    assert record.summary.status == "interrupted"
    assert record.steps[-1].node_id == "3" and record.steps[-1].exec_time < 5


def test_comfyui_gone_mid_run_is_a_failed_run_with_the_reason(fake_comfy, store):
    fake_comfy.scenario.node_durations = {"8": 5.0}

    def on_update(update):
        if update.running_node == "8" and fake_comfy.running:
            threading.Thread(target=fake_comfy.stop).start()

    _runner, run = run_profile(fake_comfy, store, on_update=on_update, lost_timeout=0.5)
    record = run()
    assert record.summary.status == "failed"
    assert "went away mid-run" in record.summary.error
    assert store.sample_count(record.id) > 0  # what was measured is kept


def test_rejected_prompt_is_stored_with_comfyuis_message(fake_comfy, store):
    prompt = reference_prompt()
    prompt["4"]["inputs"]["ckpt_name"] = "missing.safetensors"
    record = run_profile(fake_comfy, store, prompt=prompt)[1]()
    assert record.summary.status == "failed"
    assert "rejected" in record.summary.error and "ckpt_name" in record.summary.error


def test_websocket_drop_mid_run_is_reconciled_and_flagged(fake_comfy, store):
    # The prompt ends while the stream waits to reconnect (>= 0.5 s), so its end is learnt
    # from /history (reconcile), not from the websocket.
    fake_comfy.scenario.disconnect_at_node = "8"
    fake_comfy.scenario.node_durations = {"8": 0.1}
    record = run_profile(fake_comfy, store)[1]()
    assert record.summary.status == "completed"
    assert "approximate" in record.summary.error


def test_history_answering_before_the_last_frames_loses_no_node(fake_comfy, store):
    # The stream's safety-net /history check can see the prompt finished while ComfyUI's last
    # frames are still in flight (history is written first). Played here on the real stream.
    from app.comfy.events import Executing, PromptFinished
    from app.comfy.stream import EventStream

    def early_history_stream(url, client_id, on_event):
        def relay(event):
            if isinstance(event, Executing) and event.node == "9":
                on_event(PromptFinished(received=time.monotonic(), prompt_id=event.prompt_id,
                                        outcome="success", outputs={}, error=None,
                                        via="reconcile"))
            on_event(event)

        return EventStream(url, client_id, relay)

    fake_comfy.scenario.node_durations = {"9": 0.2}
    record = run_profile(fake_comfy, store, stream_factory=early_history_stream)[1]()
    assert record.summary.status == "completed" and record.summary.error is None
    steps = {s.node_id: s for s in record.steps}
    assert 0.2 - EARLY <= steps["9"].exec_time <= 0.2 + MARGIN


def test_unreachable_comfyui_raises_and_stores_nothing(store):
    import socket

    from app.comfy.errors import ComfyUnreachable

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    request = RunRequest(prompt=reference_prompt(), backend_url=url)
    with pytest.raises(ComfyUnreachable, match="unreachable"):
        ProfileRun(request, store, RunOptions(nvml_api=FakeNvml(), connect_timeout=0.5)).run()
    assert store.list_runs() == []


def _disk_full_for_samples(database, attempts: dict):
    """Make INSERTs into profiler_samples fail like SQLite on a full disk while allowed."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    def before(conn, cursor, statement, params, context, executemany):
        if statement.startswith("INSERT INTO profiler_samples") and attempts["fail"] > 0:
            attempts["fail"] -= 1
            raise OperationalError(statement, params,
                                   sqlite3.OperationalError("database or disk is full"))

    event.listen(database.engine, "before_cursor_execute", before)
    return lambda: event.remove(database.engine, "before_cursor_execute", before)


def test_a_full_disk_during_the_run_loses_no_sample_once_space_is_back(fake_comfy, store,
                                                                       database):
    fake_comfy.scenario.node_durations = {"8": 1.2}
    attempts = {"fail": 1}  # the first batch hits a full disk, the next flush has room
    undo = _disk_full_for_samples(database, attempts)
    try:
        runner, run = run_profile(fake_comfy, store)
        record = run()
    finally:
        undo()
    assert attempts["fail"] == 0 and record.summary.status == "completed"
    assert record.summary.error is None
    assert store.sample_count(record.id) == len(runner._sampler.samples())


def test_a_disk_full_for_the_whole_run_still_stores_the_steps_and_says_so(fake_comfy, store,
                                                                          database):
    fake_comfy.scenario.node_durations = {"8": 0.3}
    undo = _disk_full_for_samples(database, {"fail": 10**6})
    try:
        record = run_profile(fake_comfy, store)[1]()
    finally:
        undo()
    assert record.summary.status == "completed"
    assert "database or disk is full" in record.summary.error
    assert "Part of the sample series is missing" in record.summary.error
    assert {s.node_id for s in record.steps} >= {"8", "9"}  # per-node figures are kept
    assert store.sample_count(record.id) == 0
