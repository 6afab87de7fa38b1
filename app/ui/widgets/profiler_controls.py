"""The Profiler dock's run controls: workflow source, Update nodes / Run profile / Interrupt,
sampling interval, status lines and the snapshot-mismatch warning with Force run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.profiler.sampler import MAX_INTERVAL_MS, MIN_INTERVAL_MS
from app.profiler.snapshot import SnapshotDiff
from app.profiler.sources import FILE, GENERATE, USERDATA, WorkflowSource

RECENT_LIMIT = 10  # workflow files remembered across sessions


def row(*widgets: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout()
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QComboBox | QLineEdit) else 0)
    return layout


class RunControls(QWidget):
    """The run controls and the workflow source list; the dock connects them to what they do."""

    source_changed = Signal()

    def __init__(self, interval_ms: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.source_combo = QComboBox()
        self.source_combo.setMinimumContentsLength(20)
        self.source_combo.addItem("Last Generate request", WorkflowSource(GENERATE, ""))
        self.open_file_button = QPushButton("Open file…")
        self.userdata_button = QPushButton("ComfyUI workflows")
        self.userdata_button.setToolTip("List the workflows saved in ComfyUI")
        layout.addLayout(row(QLabel("Workflow:"), self.source_combo, self.open_file_button,
                             self.userdata_button))
        self.source_combo.currentIndexChanged.connect(lambda _i: self.source_changed.emit())
        self.open_file_button.clicked.connect(self.ask_file)
        self.update_button = QPushButton("Update nodes")
        self.update_button.setToolTip("Store the workflow's nodes and links as the reference")
        self.run_button = QPushButton("Run profile")
        self.interrupt_button = QPushButton("Interrupt")
        self.interrupt_button.setEnabled(False)
        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(MIN_INTERVAL_MS, MAX_INTERVAL_MS)
        self.interval_spin.setSuffix(" ms")
        self.interval_spin.setValue(interval_ms)
        self.interval_spin.setToolTip("Sampling interval")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("run name (optional)")
        layout.addLayout(row(self.update_button, self.run_button, self.interrupt_button,
                             QLabel("every"), self.interval_spin, self.name_edit))
        self.snapshot_label = QLabel()
        self.status_label = QLabel("Idle.")
        self.sampling_label = QLabel("Sampling: checking which backends this machine has…")
        self.profile_label = QLabel()
        for label in (self.snapshot_label, self.status_label, self.sampling_label,
                      self.profile_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        layout.addWidget(self._build_warning())

    def _build_warning(self) -> QFrame:
        self.warning = QFrame()
        self.warning.setFrameShape(QFrame.Shape.StyledPanel)
        self.warning.setStyleSheet("QFrame { background: #fff3cd; color: #3b2f00; }")
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_update_button = QPushButton("Update nodes and run")
        self.warning_update_button.setToolTip("Accept this workflow as the reference and run it")
        self.force_button = QPushButton("Force run")
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.warning.hide)
        box = QVBoxLayout(self.warning)
        box.addWidget(self.warning_label)
        box.addLayout(row(self.warning_update_button, self.force_button, cancel))
        self.warning.hide()
        return self.warning

    def show_profile(self, profile_id: str | None) -> None:
        """The Image Pool profile runs put into pool nodes ("Use in runs" in Profiles)."""
        if profile_id:
            self.profile_label.setText(f"Image Pool profile for runs: {profile_id} "
                                       "(put into the workflow's Image Pool nodes).")
        else:
            self.profile_label.setText("Image Pool profile for runs: none (select one in the "
                                       "Profiles panel).")

    # -- workflow sources ------------------------------------------------------------------
    def current_source(self) -> WorkflowSource | None:
        return self.source_combo.currentData()

    def index_of(self, source: WorkflowSource) -> int:
        """Row of an equal source, or -1 (findData compares Python objects by identity)."""
        combo = self.source_combo
        return next((i for i in range(combo.count()) if combo.itemData(i) == source), -1)

    def set_source(self, source: WorkflowSource) -> None:
        """Select ``source``, adding it to the list if needed."""
        index = self.index_of(source)
        if index < 0:
            self.source_combo.addItem(source.label, source)
            self.source_combo.setItemData(self.source_combo.count() - 1, source.ref,
                                          Qt.ItemDataRole.ToolTipRole)
            index = self.source_combo.count() - 1
        self.source_combo.setCurrentIndex(index)

    def add_userdata(self, paths: list[str]) -> None:
        """List workflows saved in ComfyUI (the selection stays where it is)."""
        for path in paths:
            source = WorkflowSource(USERDATA, path)
            if self.index_of(source) < 0:
                self.source_combo.addItem(source.label, source)

    def recent_files(self) -> list[str]:
        """Workflow files in the list, newest first (kept in the settings between sessions)."""
        files = [self.source_combo.itemData(i) for i in range(self.source_combo.count())]
        return [s.ref for s in reversed(files) if s.kind == FILE][:RECENT_LIMIT]

    @Slot()
    def ask_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Workflow to profile", "", "Workflow (*.json)")
        if name:
            self.set_source(WorkflowSource(FILE, name))

    def describe_shortcuts(self) -> None:
        """Name the dock's keys in the tooltips (the dock owns the QShortcuts)."""
        self.update_button.setToolTip("Store the workflow's nodes and links as the reference "
                                      "(Ctrl+U)")
        self.run_button.setToolTip("Check the workflow against its reference and run it under "
                                   "the profiler (Ctrl+Return)")
        self.open_file_button.setToolTip("Profile a workflow JSON file, UI or API format "
                                         "(Ctrl+O)")
        self.interrupt_button.setToolTip("Ask ComfyUI to stop this run at the next step")

    def show_mismatch(self, diff: SnapshotDiff | None) -> None:
        """The warning before a run: no reference yet (None), or what changed."""
        text = ("There is no reference snapshot for this workflow yet." if diff is None
                else diff.describe())
        self.warning_label.setText(text + "\nUpdate nodes to accept it and run, or Force run "
                                          "(the reference stays; the run is marked forced).")
        self.warning.show()

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.update_button.setEnabled(not running)
        self.interrupt_button.setEnabled(running)
