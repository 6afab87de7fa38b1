"""Qt item models of the Generate panel: the history gallery and the request queue.

Both are thin adapters: they hold request ids and a lazily filled cache of detached
``GenerationRecord`` objects from a source (the GenerationStore), Anki-style, so 10,000 rows
cost one list of ids. With a row loader (the app, the benchmark) the cache is filled off the
GUI thread and rows not read yet show a neutral tile; without one (tests, scripts) rows are
read in place. Thumbnails come from a loader that reads files on a QThreadPool.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap

from app.generation.records import GenerationRecord, HistoryFilter

RequestIdRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
RecordRole = Qt.ItemDataRole.UserRole + 3

FETCH_BATCH = 120
ROW_CACHE = 8 * FETCH_BATCH  # records kept; the oldest read go first
ICON_SIZE = 128
THUMB_CACHE = 600  # decoded thumbnails kept; a screenful is ~50
LOADING = "loading"  # placeholder colour key of a row whose record is on its way
_GALLERY_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole,
                            Qt.ItemDataRole.ToolTipRole, RequestIdRole, StatusRole, RecordRole})
_Index = QModelIndex | QPersistentModelIndex

STATUS_COLORS = {"failed": "#c0392b", "cancelled": "#7f8c8d", "pending": "#2980b9",
                 "processing": "#d68910", "completed": "#27ae60", LOADING: "#3a3a3a"}


class RecordSource(Protocol):
    def ids(self, filt: HistoryFilter | None = None) -> list[str]: ...
    def records(self, ids: Sequence[str]) -> dict[str, GenerationRecord]: ...


class ThumbnailSource(Protocol):
    """Loads thumbnails off the GUI thread; calls ``model.thumbnails_loaded`` when done.
    Asking again for one already on its way must be cheap and do nothing."""

    def request(self, record: GenerationRecord) -> None: ...
    def forget(self, request_id: str) -> None: ...


class RowSource(Protocol):
    """Reads records off the GUI thread; the model's ``records_loaded`` gets them."""

    def request(self, ids: Sequence[str]) -> None: ...


def status_label(record: GenerationRecord) -> str:
    if record.not_sent:
        return "pending - not sent (Retry sends it)"
    return record.status + (" (external)" if record.external else "")


def caption(record: GenerationRecord) -> str:
    """The tile's text: the prompt's first line, after the status unless it completed."""
    text = record.prompt.strip().splitlines()[0] if record.prompt.strip() else "(no prompt)"
    if record.status != "completed" or record.images_missing:
        text = f"{'images missing' if record.images_missing else status_label(record)} · {text}"
    elif record.external:  # run from the browser or another client on the same ComfyUI
        text = f"external · {text}"
    return text[:48]


def _placeholder(status: str) -> QIcon:
    # Full icon size: with uniform item sizes the view measures the first item it sees.
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(QColor(STATUS_COLORS.get(status, "#555555")))
    return QIcon(pixmap)


