"""The contract between docks and the window's central area."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


class CentralArea:
    """What docks may show in the window's centre (image viewer, run view).

    The main window provides the real one; docks call ``show(key, widget)`` to put a widget there
    (added once per key, raised on later calls).
    """

    def show(self, key: str, widget: QWidget) -> None:  # pragma: no cover - replaced by the window
        raise NotImplementedError
