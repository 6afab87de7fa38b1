"""Qt item models of the Profiler dock: thin adapters over app.profiler records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor

from app.profiler.compare import Comparison, GroupTotal
from app.profiler.engine import Step
from app.profiler.nvml import GPU_LOAD_WINDOW_S
from app.profiler.records import RunSummary
from app.ui.models.base import RowsTableModel

NodeIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
RunIdRole = Qt.ItemDataRole.UserRole + 3
GroupIdRole = Qt.ItemDataRole.UserRole + 4

GIB = 1024 ** 3
RUNNING_BRUSH = QBrush(QColor(255, 214, 102, 140))
REGRESSION_BRUSH = QBrush(QColor(200, 30, 30))
IMPROVEMENT_BRUSH = QBrush(QColor(30, 140, 60))
_Index = QModelIndex | QPersistentModelIndex


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f} s"


def gib(value: float | None) -> str:
    return "" if value is None else f"{value / GIB:.2f} GiB"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f} %"


# (header, Step attribute, formatter)
STEP_COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("Node", "node_id", str),
    ("Title", "node_title", str),
    ("Type", "node_type", str),
    ("Time", "exec_time", seconds),
    ("VRAM start", "vram_start", gib),
    ("VRAM max", "vram_max", gib),
    ("VRAM end", "vram_end", gib),
    ("CPU max", "cpu_max", percent),
    ("RAM max", "ram_max", gib),
    ("GPU max", "gpu_load_max", percent),
    ("GPU avg", "gpu_load_avg", percent),
    ("Cached", "cached", lambda v: "cached" if v else ""),
    ("Comment", "step_comment", str),
)
COMMENT_COLUMN = len(STEP_COLUMNS) - 1
GPU_ATTRS = ("gpu_load_max", "gpu_load_avg")
GPU_TIP = "Driver-side average over the last 1/6 s to 1 s (NVML), not an instant reading."


def inputs_tooltip(inputs_json: str, limit: int = 1500) -> str:
    """The node's inputs as run, one per line, for the Title tooltip."""
    try:
        inputs = json.loads(inputs_json)
        lines = [f"{name}: {json.dumps(value, ensure_ascii=False)}"
                 for name, value in inputs.items()]
    except (ValueError, AttributeError):
        lines = [inputs_json]
    text = "\n".join(["Inputs as run:", *lines])
    return text if len(text) <= limit else text[:limit] + "…"


def _gpu_blurred(step: Step) -> bool:
    """True when the node ran for less than the driver's averaging window can resolve."""
    return step.exec_time is not None and step.exec_time < GPU_LOAD_WINDOW_S[1]


def _gpu_tooltip(step: Step) -> str:
    if not _gpu_blurred(step):
        return GPU_TIP
    return (f"{GPU_TIP}\nThis node ran {step.exec_time:.2f} s, less than that window: the "
            "figure also covers time before it (≈).")


def _sort_key(value: Any) -> Any:
    if value is None:
        return -1.0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)  # node ids sort numerically
    return value


class StepTableModel(QAbstractTableModel):
    """The steps of one run; the running node is highlighted; comments are editable."""

    comment_edited = Signal(str, str)  # node_id, text

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._steps: list[Step] = []
        self._running: str | None = None
        self._groups: dict[str, tuple[str, str]] = {}  # node id -> (colour, group names)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._steps)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(STEP_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if not horizontal or not 0 <= section < len(STEP_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return STEP_COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole and STEP_COLUMNS[section][1] in GPU_ATTRS:
            return GPU_TIP
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COMMENT_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._steps)):
            return None
        step = self._steps[index.row()]
        _header, attr, fmt = STEP_COLUMNS[index.column()]
        value = getattr(step, attr)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if attr in GPU_ATTRS and value is not None and _gpu_blurred(step):
                return "≈" + fmt(value)  # no finer than the driver's averaging window
            return fmt(value)
        if role == SortRole:
            return _sort_key(value)
        if role == NodeIdRole:
            return step.node_id
        if role == Qt.ItemDataRole.BackgroundRole and step.node_id == self._running:
            return RUNNING_BRUSH
        if attr == "node_id" and step.node_id in self._groups:
            colour, names = self._groups[step.node_id]
            if role == Qt.ItemDataRole.DecorationRole:
                return QColor(colour)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Groups: {names}"
        if role == Qt.ItemDataRole.ToolTipRole and attr in GPU_ATTRS:
            return _gpu_tooltip(step)
        if role == Qt.ItemDataRole.ToolTipRole and attr == "node_title":
            return inputs_tooltip(step.inputs_json)
        if role == Qt.ItemDataRole.ToolTipRole and attr in ("node_type", "step_comment"):
            return str(value) or None  # the full text of a cut-off cell
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (not index.isValid() or index.column() != COMMENT_COLUMN
                or role != Qt.ItemDataRole.EditRole):
            return False
        step = self._steps[index.row()]
        step.step_comment = str(value)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        self.comment_edited.emit(step.node_id, step.step_comment)
        return True

    # -- feeding -----------------------------------------------------------------------
    @Slot(object)
    def set_groups(self, marks: dict[str, tuple[str, str]]) -> None:
        """Mark member nodes with their group's colour (node id -> (colour, group names))."""
        self._groups = dict(marks)
        if self._steps:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._steps) - 1, 0),
                                  [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole])

    def steps(self) -> list[Step]:
        return list(self._steps)

    def row_of(self, node_id: str) -> int:
        for row, step in enumerate(self._steps):
            if step.node_id == node_id:
                return row
        return -1

    def set_steps(self, steps: Sequence[Step], running: str | None = None) -> None:
        """Show ``steps``; a live update that only grows the list inserts rows in place."""
        old_ids = [s.node_id for s in self._steps]
        new_ids = [s.node_id for s in steps]
        comments = {s.node_id: s.step_comment for s in self._steps if s.step_comment}
        for step in steps:  # a comment typed during the run survives live refreshes
            if not step.step_comment and step.node_id in comments:
                step.step_comment = comments[step.node_id]
        if new_ids[:len(old_ids)] != old_ids:
            self.beginResetModel()
            self._steps, self._running = list(steps), running
            self.endResetModel()
            return
        self._running = running
        if old_ids:
            self._steps[:len(old_ids)] = steps[:len(old_ids)]
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(old_ids) - 1, len(STEP_COLUMNS) - 1))
        if len(new_ids) > len(old_ids):
            self.beginInsertRows(QModelIndex(), len(old_ids), len(new_ids) - 1)
            self._steps.extend(steps[len(old_ids):])
            self.endInsertRows()


