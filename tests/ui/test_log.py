"""The app's own log: live in the Log dock and written, rotated, to the data folder's logs/."""

from __future__ import annotations

import logging

from app.logging_setup import configure_logging
from app.ui.log_view import LogDock, QtLogHandler


def test_log_dock_shows_records_from_any_thread(qtbot):
    import threading

    handler = QtLogHandler()
    logger = logging.getLogger("app.test_log")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.info("started before the window had a Log dock")
    dock = LogDock(handler)
    qtbot.addWidget(dock)
    try:
        worker = threading.Thread(target=lambda: logger.warning("backend went away"))
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: "backend went away" in dock.text())
        assert "WARNING" in dock.text()
        dock.show()  # the text view is built on first show, with what came before
        qtbot.waitUntil(lambda: dock.view is not None)
        shown = dock.view.toPlainText()
        assert "started before the window" in shown and "backend went away" in shown
        logger.warning("and came back")
        qtbot.waitUntil(lambda: "and came back" in dock.view.toPlainText())
        assert dock.view.toPlainText().count("backend went away") == 1
    finally:
        logger.removeHandler(handler)
        dock.shutdown()


def test_log_file_is_written_and_rotated(tmp_path):
    log_file = tmp_path / "logs" / "comfydesk.log"
    handler = configure_logging(log_file)
    try:
        handler.maxBytes = 2000
        logger = logging.getLogger("app.rotation")
        for index in range(100):
            logger.info("line %03d with some padding to fill the file quickly", index)
        handler.flush()
        assert log_file.exists()
        assert (tmp_path / "logs" / "comfydesk.log.1").exists()
        assert "line 099" in log_file.read_text()
    finally:
        logging.getLogger("app").removeHandler(handler)
        handler.close()


def test_view_menu_opens_the_log_dock(make_window, qtbot):
    window, _ctx = make_window()
    assert not window.log_dock.isVisible()
    toggle = next(a for a in window.view_menu.actions() if a.text() == "Log")
    toggle.trigger()
    qtbot.waitUntil(window.log_dock.isVisible)
