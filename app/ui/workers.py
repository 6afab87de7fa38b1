"""One helper for one-off background work that reports back on the GUI thread.

``TaskRunner.run(fn, *args, on_done=..., on_error=..., on_progress=...)`` runs ``fn`` in a
QThreadPool. If ``fn`` declares a ``progress`` parameter it receives ``progress(done, total)``; if
it declares ``cancelled`` it receives a callable returning True once ``handle.cancel()`` was
called. Callbacks always run on the GUI thread; the runner waits for running tasks at shutdown.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _TaskSignals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class TaskHandle:
    """What a caller keeps to cancel a task or ask whether it is still running."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._cancel = threading.Event()
        self._finished = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_finished(self) -> bool:
        return self._finished.is_set()


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict,
                 handle: TaskHandle, signals: _TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._handle, self._signals = handle, signals

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # reported to the caller, never lost
            log.debug("task %s failed", self._handle.name, exc_info=True)
            self._signals.failed.emit(exc)
        else:
            self._signals.succeeded.emit(result)
        finally:
            self._handle._finished.set()


def _owner_gone(callback: Callable[..., Any] | None, owner: QObject | None) -> bool:
    """True when the QObject a callback belongs to was deleted (its window closed)."""
    candidates = [owner, getattr(callback, "__self__", None)]
    return any(isinstance(c, QObject) and not shiboken6.isValid(c) for c in candidates)


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class TaskRunner(QObject):
    """Runs callables off the GUI thread and calls back on it."""

    busy_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, max_threads: int | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        if max_threads:
            self._pool.setMaxThreadCount(max_threads)
        self._live: dict[int, _TaskSignals] = {}
        self._next_id = 0
        self._closed = False

    @property
    def active_count(self) -> int:
        return len(self._live)

    def run(self, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[int, int], None] | None = None,
            name: str | None = None, owner: QObject | None = None) -> TaskHandle:
        """Run ``fn`` on the pool. Callbacks are dropped once ``owner`` (or the QObject a bound
        callback belongs to) is deleted, and after :meth:`shutdown`."""
        handle = TaskHandle(name or getattr(fn, "__name__", "task"))
        signals = _TaskSignals()
        task_id = self._next_id
        self._next_id += 1
        self._live[task_id] = signals
        kwargs: dict[str, Any] = {}
        if _accepts(fn, "progress"):
            kwargs["progress"] = signals.progressed.emit
        if _accepts(fn, "cancelled"):
            kwargs["cancelled"] = handle.is_cancelled

        def finish() -> None:
            self._live.pop(task_id, None)
            if shiboken6.isValid(self):
                self.busy_changed.emit(len(self._live))

        def done(result: Any) -> None:
            finish()
            if on_done is not None and not self._closed and not _owner_gone(on_done, owner) \
                    and shiboken6.isValid(self):
                on_done(result)

        def failed(exc: BaseException) -> None:
            finish()
            if self._closed or _owner_gone(on_error, owner) or not shiboken6.isValid(self):
                log.info("background task %s failed after its window closed: %s", handle.name, exc)
            elif on_error is not None:
                on_error(exc)
            else:
                log.error("background task %s failed: %s", handle.name, exc, exc_info=exc)

        signals.succeeded.connect(done)
        signals.failed.connect(failed)
        if on_progress is not None:
            signals.progressed.connect(
                lambda done_, total: None if self._closed or _owner_gone(on_progress, owner)
                else on_progress(done_, total))
        self.busy_changed.emit(len(self._live))
        self._pool.start(_Task(fn, args, kwargs, handle, signals))
        return handle

    @Slot()
    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Wait for running tasks (they should honour ``cancelled``); True when all ended.

        Results that arrive afterwards are not delivered: their widgets may be gone.
        """
        self._closed = True
        return self._pool.waitForDone(timeout_ms)
