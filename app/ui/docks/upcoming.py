"""Docks for panels whose issue is not open yet: each says in one sentence what it will do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

from app.ui.context import AppContext


class _PlannedDock(QDockWidget):
    TITLE = ""
    OBJECT_NAME = ""
    SENTENCE = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(self.TITLE, parent)
        self.setObjectName(self.OBJECT_NAME)
        label = QLabel(self.SENTENCE)
        label.setObjectName(f"{self.OBJECT_NAME}.plan")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setMargin(16)
        self.setWidget(label)

    def shutdown(self) -> None:
        """Nothing runs in the background yet."""


class VersionsDock(_PlannedDock):
    TITLE = "Versions"
    OBJECT_NAME = "dock.versions"
    SENTENCE = ("Versions will track your ComfyUI workflows in git, diff two versions node by "
                "node, restore one, and export or import a bundle with its models and node packs.")


class TrialsDock(_PlannedDock):
    TITLE = "Trials"
    OBJECT_NAME = "dock.trials"
    SENTENCE = ("Trials will find the node types a workflow is missing, install their packs "
                "through ComfyUI-Manager for a 7-day trial or for good, and disable unused trials.")
