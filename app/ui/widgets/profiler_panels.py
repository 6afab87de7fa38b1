"""The Profiler dock's Groups and History tabs (each talks to the store through the task
runner, never on the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.profiler.compare import Comparison, compare_runs, group_totals
from app.profiler.engine import Step
from app.profiler.export import export_run
from app.profiler.store import ProfilerStore
from app.ui.models.profiler import (
    ComparisonModel,
    GroupModel,
    RunIdRole,
    RunListModel,
    SortRole,
)
from app.ui.widgets.profiler_tasks import GuardedTasks

GROUPS_HINT = ("No groups yet. Press New group…, then select nodes in the Steps tab (a run, or "
               "the workflow's nodes after Update nodes) and press Add selected nodes.")
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")


def _table(model, selection=QAbstractItemView.SelectionMode.ExtendedSelection) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(selection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    return view


class GroupsPanel(QWidget):
    """Create, rename (in place), colour and delete groups; assign the table's selected nodes."""

    #: {node_id: (colour, "group, group")} after every change, for the step table's marks
    memberships_changed = Signal(object)

    def __init__(self, store: ProfilerStore, tasks: GuardedTasks,
                 selected_nodes: Callable[[], list[str]],
                 on_error: Callable[[BaseException], None], parent: QWidget | None = None):
        super().__init__(parent)
        self._store, self._tasks = store, tasks
        self._selected_nodes, self._on_error = selected_nodes, on_error
        self._steps: list[Step] = []
        self.model = GroupModel(self)
        self.model.rename_requested.connect(self._rename)
        self.view = _table(self.model, QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        buttons = QHBoxLayout()
        for text, slot in (("New group…", self._ask_new), ("Colour…", self._ask_colour),
                           ("Delete", self.delete_selected),
                           ("Add selected nodes", self.add_selected_nodes),
                           ("Remove selected nodes", self.remove_selected_nodes)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.hint_label = QLabel(GROUPS_HINT)
        self.hint_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.view)

    def set_steps(self, steps: list[Step]) -> None:
        self._steps = list(steps)
        self.refresh()

    def refresh(self) -> None:
        steps = list(self._steps)
        self._tasks.run(lambda: group_totals(steps, self._store.list_groups()),
                        on_done=self._show_totals, on_error=self._on_error,
                        name="profiler groups")

    def _show_totals(self, totals: list) -> None:
        self.model.set_totals(totals)
        marks: dict[str, tuple[str, str]] = {}
        for total in totals:  # the first group (by name) gives the colour
            for node_id in total.group.node_ids:
                colour, names = marks.get(node_id, (total.group.color, ""))
                marks[node_id] = (colour, f"{names}, {total.group.name}" if names
                                  else total.group.name)
        self.memberships_changed.emit(marks)
        self.hint_label.setText(GROUPS_HINT if not totals else
                                "Totals are over the run shown in the Steps tab. Double-click "
                                "a name (or F2) to rename it.")

    def _write(self, fn: Callable[[], object]) -> None:
        self._tasks.run(fn, on_done=lambda _r: self.refresh(), on_error=self._on_error,
                        name="profiler group change")

    def _current_group(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            self.hint_label.setText("Select a group in this list first.")
            return None
        return self.model.group_id(rows[0].row())

    def create_group(self, name: str, color: str | None = None, description: str = "") -> None:
        color = color or PALETTE[self.model.rowCount() % len(PALETTE)]
        self._write(lambda: self._store.create_group(name, color, description))

    @Slot()
    def _ask_new(self) -> None:
        name, ok = QInputDialog.getText(self, "New group", "Group name:")
        if ok and name.strip():
            self.create_group(name.strip())

    @Slot(int, str)
    def _rename(self, group_id: int, name: str) -> None:
        self._write(lambda: self._store.update_group(group_id, name=name))

    def set_colour(self, group_id: int, color: str) -> None:
        self._write(lambda: self._store.update_group(group_id, color=color))

    @Slot()
    def _ask_colour(self) -> None:
        group_id = self._current_group()
        if group_id is None:
            return
        colour = QColorDialog.getColor(QColor(PALETTE[0]), self, "Group colour")
        if colour.isValid():
            self.set_colour(group_id, colour.name())

    @Slot()
    def delete_selected(self) -> None:
        group_id = self._current_group()
        if group_id is not None:
            self._write(lambda: self._store.delete_group(group_id))

    def _group_and_nodes(self) -> tuple[int, list[str]] | None:
        """The selected group and the Steps tab's selected nodes, or None with a hint shown."""
        group_id, nodes = self._current_group(), self._selected_nodes()
        if group_id is None:
            pass  # _current_group said what to do
        elif not nodes:
            self.hint_label.setText("Select nodes in the Steps tab first (a run, or the "
                                    "workflow's nodes after Update nodes).")
        else:
            return group_id, nodes
        return None

    @Slot()
    def add_selected_nodes(self) -> None:
        if (chosen := self._group_and_nodes()) is not None:
            group_id, nodes = chosen
            self._write(lambda: self._store.add_members(group_id, nodes))

    @Slot()
    def remove_selected_nodes(self) -> None:
        if (chosen := self._group_and_nodes()) is not None:
            group_id, nodes = chosen
            self._write(lambda: self._store.remove_members(group_id, nodes))


class HistoryPanel(QWidget):
    """Stored runs; open one, compare two, export, delete."""

    open_requested = Signal(int)
    compared = Signal(object)  # Comparison
    exported = Signal(str)     # "Exported run #3 to …"
    message = Signal(str)      # what to do first (e.g. "Select a run …")

    def __init__(self, store: ProfilerStore, tasks: GuardedTasks,
                 on_error: Callable[[BaseException], None], parent: QWidget | None = None):
        super().__init__(parent)
        self._store, self._tasks, self._on_error = store, tasks, on_error
        self.runs_model = RunListModel(self)
        self.runs_view = _table(self.runs_model)
        self.runs_view.doubleClicked.connect(lambda index: self.open_requested.emit(
            index.data(RunIdRole)))
        self.comparison_model = ComparisonModel(self)
        self.comparison_proxy = QSortFilterProxyModel(self)
        self.comparison_proxy.setSourceModel(self.comparison_model)
        self.comparison_proxy.setSortRole(SortRole)
        self.comparison_view = _table(self.comparison_proxy)
        self.comparison_view.setSortingEnabled(True)  # e.g. the biggest Δ time first
        self.comparison_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # run order first
        self.comparison_label = QLabel("Select two runs and press Compare.")
        self.comparison_label.setWordWrap(True)
        self.empty_label = QLabel("No stored runs yet: choose a workflow above and press "
                                  "Run profile (Ctrl+Return).")
        self.empty_label.setWordWrap(True)
        delete_action = QAction("Delete", self.runs_view)
        delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_action.triggered.connect(self.delete_selected)
        self.runs_view.addAction(delete_action)
        self.confirm_box: QMessageBox | None = None
        buttons = QHBoxLayout()
        for text, slot in (("Open", self._open_selected), ("Compare", self.compare_selected),
                           ("Export CSV…", lambda: self._ask_export(".csv")),
                           ("Export JSON…", lambda: self._ask_export(".json")),
                           ("Delete", self.delete_selected)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.empty_label)
        top_layout.addWidget(self.runs_view)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.comparison_label)
        bottom_layout.addWidget(self.comparison_view)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("profiler.history.splitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def refresh(self) -> None:
        self._tasks.run(self._store.list_runs, on_done=self._show_runs,
                        on_error=self._on_error, name="profiler runs")

    def _show_runs(self, runs: list) -> None:
        self.runs_model.set_runs(runs)
        self.empty_label.setVisible(not runs)

    def selected_run_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.runs_view.selectionModel().selectedRows())
        return [self.runs_model.run(r).id for r in rows]

    def select_runs(self, run_ids: list[int]) -> None:
        selection = self.runs_view.selectionModel()
        selection.clearSelection()
        flags = (QItemSelectionModel.SelectionFlag.Select
                 | QItemSelectionModel.SelectionFlag.Rows)
        for run_id in run_ids:
            row = self.runs_model.row_of(run_id)
            if row >= 0:
                selection.select(self.runs_model.index(row, 0), flags)

    @Slot()
    def _open_selected(self) -> None:
        ids = self.selected_run_ids()
        if ids:
            self.open_requested.emit(ids[0])
        else:
            self.message.emit("Select a run in the History list first.")

    @Slot()
    def compare_selected(self) -> None:
        ids = self.selected_run_ids()
        if len(ids) != 2:
            self.comparison_label.setText("Select exactly two runs to compare.")
            return
        a, b = sorted(ids)  # the older run is the baseline
        self._tasks.run(lambda: compare_runs(self._store.get_run(a), self._store.get_run(b)),
                        on_done=self._show_comparison, on_error=self._on_error,
                        name="profiler compare")

    def _show_comparison(self, comparison: Comparison) -> None:
        self.comparison_model.set_comparison(comparison)
        a, b = comparison.run_a.summary, comparison.run_b.summary
        d_total = comparison.d_total
        parts = [f"{b.label} against {a.label}"]
        if d_total is not None:
            parts.append(f"total {d_total:+.3f} s")
        parts.append(f"{len(comparison.regressions)} regression(s)")
        if comparison.only_a or comparison.only_b:
            parts.append(f"{len(comparison.only_a)} node(s) only in A, "
                         f"{len(comparison.only_b)} only in B")
        self.comparison_label.setText("; ".join(parts))
        self.compared.emit(comparison)

    def export(self, run_id: int, path: Path, on_done: Callable[[Path], None] | None = None):
        def work() -> Path:
            return export_run(self._store.get_run(run_id), path, self._store.samples(run_id))

        def done(written: Path) -> None:
            self.exported.emit(f"Exported run #{run_id} to {written}.")
            if on_done is not None:
                on_done(written)

        self._tasks.run(work, on_done=done, on_error=self._on_error, name="profiler export")

    def _ask_export(self, suffix: str) -> None:
        ids = self.selected_run_ids()
        if not ids:
            self.message.emit("Select the run to export in the History list first.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export run", f"profiler-run-{ids[0]}{suffix}",
                                              f"*{suffix}")
        if name:
            self.export(ids[0], Path(name))

    @Slot()
    def delete_selected(self) -> None:
        """Ask, then delete the selected runs (Delete key or button): they cannot come back."""
        ids = self.selected_run_ids()
        if not ids:
            self.message.emit("Select the runs to delete in the History list first.")
            return
        box = self.confirm_box = QMessageBox(
            QMessageBox.Icon.Question, "Delete runs",
            f"Delete {len(ids)} stored run(s) with their steps, samples and comments? "
            "This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(
            lambda button: self.delete_runs(ids)
            if box.standardButton(button) == QMessageBox.StandardButton.Yes else None)
        box.open()  # window-modal without a nested event loop

    def delete_runs(self, ids: list[int]) -> None:
        def work() -> None:
            for run_id in ids:
                self._store.delete_run(run_id)

        self._tasks.run(work, on_done=lambda _r: self.refresh(), on_error=self._on_error,
                        name="profiler delete runs")
