"""Profiler dock (being built; see its issue)."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

from app.ui.context import AppContext


class ProfilerDock(QDockWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Profiler", parent)
        self.setObjectName("dock.profiler")
        self.setWidget(QLabel("Profiler is being built."))

    def shutdown(self) -> None:
        """Nothing runs in the background yet."""
