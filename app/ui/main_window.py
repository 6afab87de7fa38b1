"""The ComfyDesk main window: five feature docks around a central viewer, menus, status bar.

A cold start paints the window at once (menus, a centred "opening" line) and builds the docks in
:meth:`MainWindow.attach` once the database is open. Nothing before the first paint touches a
``Qt.*`` enum: PySide6 builds its whole ``Qt`` namespace (about 15 ms) on first use of one.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QUrl, Signal, Slot
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
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.central import CentralArea
from app.ui.log_view import LogDock, QtLogHandler
from app.ui.resources import app_icon

if TYPE_CHECKING:
    from app.ui.context import AppContext

log = logging.getLogger(__name__)

# (attribute, module, class) of each feature dock, in View-menu order; built in attach().
DOCK_SPECS = (
    ("profiles_dock", "app.ui.docks.profiles", "ProfilesDock"),
    ("generate_dock", "app.ui.docks.generate", "GenerateDock"),
    ("versions_dock", "app.ui.docks.upcoming", "VersionsDock"),
    ("trials_dock", "app.ui.docks.upcoming", "TrialsDock"),
    ("profiler_dock", "app.ui.docks.profiler", "ProfilerDock"),
)


def import_dock_modules() -> None:
    """Load every dock's module (and the feature packages behind it); fine off the GUI thread."""
    for _attr, module, _cls in DOCK_SPECS:
        importlib.import_module(module)


# Bump when the set of docks changes, so an old saved layout is ignored rather than half-applied.
LAYOUT_VERSION = 1
SETTINGS_GEOMETRY = "window/geometry"
SETTINGS_STATE = "window/state"


def _centred(text: str, name: str) -> QWidget:
    """A page with ``text`` in its middle (layouts centre it; no alignment enum needed)."""
    label = QLabel(text)
    label.setObjectName(name)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(label)
    row.addStretch(1)
    page = QWidget()
    column = QVBoxLayout(page)
    column.addStretch(1)
    column.addLayout(row)
    column.addStretch(1)
    return page


