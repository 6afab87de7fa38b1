"""Background tasks whose callbacks are dropped once their owner widget is gone or closed.

The shared TaskRunner calls back plain callables; a result arriving after the window closed
would touch deleted C++ objects. Every Profiler widget goes through this wrapper instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject

from app.ui.workers import TaskHandle, TaskRunner


class GuardedTasks:
    def __init__(self, tasks: TaskRunner, owner: QObject) -> None:
        self._tasks = tasks
        self._owner = owner
        self.closed = False

    def alive(self) -> bool:
        return not self.closed and shiboken6.isValid(self._owner)

    def _guard(self, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
        if callback is None:
            return None

        def guarded(value: Any) -> None:
            if self.alive():
                callback(value)

        return guarded

    def run(self, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            name: str | None = None) -> TaskHandle:
        # Errors after close still reach the log through the runner's default handler.
        guarded_error = self._guard(on_error) if on_error is not None else None
        return self._tasks.run(fn, *args, on_done=self._guard(on_done) or (lambda _r: None),
                               on_error=guarded_error, name=name, owner=self._owner)
