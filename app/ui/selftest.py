"""``comfydesk --self-test``: build the real window, open the database, check resources, exit.

Prints one line per check and returns 0 only when all passed. Packaged builds are smoke-tested
with it, under ``QT_QPA_PLATFORM=offscreen`` where there is no screen.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QPixmap

from app.config import resolve_paths


def _check(results: list[tuple[bool, str]], label: str, fn: Callable[[], str]) -> object:
    try:
        detail = fn()
    except Exception as exc:
        results.append((False, f"{label}: {exc}"))
        traceback.print_exc(file=sys.stderr)
        return None
    results.append((True, f"{label}: {detail}" if detail else label))
    return detail


def run_self_test() -> int:
    from app.ui.application import make_application
    from app.ui.resources import icon_paths

    app = make_application()
    results: list[tuple[bool, str]] = []
    paths = resolve_paths().ensure()
    holder: dict[str, object] = {}

    def open_context() -> str:
        from app.ui.context import build_context

        holder["ctx"] = build_context(paths, start_backends=False, poll=False)
        return f"database at revision {holder['ctx'].database.current_revision()}"  # type: ignore[attr-defined]

    def load_icons() -> str:
        missing = [p.name for p in icon_paths() if QPixmap(str(p)).isNull()]
        if missing:
            raise RuntimeError(f"icons did not load: {', '.join(missing)}")
        return f"{len(icon_paths())} icon sizes load"

    _check(results, "database opened and migrated", open_context)
    _check(results, "resources", load_icons)
    window = None
    if "ctx" in holder:
        def build_window() -> str:
            nonlocal window
            from app.ui.main_window import MainWindow

            window = MainWindow(holder["ctx"])  # type: ignore[arg-type]
            window.show()
            return ""

        _check(results, "main window built", build_window)
    if window is not None:
        for dock in window.feature_docks:
            results.append((True, f"dock built: {dock.windowTitle()}"))
        # Idle = the event loop has processed everything queued by building and showing.
        QTimer.singleShot(0, app.quit)
        app.exec()
        results.append((True, "event loop idle"))
        window.close()
    ctx = holder.get("ctx")
    if ctx is not None:
        ctx.shutdown()  # type: ignore[attr-defined]
    for ok, line in results:
        print(f"{'ok  ' if ok else 'FAIL'} {line}")
    failed = [line for ok, line in results if not ok]
    print("self-test passed" if not failed else f"self-test FAILED: {len(failed)} check(s)")
    return 0 if not failed else 1
