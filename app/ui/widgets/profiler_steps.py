"""The Profiler dock's Steps tab: the sortable, filterable step table and the run comment."""

from __future__ import annotations

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.profiler.engine import Step
from app.profiler.records import RunRecord
from app.ui.models.profiler import NodeIdRole, SortRole, StepTableModel


class StepsPanel(QWidget):
    run_comment_edited = Signal(int, str)
    node_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_id: int | None = None
        self.step_model = StepTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.step_model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("filter nodes (id, title, type, comment)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # execution order until asked
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.verticalHeader().hide()
        # One line per node: long titles are cut with "…" (the tooltip has them in full).
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        # Starting widths (a saved layout replaces them): ids are short, names are not.
        header.setDefaultSectionSize(self.fontMetrics().horizontalAdvance("0000.000 GiB") + 12)
        for column, text in ((0, "Node 0000"), (1, "CLIP Text Encode (Prompt)"),
                             (2, "CheckpointLoaderSimple")):
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(text) + 12)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.run_label = QLabel("No run shown.")
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText("comment on this run")
        self.comment_edit.setEnabled(False)
        self.comment_edit.editingFinished.connect(self._comment_done)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(self.run_label)
        row.addWidget(self.comment_edit, 1)
        layout.addLayout(row)

    # -- content ---------------------------------------------------------------------------
    def show_run(self, record: RunRecord | None, steps: list[Step],
                 label: str | None = None) -> None:
        """Show a stored run, a run starting (``record`` None, no steps) or bare workflow nodes
        (``record`` None, ``label`` saying so)."""
        self.run_id = record.id if record is not None else None
        self.step_model.set_steps([], None)
        self.step_model.set_steps(list(steps), None)
        self.comment_edit.setEnabled(record is not None)
        self.comment_edit.setText(record.summary.global_comment if record else "")
        if label is None:
            label = (f"{record.summary.label} ({record.summary.status})" if record
                     else "Run in progress…")
        self.run_label.setText(label)

    def set_live(self, run_id: int, steps: list[Step], running: str | None) -> None:
        self.run_id = run_id
        self.step_model.set_steps(steps, running)

    @Slot()
    def _comment_done(self) -> None:
        if self.run_id is not None:
            self.run_comment_edited.emit(self.run_id, self.comment_edit.text())

    # -- selection -------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        rows = self.view.selectionModel().selectedRows()
        return [self.proxy.data(index, NodeIdRole) for index in rows]

    @Slot(str)
    def select_node(self, node_id: str) -> None:
        row = self.step_model.row_of(node_id)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.step_model.index(row, 0))
        if not index.isValid():
            return
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index)

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            self.node_selected.emit(self.proxy.data(current, NodeIdRole))

    # -- column visibility ------------------------------------------------------------------
    @Slot(QPoint)
    def _header_menu(self, pos: QPoint) -> None:
        self.column_menu().exec(self.view.horizontalHeader().mapToGlobal(pos))

    def column_menu(self) -> QMenu:
        menu = QMenu(self)
        header = self.view.horizontalHeader()
        for column in range(self.step_model.columnCount()):
            action = menu.addAction(str(self.step_model.headerData(
                column, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, on))
        return menu

    def set_column_visible(self, column: int, visible: bool) -> None:
        self.view.horizontalHeader().setSectionHidden(column, not visible)

    def save_state(self) -> QByteArray:
        return self.view.horizontalHeader().saveState()

    def restore_state(self, state) -> None:
        if isinstance(state, QByteArray | bytes) and state:
            self.view.horizontalHeader().restoreState(QByteArray(state))