class GalleryModel(QAbstractListModel):
    """Every generation, newest first; rows are fetched in batches when first shown."""

    def __init__(self, source: RecordSource, thumbnails: ThumbnailSource | None = None,
                 parent: Any = None, rows: RowSource | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._thumbs_source = thumbnails
        self._rows_source = rows
        self._ids: list[str] = []
        # Position counted from the last row: a new request goes in at the top without
        # renumbering the 10,000 below it (row = len - 1 - position).
        self._from_end: dict[str, int] = {}
        self._cache: dict[str, GenerationRecord] = {}  # insertion order = age
        self._pending: set[str] = set()  # asked of the row source, not back yet
        self._thumbs: OrderedDict[str, QIcon] = OrderedDict()
        self._placeholders: dict[str, QIcon] = {}
        self.filter = HistoryFilter()

    # -- loading ---------------------------------------------------------------------------
    def set_ids(self, ids: Sequence[str], filt: HistoryFilter | None = None) -> None:
        """Replace the rows (ids newest first, e.g. from ``store.ids`` in a worker)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._renumber()
        self._cache.clear()
        self._pending.clear()
        if filt is not None:
            self.filter = filt
        self.endResetModel()

    def reload(self) -> None:
        """Synchronous reload with the current filter (cheap: one column of ids)."""
        self.set_ids(self._source.ids(self.filter))

    def request_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, request_id: str) -> int | None:
        position = self._from_end.get(request_id)
        return None if position is None else len(self._ids) - 1 - position

    def _renumber(self) -> None:
        last = len(self._ids) - 1
        self._from_end = {rid: last - row for row, rid in enumerate(self._ids)}

    def record(self, row: int) -> GenerationRecord | None:
        """The record of ``row``, read now if it is not cached (may touch the database)."""
        if not 0 <= row < len(self._ids):
            return None
        rid = self._ids[row]
        if rid not in self._cache:
            self._keep(self._source.records(self._batch_around(row)))
        return self._cache.get(rid)

    def _cached(self, row: int) -> GenerationRecord | None:
        """What ``data`` shows: the cached record, else ask the row source (None meanwhile)."""
        rid = self._ids[row]
        record = self._cache.get(rid)
        if record is not None or self._rows_source is None:
            return record if record is not None else self.record(row)
        if rid in self._pending:  # on its way: the cheap answer for every repaint meanwhile
            return None
        wanted = [i for i in self._batch_around(row) if i not in self._pending]
        if wanted:
            self._pending.update(wanted)
            self._rows_source.request(wanted)
        return None

    def _batch_around(self, row: int) -> list[str]:
        batch = self._ids[max(0, row - FETCH_BATCH // 4): row + FETCH_BATCH]
        return [i for i in batch if i not in self._cache]

    def _keep(self, found: dict[str, GenerationRecord]) -> None:
        for rid, record in found.items():
            self._cache.setdefault(rid, record)  # a fresher record (request_changed) stays
        excess = len(self._cache) - ROW_CACHE  # bound memory (and GC work) on long scrolls
        for old in list(self._cache)[:max(0, excess)]:
            del self._cache[old]

    @Slot(object, object)
    def records_loaded(self, ids: Sequence[str], found: dict[str, GenerationRecord]) -> None:
        """A batch from the row source arrived (GUI thread): one dataChanged covers it."""
        self._pending.difference_update(ids)
        self._keep(found)
        rows = [r for r in (self.row_of(i) for i in found) if r is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    # -- changes announced by the service ------------------------------------------------------
    def request_changed(self, request_id: str) -> None:
        self._cache.pop(request_id, None)
        self._thumbs.pop(request_id, None)
        if self._thumbs_source is not None:
            self._thumbs_source.forget(request_id)
        fresh = self._source.records([request_id]).get(request_id)  # one row: cheap
        row = self.row_of(request_id)
        if row is not None:
            if fresh is not None:
                self._cache[request_id] = fresh
            index = self.index(row)
            self.dataChanged.emit(index, index)
            return
        if fresh is None or not self._matches(fresh):
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._ids.insert(0, request_id)
        self._from_end[request_id] = len(self._ids) - 1
        self._cache[request_id] = fresh
        self.endInsertRows()

    def request_removed(self, request_id: str) -> None:
        row = self.row_of(request_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._ids[row]
        self._renumber()
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
            row = self.row_of(request_id)
            if row is not None:
                rows.append(row)
        while len(self._thumbs) > THUMB_CACHE:
            self._thumbs.popitem(last=False)
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)),
                                  [Qt.ItemDataRole.DecorationRole])

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _GALLERY_ROLES or not index.isValid() \
                or not 0 <= index.row() < len(self._ids):
            return None  # the delegate asks ~10 roles per tile per paint: answer most at once
        if role == RequestIdRole:
            return self._ids[index.row()]
        record = self._cached(index.row())
        if record is None:
            return self._loading(role)
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(record)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{status_label(record)}\n{record.parameters_text()}"
        if role == StatusRole:
            return record.status
        if role == RecordRole:
            return record
        return None

    def _loading(self, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole:
            return self._placeholder(LOADING)
        return "" if role == Qt.ItemDataRole.DisplayRole else None

    def _placeholder(self, key: str) -> QIcon:
        if key not in self._placeholders:
            self._placeholders[key] = _placeholder(key)
        return self._placeholders[key]

    def _decoration(self, record: GenerationRecord) -> QIcon:
        icon = self._thumbs.get(record.id)
        if icon is not None:
            self._thumbs.move_to_end(record.id)
            return icon
        if record.thumbnail_paths and self._thumbs_source is not None:
            self._thumbs_source.request(record)  # a no-op while it is on its way
        return self._placeholder(record.status)

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
