"""The pool's thumbnail grid: a list view in icon mode that takes dropped image files, and the
background thumbnail maker (QImage only, which is safe off the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QPainter
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.profiles.pool import PoolSlot

THUMB_SIZE = 128
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def scaled(data: bytes, size: int) -> QImage:
    image = QImage.fromData(data)
    if image.isNull():
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
    """Icon grid of a pool's images; dropping image files asks for them to be added."""

    files_dropped = Signal(list)  # list[Path]

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
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if image_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # a .zip goes on to the main window

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if image_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = image_files(event)
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(files)
