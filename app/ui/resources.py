"""Finding bundled resources (icons, style sheets) in a checkout and in a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# What a title bar, taskbar and task switcher ask for; 512 and up only serve packaging.
WINDOW_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resources_dir() -> Path:
    """``resources/`` beside the ``app`` package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icon_paths(sizes: tuple[int, ...] = ICON_SIZES) -> list[Path]:
    folder = resources_dir() / "icons"
    return [folder / f"comfydesk-{size}.png" for size in sizes]


def app_icon() -> QIcon:
    icon = QIcon()
    for path in icon_paths(WINDOW_ICON_SIZES):
        if path.is_file():
            icon.addFile(str(path))
    return icon
