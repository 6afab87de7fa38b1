"""Starting the GUI: QApplication, logging, the context, the main window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.config import APP_NAME, resolve_paths
from app.db import DatabaseError
from app.logging_setup import configure_logging

log = logging.getLogger(__name__)


def make_application(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    return app  # type: ignore[return-value]


def run_gui(argv: Sequence[str] = ()) -> int:
    app = make_application(argv)
    paths = resolve_paths().ensure()
    configure_logging(paths.log_file)
    from app.ui.log_view import QtLogHandler

    qt_handler = QtLogHandler()
    logging.getLogger("app").addHandler(qt_handler)
    from app.ui.context import build_context
    from app.ui.resources import app_icon

    app.setWindowIcon(app_icon())
    try:
        ctx = build_context(paths)
    except DatabaseError as exc:
        log.error("%s", exc)
        QMessageBox.critical(None, "ComfyDesk cannot open its database", str(exc))
        return 2
    from app.ui.main_window import MainWindow

    window = MainWindow(ctx, qt_handler)
    window.show()
    for warning in ctx.warnings:
        QTimer.singleShot(0, lambda w=warning: QMessageBox.warning(window, APP_NAME, w))
    log.info("ComfyDesk started; data folder %s", paths.data_dir)
    try:
        return app.exec()
    finally:
        ctx.shutdown()
        logging.getLogger("app").removeHandler(qt_handler)
