"""Starting the GUI: QApplication, logging, the context, the main window."""

from __future__ import annotations

import gc
import logging
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.config import APP_NAME, Paths, resolve_paths
from app.logging_setup import configure_logging
from app.ui.log_view import QtLogHandler
from app.ui.main_window import MainWindow
from app.ui.resources import app_icon

if TYPE_CHECKING:
    from app.ui.context import Foundation

log = logging.getLogger(__name__)


def make_application(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("comfydesk")  # ties the window to comfydesk.desktop (Wayland)
    return app  # type: ignore[return-value]


def load_foundation(paths: Paths) -> Foundation:
    """Worker-thread half of start-up: settings, database (migrated), dock modules imported."""
    from app.ui.context import prepare_foundation
    from app.ui.main_window import import_dock_modules

    foundation = prepare_foundation(paths)
    import_dock_modules()
    return foundation


def start_window(paths: Paths, qt_handler: QtLogHandler | None = None) -> MainWindow:
    """Show the window shell at once; the database opens and the docks appear off the GUI thread.

    A database that cannot be opened is named in a message, left untouched, and the app quits
    with exit code 2.
    """
    from app.ui.context import context_from
    from app.ui.workers import TaskRunner

    window = MainWindow(log_handler=qt_handler)
    window.show()
    tasks = TaskRunner(window)

    def attach(foundation: Foundation) -> None:
        ctx = context_from(foundation, tasks=tasks)
        window.attach(ctx)
        # Objects made at start-up live until quit; keeping them out of the collector's full
        # passes shortens the pauses a user would feel while scrolling a large gallery.
        gc.freeze()
        for warning in ctx.warnings:
            QMessageBox.warning(window, APP_NAME, warning)
        log.info("ComfyDesk started; data folder %s", paths.data_dir)

    def failed(exc: BaseException) -> None:
        from app.db import DatabaseError

        log.error("start-up failed: %s", exc)
        title = ("ComfyDesk cannot open its database" if isinstance(exc, DatabaseError)
                 else "ComfyDesk could not start")
        QMessageBox.critical(window, title, str(exc))
        QApplication.exit(2)

    # Start loading once the first paint is done, so the loader's imports do not delay it.
    QTimer.singleShot(0, lambda: tasks.run(load_foundation, paths, on_done=attach,
                                           on_error=failed, name="start-up"))
    return window


def quit_on_ctrl_c(app: QApplication) -> QTimer:
    """Ctrl+C in the terminal closes the window like File → Quit (saving the layout).

    Python only runs signal handlers between bytecodes, so a slow timer gives it the chance
    while Qt's event loop waits in C++.
    """
    signal.signal(signal.SIGINT, lambda *_args: QTimer.singleShot(0, app.closeAllWindows))
    wake = QTimer(app)
    wake.setInterval(250)
    wake.timeout.connect(lambda: None)
    wake.start()
    return wake


def run_gui(argv: Sequence[str] = ()) -> int:
    app = make_application(argv)
    quit_on_ctrl_c(app)
    paths = resolve_paths().ensure()
    configure_logging(paths.log_file)
    qt_handler = QtLogHandler()
    logging.getLogger("app").addHandler(qt_handler)
    app.setWindowIcon(app_icon())
    window = start_window(paths, qt_handler)
    try:
        return app.exec()
    finally:
        if window.ctx is not None:
            window.ctx.shutdown()
        logging.getLogger("app").removeHandler(qt_handler)
