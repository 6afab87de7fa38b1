"""The Log dock: the app's own log, live, as it is also written to logs/comfydesk.log."""

from __future__ import annotations

import logging

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
    def __init__(self, handler: QtLogHandler, parent: QWidget | None = None) -> None:
        super().__init__("Log", parent)
        self.setObjectName("dock.log")
        self.view = QPlainTextEdit()
        self.view.setObjectName("log.view")
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setWidget(self.view)
        self._handler = handler
        handler.emitter.line.connect(self.append_line)

    @Slot(str)
    def append_line(self, line: str) -> None:
        self.view.appendPlainText(line)

    def shutdown(self) -> None:
        self._handler.emitter.line.disconnect(self.append_line)
