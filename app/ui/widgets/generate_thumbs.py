"""Thumbnail loading for the gallery: files are read and decoded on a QThreadPool."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from app.generation.records import GenerationRecord


class _Load(QRunnable):
    def __init__(self, loader: ThumbnailLoader, request_id: str, path: Path) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._loader, self._request_id, self._path = loader, request_id, path

    def run(self) -> None:
        if self._loader.closed.is_set():
            return
        image = QImage(str(self._path))  # QImage is safe to use off the GUI thread
        if self._loader.closed.is_set():
            return
        self._loader.loaded.emit(self._request_id, image)


class ThumbnailLoader(QObject):
    """``request(record)`` reads its first thumbnail in the pool and emits ``loaded``."""

    loaded = Signal(str, QImage)

    def __init__(self, data_dir: Path, parent: QObject | None = None,
                 max_threads: int = 2) -> None:
        super().__init__(parent)
        self._data_dir = Path(data_dir)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self.closed = threading.Event()

    def request(self, record: GenerationRecord) -> None:
        if record.thumbnail_paths and not self.closed.is_set():
            self._pool.start(_Load(self, record.id, self._data_dir / record.thumbnail_paths[0]))

    def shutdown(self, timeout_ms: int = 3000) -> None:
        self.closed.set()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