class RunListModel(RowsTableModel):
    """Stored runs (newest first): name, date, total, status."""

    HEADERS = ("Name", "Date", "Total", "Status")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        run: RunSummary | None = self.row_at(index)
        if run is None:
            return None
        if role == RunIdRole:
            return run.id
        if role == Qt.ItemDataRole.ToolTipRole:
            profile = f"Image Pool profile: {run.profile_id}" if run.profile_id else ""
            return "\n".join(x for x in (run.error, run.global_comment, profile,
                                         f"Sampling: {run.sampler_info}" if run.sampler_info
                                         else "") if x)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        status = run.status + (" (forced)" if run.forced else "")
        return (run.label, run.local_time, seconds(run.total_time), status)[index.column()]

    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        self.set_rows(runs)

    def run(self, row: int) -> RunSummary:
        return self._rows[row]

    def row_of(self, run_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == run_id), -1)


class ComparisonModel(RowsTableModel):
    """Per node Δtime and ΔVRAM of run B against run A; regressions in red."""

    HEADERS = ("Node", "Type", "Time A", "Time B", "Δ time", "VRAM A", "VRAM B", "Δ VRAM",
               "Note")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == SortRole:
            return row.keys[index.column()]
        if role == NodeIdRole:
            return row.node_id
        if role == Qt.ItemDataRole.ForegroundRole and row.state == "regressed":
            return REGRESSION_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and row.state == "improved":
            return IMPROVEMENT_BRUSH
        return None

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self._rows = [] if comparison is None else _comparison_rows(comparison)
        self.endResetModel()

    def regressed_nodes(self) -> list[str]:
        return [row.node_id for row in self._rows if row.state == "regressed"]


def _delta_key(value: Any) -> Any:
    # Deltas go below zero: a missing figure sorts past every number (-inf), not as -1.
    return float("-inf") if value is None else _sort_key(value)


@dataclass(frozen=True)
class _Row:
    cells: tuple[str, ...]
    keys: tuple[Any, ...]  # what each column sorts by (numbers, not their text)
    state: str | None       # "regressed" | "improved" | None
    node_id: str


def _comparison_rows(comparison: Comparison) -> list[_Row]:
    rows = []
    for d in comparison.rows:
        d_time = "" if d.d_time is None else f"{d.d_time:+.3f} s"
        d_vram = "" if d.d_vram is None else f"{d.d_vram / GIB:+.2f} GiB"
        state = "regressed" if d.regressed else ("improved" if d.improved else None)
        note = "regression" if d.regressed else ("improvement" if d.improved else "")
        time_a = "cached" if d.cached_a else seconds(d.time_a)
        time_b = "cached" if d.cached_b else seconds(d.time_b)
        values = (d.node_id, d.node_type, d.time_a, d.time_b, d.d_time, d.vram_a, d.vram_b,
                  d.d_vram, note)
        rows.append(_Row((f"{d.node_id} {d.node_title}", d.node_type, time_a, time_b, d_time,
                          gib(d.vram_a), gib(d.vram_b), d_vram, note),
                         tuple(map(_delta_key, values)), state, d.node_id))
    for label, steps in (("only in A", comparison.only_a), ("only in B", comparison.only_b)):
        for s in steps:
            a, b = (s, None) if label == "only in A" else (None, s)
            values = (s.node_id, s.node_type, a.exec_time if a else None,
                      b.exec_time if b else None, None, a.vram_max if a else None,
                      b.vram_max if b else None, None, label)
            rows.append(_Row((f"{s.node_id} {s.node_title}", s.node_type,
                              seconds(a.exec_time) if a else "",
                              seconds(b.exec_time) if b else "", "",
                              gib(a.vram_max) if a else "", gib(b.vram_max) if b else "", "",
                              label), tuple(map(_delta_key, values)), None, s.node_id))
    return rows


class GroupModel(RowsTableModel):
    """Node groups with their totals in the shown run; the name is editable in place."""

    HEADERS = ("Group", "Nodes", "Time", "VRAM max", "Members")
    rename_requested = Signal(int, str)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == 0 else flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        total: GroupTotal | None = self.row_at(index)
        if total is None:
            return None
        group = total.group
        if role == GroupIdRole:
            return group.id
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return QColor(group.color)
        if role == Qt.ItemDataRole.ToolTipRole:
            return group.description or None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (group.name, str(total.nodes), seconds(total.exec_time),
                    gib(total.vram_max), ", ".join(group.node_ids))[index.column()]
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.EditRole:
            return False
        name = str(value).strip()
        if not name:
            return False
        self.rename_requested.emit(self._rows[index.row()].group.id, name)
        return True

    def set_totals(self, totals: Sequence[GroupTotal]) -> None:
        self.set_rows(totals)

    def group_id(self, row: int) -> int:
        return self._rows[row].group.id
