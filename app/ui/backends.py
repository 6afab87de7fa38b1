"""BackendHub: one ComfyClient and one event stream per configured ComfyUI, bridged into Qt.

The stream threads call ``_on_stream_event`` on their own thread; it only emits a queued signal,
so every event reaches the GUI thread as ``event_received`` / ``backend_event``. Health polling
(``/system_stats``) runs on a worker thread so a slow or dead server never blocks painting.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.comfy.client import ComfyClient
from app.comfy.errors import ComfyError
from app.comfy.events import ConnectionChanged, Status
from app.comfy.stream import EventStream
from app.config import Settings

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 1000


@dataclass
class BackendState:
    """What the status bar shows for one backend."""

    url: str
    reachable: bool | None = None  # None: not asked yet
    reason: str = ""
    stats: object | None = None  # app.comfy.system.SystemStats
    queue_remaining: int | None = None


class _HealthPoller(QObject):
    """Lives on its own QThread; asks every backend for /system_stats once a second."""

    polled = Signal(str, object, str)  # url, SystemStats or None, error text

    def __init__(self, clients: dict[str, ComfyClient]) -> None:
        super().__init__()
        self._clients = dict(clients)
        self._timer: QTimer | None = None

    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)  # created after moveToThread, so it fires on this thread
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self.poll_now)
        self._timer.start()
        self.poll_now()

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    @Slot()
    def poll_now(self) -> None:
        for url, client in self._clients.items():
            try:
                stats = client.system_stats()
            except ComfyError as exc:
                self.polled.emit(url, None, str(exc))
            except Exception as exc:  # a malformed answer must not kill the poller
                self.polled.emit(url, None, f"unexpected answer: {exc}")
            else:
                self.polled.emit(url, stats, "")


class BackendHub(QObject):
    """Owns clients, event streams and health of every configured backend."""

    event_received = Signal(object)
    backend_event = Signal(str, object)
    connection_changed = Signal(str, bool, str)
    system_stats_changed = Signal(str, object)
    active_backend_changed = Signal(str)
    _stream_event = Signal(str, object)

    def __init__(self, settings: Settings, parent: QObject | None = None,
                 client_id: str | None = None, poll: bool = True) -> None:
        super().__init__(parent)
        self.client_id = client_id or uuid.uuid4().hex
        self._settings = settings
        self._clients: dict[str, ComfyClient] = {}
        self._streams: dict[str, EventStream] = {}
        self._states: dict[str, BackendState] = {}
        self._poll_enabled = poll
        self._poll_thread: QThread | None = None
        self._poller: _HealthPoller | None = None
        self._stream_event.connect(self._deliver)
        self._started = False
        self._announced_active = settings.active().url

    # -- queries ---------------------------------------------------------------------------
    @property
    def active_url(self) -> str:
        return self._settings.active().url

    @property
    def urls(self) -> list[str]:
        return [backend.url for backend in self._settings.backends]

    def client(self, url: str | None = None) -> ComfyClient:
        url = url or self.active_url
        if url not in self._clients:
            self._clients[url] = ComfyClient(url)
        return self._clients[url]

    def state(self, url: str | None = None) -> BackendState:
        url = url or self.active_url
        return self._states.setdefault(url, BackendState(url))

    def watch(self, prompt_id: str, url: str | None = None, posted: bool = True) -> None:
        """Report ``PromptFinished`` for this prompt exactly once, even across a gap.

        Call with ``posted=False`` before POSTing a prompt whose id you chose, then again after.
        """
        stream = self._streams.get(url or self.active_url)
        if stream is not None:
            stream.watch(prompt_id, posted)

    def unwatch(self, prompt_id: str, url: str | None = None) -> None:
        """Forget a prompt whose POST failed, so it is not later reported as lost."""
        stream = self._streams.get(url or self.active_url)
        if stream is not None:
            stream.unwatch(prompt_id)

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for url in self.urls:
            client = self.client(url)
            stream = EventStream(client.address, self.client_id, client=client,
                                 on_event=lambda event, u=url: self._stream_event.emit(u, event))
            self._streams[url] = stream
            stream.start()
        if self._poll_enabled:
            self._start_poller()

    def _start_poller(self) -> None:
        self._poll_thread = QThread(self)
        self._poll_thread.setObjectName("backend-health")
        self._poller = _HealthPoller({url: ComfyClient(url, timeout=1.5) for url in self.urls})
        self._poller.moveToThread(self._poll_thread)
        self._poll_thread.started.connect(self._poller.start)
        self._poller.polled.connect(self._on_polled)
        self._poll_thread.finished.connect(self._poller.deleteLater)
        self._poll_thread.start()

    def stop(self) -> None:
        for stream in self._streams.values():
            stream.stop()
        self._streams.clear()
        if self._poll_thread is not None:
            if self._poller is not None:
                self._poller.polled.disconnect(self._on_polled)
            self._poll_thread.quit()
            self._poll_thread.wait(5000)
            self._poll_thread = None
            self._poller = None
        self._started = False

    def reconfigure(self, settings: Settings) -> None:
        """Apply changed backends: streams and cached object_info start afresh."""
        was_started = self._started
        self.stop()
        self._settings = settings
        self._clients.clear()
        self._states = {u: s for u, s in self._states.items() if u in self.urls}
        if was_started:
            self.start()
        if self.active_url != self._announced_active:
            self._announced_active = self.active_url
            self.active_backend_changed.emit(self.active_url)

    # -- events ----------------------------------------------------------------------------
    @Slot(str, object)
    def _deliver(self, url: str, event: object) -> None:
        state = self.state(url)
        if isinstance(event, ConnectionChanged):
            self._set_reachable(url, event.connected, event.reason)
            if event.connected and url in self._clients:
                self._clients[url].drop_cache()
        elif isinstance(event, Status):
            state.queue_remaining = event.queue_remaining
            self.system_stats_changed.emit(url, state.stats)
        self.backend_event.emit(url, event)
        self.event_received.emit(event)

    @Slot(str, object, str)
    def _on_polled(self, url: str, stats: object, error: str) -> None:
        state = self.state(url)
        if stats is not None:
            state.stats = stats
            self._set_reachable(url, True, "")
            self.system_stats_changed.emit(url, stats)
        else:
            self._set_reachable(url, False, error)

    def _set_reachable(self, url: str, reachable: bool, reason: str) -> None:
        state = self.state(url)
        if state.reachable == reachable:
            # The stream and the poller word the same outage differently; one message is enough.
            return
        was = state.reachable
        state.reachable, state.reason = reachable, reason
        if reachable and was is False:
            log.info("ComfyUI at %s is back", url)
        elif not reachable:
            log.warning("ComfyUI at %s is not reachable: %s", url, reason)
        self.connection_changed.emit(url, reachable, reason)
