"""The engine on the REAL ComfyUI traces: intervals equal the ones derived by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.comfy import events as ev
from app.profiler.engine import Timeline, build_steps, window_metrics
from app.profiler.samples import Sample
from app.profiler.traces import load_trace, replay

REF = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"


def _prompt(history_file: str) -> dict:
    (entry,) = json.loads((REF / history_file).read_text()).values()
    return entry["prompt"][2]


def _intervals(timeline):
    return [(i.node_id, i.end - i.start) for i in timeline.intervals]


def test_cold_run_intervals_match_the_recorded_timestamps():
    timeline = replay(load_trace(REF / "ws_run_ok.jsonl"))
    # By hand from ws_run_ok.jsonl: each node runs from its `executing` frame to the next
    # one; the last (9, SaveImage) ends at `execution_success`.
    expected = [
        ("4", 1795250608.897619 - 1795250599.6976213),
        ("5", 1795250608.8979087 - 1795250608.897619),
        ("10", 1795250608.9351814 - 1795250608.8979087),
        ("7", 1795250609.2654338 - 1795250608.9351814),
        ("6", 1795250609.4805672 - 1795250609.2654338),
        ("3", 1795250612.9119608 - 1795250609.4805672),
        ("8", 1795250613.1113548 - 1795250612.9119608),
        ("9", 1795250613.3800373 - 1795250613.1113548),
    ]
    assert _intervals(timeline) == expected
    assert timeline.status == "completed" and timeline.cached == []
    assert timeline.total_time == 1795250613.3800373 - 1795250599.6974583
    steps = build_steps(timeline, [], _prompt("history_ok.json"), origin=timeline.started_at)
    assert [(s.node_id, s.node_type) for s in steps][:2] == [
        ("4", "CheckpointLoaderSimple"), ("5", "EmptyLatentImage")]
    slowest = max(steps, key=lambda s: s.exec_time)
    assert (slowest.node_id, slowest.node_title) == ("4", "Load Checkpoint")
    assert json.loads(steps[0].inputs_json) == {"ckpt_name": "random_sd15.safetensors"}


def test_fully_cached_run_flags_every_node_and_times_none():
    timeline = replay(load_trace(REF / "ws_run_cached.jsonl"))
    assert timeline.cached == ["4", "10", "6", "7", "5", "3", "8", "9"]
    assert timeline.intervals == [] and timeline.status == "completed"
    steps = build_steps(timeline, [], _prompt("history_cached.json"), timeline.started_at)
    assert all(s.cached and s.exec_time is None for s in steps) and len(steps) == 8


def test_partially_cached_run():
    timeline = replay(load_trace(REF / "ws_run_changed_seed.jsonl"))
    assert timeline.cached == ["4", "10", "6", "7", "5"]
    assert _intervals(timeline) == [
        ("3", 1795250623.649747 - 1795250621.4372082),
        ("8", 1795250623.8485765 - 1795250623.649747),
        ("9", 1795250624.1340764 - 1795250623.8485765),
    ]
    steps = build_steps(timeline, [], _prompt("history_changed_seed.json"), timeline.started_at)
    assert [s.cached for s in steps] == [True] * 5 + [False] * 3


def test_failing_run_names_the_node_and_comfyuis_message():
    timeline = replay(load_trace(REF / "ws_run_exec_error.jsonl"))
    assert timeline.status == "failed" and timeline.failed_node == "8"
    assert timeline.error.startswith("VAEDecode (node 8) failed: RuntimeError: Given groups=1")
    assert _intervals(timeline) == [("20", 1795250661.2194755 - 1795250661.2191668),
                                    ("8", 1795250661.245492 - 1795250661.2194755)]


def test_interrupted_run():
    timeline = replay(load_trace(REF / "ws_run_interrupted.jsonl"))
    assert timeline.status == "interrupted" and timeline.failed_node == "3"
    assert _intervals(timeline)[-1] == ("3", 1795250659.5065053 - 1795250647.4420853)


def test_events_of_other_prompts_are_ignored_and_an_unconfirmed_history_end_ends_a_run():
    timeline = Timeline("mine")
    assert not timeline.feed(ev.Executing(received=1.0, prompt_id="other", node="3"))
    timeline.feed(ev.Executing(received=2.0, prompt_id="mine", node="3"))
    assert timeline.running_node == "3"
    timeline.feed(ev.PromptFinished(received=5.0, prompt_id="mine", outcome="error", outputs={},
                                    error="lost", via="reconcile"))
    assert not timeline.finished  # the socket may still bring the real end
    assert not timeline.settle_pending(6.0, grace=2.0)
    assert timeline.settle_pending(7.0, grace=2.0)
    assert timeline.status == "failed" and timeline.reconciled and timeline.error == "lost"
    assert timeline.intervals[0].end == 5.0  # stamped when history reported it


def test_history_end_before_the_last_socket_frames_keeps_the_last_node():
    # ComfyUI writes /history before its last frames reach the client: a safety-net check
    # can report the end while "executing 9" and "execution_success" are still in flight.
    timeline = Timeline("p")
    timeline.feed(ev.Executing(received=1.0, prompt_id="p", node="8"))
    timeline.feed(ev.PromptFinished(received=2.0, prompt_id="p", outcome="success", outputs={},
                                    error=None, via="reconcile"))
    timeline.feed(ev.Executing(received=2.01, prompt_id="p", node="9"))
    timeline.feed(ev.ExecutionSuccess(received=2.3, prompt_id="p"))
    assert timeline.status == "completed" and not timeline.reconciled
    assert [(i.node_id, i.start, i.end) for i in timeline.intervals] == [
        ("8", 1.0, 2.01), ("9", 2.01, 2.3)]
    assert not timeline.settle_pending(10.0, grace=2.0)


def test_vram_ramp_during_one_node_is_only_that_nodes_peak():
    # Samples every 50 ms; node B (1.0-2.0) ramps VRAM 1 -> 9 GiB and back before it ends.
    def vram(t):
        return 9 if 1.2 <= t <= 1.6 else (5 if 1.1 <= t < 1.2 or 1.6 < t <= 1.7 else 1)

    samples = [Sample(t=i * 0.05, vram=vram(i * 0.05), cpu=float(i)) for i in range(61)]
    timeline = Timeline("p")
    for t, node in [(0.0, "A"), (1.0, "B"), (2.0, "C")]:
        timeline.feed(ev.Executing(received=t, prompt_id="p", node=node))
    timeline.feed(ev.ExecutionSuccess(received=3.0, prompt_id="p"))
    steps = {s.node_id: s for s in build_steps(timeline, samples, {}, origin=0.0)}
    assert steps["B"].vram_max == 9 and steps["A"].vram_max == 1 and steps["C"].vram_max == 1
    assert (steps["B"].vram_start, steps["B"].vram_end) == (1, 1)
    assert steps["B"].t_start == 1.0 and steps["B"].t_end == 2.0


def test_a_node_shorter_than_the_sampling_interval_gets_the_next_rate_reading():
    samples = [Sample(t=0.0, vram=1, cpu=10.0, ram=5), Sample(t=0.05, vram=2, cpu=80.0, ram=6)]
    metrics = window_metrics(samples, [0.0, 0.05], 0.01, 0.02)
    assert metrics["cpu_max"] == 80.0  # the reading at 0.05 averages over 0.00-0.05
    assert metrics["vram_start"] == metrics["vram_end"] == metrics["vram_max"] == 1


@pytest.mark.parametrize("name", ["ws_run_after_restart_with_manager.jsonl",
                                  "ws_run_feature_flags.jsonl", "ws_run_queue_busy.jsonl"])
def test_other_traces_end_cleanly(name):
    timeline = replay(load_trace(REF / name))
    assert timeline.finished
    assert all(i.end is not None and i.end >= i.start for i in timeline.intervals)
