"""The ComfyDesk main window: five feature docks around a central viewer, menus, status bar."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStatusBar,
    QWidget,
)

from app.ui.central import CentralArea
from app.ui.log_view import LogDock, QtLogHandler
from app.ui.resources import app_icon

if TYPE_CHECKING:
    from app.ui.context import AppContext

log = logging.getLogger(__name__)

# (attribute, title, objectName, module, class): built once the database is open.
DOCK_SPECS = (
    ("profiles_dock", "Profiles", "dock.profiles", "app.ui.docks.profiles", "ProfilesDock"),
    ("generate_dock", "Generate", "dock.generate", "app.ui.docks.generate", "GenerateDock"),
    ("versions_dock", "Versions", "dock.versions", "app.ui.docks.upcoming", "VersionsDock"),
    ("trials_dock", "Trials", "dock.trials", "app.ui.docks.upcoming", "TrialsDock"),
    ("profiler_dock", "Profiler", "dock.profiler", "app.ui.docks.profiler", "ProfilerDock"),
)


def import_dock_modules() -> None:
    """Load every dock's module (and the feature packages behind it); fine off the GUI thread."""
    for *_names, module, _cls in DOCK_SPECS:
        importlib.import_module(module)


class DockShell(QDockWidget):
    """Stands in a dock's place, with its name and title, until the real dock is built."""

    def __init__(self, title: str, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(object_name)
        label = QLabel("Loading…")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(label)


# Bump when the set of docks changes, so an old saved layout is ignored rather than half-applied.
LAYOUT_VERSION = 1
SETTINGS_GEOMETRY = "window/geometry"
SETTINGS_STATE = "window/state"


class CentralStack(QStackedWidget, CentralArea):
    """The central area: a welcome page until a dock shows its viewer or run view there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("central")
        self._pages: dict[str, QWidget] = {}
        welcome = QLabel("Pick a panel on the side: generate an image, profile a run, "
                         "or manage your Image Pool profiles.")
        welcome.setObjectName("central.welcome")
        welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        welcome.setWordWrap(True)
        self.show("welcome", welcome)

    def show(self, key: str, widget: QWidget | None = None) -> None:  # type: ignore[override]
        if key not in self._pages:
            if widget is None:
                raise KeyError(key)
            self._pages[key] = widget
            self.addWidget(widget)
        self.setCurrentWidget(self._pages[key])

    def page(self, key: str) -> QWidget | None:
        return self._pages.get(key)


class MainWindow(QMainWindow):
    settings_requested = Signal()

    ready = Signal()

    def __init__(self, ctx: AppContext | None = None, log_handler: QtLogHandler | None = None,
                 parent: QWidget | None = None) -> None:
        """Build the window. Without ``ctx`` it paints a shell at once and the docks are built
        by :meth:`attach` once the database is open (see ``app.ui.application``)."""
        super().__init__(parent)
        self.ctx: AppContext | None = None
        self.setObjectName("main_window")
        self.setWindowTitle("ComfyDesk")
        self.setWindowIcon(app_icon())
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AnimatedDocks)
        self.setAcceptDrops(True)
        self.central = CentralStack(self)
        self.setCentralWidget(self.central)
        for attr, title, name, _module, _cls in DOCK_SPECS:
            setattr(self, attr, DockShell(title, name, self))
        self.log_dock = LogDock(log_handler or QtLogHandler(), self)
        self._place_docks()
        starting = QStatusBar(self)
        starting.showMessage("Opening the database…")
        self.setStatusBar(starting)
        self._build_menus()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.resize(1400, 900)
        self.restore_layout()
        if ctx is not None:
            self.attach(ctx)

    def _take_place(self, shell: QDockWidget, dock: QDockWidget) -> None:
        """Put ``dock`` exactly where ``shell`` is (tab group, floating, hidden), then drop it.

        Tabifying into the shell's own group reuses Qt's tab bar; removing and re-adding docks
        would leave stale tab bars painted over the menu bar.
        """
        if shell.isFloating():
            self.addDockWidget(self.dockWidgetArea(shell), dock)
            dock.setFloating(True)
            dock.setGeometry(shell.geometry())
        else:
            self.tabifyDockWidget(shell, dock)
        visible, current = shell.isVisibleTo(self), not shell.visibleRegion().isEmpty()
        self.removeDockWidget(shell)
        shell.setObjectName("")  # restoreState matches by name: only the real dock may answer
        shell.deleteLater()
        dock.setVisible(visible)
        if current:
            dock.raise_()

    @property
    def is_ready(self) -> bool:
        return self.ctx is not None

    def attach(self, ctx: AppContext) -> None:
        """Build the real docks and status bar around ``ctx``, keeping the current layout."""
        from app.ui.status_bar import BackendStatusBar

        self.ctx = ctx
        ctx.central = self.central
        state = self.saveState(LAYOUT_VERSION)
        for attr, _title, _name, module, cls in DOCK_SPECS:
            shell: QDockWidget = getattr(self, attr)
            dock = getattr(importlib.import_module(module), cls)(ctx, self)
            self._take_place(shell, dock)
            setattr(self, attr, dock)
        self._apply_dock_features()
        self.restoreState(state, LAYOUT_VERSION)  # tab order as it was
        self.setStatusBar(BackendStatusBar(ctx.backends, self))
        self._rebuild_dock_toggles()
        self.settings_action.setEnabled(True)
        self.ready.emit()

    # -- docks -----------------------------------------------------------------------------
    @property
    def feature_docks(self) -> list[QDockWidget]:
        return [self.profiles_dock, self.generate_dock, self.versions_dock, self.trials_dock,
                self.profiler_dock]

    @property
    def all_docks(self) -> list[QDockWidget]:
        return [*self.feature_docks, self.log_dock]

    def _place_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.addDockWidget(left, self.generate_dock)
        self.addDockWidget(left, self.profiles_dock)
        self.tabifyDockWidget(self.generate_dock, self.profiles_dock)
        self.addDockWidget(right, self.profiler_dock)
        self.addDockWidget(right, self.versions_dock)
        self.addDockWidget(right, self.trials_dock)
        self.tabifyDockWidget(self.profiler_dock, self.versions_dock)
        self.tabifyDockWidget(self.profiler_dock, self.trials_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.generate_dock.raise_()
        self.profiler_dock.raise_()
        self.log_dock.hide()
        self._apply_dock_features()

    def _apply_dock_features(self) -> None:
        for dock in self.all_docks:
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.settings_action = self._action("&Settings…", QKeySequence("Ctrl+,"),
                                            self.open_settings)
        self.settings_action.setEnabled(False)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))

        self.view_menu = self.menuBar().addMenu("&View")
        self.reset_layout_action = self._action("&Reset layout", None, self.reset_layout)
        self._rebuild_dock_toggles()

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("Open &log folder", None, self.open_log_folder))
        self.about_action = self._action("&About ComfyDesk", None, self.show_about)
        help_menu.addAction(self.about_action)

    def _rebuild_dock_toggles(self) -> None:
        self.view_menu.clear()
        for index, dock in enumerate(self.all_docks, start=1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Alt+{index}"))
            self.view_menu.addAction(toggle)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)

    def _action(self, text: str, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        return action

    # -- layout persistence ----------------------------------------------------------------
    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        settings.setValue(SETTINGS_STATE, self.saveState(LAYOUT_VERSION))

    def restore_layout(self) -> bool:
        settings = QSettings()
        geometry = settings.value(SETTINGS_GEOMETRY)
        state = settings.value(SETTINGS_STATE)
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        if isinstance(state, QByteArray | bytes):
            return self.restoreState(QByteArray(state), LAYOUT_VERSION)
        return False

    @Slot()
    def reset_layout(self) -> None:
        for dock in self.all_docks:
            dock.setFloating(False)
        self.restoreState(self._default_state, LAYOUT_VERSION)

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        if self.ctx is None:
            return
        dialog = SettingsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.settings_requested.emit()

    @Slot()
    def show_about(self) -> None:
        from app.ui.about import AboutDialog

        if self.ctx is None:
            return
        dialog = AboutDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def open_log_folder(self) -> None:
        if self.ctx is None:
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.paths.logs_dir)))

    # -- drag and drop: a .zip anywhere imports an Image Pool profile -----------------------
    @staticmethod
    def _zip_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls()
                if url.isLocalFile() and url.toLocalFile().lower().endswith(".zip")]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._zip_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._zip_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._zip_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        importer = getattr(self.profiles_dock, "import_zip_files", None)
        if importer is None:
            QMessageBox.information(self, "ComfyDesk", "Importing profiles is not available yet.")
            return
        self.profiles_dock.show()
        self.profiles_dock.raise_()
        importer(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        for dock in self.all_docks:
            shutdown = getattr(dock, "shutdown", None)
            if shutdown is not None:
                try:
                    shutdown()
                except Exception:
                    log.exception("%s did not shut down cleanly", dock.objectName())
        super().closeEvent(event)
