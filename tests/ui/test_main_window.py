"""The main window as a person sees it: five docks, a View menu, a layout that persists."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QLabel

from app.ui.main_window import MainWindow

FEATURE_TITLES = ["Profiles", "Generate", "Versions", "Trials", "Profiler"]


def test_window_opens_with_five_feature_docks_and_a_central_area(make_window):
    window, _ctx = make_window()
    titles = [dock.windowTitle() for dock in window.feature_docks]
    assert titles == FEATURE_TITLES
    assert all(dock.objectName().startswith("dock.") for dock in window.feature_docks)
    assert window.centralWidget() is window.central
    assert "ComfyDesk" in window.windowTitle()


def test_upcoming_panels_say_what_they_will_do(make_window):
    window, _ctx = make_window()
    for dock, keyword in ((window.versions_dock, "git"), (window.trials_dock, "trial")):
        text = dock.widget().text()
        assert keyword in text and text.count(".") == 1  # one sentence


def test_view_menu_closes_and_reopens_a_dock(make_window, qtbot):
    window, _ctx = make_window()
    toggles = {action.text(): action for action in window.view_menu.actions()}
    profiler_toggle = toggles["Profiler"]
    window.profiler_dock.close()
    qtbot.waitUntil(lambda: not window.profiler_dock.isVisible())
    assert not profiler_toggle.isChecked()
    profiler_toggle.trigger()
    qtbot.waitUntil(window.profiler_dock.isVisible)


def test_dock_layout_survives_a_restart(make_window, qtbot):
    window, ctx = make_window()
    window.profiler_dock.setFloating(True)
    window.trials_dock.close()
    window.close()  # saves the layout like quitting does

    reopened = MainWindow(ctx)
    qtbot.addWidget(reopened)
    reopened.show()
    qtbot.waitExposed(reopened)
    assert reopened.profiler_dock.isFloating()
    assert not reopened.trials_dock.isVisible()
    assert reopened.generate_dock.isVisible()
    reopened.close()


def test_window_geometry_survives_a_restart(qtbot):
    """Geometry is saved on close and restored by the next window (docks not needed)."""
    first = MainWindow()  # the shell a cold start paints before the database is open
    qtbot.addWidget(first)
    first.show()
    first.setGeometry(23, 31, 640, 480)
    qtbot.waitUntil(lambda: first.size().width() == 640)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.size().width(), second.size().height()) == (640, 480)
    second.close()


def test_cold_start_paints_at_once_then_builds_the_docks(qtbot):
    """The window appears before the database is open; the panels arrive without a restart."""
    from PySide6.QtWidgets import QLabel

    from app.config import resolve_paths
    from app.ui.application import make_application, start_window

    make_application()
    window = start_window(resolve_paths().ensure())
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and not window.is_ready
        welcome = window.central.findChild(QLabel, "central.welcome")
        assert welcome.text() == "Opening the database…"
        assert window.feature_docks == [] and not window.settings_action.isEnabled()
        window.reset_layout_action.trigger()  # harmless while loading
        with qtbot.waitSignal(window.ready, timeout=20000):
            pass
        assert [d.windowTitle() for d in window.feature_docks] == FEATURE_TITLES
        assert "Pick a panel" in welcome.text()
        shortcuts = [d.toggleViewAction().shortcut().toString() for d in window.all_docks]
        assert shortcuts == [f"Alt+{n}" for n in range(1, 7)]
        assert window.settings_action.shortcut().toString() == "Ctrl+,"
        assert not window.quit_action.shortcut().isEmpty()
        assert window.settings_action.isEnabled()
        assert (window.ctx.paths.data_dir / "comfydesk.db").exists()
        assert type(window.versions_dock).__name__ == "VersionsDock"
    finally:
        window.close()
        qtbot.waitUntil(lambda: window.ctx is not None, timeout=20000)
        window.ctx.shutdown()


def test_reset_layout_restores_the_default(make_window, qtbot):
    window, _ctx = make_window()
    window.generate_dock.setFloating(True)
    window.versions_dock.close()
    window.reset_layout_action.trigger()
    assert not window.generate_dock.isFloating()
    assert window.dockWidgetArea(window.generate_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    qtbot.waitUntil(lambda: not window.versions_dock.isHidden())


def test_a_layout_saved_by_an_older_dock_set_is_ignored(make_window, qtbot):
    settings = QSettings()
    settings.setValue("window/state", b"not a state from this version")
    window, _ctx = make_window()
    assert window.restore_layout() is False, "a state from another layout version is refused"
    assert [d.isFloating() for d in window.feature_docks] == [False] * 5


def test_about_lists_versions(make_window, qtbot):
    window, ctx = make_window()
    window.about_action.trigger()
    dialog = window.findChild(QDialog, "about_dialog")
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.findChild(QLabel, "about.text").text()
    for name in ("ComfyDesk", "Qt", "PySide6", "Python", "ComfyUI", "Data folder"):
        assert f"<b>{name}</b>" in text
    assert f"not reachable at {ctx.backends.active_url}" in text
    dialog.close()
