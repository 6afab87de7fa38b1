"""Thin Qt models over app.profiles objects: profiles, unnamed pools and a pool's images."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QImage

from app.profiles.pool import PoolSlot
from app.profiles.service import ProfileInfo
from app.ui.models.base import RowsTableModel
from app.units import human_size

ProfileIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
ImageNameRole = Qt.ItemDataRole.UserRole + 3
MaskNameRole = Qt.ItemDataRole.UserRole + 4
ActiveRole = Qt.ItemDataRole.UserRole + 5
LabelRole = Qt.ItemDataRole.UserRole + 6
ThumbnailReadyRole = Qt.ItemDataRole.UserRole + 7  # True once the real thumbnail is there

# Thumbnails kept in memory (each ~64 KB at 128 px): enough for several screens of a big pool,
# bounded so a 2,000-image pool does not hold them all.
MAX_THUMBNAILS = 600
ACTIVE_TINT = QColor(255, 190, 0, 90)
# Tiles dragged inside the grid carry their rows (comma separated) under this type.
POOL_ROWS_MIME = "application/x-comfydesk-pool-rows"

Index = QModelIndex | QPersistentModelIndex


def format_time(stamp: float) -> str:
    if not stamp:
        return "-"
    if stamp > 1e11:  # the pack's browser code sends Date.now() (milliseconds)
        stamp /= 1000
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


class ProfilesTableModel(RowsTableModel):
    """Name, images, masks, size on disk, created. Editing the name asks for a rename."""

    HEADERS = ("Name", "Images", "Masks", "Size", "Created")
    rename_requested = Signal(str, str)  # profile id, new name

    def row_of(self, profile_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == profile_id), -1)

    def info(self, row: int) -> ProfileInfo:
        return self._rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == ProfileIdRole:
            return row.id
        values = (row.name, row.images, row.masks, row.size_bytes or 0, row.created)
        if role == SortRole:
            return row.name.casefold() if column == 0 else values[column]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == 0:
                return row.name
            if column == 3:
                return human_size(row.size_bytes)
            if column == 4:
                return format_time(row.created)
            return str(values[column])
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{row.name}\nid {row.id}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == 0 else flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        # The rename runs in the background; the table reloads when it is done.
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != 0:
            return False
        text = str(value).strip()
        row = self._rows[index.row()]
        if text and text != row.name:
            self.rename_requested.emit(row.id, text)
        return False


class UnnamedPoolsModel(RowsTableModel):
    HEADERS = ("Pool id", "Images", "Size", "Modified")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ProfileIdRole:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.id, str(row.images), human_size(row.size_bytes), format_time(row.modified))[
                index.column()
            ]
        return None


class PoolImagesModel(QAbstractListModel):
    """A pool's slots for the thumbnail grid; editing a label asks for it to be saved."""

    label_edit_requested = Signal(int, str)  # slot index, label

    def __init__(self, parent=None, thumb_size: int = 128) -> None:
        super().__init__(parent)
        self._slots: list[PoolSlot] = []
        self._active = 0
        self._thumbs: OrderedDict[str, tuple[QImage, QImage | None]] = OrderedDict()
        self._show_masks = False
        self._placeholder = QImage(thumb_size, thumb_size, QImage.Format.Format_ARGB32)
        self._placeholder.fill(QColor(128, 128, 128, 60))  # a quiet tile until the thumbnail

    def set_pool(self, slots: tuple[PoolSlot, ...], active: int) -> None:
        self.beginResetModel()
        before = {s.image: s.mask for s in self._slots}
        self._slots = list(slots)
        self._active = active
        # Keep a thumbnail while its image is still there with the same mask (a new mask needs a
        # new overlay).
        keep = {s.image for s in slots if before.get(s.image, s.mask) == s.mask}
        self._thumbs = OrderedDict((k, v) for k, v in self._thumbs.items() if k in keep)
        self.endResetModel()

    def clear(self) -> None:
        self.set_pool((), 0)
        self._thumbs.clear()

    def slots(self) -> list[PoolSlot]:
        return list(self._slots)

    def missing_thumbnails(self, rows: range | None = None) -> list[PoolSlot]:
        """Slots (of ``rows``, default all) whose thumbnail is not in memory."""
        rows = range(len(self._slots)) if rows is None else rows
        return [
            self._slots[r]
            for r in rows
            if 0 <= r < len(self._slots) and self._slots[r].image not in self._thumbs
        ]

    def thumbnail_count(self) -> int:
        return len(self._thumbs)

    def set_thumbnails(self, thumbs: list[tuple[str, QImage, QImage | None]]) -> None:
        for name, plain, overlay in thumbs:
            self._thumbs[name] = (plain, overlay)
            self._thumbs.move_to_end(name)
        while len(self._thumbs) > MAX_THUMBNAILS:  # the oldest were made for rows long scrolled by
            self._thumbs.popitem(last=False)
        new = {t[0] for t in thumbs}
        rows = [i for i, s in enumerate(self._slots) if s.image in new]
        if rows:
            self.dataChanged.emit(
                self.index(min(rows)), self.index(max(rows)), [Qt.ItemDataRole.DecorationRole]
            )

    def set_show_masks(self, show: bool) -> None:
        self._show_masks = show
        if self._slots:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._slots) - 1), [Qt.ItemDataRole.DecorationRole]
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._slots)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._slots):
            return None
        slot, row = self._slots[index.row()], index.row()
        active = row == self._active
        if role == Qt.ItemDataRole.DisplayRole:
            text = slot.label or f"#{row}"
            return f"★ {text}" if active else text
        if role == Qt.ItemDataRole.EditRole or role == LabelRole:
            return slot.label
        if role == Qt.ItemDataRole.DecorationRole:
            thumb = self._thumbs.get(slot.image)
            if thumb is None:
                return self._placeholder
            return thumb[1] if self._show_masks and thumb[1] is not None else thumb[0]
        if role == ThumbnailReadyRole:
            return slot.image in self._thumbs
        if role == Qt.ItemDataRole.ToolTipRole:
            mask = f"mask {slot.mask}" if slot.mask else "no mask"
            return f"#{row} {slot.image} ({mask}){' — active' if active else ''}"
        if role == Qt.ItemDataRole.BackgroundRole and active:
            return ACTIVE_TINT  # the tile the Image Pool node outputs, seen at a glance
        if role == Qt.ItemDataRole.FontRole and active:
            font = QFont()
            font.setBold(True)
            return font
        return {ImageNameRole: slot.image, MaskNameRole: slot.mask, ActiveRole: active}.get(role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsDragEnabled
        )

    def mimeTypes(self) -> list[str]:
        return [POOL_ROWS_MIME]

    def mimeData(self, indexes: list[Index]) -> QMimeData:
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setData(POOL_ROWS_MIME, ",".join(map(str, rows)).encode())
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = index.row()
        label = str(value)
        slot = self._slots[row]
        if label == slot.label:
            return False
        # Shown at once; saved in the background (the dock reloads the pool if that fails).
        self._slots[row] = PoolSlot(slot.image, slot.mask, label, slot.added)
        self.dataChanged.emit(index, index)
        self.label_edit_requested.emit(row, label)
        return True
