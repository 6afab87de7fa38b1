"""Thumbnail loading for the gallery: files are read and decoded on a QThreadPool.

Scrolling through 10,000 rows asks for far more thumbnails than anyone looks at. Requests go on
a bounded last-in-first-out stack: the rows on screen now are decoded first, and requests for
rows that scrolled far past are dropped (the view asks again if they come back). A couple of
pump runnables work the stack and linger a moment when it is empty, so a fling costs no
thread start per row (each start is a GIL hand-over that a busy machine makes slow) and the
decoders never outnumber what the screen needs.

Decoded images are handed back in batches: pumps put them in a list and a GUI-thread timer
drains it every ``DRAIN_MS``, so a fast scroll costs one model update per batch instead of one
signal per image.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Slot
from PySide6.QtGui import QImage, QImageReader

from app.generation.records import GenerationRecord

DRAIN_MS = 30
MAX_PENDING = 96  # about two screenfuls of the gallery; older requests are dropped
PUMP_LINGER_S = 0.25  # an idle pump waits this long for more work (frames come every 16 ms)
Batch = list[tuple[str, QImage]]


def read_scaled(path: Path, box: int) -> QImage:
    """Decode ``path`` at most ``box`` pixels on its longest side (QImage is thread-safe)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > box:
        reader.setScaledSize(size.scaled(QSize(box, box), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class _Pump(QRunnable):
    """Decodes from the loader's stack until it is empty."""

    def __init__(self, loader: ThumbnailLoader) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._loader = loader

    def run(self) -> None:
        loader = self._loader
        while (job := loader.next_job()) is not None:
            request_id, relative = job
            loader.deliver(request_id, read_scaled(loader.data_dir / relative, loader.size))


class ThumbnailLoader(QObject):
    """``request(record)`` queues its first thumbnail; ``on_loaded(batch)`` gets
    ``[(request id, QImage), ...]`` on the GUI thread. Asking again for a thumbnail that is
    queued or being decoded does nothing, so a view may ask on every paint."""

    def __init__(self, data_dir: Path, on_loaded: Callable[[Batch], None] | None = None,
                 parent: QObject | None = None, max_threads: int = 2, size: int = 128,
                 max_pending: int = MAX_PENDING) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.on_loaded = on_loaded
        self.size = size  # decoded at the gallery's icon size: 64 KB per cached icon
        self._max_threads = max_threads
        self._max_pending = max_pending
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self.closed = threading.Event()
        self._lock = threading.Condition()
        self._stack: deque[tuple[str, str]] = deque()
        self._wanted: set[str] = set()  # on the stack or being decoded
        self._unreadable: set[str] = set()  # decoded to nothing once: not asked again
        self._pumps = 0  # started and not ended
        self._idle = 0  # of those, waiting for work
        self._done: Batch = []
        self.dropped = 0  # requests dropped because newer ones pushed them out (benchmark)
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)

    def request(self, record: GenerationRecord) -> None:
        if not record.thumbnail_paths or self.closed.is_set():
            return
        start_pump = False
        with self._lock:
            if record.id in self._wanted or record.id in self._unreadable:
                return
            self._wanted.add(record.id)
            self._stack.append((record.id, record.thumbnail_paths[0]))
            while len(self._stack) > self._max_pending:
                old, _path = self._stack.popleft()
                self._wanted.discard(old)
                self.dropped += 1
            if self._idle:
                self._lock.notify()  # a lingering pump takes it: no thread start
            elif self._pumps < self._max_threads:
                self._pumps += 1
                start_pump = True
        if start_pump:
            self._pool.start(_Pump(self))
        if not self._timer.isActive():
            self._timer.start()

    def next_job(self) -> tuple[str, str] | None:
        """Called on a pool thread: the newest request, or None (and the pump ends) after
        ``PUMP_LINGER_S`` without one."""
        with self._lock:
            deadline = time.monotonic() + PUMP_LINGER_S
            while not self._stack and not self.closed.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._idle += 1
                self._lock.wait(remaining)
                self._idle -= 1
            if self._stack and not self.closed.is_set():
                return self._stack.pop()
            self._pumps -= 1
            return None

    def deliver(self, request_id: str, image: QImage) -> None:
        """Called on a pool thread."""
        with self._lock:
            self._wanted.discard(request_id)
            if image.isNull():
                self._unreadable.add(request_id)
            else:
                self._done.append((request_id, image))

    def forget(self, request_id: str) -> None:
        """The request changed (new thumbnail, or one that can be read now): ask afresh."""
        with self._lock:
            self._unreadable.discard(request_id)

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            batch, self._done = self._done, []
            idle = self._pumps == self._idle and not self._stack  # nothing being decoded
        if idle:
            self._timer.stop()
        if batch and self.on_loaded is not None and not self.closed.is_set():
            self.on_loaded(batch)

    def shutdown(self, timeout_ms: int = 3000) -> None:
        self.closed.set()
        self._timer.stop()
        with self._lock:
            self._stack.clear()
            self._lock.notify_all()  # lingering pumps end now
        self._pool.waitForDone(timeout_ms)
