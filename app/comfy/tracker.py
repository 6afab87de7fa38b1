"""Book-keeping that turns stream events and reconcile answers into PromptFinished.

Pure and thread-safe: the stream thread feeds it events and /history answers, other
threads call :meth:`PromptTracker.watch`. Each watched prompt finishes exactly once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from app.comfy.events import (
    Event,
    Executed,
    Executing,
    ExecutionError,
    ExecutionInterrupted,
    ExecutionSuccess,
    PromptFinished,
)
from app.comfy.results import Job, describe_execution_error

LOST_MESSAGE = (
    "ComfyUI no longer knows this prompt: it was deleted from the queue, or the server "
    "restarted and lost it."
)
# How often a watched prompt is checked over HTTP: quickly after a gap in the socket,
# slowly otherwise (a safety net; the socket normally tells us everything).
GAP_CHECK_INTERVAL = 2.0
IDLE_CHECK_INTERVAL = 30.0
# A prompt watched just before it is posted is unknown to the server for a moment: only
# call it lost once the server has shown it, or after this long.
LOST_GRACE = 10.0
_RECENT_LIMIT = 256


@dataclass
class _Run:
    outputs: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None
    error: str | None = None
    ended: bool = False  # executing(node=None) seen for this prompt


@dataclass
class _Watch:
    posted: bool
    since: float
    seen: bool = False  # the server has shown this prompt (event, queue or history)
    gap: bool = False
    next_check: float = 0.0


def merge_output(outputs: dict[str, Any], node: str, output: dict[str, Any]) -> None:
    """Fold one ``executed`` UI output into the per-node outputs, like history does."""
    current = outputs.setdefault(node, {})
    for key, value in output.items():
        if isinstance(value, list) and isinstance(current.get(key), list):
            current[key] = current[key] + value
        else:
            current[key] = value


class PromptTracker:
    """Follows prompts of this client and decides when each watched one has finished."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        self._watched: dict[str, _Watch] = {}
        self._done: OrderedDict[str, None] = OrderedDict()
        self._ready: list[PromptFinished] = []

    # ---- called from any thread -------------------------------------------------------
    def watch(self, prompt_id: str, posted: bool = True) -> None:
        """Follow ``prompt_id`` until it finishes. ``posted=False``: not sent yet."""
        with self._lock:
            if prompt_id in self._watched:
                self._watched[prompt_id].posted |= posted
                return
            if prompt_id in self._done:
                return
            now = self._clock()
            run = self._runs.get(prompt_id)
            self._watched[prompt_id] = _Watch(
                posted=posted, since=now, seen=run is not None, next_check=now + GAP_CHECK_INTERVAL
            )
            if run is not None and run.ended:
                # It finished before anyone asked (a fully cached run takes ~6 ms).
                self._finish(prompt_id, self._from_run(prompt_id, run, "websocket"))

    def unwatch(self, prompt_id: str) -> None:
        with self._lock:
            self._watched.pop(prompt_id, None)

    def watched(self) -> list[str]:
        with self._lock:
            return list(self._watched)

    def drain_ready(self) -> list[PromptFinished]:
        with self._lock:
            ready, self._ready = self._ready, []
        return ready

    # ---- called from the stream thread ------------------------------------------------
    def mark_gap(self) -> None:
        """The socket was down: events may be missing for every watched prompt."""
        with self._lock:
            for state in self._watched.values():
                state.gap = True
                state.next_check = 0.0

    def check_all_now(self) -> None:
        """Check every watched prompt at the next opportunity (after a (re)connect)."""
        with self._lock:
            for state in self._watched.values():
                state.next_check = 0.0

    def due(self) -> list[str]:
        """Watched prompts whose HTTP check is due now (their next check is scheduled)."""
        now = self._clock()
        with self._lock:
            due = []
            for prompt_id, state in self._watched.items():
                if now >= state.next_check:
                    due.append(prompt_id)
                    interval = GAP_CHECK_INTERVAL if state.gap else IDLE_CHECK_INTERVAL
                    state.next_check = now + interval
            return due

    def on_event(self, event: Event) -> None:
        prompt_id = getattr(event, "prompt_id", None)
        if not prompt_id:
            return
        with self._lock:
            run = self._run(prompt_id)
            if prompt_id in self._watched:
                self._watched[prompt_id].seen = True
            if isinstance(event, Executed):
                merge_output(run.outputs, event.node, event.output)
            elif isinstance(event, ExecutionSuccess):
                run.outcome = "success"
            elif isinstance(event, ExecutionError):
                run.outcome = "error"
                run.error = describe_execution_error(
                    {
                        "node_id": event.node_id,
                        "node_type": event.node_type,
                        "exception_type": event.exception_type,
                        "exception_message": event.exception_message,
                    }
                )
            elif isinstance(event, ExecutionInterrupted):
                run.outcome, run.error = "interrupted", "Interrupted"
            elif isinstance(event, Executing) and event.node is None:
                run.ended = True
                # Servers older than execution_success only send executing(None).
                run.outcome = run.outcome or "success"
                self._on_end(prompt_id, run)

    def on_job(self, prompt_id: str, job: Job | None) -> None:
        """Fold the answer of a reconcile check (``None``: the server has no trace)."""
        with self._lock:
            state = self._watched.get(prompt_id)
            if state is None:
                return
            run = self._runs.get(prompt_id)
            if job is not None and job.finished:
                outputs = job.outputs or (run.outputs if run else {})
                self._finish(
                    prompt_id,
                    PromptFinished(
                        received=self._clock(),
                        prompt_id=prompt_id,
                        outcome=job.outcome or "error",
                        outputs=outputs,
                        error=job.error,
                        via="reconcile",
                    ),
                )
            elif job is None and run is not None and run.ended:
                # The socket saw the end but history is gone (restart): trust the socket.
                self._finish(prompt_id, self._from_run(prompt_id, run, "websocket"))
            elif job is None and (
                state.seen or (state.posted and self._clock() - state.since >= LOST_GRACE)
            ):
                self._finish(
                    prompt_id,
                    PromptFinished(
                        received=self._clock(),
                        prompt_id=prompt_id,
                        outcome="error",
                        outputs=run.outputs if run else {},
                        error=LOST_MESSAGE,
                        via="reconcile",
                    ),
                )
            elif job is not None:
                state.posted = state.seen = True

    # ---- internals (lock held) --------------------------------------------------------
    def _run(self, prompt_id: str) -> _Run:
        run = self._runs.get(prompt_id)
        if run is None:
            run = self._runs[prompt_id] = _Run()
            while len(self._runs) > _RECENT_LIMIT:
                self._runs.popitem(last=False)
        return run

    def _on_end(self, prompt_id: str, run: _Run) -> None:
        state = self._watched.get(prompt_id)
        if state is None:
            return
        if state.gap:
            # Some executed frames may have been lost: ask history (written by now).
            state.next_check = 0.0
            return
        self._finish(prompt_id, self._from_run(prompt_id, run, "websocket"))

    def _from_run(self, prompt_id: str, run: _Run, via: str) -> PromptFinished:
        return PromptFinished(
            received=self._clock(),
            prompt_id=prompt_id,
            outcome=run.outcome or "success",
            outputs=dict(run.outputs),
            error=run.error,
            via=via,
        )  # type: ignore[arg-type]

    def _finish(self, prompt_id: str, finished: PromptFinished) -> None:
        self._watched.pop(prompt_id, None)
        self._done[prompt_id] = None
        while len(self._done) > 4 * _RECENT_LIMIT:
            self._done.popitem(last=False)
        self._ready.append(finished)
