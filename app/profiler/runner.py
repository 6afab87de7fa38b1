"""Running one workflow under the profiler: its own client id and event stream, the sampler,
the engine, and storage of the run (samples flushed about once a second).

``ProfileRun.run()`` blocks; call it on a worker thread. ``on_update`` and ``on_samples`` are
called on that worker thread (the UI hops to the GUI thread with a Qt bridge).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.comfy.client import ComfyClient
from app.comfy.errors import ComfyError, ComfyUnreachable, PromptRejected
from app.comfy.events import ConnectionChanged, Event, Status
from app.comfy.stream import EventStream
from app.profiler.backends import BackendChoice, choose_backends
from app.profiler.engine import Step, Timeline, build_steps
from app.profiler.errors import StorageFailed
from app.profiler.nvml import NvmlApi
from app.profiler.records import RunRecord
from app.profiler.sampler import DEFAULT_INTERVAL_MS, Sampler, clamp_interval_ms
from app.profiler.samples import Sample
from app.profiler.snapshot import workflow_hash
from app.profiler.store import ProfilerStore

log = logging.getLogger(__name__)

DB_FLUSH_INTERVAL = 1.0  # seconds between sample transactions during a run
UPDATE_INTERVAL = 0.25   # live step-table refreshes while nothing else happens
# How long an end read from /history waits for the websocket's own last frames (ComfyUI
# writes history before those frames arrive); after a socket gap it is taken at once.
HISTORY_END_GRACE = 2.0


@dataclass
class RunRequest:
    """What to run and how to label it."""

    prompt: dict[str, Any]                 # API format
    backend_url: str
    name: str = ""
    interval_ms: int = DEFAULT_INTERVAL_MS
    forced: bool = False
    profile_id: str | None = None          # Image Pool profile chosen for runs ("Use in runs")
    extra_data: dict[str, Any] | None = None


@dataclass(frozen=True)
class LiveUpdate:
    """The state of a running profile, for the live table."""

    run_id: int
    steps: tuple[Step, ...]
    running_node: str | None
    status: str
    origin: float
    sampler_info: str = ""


@dataclass
class RunOptions:
    """Knobs for tests and the CLI; the defaults suit a desktop user."""

    nvml_api: NvmlApi | None = None
    use_nvml: bool = True
    connect_timeout: float = 10.0
    lost_timeout: float = 30.0          # ComfyUI unreachable this long mid-run: the run failed
    max_duration: float | None = None   # None: wait as long as the run takes
    stream_factory: Callable[..., EventStream] = EventStream


class ProfileRun:
    """One profiled execution of a workflow, stored as it goes."""

    def __init__(self, request: RunRequest, store: ProfilerStore,
                 options: RunOptions | None = None,
                 on_update: Callable[[LiveUpdate], None] | None = None,
                 on_samples: Callable[[tuple[Sample, ...], float], None] | None = None) -> None:
        self.request = request
        self._store = store
        self._options = options or RunOptions()
        self._on_update = on_update
        self._on_samples = on_samples
        self._events: queue.Queue[Event] = queue.Queue()
        self._interrupt = threading.Event()
        self._cancel = threading.Event()
        self._pending: list[Sample] = []
        self._pending_lock = threading.Lock()
        self.client_id = f"comfydesk-profiler-{uuid.uuid4().hex}"
        self.prompt_id = str(uuid.uuid4())
        self.run_id: int | None = None
        self.origin = 0.0
        self.sampler_info = ""
        self._sampler: Sampler | None = None
        self._socket_gap = False  # the websocket dropped at least once during the run
        self._storage_error = ""  # why the last sample batch could not be stored
        self.profile_nodes: list[str] = []  # nodes the Image Pool profile was applied to

    def cancel(self) -> None:
        """Stop following the run (app closing); it is stored as failed with that reason."""
        self._cancel.set()

    def interrupt(self) -> None:
        """Ask ComfyUI to stop this prompt (thread-safe; takes effect at the next step)."""
        self._interrupt.set()

    def run(self) -> RunRecord:
        """Run, store and return the run.

        Raises:
            ComfyUnreachable: the websocket could not connect (nothing was stored).
        """
        request, options = self.request, self._options
        client = ComfyClient(request.backend_url)
        stream = options.stream_factory(client.address, self.client_id, self._events.put)
        stream.start()
        try:
            self._wait_for_greeting(client.address)
            choice = choose_backends(client.address, client.system_stats, options.nvml_api,
                                     options.use_nvml)
            try:
                return self._run_connected(client, stream, choice)
            finally:
                choice.close()
        finally:
            stream.stop()
            client.close()

    def _wait_for_greeting(self, address: str) -> None:
        """Wait for the server's first ``status`` frame on our socket before posting.

        The socket is registered under our client id around that frame; a prompt posted
        earlier could run (a cached one in milliseconds) before its events have a receiver.
        The reference captures do the same: connect, wait for status, then POST.

        Raises:
            ComfyUnreachable: no status within ``connect_timeout`` (or the run was cancelled).
        """
        deadline = time.monotonic() + self._options.connect_timeout
        reason = "no answer on the websocket"
        while time.monotonic() < deadline and not self._cancel.is_set():
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(event, Status):
                return
            if isinstance(event, ConnectionChanged) and not event.connected:
                reason = event.reason or reason
        raise ComfyUnreachable(address, "cancelled" if self._cancel.is_set() else reason)

    def _run_connected(self, client: ComfyClient, stream: EventStream,
                       choice: BackendChoice) -> RunRecord:
        request = self.request
        prompt, profile_id = self._with_profile(request.prompt)
        interval = clamp_interval_ms(request.interval_ms)
        self.sampler_info = choice.describe()
        self.run_id = self._store.begin_run(
            name=request.name or time.strftime("Run %Y-%m-%d %H:%M:%S"),
            workflow_hash=workflow_hash(prompt), backend=client.address, forced=request.forced,
            profile_id=profile_id, interval_ms=interval, sampler_info=self.sampler_info)
        timeline = Timeline(self.prompt_id)
        sampler = self._sampler = Sampler(choice.backends, interval, on_batch=self._collect)
        self.origin = time.monotonic()
        sampler.start()
        try:
            self._post(client, stream, prompt, timeline)
            self._follow(client, timeline, prompt)
        except Exception as exc:  # a bug or a DB failure still ends in a stored, failed run
            log.exception("profiler run %s stopped", self.run_id)
            timeline.fail(time.monotonic(), f"The profiler stopped: {exc}")
        finally:
            sampler.stop()
            self._flush_samples()
        steps = build_steps(timeline, sampler.samples(), prompt, self.origin)
        error = timeline.error
        if self._storage_error:
            error = f"{error} {self._storage_error}" if error else self._storage_error
        if timeline.reconciled:
            gap = ("The websocket dropped during the run and its end was read from ComfyUI's "
                   "history: times of the nodes around the gap are approximate."
                   if self._socket_gap else
                   "ComfyUI's websocket did not report the end of the run; it was read from "
                   "ComfyUI's history: the last node's time is approximate.")
            error = f"{error} {gap}" if error else gap
        self._store.finish_run(self.run_id, status=timeline.status, total_time=timeline.total_time,
                               steps=steps, error=error, prompt_id=self.prompt_id)
        self._publish(timeline, prompt)
        return self._store.get_run(self.run_id)

    def _with_profile(self, prompt: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The prompt with the selected Image Pool profile in its pool nodes ("Use in runs").

        Returns the profile id to record, or None when the workflow has no Image Pool node
        that takes it (then no profile was used, whatever was selected).
        """
        profile_id = self.request.profile_id
        if not profile_id:
            return prompt, None
        from app.profiles.inject import apply_profile_report

        applied, points = apply_profile_report(prompt, profile_id)
        self.profile_nodes = [point.node_id for point in points]
        return applied, (profile_id if points else None)

    def _post(self, client: ComfyClient, stream: EventStream, prompt: dict[str, Any],
              timeline: Timeline) -> None:
        try:
            stream.watch(self.prompt_id)
            client.queue_prompt(prompt, self.client_id, self.request.extra_data,
                                prompt_id=self.prompt_id)
        except PromptRejected as exc:
            timeline.fail(time.monotonic(), f"ComfyUI rejected the workflow: {exc.describe()}")
        except ComfyError as exc:
            timeline.fail(time.monotonic(), f"Could not queue the workflow: {exc}")

    def _follow(self, client: ComfyClient, timeline: Timeline, prompt: dict[str, Any]) -> None:
        options = self._options
        lost_since: float | None = None
        lost_reason = ""
        interrupted = False
        last_flush = last_update = time.monotonic()
        while not timeline.finished:
            try:
                event = self._events.get(timeout=0.05)
            except queue.Empty:
                event = None
            now = time.monotonic()
            if isinstance(event, ConnectionChanged):
                lost_since, lost_reason = (None, "") if event.connected else (now, event.reason)
                self._socket_gap |= not event.connected
            elif event is not None and timeline.feed(event):
                last_update = 0.0  # publish right away: a node started or ended
            grace = 0.0 if self._socket_gap else HISTORY_END_GRACE
            if timeline.settle_pending(now, grace):
                last_update = 0.0
            if self._interrupt.is_set() and not interrupted:
                interrupted = True
                self._send_interrupt(client)
            if lost_since is not None and now - lost_since > options.lost_timeout:
                timeline.fail(now, f"ComfyUI went away mid-run ({lost_reason or 'no answer'}); "
                                   "the run could not be followed to its end.")
            if self._cancel.is_set():
                timeline.fail(now, "ComfyDesk stopped following the run (it was closed); "
                                   "ComfyUI may still be running the prompt.")
            if options.max_duration is not None and now - self.origin > options.max_duration:
                timeline.fail(now, f"The run took longer than {options.max_duration:g} s.")
            if now - last_flush >= DB_FLUSH_INTERVAL:
                last_flush = now
                self._flush_samples()
            if now - last_update >= UPDATE_INTERVAL and not timeline.finished:
                last_update = now
                self._publish(timeline, prompt, now)

    def _send_interrupt(self, client: ComfyClient) -> None:
        try:
            client.interrupt(self.prompt_id)
        except ComfyError as exc:
            log.warning("interrupt of %s failed: %s", self.prompt_id, exc)

    def _collect(self, batch: tuple[Sample, ...]) -> None:
        # Sampler thread: keep it short. The DB write happens on the run's own thread.
        with self._pending_lock:
            self._pending.extend(batch)
        if self._on_samples is not None:
            self._on_samples(batch, self.origin)

    def _flush_samples(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if not batch or self.run_id is None:
            return
        try:
            self._store.append_samples(self.run_id, batch, self.origin)
            self._storage_error = ""
        except StorageFailed as exc:
            # Full disk or a locked database: the run goes on (its steps are computed from the
            # samples in memory) and the batch is tried again with the next flush.
            log.warning("profiler samples not stored yet: %s", exc)
            self._storage_error = f"{exc} Part of the sample series is missing."
            with self._pending_lock:
                self._pending[:0] = batch

    def _publish(self, timeline: Timeline, prompt: dict[str, Any],
                 now: float | None = None) -> None:
        if self._on_update is None or self.run_id is None or self._sampler is None:
            return
        steps = build_steps(timeline, self._sampler.samples(), prompt, self.origin, now=now)
        self._on_update(LiveUpdate(self.run_id, tuple(steps), timeline.running_node,
                                   timeline.status, self.origin, self.sampler_info))
