"""Help → About: versions of the app, Qt, PySide6, Python and the active ComfyUI."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app import __version__
from app.ui.context import AppContext


def version_lines(ctx: AppContext) -> list[tuple[str, str]]:
    state = ctx.backends.state()
    stats = state.stats
    if stats is not None and state.reachable:
        comfy = f"{stats.comfyui_version} at {ctx.backends.active_url}"
    else:
        comfy = f"not reachable at {ctx.backends.active_url}"
    return [("ComfyDesk", __version__), ("Qt", qVersion()), ("PySide6", PySide6.__version__),
            ("Python", platform.python_version()), ("ComfyUI", comfy),
            ("Data folder", str(ctx.paths.data_dir))]


class AboutDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("About ComfyDesk")
        rows = "".join(f"<tr><td><b>{name}</b></td><td>{value}</td></tr>"
                       for name, value in version_lines(ctx))
        text = QLabel(f"<h3>ComfyDesk</h3><p>A desktop control room for ComfyUI.</p>"
                      f"<table cellspacing='6'>{rows}</table>")
        text.setObjectName("about.text")
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
