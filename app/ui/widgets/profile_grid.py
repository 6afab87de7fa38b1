"""The pool's thumbnail grid: a list view in icon mode that takes dropped image files and says
which rows are on screen (thumbnails are made only for those), and the background thumbnail maker
(QImage only, which is safe off the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QImageReader,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.profiles.pool import PoolSlot
from app.ui.models.profiles import POOL_ROWS_MIME

THUMB_SIZE = 128
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def scaled(data: bytes, size: int) -> QImage:
    """``data`` decoded at thumbnail size (JPEG decodes at reduced size directly), EXIF-rotated
    as the pack's loader does; a null image when it cannot be decoded."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and (full.width() > size or full.height() > size):
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull() or (image.width() <= size and image.height() <= size):
        return image
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def overlay(image: QImage, mask: QImage) -> QImage:
    """The image with the mask's white area tinted red (white = region, the pack's convention)."""
    result = image.convertToFormat(QImage.Format.Format_ARGB32)
    tint = QImage(result.size(), QImage.Format.Format_ARGB32)
    tint.fill(QColor(255, 40, 40))
    alpha = mask.scaled(result.size()).convertToFormat(QImage.Format.Format_Grayscale8)
    tint.setAlphaChannel(alpha)
    painter = QPainter(result)
    painter.setOpacity(0.55)
    painter.drawImage(0, 0, tint)
    painter.end()
    return result


def make_thumbnails(
    read: Callable[[str], bytes],
    slots: list[PoolSlot],
    size: int = THUMB_SIZE,
    cancelled: Callable[[], bool] | None = None,
) -> list[tuple[str, QImage, QImage | None]]:
    """Thumbnails (plain and with the mask overlay) for ``slots``; runs in a worker."""
    thumbs = []
    for slot in slots:
        if cancelled is not None and cancelled():
            break
        try:
            image = scaled(read(slot.image), size)
        except OSError:
            image = QImage()
        if image.isNull():
            image = QImage(size, size, QImage.Format.Format_ARGB32)
            image.fill(QColor(90, 90, 90))  # unreadable file: a grey tile, not a crash
        masked = None
        if slot.mask:
            try:
                mask = QImage.fromData(read(slot.mask))
                masked = overlay(image, mask) if not mask.isNull() else None
            except OSError:
                masked = None
        thumbs.append((slot.image, image, masked))
    return thumbs


def image_files(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [
        Path(u.toLocalFile())
        for u in mime.urls()
        if u.isLocalFile() and u.toLocalFile().lower().endswith(IMAGE_SUFFIXES)
    ]


class ProfileImageGrid(QListView):
    """Icon grid of a pool's images; dropping image files asks for them to be added.

    ``visible_rows_changed`` fires (debounced) when scrolling, resizing or a new pool changes which
    rows are on screen; :meth:`visible_rows` names them, so a 2,000-image pool only ever makes the
    thumbnails a person can see.
    """

    files_dropped = Signal(list)  # list[Path]
    rows_moved = Signal(list, int)  # dragged rows, the row they were dropped before
    visible_rows_changed = Signal()
    EMPTY_HINT = "Drop PNG, JPEG or WebP files here, or use “Add images…”."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profiles.images")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.setGridSize(QSize(THUMB_SIZE + 24, THUMB_SIZE + 36))
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)  # drops arrive through the viewport
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)  # tiles move, files add
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.empty_hint = ""
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(40)  # one load per scroll gesture, not per pixel
        self._visible_timer.timeout.connect(self.visible_rows_changed)
        self.verticalScrollBar().valueChanged.connect(self._view_moved)

    def setModel(self, model) -> None:
        super().setModel(model)
        model.modelReset.connect(self._view_moved)
        model.rowsInserted.connect(self._view_moved)

    @Slot()
    def _view_moved(self) -> None:
        # Not timer.start as the slot: valueChanged(int) would pass the value as the interval.
        self._visible_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._view_moved()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._view_moved()  # a dock tab brought to the front

    def visible_rows(self, prefetch_screens: float = 1.0) -> range:
        """Rows whose tiles are on screen, plus ``prefetch_screens`` of a screen below them."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        if count == 0 or not self.isVisible():
            return range(0)
        self.executeDelayedItemsLayout()
        top = self.verticalOffset()
        bottom = top + int(self.viewport().height() * (1 + prefetch_screens))

        def rect(row: int):
            return self.rectForIndex(model.index(row, 0))

        low, high = 0, count  # rows run left to right, top to bottom: bisect the first one
        while low < high:
            middle = (low + high) // 2
            if rect(middle).bottom() < top:
                low = middle + 1
            else:
                high = middle
        last = low
        while last < count and rect(last).top() <= bottom:
            last += 1
        return range(low, last)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if self.empty_hint and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.viewport().rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_hint,
            )
            painter.end()

    def _accepts(self, event: QDragEnterEvent | QDragMoveEvent) -> bool:
        return bool(image_files(event)) or event.mimeData().hasFormat(POOL_ROWS_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # a .zip goes on to the main window

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(POOL_ROWS_MIME):
            text = bytes(mime.data(POOL_ROWS_MIME).data()).decode("ascii", "replace")
            rows = [int(r) for r in text.split(",") if r.isdigit()]
            target = self.indexAt(event.position().toPoint())
            before = target.row() if target.isValid() else self.model().rowCount()
            # The store reorders the pool and the model is reset from its answer. Qt's own
            # clean-up after a move calls removeRows, which this model does not implement.
            event.accept()
            if rows:
                self.rows_moved.emit(rows, before)
            return
        files = image_files(event)
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(files)
