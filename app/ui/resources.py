"""Finding bundled resources (icons, style sheets) in a checkout and in a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resources_dir() -> Path:
    """``resources/`` beside the ``app`` package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icon_paths() -> list[Path]:
    folder = resources_dir() / "icons"
    return [folder / f"comfydesk-{size}.png" for size in ICON_SIZES]


def app_icon() -> QIcon:
    icon = QIcon()
    for path in icon_paths():
        if path.is_file():
            icon.addFile(str(path))
    return icon
