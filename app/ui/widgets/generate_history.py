"""The History page of the Generate dock: filters over an icon-mode gallery."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db.base import utcnow
from app.generation.records import HistoryFilter
from app.ui.models.generation import ICON_SIZE, GalleryModel, RecordRole

DATE_RANGES = {"Any time": None, "Today": timedelta(days=1), "Last 7 days": timedelta(days=7),
               "Last 30 days": timedelta(days=30)}
STATUS_CHOICES = ("", "completed", "failed", "cancelled", "pending", "processing")
EMPTY_HINT = "No generations yet: images you make in the Create tab, and jobs run on the " \
             "same ComfyUI from the browser, land here."
NO_MATCH_HINT = "Nothing matches these filters."
ACTIONS = (  # key, menu text, key sequence (while the gallery has focus)
    ("open", "Open in the viewer", "Return"),
    ("regenerate", "Regenerate", "Ctrl+R"),
    ("regenerate_new_seed", "Regenerate with a new seed", "Ctrl+Shift+R"),
    ("copy", "Copy parameters", "Ctrl+C"),
    ("retry", "Retry", ""),
    ("open_folder", "Open containing folder", ""),
    ("delete", "Delete…", "Del"),
)


class HistoryPage(QWidget):
    """Filter bar, gallery, and the Retry / Delete buttons for the selected request."""

    filter_changed = Signal(object)  # HistoryFilter
    retry_clicked = Signal()
    delete_clicked = Signal()
    action_requested = Signal(str)  # a key of ACTIONS, for the selected request

    def __init__(self, model: GalleryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("history.search")
        self.search.setPlaceholderText("Search prompts and models")
        self.search.setClearButtonEnabled(True)
        self.model_filter = QComboBox(self)
        self.model_filter.setObjectName("history.model")
        self.model_filter.addItem("All models", "")
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("history.status")
        for status in STATUS_CHOICES:
            self.status_filter.addItem(status.capitalize() or "Any status", status)
        self.date_filter = QComboBox(self)
        self.date_filter.setObjectName("history.date")
        self.date_filter.addItems(list(DATE_RANGES))
        self.gallery = QListView(self)
        self.gallery.setObjectName("history.gallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setUniformItemSizes(True)  # what keeps 10,000 rows cheap to lay out
        self.gallery.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.gallery.setGridSize(QSize(ICON_SIZE + 20, ICON_SIZE + 44))
        self.gallery.setWordWrap(True)
        self.gallery.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.gallery.setModel(model)
        self.empty_hint = QLabel(EMPTY_HINT, self)
        self.empty_hint.setObjectName("history.empty")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setObjectName("history.retry")
        self.retry_button.setToolTip("Send a failed, cancelled or never-sent request again")
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setObjectName("history.delete")
        self.delete_button.setToolTip("Delete the selected generation and its files (Del)")
        self.retry_button.clicked.connect(self.retry_clicked)
        self.delete_button.clicked.connect(self.delete_clicked)
        self._model = model
        self._build_actions()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self._update_state)
        self.gallery.selectionModel().selectionChanged.connect(self._update_state)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._emit_filter)
        self.search.textChanged.connect(self._debounce.start)
        for combo in (self.model_filter, self.status_filter, self.date_filter):
            combo.currentIndexChanged.connect(self._emit_filter)
        # The search gets a row of its own: in a narrow dock it would shrink to "Sea...".
        top = QHBoxLayout()
        top.addWidget(self.model_filter, 1)
        top.addWidget(self.status_filter)
        top.addWidget(self.date_filter)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.retry_button)
        bottom.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(top)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.gallery, 1)
        layout.addLayout(bottom)
        self._update_state()

    def set_models(self, names: list[str]) -> None:
        current = self.model_filter.currentData()
        self.model_filter.blockSignals(True)
        self.model_filter.clear()
        self.model_filter.addItem("All models", "")
        for name in names:
            self.model_filter.addItem(name, name)
        index = self.model_filter.findData(current)
        self.model_filter.setCurrentIndex(max(0, index))
        self.model_filter.blockSignals(False)

    def add_model(self, name: str) -> None:
        """Offer ``name`` in the model filter too (kept sorted), if it is not there yet."""
        if not name or self.model_filter.findData(name) >= 0:
            return
        names = sorted([*(self.model_filter.itemData(i)
                          for i in range(1, self.model_filter.count())), name])
        self.set_models(names)

    def current_filter(self) -> HistoryFilter:
        span = DATE_RANGES.get(self.date_filter.currentText())
        return HistoryFilter(text=self.search.text().strip(),
                             checkpoint=self.model_filter.currentData() or "",
                             status=self.status_filter.currentData() or "",
                             since=utcnow() - span if span else None)

    @Slot()
    def _emit_filter(self) -> None:
        self.filter_changed.emit(self.current_filter())

    def selected_record(self) -> Any:
        indexes = self.gallery.selectionModel().selectedIndexes()
        return indexes[0].data(RecordRole) if indexes else None

    @Slot()
    def _update_state(self, *_args: object) -> None:
        """Empty-gallery hint, and buttons that only act when they can."""
        empty = self._model.rowCount() == 0
        filtered = bool(self.search.text().strip()) or any(
            combo.currentIndex() > 0
            for combo in (self.model_filter, self.status_filter, self.date_filter))
        self.empty_hint.setText(NO_MATCH_HINT if filtered else EMPTY_HINT)
        self.empty_hint.setVisible(empty)
        record = self.selected_record()
        self.delete_button.setEnabled(record is not None)
        self.retry_button.setEnabled(record is not None and (record.images_missing or (
            not record.external and (record.status in ("failed", "cancelled")
                                     or record.not_sent))))
        for key, action in self.actions_by_key.items():
            action.setEnabled(record is not None and (
                self.retry_button.isEnabled() if key == "retry"
                else bool(record.output_paths) if key == "open_folder" else True))

    def _build_actions(self) -> None:
        """The gallery's right-click menu; the keys work while the gallery has focus."""
        self.gallery.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.actions_by_key: dict[str, QAction] = {}
        for key, text, keys in ACTIONS:
            action = QAction(text, self.gallery)
            action.setObjectName(f"history.action.{key}")
            if keys:
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _checked=False, k=key: self._act(k))
            self.gallery.addAction(action)
            self.actions_by_key[key] = action

    def _act(self, key: str) -> None:
        if not self.actions_by_key[key].isEnabled():
            return
        if key == "retry":
            self.retry_clicked.emit()
        elif key == "delete":
            self.delete_clicked.emit()
        else:
            self.action_requested.emit(key)
