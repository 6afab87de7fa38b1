"""Gallery rows fetched off the GUI thread.

The gallery model holds only request ids; the records behind the rows on screen are read from
the database in batches. Reading a batch takes a few milliseconds on an idle machine and tens on
a busy one, so it runs here, on one pool thread, and the model fills its row cache when the
batch arrives (the view shows a neutral tile for the moment in between).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.generation.records import GenerationRecord

log = logging.getLogger(__name__)

Fetch = Callable[[Sequence[str]], dict[str, GenerationRecord]]


class _Read(QRunnable):
    def __init__(self, loader: RecordLoader, ids: list[str]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._loader, self._ids = loader, ids

    def run(self) -> None:
        if self._loader.closed.is_set():
            return
        try:
            found = self._loader.fetch(self._ids)
        except Exception as exc:  # the database went away: the rows stay blank, said in the log
            log.warning("gallery rows could not be read: %s", exc)
            found = {}
        if not self._loader.closed.is_set():
            try:
                self._loader.loaded.emit(self._ids, found)
            except RuntimeError:  # the loader was deleted without shutdown: nobody to tell
                log.debug("gallery rows read after their model was gone")


class RecordLoader(QObject):
    """``request(ids)`` reads their records on a pool thread; ``loaded(ids, records)`` is
    emitted on the GUI thread (queued, as the loader lives there)."""

    loaded = Signal(object, object)  # ids asked for (list), {id: GenerationRecord} found

    def __init__(self, fetch: Fetch, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fetch = fetch
        self.closed = threading.Event()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # batches arrive in the order they were asked for

    def request(self, ids: Sequence[str]) -> None:
        if ids and not self.closed.is_set():
            self._pool.start(_Read(self, list(ids)))

    def shutdown(self, timeout_ms: int = 3000) -> None:
        self.closed.set()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
