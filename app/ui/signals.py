"""App-wide announcements that more than one dock listens to."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    """Emitted on the GUI thread; docks connect bound slots (auto-disconnected on deletion)."""

    settings_changed = Signal()  # ctx.settings was edited and saved (e.g. the Settings dialog)
    profile_selected = Signal(str)  # the Image Pool profile used in runs ("" = none)
