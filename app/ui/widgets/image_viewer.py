"""The central image viewer: full-size image with zoom, fit and 1:1, its parameters, actions.

Drag the image out of the view to copy the file to a file manager. A request with a batch of
images shows them one at a time (previous / next). Keys: + and - zoom, F fits, 1 shows 1:1,
Page Up/Page Down step through a batch.

Full-size images can take 20-100 ms to decode, so the owner may pass a ``loader`` that decodes
off the GUI thread (``loader(path, on_image)`` calls ``on_image(QImage)`` on the GUI thread
later); without one the viewer decodes in place (scripts, tests of the widget alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QDrag,
    QImage,
    QImageReader,
    QKeySequence,
    QMouseEvent,
    QPixmap,
    QShortcut,
    QWheelEvent,
)
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
ImageLoader = Callable[[Path, Callable[[QImage], None]], None]


def read_image(path: str | Path) -> QImage:
    """Decode an image file (safe on any thread); a null QImage when it cannot be read."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    return reader.read()


class _ImageView(QGraphicsView):
    """A graphics view that zooms with the wheel. Dragging the image out copies the file to a
    file manager; while zoomed in past the view a plain drag pans instead (Ctrl+drag still
    drags the file out)."""

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
        self.setToolTip("Drag the image to a file manager to copy it; when zoomed in, drag to "
                        "move around and Ctrl+drag to copy")

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

    def press_action(self, modifiers: Qt.KeyboardModifier) -> str:
        """What a left-button drag does now: ``"pan"`` or ``"export"`` (drag the file out)."""
        larger = self.horizontalScrollBar().maximum() > 0 \
            or self.verticalScrollBar().maximum() > 0
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        return "pan" if larger and not ctrl else "export"

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pan = self.press_action(event.modifiers()) == "pan"
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if pan
                         else QGraphicsView.DragMode.NoDrag)
        self._press = None if pan else event.position().toPoint()
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
        if self.path is None or self._item.pixmap().isNull():
            return None  # nothing shown, or a file that could not be read: nothing to drag
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
    image_shown = Signal()  # the current image is on screen (or could not be read)

    def __init__(self, parent: QWidget | None = None, loader: ImageLoader | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generate.viewer")
        self._loader = loader
        self._paths: list[Path] = []
        self._current = 0
        self._load_ticket = 0  # a newer image makes an older, slower load's answer stale
        self._missing = ""  # why no image is shown, when none is
        self.view = _ImageView(self)
        self.zoom_label = QLabel("", self)
        self.position_label = QLabel("", self)
        self.position_label.setObjectName("viewer.position")
        self.parameters = QPlainTextEdit(self)
        self.parameters.setObjectName("viewer.parameters")
        self.parameters.setReadOnly(True)
        self.new_seed = QCheckBox("New seed", self)
        self.new_seed.setObjectName("viewer.new_seed")
        buttons = {}
        for key, text, keys in (
                ("previous", "◀", "PgUp"), ("next", "▶", "PgDown"),
                ("fit", "Fit", "F"), ("one", "1:1", "1"), ("zoom_in", "Zoom in", "+"),
                ("zoom_out", "Zoom out", "-"), ("regenerate", "Regenerate", ""),
                ("copy", "Copy parameters", ""), ("open", "Open containing folder", ""),
                ("delete", "Delete", "")):
            buttons[key] = QPushButton(text, self)
            buttons[key].setObjectName(f"viewer.{key}")
            if keys:
                buttons[key].setToolTip(f"{text} ({keys})" if key not in ("previous", "next")
                                        else f"{key.capitalize()} image of the batch ({keys})")
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(buttons[key].click)
        self.buttons = buttons
        for key in ("previous", "next"):
            buttons[key].setFixedWidth(buttons[key].sizeHint().height() * 2)
        buttons["previous"].clicked.connect(lambda: self.show_index(self._current - 1))
        buttons["next"].clicked.connect(lambda: self.show_index(self._current + 1))
        buttons["fit"].clicked.connect(self.view.fit)
        # 1:1 is one image pixel per screen pixel, also on a high-DPI screen.
        buttons["one"].clicked.connect(
            lambda: self.view.set_zoom(1.0 / self.view.devicePixelRatioF()))
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
        zoom_row.addWidget(self.buttons["previous"])
        zoom_row.addWidget(self.position_label)
        zoom_row.addWidget(self.buttons["next"])
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
        self.show_images([path] if path else [], parameters)

    def show_images(self, paths: Sequence[str | Path], parameters: dict[str, Any],
                    index: int = 0) -> None:
        """Show one request: its images (a batch steps with previous/next) and parameters."""
        self._paths = [Path(p) for p in paths]
        self.parameters.setPlainText("\n".join(f"{k}: {v}" for k, v in parameters.items()))
        self.show_index(index)

    @property
    def current_index(self) -> int:
        return self._current

    @property
    def has_image(self) -> bool:
        return not self.view._item.pixmap().isNull()

    @Slot(int)
    def show_index(self, index: int) -> None:
        """Show image ``index`` of the batch (clamped)."""
        count = len(self._paths)
        self._current = max(0, min(index, count - 1)) if count else 0
        for key in ("previous", "next"):
            self.buttons[key].setVisible(count > 1)
        self.position_label.setVisible(count > 1)
        self.buttons["previous"].setEnabled(self._current > 0)
        self.buttons["next"].setEnabled(self._current < count - 1)
        self.position_label.setText(f"image {self._current + 1} of {count}")
        path = self._paths[self._current] if count else None
        self.view.path = path
        self._load_ticket += 1
        if path is None:
            self._set_image(self._load_ticket, QImage())
        elif self._loader is None:
            self._set_image(self._load_ticket, read_image(path))
        else:
            ticket = self._load_ticket
            self._loader(path, lambda image: self._set_image(ticket, image))

    def _set_image(self, ticket: int, image: QImage) -> None:
        if ticket != self._load_ticket:
            return  # the user has moved on to another image meanwhile
        pixmap = QPixmap.fromImage(image) if not image.isNull() else QPixmap()
        self.view.set_pixmap(pixmap)
        has_image = not pixmap.isNull()
        for key in ("fit", "one", "zoom_in", "zoom_out", "open"):
            self.buttons[key].setEnabled(has_image)
        self._missing = "" if has_image else "no image (the parameters say why)" \
            if self.view.path is None else f"{self.view.path.name} could not be read"
        self.view.fit()
        self.image_shown.emit()

    @Slot()
    def copy_parameters(self) -> None:
        text = self.parameters.toPlainText()
        QApplication.clipboard().setText(text)
        self.parameters_copied.emit(text)

    @Slot(float)
    def _show_zoom(self, factor: float) -> None:
        # Without an image a zoom figure means nothing (resizes re-fit): say why instead.
        self.zoom_label.setText(self._missing
                                or f"{factor * self.view.devicePixelRatioF() * 100:.0f} %")
