"""Live view of the running request (step x/y, nodes, elapsed, preview) and the queue list."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.generation.records import PreviewUpdate, ProgressUpdate
from app.ui.models.generation import QueueModel, RequestIdRole

PREVIEW_SIZE = 256
QUEUE_POLICY = ("After a restart, requests ComfyUI had already accepted are followed again. "
                "Requests that were never sent stay here as \"pending - not sent\" and are "
                "only sent when you press Retry in the History.")


class RunPanel(QWidget):
    """Progress of the request that runs now, plus every pending one (each cancellable)."""

    cancel_requested = Signal(str)  # request id
    result_clicked = Signal(str)  # request id whose finished image is shown in the preview

    def __init__(self, queue_model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request_id: str | None = None
        self._started: float | None = None
        self.step_bar = QProgressBar(self)
        self.step_bar.setObjectName("run.steps")
        self.step_bar.setFormat("no request running")
        self.step_bar.setRange(0, 1)
        self.step_bar.setValue(0)
        self.nodes_label = QLabel("", self)
        self.nodes_label.setObjectName("run.nodes")
        self.elapsed_label = QLabel("", self)
        self.elapsed_label.setObjectName("run.elapsed")
        self.preview = QLabel(self)
        self.preview.setObjectName("run.preview")
        self.preview.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #222; color: #aaa")
        self.preview.setText("The sampler's live preview\nshows here")
        self.preview.installEventFilter(self)
        self.preview_count = 0
        self.result_shown: str | None = None
        self.running: str | None = None  # the followed request until it ends
        self.queue = QListView(self)
        self.queue.setObjectName("run.queue")
        self.queue.setModel(queue_model)
        self.queue.setMaximumHeight(110)
        self.queue.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._queue_model = queue_model
        self.cancel_selected = QPushButton("Cancel selected", self)
        self.cancel_selected.setObjectName("run.cancel_selected")
        self.cancel_selected.clicked.connect(self._cancel_selected)
        self._ticker = QTimer(self)
        self._ticker.setInterval(200)
        self._ticker.timeout.connect(self._tick)
        info = QHBoxLayout()
        info.addWidget(self.nodes_label)
        info.addStretch(1)
        info.addWidget(self.elapsed_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.step_bar)
        layout.addLayout(info)
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        self.queue_title = QLabel("", self)
        self.queue_title.setObjectName("run.queue_title")
        self.queue_title.setToolTip(QUEUE_POLICY)
        self.queue.setToolTip(QUEUE_POLICY)
        layout.addWidget(self.queue_title)
        layout.addWidget(self.queue)
        layout.addWidget(self.cancel_selected)
        self._kept_selection: list[str] = []
        queue_model.modelAboutToBeReset.connect(self._remember_selection)
        queue_model.modelReset.connect(self._restore_selection)
        queue_model.modelReset.connect(self._queue_changed)
        self.queue.selectionModel().selectionChanged.connect(self._queue_changed)
        self._queue_changed()

    def follow(self, request_id: str) -> None:
        """Show this request's progress from now on."""
        if request_id != self.request_id:
            self.request_id = request_id
            self.running = request_id
            self.result_shown = None
            self.preview.setToolTip("")
            self.preview.unsetCursor()
            self._started = None
            self.step_bar.setRange(0, 1)
            self.step_bar.setValue(0)
            self.step_bar.setFormat("step %v/%m")
            self.nodes_label.setText("waiting in ComfyUI's queue")
            self.elapsed_label.clear()

    def progress(self, update: ProgressUpdate) -> None:
        self.follow(update.request_id)
        if self._started is None:
            self._started = time.monotonic() - update.elapsed
            self._ticker.start()
        if update.steps:
            self.step_bar.setRange(0, update.steps)
            self.step_bar.setValue(update.step)
        self.nodes_label.setText(f"nodes {update.nodes_done}/{update.nodes_total}")
        self._tick()

    def preview_frame(self, update: PreviewUpdate) -> None:
        if update.request_id != self.request_id:
            return
        pixmap = QPixmap()
        if pixmap.loadFromData(update.image):
            self.preview.setPixmap(pixmap.scaled(
                PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            self.preview_count += 1

    def finished(self, request_id: str, text: str, thumbnail: Path | None = None) -> None:
        """The request ended; a completed one shows its first image (click: the viewer)."""
        if request_id == self.request_id:
            self.running = None
            if thumbnail is not None:
                result = QPixmap(str(thumbnail))  # a small JPEG: decoding it is quick
                if not result.isNull():
                    self.preview.setPixmap(result.scaled(
                        PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation))
                    self.result_shown = request_id
                    self.preview.setToolTip("Click to open the full image")
                    self.preview.setCursor(Qt.CursorShape.PointingHandCursor)
            if self.step_bar.value() < self.step_bar.maximum() and text == "completed":
                self.step_bar.setFormat("done (sampler cached)")  # no step was reported
                self.step_bar.setValue(self.step_bar.maximum())
            self._ticker.stop()
            self._tick()
            self.nodes_label.setText(text)

    def stop(self) -> None:
        self._ticker.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.preview and event.type() == QEvent.Type.MouseButtonRelease \
                and self.result_shown is not None:
            self.result_clicked.emit(self.result_shown)
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def _tick(self) -> None:
        if self._started is not None:
            self.elapsed_label.setText(f"{time.monotonic() - self._started:.1f} s")

    @Slot()
    def _queue_changed(self, *_args: object) -> None:
        count = self._queue_model.rowCount()
        self.queue_title.setText(f"Queue: {count} request{'s' * (count != 1)} pending or running"
                                 if count else "Queue: nothing pending")
        self.cancel_selected.setEnabled(self.queue.selectionModel().hasSelection())

    @Slot()
    def _remember_selection(self) -> None:
        """The queue is rebuilt on every status change: keep what the user picked."""
        self._kept_selection = [i.data(RequestIdRole)
                                for i in self.queue.selectionModel().selectedIndexes()]

    @Slot()
    def _restore_selection(self) -> None:
        selection = self.queue.selectionModel()
        for row in range(self._queue_model.rowCount()):
            index = self._queue_model.index(row)
            if index.data(RequestIdRole) in self._kept_selection:
                selection.select(index, QItemSelectionModel.SelectionFlag.Select)

    @Slot()
    def _cancel_selected(self) -> None:
        for index in self.queue.selectionModel().selectedIndexes():
            self.cancel_requested.emit(index.data(RequestIdRole))
