"""A line at the top of a panel that needs ComfyUI, shown while the active backend is down."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QWidget

from app.ui.backends import BackendHub


class ConnectionBanner(QLabel):
    """Says, in words and with the address tried, that ComfyUI is not reachable.

    ``consequence`` is the panel's own sentence on what that means for it.
    """

    def __init__(self, hub: BackendHub, consequence: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connection_banner")
        self.setWordWrap(True)
        self.setStyleSheet("QLabel { background: #5c1f1f; color: white; padding: 6px; "
                           "border-radius: 3px; }")
        self._hub = hub
        self._consequence = consequence
        hub.connection_changed.connect(self._on_connection)
        hub.active_backend_changed.connect(self._on_active)
        self.refresh()

    @Slot(str, bool, str)
    def _on_connection(self, url: str, _connected: bool, _reason: str) -> None:
        if url == self._hub.active_url:
            self.refresh()

    @Slot(str)
    def _on_active(self, _url: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        state = self._hub.state()
        if state.reachable is False:
            reason = f" ({state.reason})" if state.reason else ""
            self.setText(f"ComfyUI is not reachable at {self._hub.active_url}{reason}. "
                         f"{self._consequence}")
            self.show()
        else:
            self.hide()
