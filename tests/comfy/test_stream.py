"""EventStream against the fake server: events, gaps, reconnects, exactly-once results."""

from __future__ import annotations

import base64
import copy
import hashlib
import socket
import threading
import uuid

import pytest

from app.comfy import events as ev
from app.comfy.client import ComfyClient
from app.comfy.policy import Backoff
from app.comfy.stream import EventStream
from app.comfy.tracker import LOST_MESSAGE
from tests.comfy.refdata import load

pytestmark = pytest.mark.integration


class Recorder:
    """Collects events from the stream thread; tests wait on conditions, never sleep."""

    def __init__(self) -> None:
        self.events: list[ev.Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: ev.Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.events), timeout)

    def of(self, kind):
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def connection_states(self) -> list[bool]:
        return [e.connected for e in self.of(ev.ConnectionChanged)]


def finished(prompt_id):
    return lambda events: any(
        isinstance(e, ev.PromptFinished) and e.prompt_id == prompt_id for e in events
    )


@pytest.fixture
def prompt():
    return copy.deepcopy(load("prompt_api.json")["prompt"])


@pytest.fixture
def make_stream(fake_comfy):
    streams = []

    def make(url=None, fast=True, **kwargs):
        recorder = Recorder()
        backoff = Backoff(initial=0.05, maximum=0.2) if fast else None
        stream = EventStream(
            url or fake_comfy.url,
            f"desk-{uuid.uuid4().hex[:8]}",
            recorder,
            backoff=backoff,
            **kwargs,
        )
        streams.append(stream)
        stream.start()
        return stream, recorder

    yield make
    for stream in streams:
        stream.stop()


def _post(fake_comfy, stream, prompt):
    client = ComfyClient(fake_comfy.url)
    prompt_id = str(uuid.uuid4())
    stream.watch(prompt_id, posted=False)  # before posting: nothing can slip through
    client.queue_prompt(prompt, stream.client_id, prompt_id=prompt_id)
    stream.watch(prompt_id)
    return prompt_id


def test_a_run_streams_typed_events_and_finishes_once(fake_comfy, make_stream, prompt):
    stream, rec = make_stream(fast=False)  # the default 0.5..10 s backoff
    assert stream.wait_connected(5)
    prompt_id = _post(fake_comfy, stream, prompt)
    assert rec.wait_for(finished(prompt_id))
    assert fake_comfy.wait_idle(5)
    (done,) = rec.of(ev.PromptFinished)
    assert (done.outcome, done.via, done.error) == ("success", "websocket", None)
    assert done.outputs == fake_comfy.history[prompt_id]["outputs"]
    kinds = {type(e) for e in rec.events}
    assert {
        ev.ConnectionChanged,
        ev.Status,
        ev.ExecutionStart,
        ev.ExecutionCached,
        ev.Executing,
        ev.Progress,
        ev.Executed,
        ev.ExecutionSuccess,
    } <= kinds
    previews = rec.of(ev.PreviewImage)
    assert previews and all(p.image and p.format in ("jpeg", "png") for p in previews)
    stamps = [e.received for e in rec.events]
    assert stamps == sorted(stamps)
    assert rec.connection_states() == [True]
    upgrade = next(r for r in fake_comfy.requests if r.path == "/ws")
    assert "Origin" not in upgrade.headers
    assert upgrade.query["clientId"] == stream.client_id


def test_prompt_finished_while_disconnected_is_reported_once_after_reconnect(
    fake_comfy, make_stream, prompt
):
    fake_comfy.scenario.disconnect_at_node = "8"  # VAEDecode: sockets dropped, run goes on
    stream, rec = make_stream(fast=False)  # reconnect waits 0.5 s: the run ends before
    assert stream.wait_connected(5)
    prompt_id = _post(fake_comfy, stream, prompt)
    assert rec.wait_for(finished(prompt_id))
    (done,) = rec.of(ev.PromptFinished)
    assert (done.outcome, done.via) == ("success", "reconcile")
    assert done.outputs == fake_comfy.history[prompt_id]["outputs"]
    assert done.outputs["9"]["images"]
    assert rec.connection_states() == [True, False, True]
    assert rec.of(ev.ConnectionChanged)[1].reason
    # Later traffic for the same prompt (or another reconcile) adds nothing.
    fake_comfy.scenario.disconnect_at_node = None
    second = _post(fake_comfy, stream, copy.deepcopy(prompt))
    assert rec.wait_for(finished(second))
    assert [e.prompt_id for e in rec.of(ev.PromptFinished)] == [prompt_id, second]


def test_reconnect_before_the_end_still_finishes_exactly_once(fake_comfy, make_stream, prompt):
    fake_comfy.scenario.disconnect_at_node = "8"
    fake_comfy.scenario.node_durations["8"] = 0.6  # ends after the quick reconnect
    stream, rec = make_stream()
    assert stream.wait_connected(5)
    prompt_id = _post(fake_comfy, stream, prompt)
    assert rec.wait_for(finished(prompt_id))
    assert fake_comfy.wait_idle(5)
    (done,) = rec.of(ev.PromptFinished)
    assert done.outcome == "success"
    assert done.outputs == fake_comfy.history[prompt_id]["outputs"]
    # The end itself came over the new socket; outputs were completed from history.
    assert any(isinstance(e, ev.ExecutionSuccess) and e.prompt_id == prompt_id for e in rec.events)
    assert rec.connection_states() == [True, False, True]


