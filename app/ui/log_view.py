"""The Log dock: the app's own log, live, as it is also written to logs/comfydesk.log."""

from __future__ import annotations

import logging
from collections import deque

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDockWidget, QPlainTextEdit, QWidget

from app.logging_setup import LOG_FORMAT

MAX_LINES = 5000


class _Emitter(QObject):
    line = Signal(int, str)  # sequence number, formatted record


class QtLogHandler(logging.Handler):
    """Hands formatted records to the GUI thread through a signal, and keeps the recent ones
    so a Log dock built later (or first shown later) starts with what came before."""

    def __init__(self) -> None:
        super().__init__()
        self.emitter = _Emitter()
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self._recent: deque[tuple[int, str]] = deque(maxlen=MAX_LINES)
        self._sequence = 0

    def emit(self, record: logging.LogRecord) -> None:  # called with self.lock held
        line = self.format(record)
        self._sequence += 1
        self._recent.append((self._sequence, line))
        try:
            self.emitter.line.emit(self._sequence, line)
        except RuntimeError:  # the emitter was deleted at shutdown
            pass

    def recent(self) -> list[tuple[int, str]]:
        with self.lock:
            return list(self._recent)


class LogDock(QDockWidget):
    """Shows the log live. The text view is built the first time the dock is shown (it starts
    hidden, and start-up should not pay for it); it then begins with the handler's recent lines."""

    def __init__(self, handler: QtLogHandler, parent: QWidget | None = None) -> None:
        super().__init__("Log", parent)
        self.setObjectName("dock.log")
        self.view: QPlainTextEdit | None = None
        self._shown_up_to = 0
        self._handler = handler
        handler.emitter.line.connect(self.append_line)
        self.visibilityChanged.connect(self._build_view)

    @Slot(bool)
    def _build_view(self, visible: bool) -> None:
        if not visible or self.view is not None:
            return
        view = QPlainTextEdit()
        view.setObjectName("log.view")
        view.setReadOnly(True)
        view.setMaximumBlockCount(MAX_LINES)
        view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        recent = self._handler.recent()
        view.setPlainText("\n".join(line for _seq, line in recent))
        self._shown_up_to = recent[-1][0] if recent else 0
        self.view = view
        self.setWidget(view)

    def text(self) -> str:
        """What the dock shows, or would show once opened."""
        if self.view is not None:
            return self.view.toPlainText()
        return "\n".join(line for _seq, line in self._handler.recent())

    @Slot(int, str)
    def append_line(self, sequence: int, line: str) -> None:
        if self.view is None or sequence <= self._shown_up_to:
            return  # not shown yet (the handler keeps it), or already in the view
        self._shown_up_to = sequence
        self.view.appendPlainText(line)

    def shutdown(self) -> None:
        self._handler.emitter.line.disconnect(self.append_line)
