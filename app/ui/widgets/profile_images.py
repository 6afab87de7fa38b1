"""The selected pool's images: thumbnail grid, labels edited in place, masks as an overlay."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.profiles.pool import move_order
from app.ui.models.profiles import PoolImagesModel
from app.ui.widgets.profile_grid import THUMB_SIZE, ProfileImageGrid, make_thumbnails

BATCH = 24  # thumbnails per background task: the first ones appear quickly


class PoolImagesPanel(QWidget):
    """Shows one pool; every change runs through the dock's background runner."""

    pool_changed = Signal()  # images were added, removed or edited
    thumbnails_loaded = Signal()

    def __init__(
        self,
        ctx: Any,
        run: Callable[..., Any],
        show_error: Callable[[BaseException], None],
        confirm: Callable[[str, str, Callable[[], None]], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._run, self._show_error, self._confirm = run, show_error, confirm
        self.service: Any = None
        self.pool_id: str | None = None
        self._generation = 0
        self._thumbs_in_flight = False
        self._thumbs_again = False
        self.model = PoolImagesModel(self, THUMB_SIZE)
        self.model.label_edit_requested.connect(self._save_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.title = QLabel("No profile selected")
        self.title.setObjectName("profiles.images_title")
        row.addWidget(self.title, 1)
        self.add_button = QPushButton("Add images…")
        self.add_button.clicked.connect(self.ask_add)
        self.active_button = QPushButton("Set active")
        self.active_button.clicked.connect(self.set_active_selected)
        self.masks_box = QCheckBox("Show masks")
        self.masks_box.toggled.connect(self.model.set_show_masks)
        for widget in (self.add_button, self.active_button, self.masks_box):
            row.addWidget(widget)
        layout.addLayout(row)
        self.grid = ProfileImageGrid(self)
        self.grid.setModel(self.model)
        self.grid.files_dropped.connect(self.add_image_files)
        self.grid.rows_moved.connect(self.move_rows)
        self.grid.visible_rows_changed.connect(self.load_visible_thumbnails)
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(self._menu)
        layout.addWidget(self.grid, 1)
        self.remove_action = QAction("Remove…", self)
        self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self.confirm_remove)
        self.grid.addAction(self.remove_action)
        self.left_action = self._grid_action(
            "Move earlier", "Alt+Left", lambda: self.move_selected(-1)
        )
        self.right_action = self._grid_action(
            "Move later", "Alt+Right", lambda: self.move_selected(1)
        )
        self._set_enabled(False)

    def _grid_action(self, text: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.grid.addAction(action)
        return action

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.add_button, self.active_button, self.grid):
            widget.setEnabled(enabled)

    # -- showing a pool ---------------------------------------------------------------------
    def show_pool(self, service: Any, pool_id: str | None) -> None:
        self._generation += 1
        self.service, self.pool_id = service, pool_id
        if service is None or pool_id is None:
            self.model.clear()
            self.title.setText("No profile selected")
            self.grid.empty_hint = ""
            self._set_enabled(False)
            return
        self.grid.empty_hint = self.grid.EMPTY_HINT
        generation = self._generation
        self._set_enabled(True)
        self._run(service.pool, pool_id, done=lambda view: self._set_view(generation, view))

    def forget(self) -> None:
        self.pool_id = None

    def _set_view(self, generation: int, view: Any) -> None:
        if generation != self._generation:
            return  # the user has moved on to another profile
        self.model.set_pool(view.slots, view.active)
        masks = sum(1 for s in view.slots if s.mask)
        self.title.setText(f"{len(view.slots)} images, {masks} masks")
        self.load_visible_thumbnails()

    @Slot()
    def load_visible_thumbnails(self) -> None:
        """Make thumbnails for the rows on screen (and a screen ahead), one batch at a time."""
        if self._thumbs_in_flight:
            self._thumbs_again = True  # the view moved while a batch was being made
            return
        generation, service, pool_id = self._generation, self.service, self.pool_id
        if service is None or pool_id is None:
            return
        missing = self.model.missing_thumbnails(self.grid.visible_rows())[:BATCH]
        if not missing:
            self.thumbnails_loaded.emit()
            return
        self._thumbs_in_flight, self._thumbs_again = True, False

        def read(name: str) -> bytes:
            return service.read_image(pool_id, name)

        def finished() -> None:
            self._thumbs_in_flight = False
            if generation != self._generation or self._thumbs_again or len(missing) == BATCH:
                self.load_visible_thumbnails()
            else:
                self.thumbnails_loaded.emit()

        def done(thumbs: list) -> None:
            if generation == self._generation:
                self.model.set_thumbnails(thumbs)
            finished()

        def failed(exc: BaseException) -> None:
            finished()
            self._show_error(exc)

        self._run(make_thumbnails, read, missing, done=done, failed=failed)

    # -- changes ----------------------------------------------------------------------------
    def _changed(self, view: Any) -> None:
        self._generation += 1
        self._set_view(self._generation, view)
        self.pool_changed.emit()

    @Slot()
    def ask_add(self) -> None:
        dialog = QFileDialog(
            self, "Add images", str(Path.home()), "Images (*.png *.jpg *.jpeg *.webp)"
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(lambda paths: self.add_image_files([Path(p) for p in paths]))
        dialog.open()

    @Slot(list)
    def add_image_files(self, paths: list[Path]) -> None:
        if self.service is not None and self.pool_id is not None:
            self._run(self.service.add_images, self.pool_id, list(paths), done=self._changed)

    def selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.grid.selectionModel().selectedIndexes())

    @Slot()
    def confirm_remove(self) -> None:
        rows = self.selected_rows()
        if rows and self.service is not None:
            self._confirm(
                "Remove images",
                f"Remove {len(rows)} image(s) and their masks from "
                "this pool? The files are deleted.",
                lambda: self.remove_rows(rows),
            )

    def remove_rows(self, rows: list[int]) -> None:
        self._run(self.service.remove_images, self.pool_id, rows, done=self._changed)

    @Slot()
    def set_active_selected(self) -> None:
        rows = self.selected_rows()
        if rows and self.service is not None:
            self._run(self.service.set_active, self.pool_id, rows[0], done=self._changed)

    def move_selected(self, step: int) -> None:
        """Swap the selected image with its neighbour; it stays selected for the next move."""
        rows = self.selected_rows()
        count = self.model.rowCount()
        if len(rows) != 1 or not 0 <= rows[0] + step < count or self.service is None:
            return
        order = list(range(count))
        order[rows[0]], order[rows[0] + step] = order[rows[0] + step], order[rows[0]]

        def done(view: Any) -> None:
            self._changed(view)
            moved = self.model.index(rows[0] + step)
            self.grid.setCurrentIndex(moved)  # current and selected: Alt+arrow again goes on

        self._run(self.service.reorder, self.pool_id, order, done=done)

    @Slot(list, int)
    def move_rows(self, rows: list[int], before: int) -> None:
        """Move dragged tiles to just before the tile they were dropped on (the pack's drag)."""
        count = self.model.rowCount()
        order = move_order(count, rows, before)
        if self.service is None or order == list(range(count)):
            return
        moved = [order.index(r) for r in rows if 0 <= r < count]

        def done(view: Any) -> None:
            self._changed(view)
            selection = self.grid.selectionModel()
            for row in moved:  # the moved tiles stay selected
                selection.select(self.model.index(row), selection.SelectionFlag.Select)

        self._run(self.service.reorder, self.pool_id, order, done=done)

    @Slot(int, str)
    def _save_label(self, row: int, label: str) -> None:
        pool_id, generation = self.pool_id, self._generation

        def failed(exc: BaseException) -> None:
            self._show_error(exc)
            if generation == self._generation:
                self.show_pool(self.service, pool_id)  # show what is really saved

        self._run(self.service.set_label, pool_id, row, label, failed=failed)

    @Slot(object)
    def _menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction("Set active", self.set_active_selected)
        menu.addAction(self.left_action)
        menu.addAction(self.right_action)
        menu.addSeparator()
        menu.addAction(self.remove_action)
        menu.popup(self.grid.viewport().mapToGlobal(pos))

    def shutdown(self) -> None:
        self._generation += 1  # late results are ignored
