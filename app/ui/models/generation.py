"""Qt item models of the Generate panel: the history gallery and the request queue.

Both are thin adapters: they hold request ids and a lazily filled cache of detached
``GenerationRecord`` objects from a source (the GenerationStore), Anki-style, so 10,000 rows
cost one list of ids. Thumbnails come from a loader that reads files on a QThreadPool.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap

from app.generation.records import GenerationRecord, HistoryFilter

RequestIdRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
RecordRole = Qt.ItemDataRole.UserRole + 3

FETCH_BATCH = 120
ICON_SIZE = 128
THUMB_CACHE = 600  # decoded thumbnails kept; a screenful is ~50
_Index = QModelIndex | QPersistentModelIndex

STATUS_COLORS = {"failed": "#c0392b", "cancelled": "#7f8c8d", "pending": "#2980b9",
                 "processing": "#d68910", "completed": "#27ae60"}


class RecordSource(Protocol):
    def ids(self, filt: HistoryFilter | None = None) -> list[str]: ...
    def records(self, ids: Sequence[str]) -> dict[str, GenerationRecord]: ...


class ThumbnailSource(Protocol):
    """Loads thumbnails off the GUI thread; calls ``model.thumbnail_loaded`` when done."""

    def request(self, record: GenerationRecord) -> None: ...


def status_label(record: GenerationRecord) -> str:
    if record.not_sent:
        return "pending - not sent (Retry sends it)"
    return record.status + (" (external)" if record.external else "")


def _placeholder(status: str) -> QIcon:
    # Full icon size: with uniform item sizes the view measures the first item it sees.
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(QColor(STATUS_COLORS.get(status, "#555555")))
    return QIcon(pixmap)


class GalleryModel(QAbstractListModel):
    """Every generation, newest first; rows are fetched in batches when first shown."""

    def __init__(self, source: RecordSource, thumbnails: ThumbnailSource | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._thumbs_source = thumbnails
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._cache: dict[str, GenerationRecord] = {}
        self._thumbs: OrderedDict[str, QIcon] = OrderedDict()
        self._asked: set[str] = set()
        self._placeholders: dict[str, QIcon] = {}
        self.filter = HistoryFilter()

    # -- loading ---------------------------------------------------------------------------
    def set_ids(self, ids: Sequence[str], filt: HistoryFilter | None = None) -> None:
        """Replace the rows (ids newest first, e.g. from ``store.ids`` in a worker)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = {rid: row for row, rid in enumerate(self._ids)}
        self._cache.clear()
        if filt is not None:
            self.filter = filt
        self.endResetModel()

    def reload(self) -> None:
        """Synchronous reload with the current filter (cheap: one column of ids)."""
        self.set_ids(self._source.ids(self.filter))

    def request_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, request_id: str) -> int | None:
        return self._rows.get(request_id)

    def record(self, row: int) -> GenerationRecord | None:
        if not 0 <= row < len(self._ids):
            return None
        rid = self._ids[row]
        if rid not in self._cache:
            batch = self._ids[max(0, row - FETCH_BATCH // 4): row + FETCH_BATCH]
            wanted = [i for i in batch if i not in self._cache]
            self._cache.update(self._source.records(wanted))
            if len(self._cache) > 8 * FETCH_BATCH:  # bound memory (and GC work) on long scrolls
                keep = set(batch)
                self._cache = {k: v for k, v in self._cache.items() if k in keep}
        return self._cache.get(rid)

    # -- changes announced by the service ------------------------------------------------------
    def request_changed(self, request_id: str) -> None:
        self._cache.pop(request_id, None)
        self._thumbs.pop(request_id, None)
        self._asked.discard(request_id)
        row = self._rows.get(request_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)
            return
        fresh = self._source.records([request_id]).get(request_id)
        if fresh is None or not self._matches(fresh):
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._ids.insert(0, request_id)
        self._rows = {rid: r for r, rid in enumerate(self._ids)}
        self._cache[request_id] = fresh
        self.endInsertRows()

    def request_removed(self, request_id: str) -> None:
        row = self._rows.get(request_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._ids[row]
        self._rows = {rid: r for r, rid in enumerate(self._ids)}
        self._cache.pop(request_id, None)
        self._thumbs.pop(request_id, None)
        self.endRemoveRows()

    def _matches(self, record: GenerationRecord) -> bool:
        f = self.filter
        text = f.text.strip().lower()
        if text and not any(text in s.lower() for s in (record.prompt, record.negative_prompt,
                                                        record.checkpoint_model)):
            return False
        if f.checkpoint and record.checkpoint_model != f.checkpoint:
            return False
        if f.status and record.status != f.status:
            return False
        if f.since is not None and record.created_at < f.since:
            return False
        return not (f.until is not None and record.created_at >= f.until)

    def thumbnails_loaded(self, batch: Sequence[tuple[str, QImage]]) -> None:
        """Decoded thumbnails arrived (GUI thread); one dataChanged covers the whole batch."""
        rows = []
        for request_id, image in batch:
            if image.isNull():
                continue
            self._thumbs[request_id] = QIcon(QPixmap.fromImage(image))
            row = self._rows.get(request_id)
            if row is not None:
                rows.append(row)
        while len(self._thumbs) > THUMB_CACHE:
            old, _ = self._thumbs.popitem(last=False)
            self._asked.discard(old)
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)),
                                  [Qt.ItemDataRole.DecorationRole])

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == RequestIdRole:
            return self._ids[index.row()]
        record = self.record(index.row())
        if record is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            text = record.prompt.strip().splitlines()[0] if record.prompt.strip() else "(no prompt)"
            return text[:40]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{status_label(record)}\n{record.parameters_text()}"
        if role == StatusRole:
            return record.status
        if role == RecordRole:
            return record
        return None

    def _decoration(self, record: GenerationRecord) -> QIcon:
        icon = self._thumbs.get(record.id)
        if icon is not None:
            self._thumbs.move_to_end(record.id)
            return icon
        if record.thumbnail_paths and self._thumbs_source is not None \
                and record.id not in self._asked:
            self._asked.add(record.id)
            self._thumbs_source.request(record)
        if record.status not in self._placeholders:
            self._placeholders[record.status] = _placeholder(record.status)
        return self._placeholders[record.status]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class QueueModel(QAbstractListModel):
    """Pending and running requests, oldest first (what the queue list shows)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[GenerationRecord] = []

    def set_records(self, records: Sequence[GenerationRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> GenerationRecord | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"[{status_label(record)}] {record.prompt[:50]}"
        if role == RequestIdRole:
            return record.id
        if role == StatusRole:
            return record.status
        if role == RecordRole:
            return record
        return None