def test_failed_and_interrupted_runs(fake_comfy, make_stream, prompt):
    stream, rec = make_stream()
    assert stream.wait_connected(5)
    fake_comfy.scenario.fail_node = "8"
    failed = _post(fake_comfy, stream, copy.deepcopy(prompt))
    assert rec.wait_for(finished(failed))
    fake_comfy.scenario.fail_node = None
    fake_comfy.scenario.step_duration = 5.0  # sampler steps notice an interrupt at once
    prompt["3"]["inputs"]["seed"] = 77
    stopped = _post(fake_comfy, stream, prompt)
    assert rec.wait_for(
        lambda es: any(
            isinstance(e, ev.Executing) and e.node == "3" and e.prompt_id == stopped for e in es
        )
    )
    ComfyClient(fake_comfy.url).interrupt(stopped)
    assert rec.wait_for(finished(stopped))
    by_id = {e.prompt_id: e for e in rec.of(ev.PromptFinished)}
    assert by_id[failed].outcome == "error" and "node 8" in by_id[failed].error
    assert by_id[stopped].outcome == "interrupted"
    assert rec.of(ev.ExecutionError) and rec.of(ev.ExecutionInterrupted)


def test_server_stopped_and_started_again_reconnects_by_itself(fake_comfy, make_stream):
    stream, rec = make_stream()
    assert stream.wait_connected(5)
    fake_comfy.stop()
    assert rec.wait_for(lambda es: len([e for e in es if isinstance(e, ev.ConnectionChanged)]) == 2)
    assert not stream.connected
    fake_comfy.start()
    assert stream.wait_connected(5)
    assert rec.wait_for(lambda es: len([e for e in es if isinstance(e, ev.ConnectionChanged)]) == 3)
    assert rec.connection_states() == [True, False, True]


def test_prompt_lost_in_a_restart_is_reported_as_an_error(fake_comfy, make_stream, prompt):
    fake_comfy.scenario.step_duration = 5.0
    stream, rec = make_stream()
    assert stream.wait_connected(5)
    prompt_id = _post(fake_comfy, stream, prompt)
    assert rec.wait_for(lambda es: any(isinstance(e, ev.ExecutionStart) for e in es))
    fake_comfy.restart()  # queue and history are gone
    assert rec.wait_for(finished(prompt_id))
    (done,) = rec.of(ev.PromptFinished)
    assert (done.outcome, done.error) == ("error", LOST_MESSAGE)


def test_a_failing_listener_does_not_kill_the_stream(fake_comfy):
    calls = []

    def listener(event):
        calls.append(event)
        raise RuntimeError("listener bug")

    stream = EventStream(fake_comfy.url, "desk-bug", listener)
    stream.start()
    try:
        assert stream.wait_connected(5)
        ComfyClient(fake_comfy.url).queue_prompt(load("prompt_api.json")["prompt"], "desk-bug")
        assert fake_comfy.wait_idle(5)
        assert stream.connected
    finally:
        stream.stop()
    assert len(calls) > 3


def test_stop_returns_and_leaves_no_thread_even_while_the_server_is_down(fake_comfy):
    fake_comfy.stop()
    rec = Recorder()
    stream = EventStream(fake_comfy.url, "desk-down", rec)
    stream.start()
    assert rec.wait_for(lambda es: bool(es), 5)
    assert rec.connection_states() == [False]
    stream.stop(timeout=3)
    assert not stream._thread.is_alive()


def _black_hole_server():
    """Accepts the websocket handshake, then never sends or answers anything."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    held = []

    def serve():
        conn, _ = listener.accept()
        held.append(conn)
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key")
        )
        accept = base64.b64encode(
            hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
        )
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )

    threading.Thread(target=serve, daemon=True).start()
    return listener, held


def test_a_silent_socket_is_declared_dead_by_the_watchdog():
    listener, held = _black_hole_server()
    port = listener.getsockname()[1]
    rec = Recorder()
    stream = EventStream(
        f"http://127.0.0.1:{port}",
        "desk-silent",
        rec,
        ping_interval=0.2,
        silence_timeout=0.8,
        backoff=Backoff(initial=5.0, maximum=5.0),
    )
    stream.start()
    try:
        assert rec.wait_for(lambda es: len(es) >= 2, 10)
        first, second = rec.of(ev.ConnectionChanged)[:2]
        assert (first.connected, second.connected) == (True, False)
        assert "no answer for 0.8 s" in second.reason
    finally:
        stream.stop()
        listener.close()
        for conn in held:
            conn.close()


def test_a_quiet_but_alive_server_keeps_the_socket(fake_comfy, make_stream, prompt):
    # A checkpoint load can take many seconds without a frame; pongs prove the link lives.
    fake_comfy.scenario.node_durations["4"] = 1.2
    stream, rec = make_stream(ping_interval=0.2, silence_timeout=0.8)
    assert stream.wait_connected(5)
    prompt_id = _post(fake_comfy, stream, prompt)
    assert rec.wait_for(finished(prompt_id))
    (done,) = rec.of(ev.PromptFinished)
    assert done.via == "websocket"
    assert rec.connection_states() == [True]
