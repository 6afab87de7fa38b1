"""The central image viewer: full-size image with zoom, fit and 1:1, its parameters, actions.

Drag the image out of the view to copy the file to a file manager.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDrag, QMouseEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

ZOOM_STEP = 1.25


class _ImageView(QGraphicsView):
    """A graphics view that zooms with the wheel and starts a file drag on a plain drag."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer.view")
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.path: Path | None = None
        self.fit_mode = True
        self._press: QPoint | None = None

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._item.setPixmap(pixmap)
        self.scene().setSceneRect(self._item.boundingRect())

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        self.fit_mode = False
        factor = max(0.02, min(32.0, factor))
        self.resetTransform()
        self.scale(factor, factor)
        self.zoom_changed.emit(self.zoom)

    def fit(self) -> None:
        self.fit_mode = True
        if not self._item.pixmap().isNull():
            self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom * (ZOOM_STEP ** steps))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        moved = self._press is not None and (
            event.position().toPoint() - self._press).manhattanLength() \
            >= QApplication.startDragDistance()
        if moved and event.buttons() & Qt.MouseButton.LeftButton and self.path is not None:
            self._press = None
            self.start_drag()
            return
        super().mouseMoveEvent(event)

    def drag_mime(self) -> QMimeData | None:
        if self.path is None:
            return None
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(self.path))])
        return mime

    def start_drag(self) -> None:
        mime = self.drag_mime()
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        if not self._item.pixmap().isNull():
            drag.setPixmap(self._item.pixmap().scaled(
                96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        drag.exec(Qt.DropAction.CopyAction)


class ImageViewer(QWidget):
    """Full-size image plus every parameter; emits what the user wants done with it."""

    regenerate_requested = Signal(bool)  # new seed?
    delete_requested = Signal()
    open_folder_requested = Signal()
    parameters_copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generate.viewer")
        self.view = _ImageView(self)
        self.zoom_label = QLabel("", self)
        self.parameters = QPlainTextEdit(self)
        self.parameters.setObjectName("viewer.parameters")
        self.parameters.setReadOnly(True)
        self.new_seed = QCheckBox("New seed", self)
        self.new_seed.setObjectName("viewer.new_seed")
        buttons = {}
        for key, text in (("fit", "Fit"), ("one", "1:1"), ("zoom_in", "Zoom in"),
                          ("zoom_out", "Zoom out"), ("regenerate", "Regenerate"),
                          ("copy", "Copy parameters"), ("open", "Open folder"),
                          ("delete", "Delete")):
            buttons[key] = QPushButton(text, self)
            buttons[key].setObjectName(f"viewer.{key}")
        self.buttons = buttons
        buttons["fit"].clicked.connect(self.view.fit)
        buttons["one"].clicked.connect(lambda: self.view.set_zoom(1.0))
        buttons["zoom_in"].clicked.connect(lambda: self.view.set_zoom(self.view.zoom * ZOOM_STEP))
        buttons["zoom_out"].clicked.connect(lambda: self.view.set_zoom(self.view.zoom / ZOOM_STEP))
        buttons["regenerate"].clicked.connect(
            lambda: self.regenerate_requested.emit(self.new_seed.isChecked()))
        buttons["copy"].clicked.connect(self.copy_parameters)
        buttons["open"].clicked.connect(self.open_folder_requested)
        buttons["delete"].clicked.connect(self.delete_requested)
        self.view.zoom_changed.connect(self._show_zoom)
        self._layout()

    def _layout(self) -> None:
        zoom_row = QHBoxLayout()
        for key in ("fit", "one", "zoom_in", "zoom_out"):
            zoom_row.addWidget(self.buttons[key])
        zoom_row.addWidget(self.zoom_label)
        zoom_row.addStretch(1)
        side = QWidget(self)
        side.setMinimumWidth(240)
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.parameters, 1)
        side_layout.addWidget(self.new_seed)
        for key in ("regenerate", "copy", "open", "delete"):
            side_layout.addWidget(self.buttons[key])
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(zoom_row)
        left_layout.addWidget(self.view, 1)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def show_image(self, path: str | Path | None, parameters: dict[str, Any]) -> None:
        """Show ``path`` (None: parameters only) with ``parameters`` as ``name: value`` lines."""
        self.view.path = Path(path) if path else None
        pixmap = QPixmap(str(path)) if path else QPixmap()
        self.view.set_pixmap(pixmap)
        self.parameters.setPlainText("\n".join(f"{k}: {v}" for k, v in parameters.items()))
        has_image = not pixmap.isNull()
        for key in ("fit", "one", "zoom_in", "zoom_out", "open"):
            self.buttons[key].setEnabled(has_image)
        self.view.fit()

    @Slot()
    def copy_parameters(self) -> None:
        text = self.parameters.toPlainText()
        QApplication.clipboard().setText(text)
        self.parameters_copied.emit(text)

    @Slot(float)
    def _show_zoom(self, factor: float) -> None:
        self.zoom_label.setText(f"{factor * 100:.0f} %")