class CentralStack(QStackedWidget, CentralArea):
    """The central area: a welcome page until a dock shows its viewer or run view there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("central")
        self._pages: dict[str, QWidget] = {}
        self.show("welcome", _centred("Opening the database…", "central.welcome"))

    def show(self, key: str, widget: QWidget | None = None) -> None:  # type: ignore[override]
        if key not in self._pages:
            if widget is None:
                raise KeyError(key)
            self._pages[key] = widget
            self.addWidget(widget)
        self.setCurrentWidget(self._pages[key])

    def page(self, key: str) -> QWidget | None:
        return self._pages.get(key)

    def say(self, text: str) -> None:
        label = self._pages["welcome"].findChild(QLabel, "central.welcome")
        label.setText(text)


class MainWindow(QMainWindow):
    settings_requested = Signal()
    ready = Signal()

    def __init__(self, ctx: AppContext | None = None, log_handler: QtLogHandler | None = None,
                 parent: QWidget | None = None) -> None:
        """Build the window. Without ``ctx`` only the frame is painted; :meth:`attach` adds the
        docks once the database is open (see ``app.ui.application.start_window``)."""
        super().__init__(parent)
        self.ctx: AppContext | None = None
        self._log_handler = log_handler or QtLogHandler()
        self.log_dock: LogDock | None = None
        for attr, _module, _cls in DOCK_SPECS:
            setattr(self, attr, None)
        self.setObjectName("main_window")
        self.setWindowTitle("ComfyDesk")
        self.setWindowIcon(app_icon())
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AnimatedDocks)
        self.setAcceptDrops(True)
        self.central = CentralStack(self)
        self.setCentralWidget(self.central)
        self._build_menus()
        self._default_state = QByteArray()
        self.resize(1400, 900)
        self._restore_geometry()
        if ctx is not None:
            self.attach(ctx)

    @property
    def is_ready(self) -> bool:
        return self.ctx is not None

    def attach(self, ctx: AppContext) -> None:
        """Build the docks and the status bar around ``ctx`` and restore the saved layout."""
        from app.ui.status_bar import BackendStatusBar

        self.ctx = ctx
        ctx.central = self.central
        for attr, module, cls in DOCK_SPECS:
            setattr(self, attr, getattr(importlib.import_module(module), cls)(ctx, self))
        self.log_dock = LogDock(self._log_handler, self)
        self._place_docks()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._restore_state()
        self.central.say("Pick a panel on the side: generate an image, profile a run, "
                         "or manage your Image Pool profiles.")
        self.setStatusBar(BackendStatusBar(ctx.backends, self))
        self._rebuild_dock_toggles()
        self._assign_shortcuts()
        self.settings_action.setEnabled(True)
        self.ready.emit()

    # -- docks -----------------------------------------------------------------------------
    @property
    def feature_docks(self) -> list[QDockWidget]:
        """The five panels in View-menu order; empty until :meth:`attach`."""
        docks = [getattr(self, attr) for attr, _module, _cls in DOCK_SPECS]
        return [dock for dock in docks if dock is not None]

    @property
    def all_docks(self) -> list[QDockWidget]:
        return [*self.feature_docks, *([self.log_dock] if self.log_dock is not None else [])]

    def _place_docks(self) -> None:
        from PySide6.QtCore import Qt  # first Qt enum use: after the first paint (see top)

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
        for dock in self.all_docks:
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.settings_action = self._action("&Settings…", self.open_settings)
        self.settings_action.setEnabled(False)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        self.quit_action = self._action("&Quit", self.close)
        file_menu.addAction(self.quit_action)

        self.view_menu = self.menuBar().addMenu("&View")
        self.reset_layout_action = self._action("&Reset layout", self.reset_layout)
        self._rebuild_dock_toggles()

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("Open &log folder", self.open_log_folder))
        self.about_action = self._action("&About ComfyDesk", self.show_about)
        help_menu.addAction(self.about_action)

    def _assign_shortcuts(self) -> None:
        # Done in attach(): a shortcut is the first Qt enum use (see the module docstring), and
        # the actions they lead to only work once the panels exist.
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        # Some platforms (and desktops) bind nothing to the standard Quit key: Ctrl+Q then.
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcuts(quit_keys or [QKeySequence("Ctrl+Q")])
        for index, dock in enumerate(self.all_docks, start=1):
            dock.toggleViewAction().setShortcut(QKeySequence(f"Alt+{index}"))

    def _rebuild_dock_toggles(self) -> None:
        self.view_menu.clear()
        for dock in self.all_docks:
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)

    def _action(self, text: str, slot) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        return action

    # -- layout persistence ----------------------------------------------------------------
    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        if self.is_ready:  # a window closed while loading has no dock layout to keep
            settings.setValue(SETTINGS_STATE, self.saveState(LAYOUT_VERSION))

    def _restore_geometry(self) -> None:
        geometry = QSettings().value(SETTINGS_GEOMETRY)
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))

    def _restore_state(self) -> bool:
        state = QSettings().value(SETTINGS_STATE)
        if isinstance(state, QByteArray | bytes):
            return self.restoreState(QByteArray(state), LAYOUT_VERSION)
        return False

    def restore_layout(self) -> bool:
        """Geometry and dock layout as saved at the last quit; False when no layout applies."""
        self._restore_geometry()
        return self.is_ready and self._restore_state()

    @Slot()
    def reset_layout(self) -> None:
        if not self.is_ready:
            return
        for dock in self.all_docks:
            dock.setFloating(False)
        self.restoreState(self._default_state, LAYOUT_VERSION)

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def open_settings(self) -> None:
        from PySide6.QtCore import Qt

        from app.ui.settings_dialog import SettingsDialog

        if self.ctx is None:
            return
        dialog = SettingsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.settings_requested.emit()

    @Slot()
    def show_about(self) -> None:
        from PySide6.QtCore import Qt

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
            QMessageBox.information(self, "ComfyDesk",
                                    "ComfyDesk is still opening; drop the zip again in a moment.")
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
