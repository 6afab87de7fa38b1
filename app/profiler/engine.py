"""Events + samples -> per-node steps. Pure: feed it recorded traces or a live stream.

Node timing follows ComfyUI's own signals (see the reference traces): a node starts at its
``executing`` frame and ends at the next ``executing`` frame or at ``execution_success`` /
``execution_error`` / ``execution_interrupted``, all stamped on arrival with
``time.monotonic()``. Nodes listed in ``execution_cached`` did not run: they are marked cached
and carry no time. Samples (same clock) are cut into each node's interval for its metrics.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.comfy import events as ev
from app.profiler.samples import Sample

COMPLETED = "completed"
FAILED = "failed"
INTERRUPTED = "interrupted"
RUNNING = "running"
STATUSES = (COMPLETED, FAILED, INTERRUPTED, RUNNING)


@dataclass
class NodeInterval:
    """When one node ran (monotonic seconds); ``end`` is None while it is still running."""

    node_id: str
    start: float
    end: float | None = None


@dataclass
class Timeline:
    """Follows the events of one prompt and keeps its node intervals and outcome."""

    prompt_id: str
    started_at: float | None = None
    finished_at: float | None = None
    cached: list[str] = field(default_factory=list)
    intervals: list[NodeInterval] = field(default_factory=list)
    status: str = RUNNING
    error: str | None = None
    failed_node: str | None = None
    #: True when the end came from /history reconciliation (a websocket gap): timing is partial.
    reconciled: bool = False
    #: An end learnt from /history that the socket has not confirmed yet (see settle_pending).
    pending_end: ev.PromptFinished | None = None

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    @property
    def running_node(self) -> str | None:
        if self.intervals and self.intervals[-1].end is None and not self.finished:
            return self.intervals[-1].node_id
        return None

    def feed(self, event: object) -> bool:
        """Take one event; returns True when it changed this timeline."""
        if getattr(event, "prompt_id", self.prompt_id) != self.prompt_id or self.finished:
            return False
        now = event.received
        if isinstance(event, ev.ExecutionStart):
            self.started_at = now
        elif isinstance(event, ev.ExecutionCached):
            self.cached = [str(n) for n in event.nodes]
        elif isinstance(event, ev.Executing):
            self._close(now)
            if event.node is None:  # end of prompt; the outcome frame came before it
                return self._finish(now, COMPLETED if self.status == RUNNING else self.status)
            if self.started_at is None:
                self.started_at = now
            self.intervals.append(NodeInterval(str(event.node), now))
        elif isinstance(event, ev.ExecutionSuccess):
            return self._finish(now, COMPLETED)
        elif isinstance(event, ev.ExecutionError):
            self.failed_node = str(event.node_id)
            self.error = (f"{event.node_type} (node {event.node_id}) failed: "
                          f"{event.exception_type}: {event.exception_message}".strip())
            return self._finish(now, FAILED)
        elif isinstance(event, ev.ExecutionInterrupted):
            self.failed_node = str(event.node_id) if event.node_id else None
            self.error = f"interrupted at {event.node_type} (node {event.node_id})"
            return self._finish(now, INTERRUPTED)
        elif isinstance(event, ev.PromptFinished):
            if event.via != "websocket":
                # ComfyUI writes /history before its last socket frames reach us, so a
                # safety-net check can report the end while "executing <last node>" and
                # "execution_success" are still on their way: hold it (settle_pending).
                self.pending_end = event
                return False
            return self._end_from(event)
        else:
            return False
        return True

    def settle_pending(self, now: float, grace: float) -> bool:
        """Apply an end learnt from /history once the socket stayed silent ``grace`` seconds.

        Returns True when the timeline finished. The end is stamped when history reported it;
        the run is marked ``reconciled`` (the last node's time is approximate).
        """
        pending = self.pending_end
        if pending is None or self.finished or now - pending.received < grace:
            return False
        self.reconciled = True
        return self._end_from(pending)

    def _end_from(self, event: ev.PromptFinished) -> bool:
        status = {"success": COMPLETED, "interrupted": INTERRUPTED}.get(event.outcome, FAILED)
        self.error = self.error or event.error
        return self._finish(event.received, status)

    def fail(self, now: float, reason: str) -> None:
        """End the run from outside (ComfyUI gone, timeout): a failed run with the reason."""
        if not self.finished:
            self.error = reason
            self._finish(now, FAILED)

    def _close(self, now: float) -> None:
        if self.intervals and self.intervals[-1].end is None:
            self.intervals[-1].end = now

    def _finish(self, now: float, status: str) -> bool:
        self._close(now)
        self.status = status
        self.finished_at = now
        if self.started_at is None:
            self.started_at = now
        return True

    @property
    def total_time(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


@dataclass
class Step:
    """One node of a run with its metrics (bytes, seconds, percent). ``t_start``/``t_end`` are
    seconds from the run's origin, for charts."""

    node_id: str
    node_title: str
    node_type: str
    cached: bool = False
    exec_time: float | None = None
    t_start: float | None = None
    t_end: float | None = None
    vram_start: int | None = None
    vram_max: int | None = None
    vram_end: int | None = None
    cpu_max: float | None = None
    ram_max: int | None = None
    gpu_load_max: float | None = None
    gpu_load_avg: float | None = None
    inputs_json: str = "{}"
    step_comment: str = ""


def _max(values: Sequence[float | int | None]) -> float | int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def window_metrics(samples: Sequence[Sample], times: Sequence[float], start: float,
                   end: float) -> dict[str, float | int | None]:
    """Metrics of the samples over [start, end] (``times`` is the sorted list of ``.t``).

    Memory is instantaneous: start = the last reading at or before ``start``, end = the last at
    or before ``end``, max over the readings inside plus those two. CPU % and GPU load are
    averages over the period *before* each reading, so the first reading after ``end`` also
    covers the interval (it is the only one for a node shorter than the sampling interval).
    """
    lo, hi = bisect_left(times, start), bisect_right(times, end)
    inside = list(samples[lo:hi])
    before = samples[lo - 1] if lo > 0 else None
    after = samples[hi] if hi < len(samples) else None
    first = before or (inside[0] if inside else after)
    last = inside[-1] if inside else first
    vram_start = first.vram if first else None
    vram_end = last.vram if last else None
    rate_window = inside + ([after] if after else [])
    ram_window = inside or [s for s in (first, after) if s]
    return {
        "vram_start": vram_start,
        "vram_end": vram_end,
        "vram_max": _max([*(s.vram for s in inside), vram_start, vram_end]),
        "ram_max": _max([s.ram for s in ram_window]),
        "cpu_max": _max([s.cpu for s in rate_window]),
        "gpu_load_max": _max([s.gpu_load for s in rate_window]),
        "gpu_load_avg": _mean([s.gpu_load for s in rate_window]),
    }


def node_info(prompt: dict, node_id: str) -> tuple[str, str, str]:
    """(title, class_type, inputs as JSON) of a node of an API prompt; tolerant of odd data."""
    node = prompt.get(node_id) if isinstance(prompt, dict) else None
    if not isinstance(node, dict):
        return node_id, "?", "{}"
    node_type = str(node.get("class_type", "?"))
    meta = node.get("_meta") if isinstance(node.get("_meta"), dict) else {}
    title = str(meta.get("title") or node_type)
    try:
        inputs = json.dumps(node.get("inputs", {}), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        inputs = json.dumps(repr(node.get("inputs")))
    return title, node_type, inputs


def build_steps(timeline: Timeline, samples: Sequence[Sample], prompt: dict,
                origin: float, now: float | None = None) -> list[Step]:
    """The per-node steps of ``timeline`` (cached nodes first, then in execution order).

    Args:
        origin: monotonic time that ``t_start``/``t_end`` are measured from.
        now: end used for the node still running (live tables); None leaves it open.
    """
    samples = sorted(samples, key=lambda s: s.t)
    times = [s.t for s in samples]
    steps: list[Step] = []
    for node_id in timeline.cached:
        title, node_type, inputs = node_info(prompt, node_id)
        steps.append(Step(node_id, title, node_type, cached=True, inputs_json=inputs))
    by_node: dict[str, Step] = {}
    for interval in timeline.intervals:
        end = interval.end if interval.end is not None else now
        step = by_node.get(interval.node_id)
        if step is None:
            title, node_type, inputs = node_info(prompt, interval.node_id)
            step = Step(interval.node_id, title, node_type, inputs_json=inputs,
                        t_start=interval.start - origin)
            by_node[interval.node_id] = step
            steps.append(step)
        if end is None:
            continue
        # A node id that runs twice (expanded graphs) adds up its time.
        step.exec_time = (step.exec_time or 0.0) + (end - interval.start)
        step.t_end = end - origin
        metrics = window_metrics(samples, times, interval.start, end)
        _merge_metrics(step, metrics)
    return steps


def _merge_metrics(step: Step, metrics: dict[str, float | int | None]) -> None:
    for name, value in metrics.items():
        old = getattr(step, name)
        if old is None or name in ("vram_end", "gpu_load_avg"):
            setattr(step, name, value if value is not None else old)
        elif name != "vram_start" and value is not None:
            setattr(step, name, max(old, value))
