"""The Profiler dock's run controls: workflow source, Update nodes / Run profile / Interrupt,
sampling interval, status lines and the snapshot-mismatch warning with Force run."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
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
from app.profiler.sources import GENERATE, WorkflowSource


def row(*widgets: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout()
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QComboBox | QLineEdit) else 0)
    return layout


class RunControls(QWidget):
    """Widgets only; the dock connects them to what they do."""

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
        self.warning_update_button = QPushButton("Update nodes")
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

    def describe_shortcuts(self) -> None:
        """Name the dock's keys in the tooltips (the dock owns the QShortcuts)."""
        self.update_button.setToolTip("Store the workflow's nodes and links as the reference "
                                      "(Ctrl+U)")
        self.run_button.setToolTip("Check the workflow against its reference and run it under "
                                   "the profiler (Ctrl+Return)")
        self.open_file_button.setToolTip("Profile a workflow JSON file, UI or API format "
                                         "(Ctrl+O)")
        self.interrupt_button.setToolTip("Ask ComfyUI to stop this run at the next step")

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.update_button.setEnabled(not running)
        self.interrupt_button.setEnabled(running)
