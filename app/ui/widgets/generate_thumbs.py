"""Thumbnail loading for the gallery: files are read and decoded on a QThreadPool.

Decoded images are handed back in batches: workers put them in a queue and a GUI-thread timer
drains it every ``DRAIN_MS``, so a fast scroll through thousands of rows costs one model
update per batch instead of one signal per image.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Slot
from PySide6.QtGui import QImage, QImageReader

from app.generation.records import GenerationRecord

DRAIN_MS = 30
Batch = list[tuple[str, QImage]]


def read_scaled(path: Path, box: int) -> QImage:
    """Decode ``path`` at most ``box`` pixels on its longest side (QImage is thread-safe)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > box:
        reader.setScaledSize(size.scaled(QSize(box, box), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class _Load(QRunnable):
    def __init__(self, loader: ThumbnailLoader, request_id: str, path: Path) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._loader, self._request_id, self._path = loader, request_id, path

    def run(self) -> None:
        image = QImage() if self._loader.closed.is_set() else read_scaled(self._path,
                                                                          self._loader.size)
        self._loader.deliver(self._request_id, image)


class ThumbnailLoader(QObject):
    """``request(record)`` reads its first thumbnail in the pool; ``on_loaded(batch)`` gets
    ``[(request id, QImage), ...]`` on the GUI thread."""

    def __init__(self, data_dir: Path, on_loaded: Callable[[Batch], None] | None = None,
                 parent: QObject | None = None, max_threads: int = 2, size: int = 128) -> None:
        super().__init__(parent)
        self._data_dir = Path(data_dir)
        self.on_loaded = on_loaded
        self.size = size  # decoded at the gallery's icon size: 64 KB per cached icon
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._done: Batch = []
        self._in_flight = 0
        self._priority = 0
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)

    def request(self, record: GenerationRecord) -> None:
        if not record.thumbnail_paths or self.closed.is_set():
            return
        # Newest request first: while scrolling, the rows on screen now load before the ones
        # that already scrolled past.
        self._priority = min(self._priority + 1, 2**31 - 1)
        with self._lock:
            self._in_flight += 1
        self._pool.start(_Load(self, record.id, self._data_dir / record.thumbnail_paths[0]),
                         self._priority)
        if not self._timer.isActive():
            self._timer.start()

    def deliver(self, request_id: str, image: QImage) -> None:
        """Called on a pool thread."""
        with self._lock:
            self._in_flight -= 1
            if not image.isNull():
                self._done.append((request_id, image))

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            batch, self._done = self._done, []
            idle = self._in_flight == 0
        if idle:
            self._timer.stop()
        if batch and self.on_loaded is not None and not self.closed.is_set():
            self.on_loaded(batch)

    def shutdown(self, timeout_ms: int = 3000) -> None:
        self.closed.set()
        self._timer.stop()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
