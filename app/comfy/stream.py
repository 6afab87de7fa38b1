"""The websocket event stream of one ComfyUI server, on its own daemon thread.

A thin shell: timing rules live in :mod:`app.comfy.policy`, prompt book-keeping in
:mod:`app.comfy.tracker`, frame parsing in :mod:`app.comfy.events`.

``on_event`` is called on the stream's thread. Open the stream (and ``wait_connected``)
before posting prompts with this ``client_id``, so no event is sent to nobody.

Never losing a result::

    prompt_id = str(uuid.uuid4())
    stream.watch(prompt_id, posted=False)       # before the POST: nothing slips through
    client.queue_prompt(prompt, stream.client_id, prompt_id=prompt_id)
    stream.watch(prompt_id)                     # now posted: may be declared lost later

Exactly one :class:`~app.comfy.events.PromptFinished` follows, over the socket or, after
a gap, from ``/history`` (or ``/api/jobs``) and ``/queue``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

import websocket

from app.comfy.client import ComfyClient
from app.comfy.errors import ComfyError, ComfyUnreachable
from app.comfy.events import ConnectionChanged, Event, parse_binary, parse_text
from app.comfy.policy import Backoff, Watchdog
from app.comfy.tracker import PromptTracker

log = logging.getLogger(__name__)

_FEATURE_FLAGS = {"type": "feature_flags", "data": {"supports_preview_metadata": True}}


class EventStream:
    """Typed ComfyUI events for ``client_id``, reconnecting forever until ``stop()``."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        on_event: Callable[[Event], None],
        *,
        client: ComfyClient | None = None,
        backoff: Backoff | None = None,
        ping_interval: float = 3.0,
        silence_timeout: float = 10.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._client = client or ComfyClient(base_url, timeout=5.0)
        self._client_id = client_id
        self._on_event = on_event
        self._backoff = backoff or Backoff()
        self._ping_interval = ping_interval
        self._silence_timeout = silence_timeout
        self._connect_timeout = connect_timeout
        self._tracker = PromptTracker()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: websocket.WebSocket | None = None
        self._announced: bool | None = None

    # ---- public API -------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def client_id(self) -> str:
        return self._client_id

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name=f"comfy-stream {self._client.address}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the socket and join the thread (returns within about half a second)."""
        self._stop.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.abort()
            except Exception:  # best effort on a socket being torn down
                log.debug("abort of the websocket failed", exc_info=True)
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def watch(self, prompt_id: str, posted: bool = True) -> None:
        """Report :class:`PromptFinished` for this prompt exactly once, gap or no gap."""
        self._tracker.watch(prompt_id, posted)

    def unwatch(self, prompt_id: str) -> None:
        self._tracker.unwatch(prompt_id)

    # ---- thread -----------------------------------------------------------------------
    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                ws = self._connect()
            except Exception as exc:  # every failure means "retry later"
                self._announce(False, _reason(exc))
                self._sleep(self._backoff.next_delay())
                continue
            self._backoff.reset()
            if not first:
                # The server may have restarted with other nodes or models installed.
                self._client.drop_cache()
            first = False
            self._connected.set()
            self._announce(True, "connected")
            self._tracker.check_all_now()
            reason = self._pump(ws)
            self._connected.clear()
            self._ws = None
            _close_quietly(ws)
            self._tracker.mark_gap()
            if self._stop.is_set():
                self._announce(False, "stopped")
                break
            self._announce(False, reason)
            self._sleep(self._backoff.next_delay())
        self._connected.clear()

    def _connect(self) -> websocket.WebSocket:
        ws = websocket.WebSocket(enable_multithread=True)
        self._ws = ws
        # suppress_origin: ComfyUI refuses a foreign Origin (403).
        ws.connect(
            self._client.ws_url(self._client_id),
            timeout=self._connect_timeout,
            suppress_origin=True,
        )
        ws.send(json.dumps(_FEATURE_FLAGS))
        return ws

    def _pump(self, ws: websocket.WebSocket) -> str:
        """Read frames until the socket dies; return why it ended."""
        dog = Watchdog(self._ping_interval, self._silence_timeout)
        dog.start(time.monotonic())
        while not self._stop.is_set():
            now = time.monotonic()
            if dog.dead(now):
                return f"no answer for {self._silence_timeout:g} s (connection presumed dead)"
            try:
                if dog.ping_due(now):
                    ws.ping()
                self._housekeeping()
                ws.settimeout(dog.wait_budget(now))
                opcode, data = ws.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError) as exc:
                return _reason(exc)
            received = time.monotonic()
            dog.traffic(received)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return "the server closed the connection"
            if opcode == websocket.ABNF.OPCODE_TEXT:
                self._dispatch(parse_text(data.decode("utf-8", "replace"), received))
            elif opcode == websocket.ABNF.OPCODE_BINARY:
                self._dispatch(parse_binary(data, received))
        return "stopped"

    def _housekeeping(self) -> None:
        due = self._tracker.due()
        if due:
            self._reconcile(due)
        self._flush()

    def _reconcile(self, prompt_ids: list[str]) -> None:
        for prompt_id in prompt_ids:
            try:
                job = self._client.job(prompt_id)
            except ComfyUnreachable:
                return  # Checked again after the next (re)connect.
            except ComfyError:
                log.warning("could not check prompt %s", prompt_id, exc_info=True)
                continue
            self._tracker.on_job(prompt_id, job)

    def _dispatch(self, event: Event) -> None:
        self._tracker.on_event(event)
        self._emit(event)
        self._housekeeping()

    def _flush(self) -> None:
        for finished in self._tracker.drain_ready():
            self._emit(finished)

    def _emit(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception:  # a listener bug must not kill the stream
            log.exception("event listener failed on %s", type(event).__name__)

    def _announce(self, connected: bool, reason: str) -> None:
        if self._announced is connected:
            return
        self._announced = connected
        self._emit(ConnectionChanged(received=time.monotonic(), connected=connected, reason=reason))

    def _sleep(self, seconds: float) -> None:
        """Wait for the next attempt, still delivering PromptFinished for late watch()."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            self._flush()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(min(left, 0.25))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, ConnectionRefusedError) or "refused" in text.lower():
        return "connection refused (is ComfyUI running?)"
    if isinstance(exc, websocket.WebSocketConnectionClosedException):
        return "connection closed"
    if isinstance(exc, websocket.WebSocketBadStatusException):
        return f"websocket refused: {text[:200]}"
    return text[:200] or type(exc).__name__


def _close_quietly(ws: websocket.WebSocket) -> None:
    try:
        ws.close(timeout=0.2)
    except Exception:  # the socket is already broken
        log.debug("closing a broken websocket failed", exc_info=True)
