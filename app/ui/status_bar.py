"""The status bar's live view of the active ComfyUI backend."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.ui.backends import BackendHub
from app.units import human_size


def describe_backend(url: str, state) -> dict[str, str]:
    """The texts the status bar shows for one backend state (pure; easy to test)."""
    if state.reachable is None:
        return {"connection": f"Connecting to {url}…", "version": "", "queue": "", "gpu": ""}
    if not state.reachable:
        reason = f" ({state.reason})" if state.reason else ""
        return {"connection": f"● ComfyUI disconnected: {url}{reason}", "version": "",
                "queue": "", "gpu": ""}
    stats = state.stats
    version = f"ComfyUI {stats.comfyui_version}" if stats and stats.comfyui_version else ""
    queue = "" if state.queue_remaining is None else f"Queue: {state.queue_remaining}"
    gpu = ""
    if stats and stats.devices:
        device = stats.devices[0]
        used = None
        if device.vram_total is not None and device.vram_free is not None:
            used = device.vram_total - device.vram_free
        gpu = f"{device.name} · VRAM {human_size(used)} / {human_size(device.vram_total)}"
    return {"connection": f"● ComfyUI connected: {url}", "version": version, "queue": queue,
            "gpu": gpu}


class BackendStatusBar(QStatusBar):
    def __init__(self, hub: BackendHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusbar")
        self._hub = hub
        self.connection_label = QLabel()
        self.version_label = QLabel()
        self.queue_label = QLabel()
        self.gpu_label = QLabel()
        for name, label in (("connection", self.connection_label), ("version", self.version_label),
                            ("queue", self.queue_label), ("gpu", self.gpu_label)):
            label.setObjectName(f"status.{name}")
            self.addPermanentWidget(label)
        hub.connection_changed.connect(self._refresh)
        hub.system_stats_changed.connect(self._refresh_stats)
        hub.active_backend_changed.connect(self._refresh_active)
        self.refresh()

    @Slot(str, bool, str)
    def _refresh(self, url: str, _connected: bool, _reason: str) -> None:
        if url == self._hub.active_url:
            self.refresh()

    @Slot(str, object)
    def _refresh_stats(self, url: str, _stats: object) -> None:
        if url == self._hub.active_url:
            self.refresh()

    @Slot(str)
    def _refresh_active(self, _url: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        texts = describe_backend(self._hub.active_url, self._hub.state())
        connected = self._hub.state().reachable
        colour = "#2e7d32" if connected else ("#c62828" if connected is False else "#888")
        self.connection_label.setText(texts["connection"])
        self.connection_label.setStyleSheet(f"color: {colour};")
        self.version_label.setText(texts["version"])
        self.queue_label.setText(texts["queue"])
        self.gpu_label.setText(texts["gpu"])
