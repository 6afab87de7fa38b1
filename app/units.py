"""How sizes read in the window and on the command line (one place, the same everywhere)."""

from __future__ import annotations


def human_size(size: int | float | None) -> str:
    """``1536`` -> ``"1.5 KB"``; None (unknown) -> ``"-"``. Binary units, as file managers show."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
