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
    line = Signal(str)


class QtLogHandler(logging.Handler):
    """A logging handler that hands formatted records to the GUI thread through a signal."""

    def __init__(self) -> None:
        super().__init__()
        self.emitter = _Emitter()
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.emitter.line.emit(self.format(record))
        except RuntimeError:  # the emitter was deleted at shutdown
            pass


class LogDock(QDockWidget):
    """Shows the log live. The text view is built the first time the dock is shown (it starts
    hidden and costs a few milliseconds of start-up); lines that come before wait in a buffer."""

    def __init__(self, handler: QtLogHandler, parent: QWidget | None = None) -> None:
        super().__init__("Log", parent)
        self.setObjectName("dock.log")
        self.view: QPlainTextEdit | None = None
        self._pending: deque[str] = deque(maxlen=MAX_LINES)
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
        view.setPlainText("\n".join(self._pending))
        self._pending.clear()
        self.view = view
        self.setWidget(view)

    def text(self) -> str:
        """Everything the dock holds, shown or not yet shown."""
        return self.view.toPlainText() if self.view is not None else "\n".join(self._pending)

    @Slot(str)
    def append_line(self, line: str) -> None:
        if self.view is None:
            self._pending.append(line)
        else:
            self.view.appendPlainText(line)

    def shutdown(self) -> None:
        self._handler.emitter.line.disconnect(self.append_line)
