"""Service updates on their way from worker threads to the Generate dock (no Qt needed)."""

from __future__ import annotations

import threading

from app.generation.records import PreviewUpdate, ProgressUpdate


class UpdateQueue:
    """Service listeners run on worker threads: they only append here. The dock drains it
    on the GUI thread from a timer and keeps only the newest progress and preview per
    request, so a fast sampler never floods the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[object] = []

    def put(self, update: object) -> None:
        with self._lock:
            self._items.append(update)

    def take(self) -> list[object]:
        with self._lock:
            items, self._items = self._items, []
        progress: dict[str, object] = {}
        previews: dict[str, object] = {}
        rest = []
        for item in items:
            if isinstance(item, ProgressUpdate):
                progress[item.request_id] = item
            elif isinstance(item, PreviewUpdate):
                previews[item.request_id] = item
            else:
                rest.append(item)
        return [*progress.values(), *previews.values(), *rest]
