"""Profiler dock: run a workflow under the profiler, watch its nodes live, keep and compare runs.

The run itself happens in app.profiler (sampler thread + worker task); this dock only paints and
reacts. Charts (pyqtgraph) are built the first time their tab is shown, so pyqtgraph's import
is not on the way to the window's first paint.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.profiler.backends import preview_backends
from app.profiler.engine import Step
from app.profiler.records import RunRecord
from app.profiler.runner import LiveUpdate, ProfileRun, RunOptions, RunRequest
from app.profiler.sampler import DEFAULT_INTERVAL_MS
from app.profiler.snapshot import SnapshotDiff
from app.profiler.sources import WorkflowSource, list_userdata_workflows, load_prompt
from app.profiler.store import ProfilerStore
from app.ui.context import AppContext
from app.ui.widgets.connection_banner import ConnectionBanner
from app.ui.widgets.profiler_chart_page import ChartsPage
from app.ui.widgets.profiler_controls import RunControls
from app.ui.widgets.profiler_panels import GroupsPanel, HistoryPanel
from app.ui.widgets.profiler_reference import ReferenceCheck
from app.ui.widgets.profiler_steps import StepsPanel
from app.ui.widgets.profiler_tasks import GuardedTasks

log = logging.getLogger(__name__)
SETTINGS_PREFIX = "profiler/"


class _RunBridge(QObject):
    """Carries a run's callbacks from its worker thread to the GUI thread."""

    updated = Signal(object)          # LiveUpdate
    sampled = Signal(object, float)   # tuple[Sample, ...], origin


class ProfilerDock(QDockWidget):
    run_finished = Signal(object)      # RunRecord
    snapshot_saved = Signal(str)       # hash
    mismatch_shown = Signal(object)    # SnapshotDiff
    error_shown = Signal(str)
    sampling_previewed = Signal(str)   # what the next run will sample with

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Profiler", parent)
        self.setObjectName("dock.profiler")
        self._ctx = ctx
        self._store = ProfilerStore(ctx.database)
        self._tasks = GuardedTasks(ctx.tasks, self)
        self._run: ProfileRun | None = None
        self.options = RunOptions()  # tests may swap in a fake NVML
        self._bridge = _RunBridge(self)
        self._bridge.updated.connect(self._on_live_update)
        self._bridge.sampled.connect(self._on_samples)
        self._build()
        self._restore_layout()
        self._tasks.run(self._store.fail_abandoned_runs, on_done=lambda _n: self.history.refresh(),
                        on_error=self._show_error, name="profiler abandoned runs")
        self.groups.refresh()
        ctx.backends.active_backend_changed.connect(self._backend_changed)
        ctx.signals.profile_selected.connect(self._profile_selected)
        ctx.signals.settings_changed.connect(self.refresh_run_context)
        self.refresh_run_context()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget()
        layout = QVBoxLayout(root)
        controls = self.controls = RunControls(
            int(self._section().get("interval_ms", DEFAULT_INTERVAL_MS)), root)
        # Short names for what tests and the window use most.
        self.source_combo, self.warning = controls.source_combo, controls.warning
        self.update_button, self.run_button = controls.update_button, controls.run_button
        self.force_button, self.warning_label = controls.force_button, controls.warning_label
        self.snapshot_label, self.status_label = controls.snapshot_label, controls.status_label
        self.sampling_label, self.interval_spin = controls.sampling_label, controls.interval_spin
        self.name_edit = controls.name_edit
        for path in reversed(self._section().get("recent_files") or []):
            if isinstance(path, str) and path:
                controls.set_source(WorkflowSource("file", path))
        controls.source_combo.setCurrentIndex(0 if not controls.recent_files() else
                                              controls.source_combo.count() - 1)
        controls.source_changed.connect(self._source_changed)
        controls.userdata_button.clicked.connect(self.refresh_userdata)
        controls.update_button.clicked.connect(self.update_nodes)
        controls.warning_update_button.clicked.connect(self.update_and_run)
        controls.run_button.clicked.connect(self.run_profile)
        controls.interrupt_button.clicked.connect(self.interrupt)
        controls.force_button.clicked.connect(self.force_run)
        self.banner = ConnectionBanner(
            self._ctx.backends, "Profiling a run needs it; stored runs stay available.", root)
        layout.addWidget(self.banner)
        layout.addWidget(controls)
        layout.addWidget(self._build_tabs(), 1)
        self.setWidget(root)
        self._add_shortcuts(root)
        self.reference = ReferenceCheck(self._store, self._tasks, self._load_prompt,
                                        self._show_error, self)
        self.reference.state_known.connect(self.snapshot_label.setText)
        self.reference.nodes_updated.connect(self._nodes_updated)
        self.reference.snapshot_saved.connect(self.snapshot_saved)
        self.reference.run_ready.connect(self._start)
        self.reference.mismatch.connect(self._mismatch)
        self._show_snapshot_state()

    def _add_shortcuts(self, root: QWidget) -> None:
        """Keys work while focus is anywhere in this dock (Generate has its own Ctrl+Return)."""
        for keys, slot in (("Ctrl+Return", self.run_profile), ("Ctrl+Enter", self.run_profile),
                           ("Ctrl+U", self.update_nodes), ("Ctrl+O", self.controls.ask_file),
                           ("Ctrl+F", self._focus_filter)):
            shortcut = QShortcut(QKeySequence(keys), root)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.controls.describe_shortcuts()

    @Slot()
    def _focus_filter(self) -> None:
        self.tabs.setCurrentWidget(self.steps)
        self.steps.filter_edit.setFocus()

    def _build_tabs(self) -> QTabWidget:
        self.tabs = QTabWidget()
        self.steps = StepsPanel(self)
        self.steps.step_model.comment_edited.connect(self._save_step_comment)
        self.steps.run_comment_edited.connect(self._save_run_comment)
        self.groups = GroupsPanel(self._store, self._tasks, self.steps.selected_node_ids,
                                  self._show_error, self)
        self.groups.memberships_changed.connect(self.steps.step_model.set_groups)
        self.history = HistoryPanel(self._store, self._tasks, self._show_error, self)
        self.history.open_requested.connect(self._open_from_history)
        self.history.message.connect(self.status_label.setText)
        self.steps.node_selected.connect(self._node_selected)
        self.history.exported.connect(self.status_label.setText)
        self.charts_page = ChartsPage(self)  # pyqtgraph charts built on first show
        self.charts_page.node_hovered.connect(self.steps.select_node)
        self.charts_page.series_wanted.connect(self._load_series)
        self.tabs.addTab(self.steps, "Steps")
        self.tabs.addTab(self.charts_page, "Charts")
        self.tabs.addTab(self.groups, "Groups")
        self.tabs.addTab(self.history, "History")
        self.tabs.currentChanged.connect(self._tab_changed)
        return self.tabs

    def _section(self) -> dict:
        return self._ctx.settings.section("profiler")

    # -- what a run will use ------------------------------------------------------------------
    @Slot()
    def refresh_run_context(self) -> None:
        """Say which sampler backends and which Image Pool profile the next run will use."""
        self.controls.show_profile(self._ctx.selected_profile_id())
        if self._run is not None:
            return  # the running profile's own line stays until it ends
        options, url = self.options, self._ctx.backends.active_url

        def done(text: str) -> None:
            if self._run is None:
                self.sampling_label.setText(f"Sampling: {text}")
                self.sampling_previewed.emit(text)

        self._tasks.run(preview_backends, url, options.nvml_api, options.use_nvml,
                        on_done=done, on_error=self._show_error, name="profiler backends")

    @Slot(str)
    def _backend_changed(self, _url: str) -> None:
        self.refresh_run_context()

    @Slot(str)
    def _profile_selected(self, profile_id: str) -> None:
        if self._run is None:  # a running profile keeps its own line until it ends
            self.controls.show_profile(profile_id or None)

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        # "Use in runs" is chosen in the Profiles panel; show the current choice.
        self.controls.show_profile(self._ctx.selected_profile_id())

    # -- sources and snapshots ---------------------------------------------------------------
    def current_source(self) -> WorkflowSource | None:
        return self.controls.current_source()

    def set_source(self, source: WorkflowSource) -> None:
        """Select ``source``, adding it to the list if needed."""
        self.controls.set_source(source)

    @Slot()
    def _source_changed(self) -> None:
        self._show_snapshot_state()
        recent = self.controls.recent_files()
        if self._section().get("recent_files") != recent:
            self._section()["recent_files"] = recent  # offered again in the next session
            self._tasks.run(self._ctx.save_settings, on_error=self._show_error,
                            name="profiler settings")

    @Slot()
    def refresh_userdata(self) -> None:
        client = self._ctx.backends.client()

        def done(paths: list[str]) -> None:
            self.controls.add_userdata(paths)
            self.status_label.setText(f"{len(paths)} workflow(s) saved in ComfyUI: pick one "
                                      "in the Workflow list." if paths else
                                      "No workflows are saved in ComfyUI (user/default/"
                                      "workflows).")

        self._tasks.run(list_userdata_workflows, client, on_done=done,
                            on_error=self._show_error, name="profiler userdata list")

    def _load_prompt(self, source: WorkflowSource) -> dict:
        return load_prompt(source, self._ctx.backends.client(), self._ctx.database)

    def _show_snapshot_state(self) -> None:
        source = self.current_source()
        if source is not None:
            self.reference.show_state(source)

    @Slot()
    def update_nodes(self) -> None:
        """Store the current workflow's structure as the reference snapshot."""
        source = self.current_source()
        if self._run is None and source is not None:  # a run keeps the reference it checked
            self.warning.hide()
            self.reference.update_nodes(source)

    @Slot(str, object)
    def _nodes_updated(self, name: str, steps: list[Step]) -> None:
        """List the workflow's nodes (no figures yet) so groups can be set up before a run."""
        self.status_label.setText("Nodes updated.")
        if self._run is not None:
            return
        self.steps.show_run(None, steps, f"Nodes of {name} (not run yet): select nodes to "
                                         "add them to a group.")
        self.groups.set_steps(steps)
        self.charts_page.clear()

    @Slot()
    def run_profile(self) -> None:
        """Check the workflow against its snapshot: run on a match, warn on a mismatch."""
        source = self.current_source()
        if self._run is None and source is not None:
            self.warning.hide()
            self.reference.check(source)

    @Slot(object)
    def _mismatch(self, diff: SnapshotDiff | None) -> None:
        self.controls.show_mismatch(diff)
        self.mismatch_shown.emit(diff)

    @Slot()
    def update_and_run(self) -> None:
        """Accept the checked workflow as the new reference, then run it (not forced)."""
        if self._run is None:
            self.warning.hide()
            self.reference.accept_and_run()

    @Slot()
    def force_run(self) -> None:
        if self._run is None:
            self.warning.hide()
            self.reference.force_run()

    # -- running ---------------------------------------------------------------------------
    @Slot(object, bool)
    def _start(self, prompt: dict, forced: bool) -> None:
        if self._run is not None:
            return
        interval = self.interval_spin.value()
        if self._section().get("interval_ms") != interval:
            self._section()["interval_ms"] = interval
            self._tasks.run(self._ctx.save_settings, on_error=self._show_error,
                            name="profiler settings")
        profile_id = self._ctx.selected_profile_id()
        self.controls.show_profile(profile_id)
        request = RunRequest(prompt=prompt, backend_url=self._ctx.backends.active_url,
                             name=self.name_edit.text().strip() or self._run_name(),
                             interval_ms=interval,
                             forced=forced, profile_id=profile_id)
        self._run = ProfileRun(request, self._store, self.options,
                               on_update=self._bridge.updated.emit,
                               on_samples=self._bridge.sampled.emit)
        self.steps.show_run(None, [])
        self.charts_page.clear()
        self.controls.set_running(True)
        self.status_label.setText("Running" + (" (forced)…" if forced else "…"))
        self._tasks.run(self._run.run, on_done=self._run_done, on_error=self._run_error,
                            name="profiler run")

    def _run_name(self) -> str:
        """Default run name: the workflow's (the history has its own date column)."""
        source = self.current_source()
        return source.label if source is not None else ""

    @Slot()
    def interrupt(self) -> None:
        if self._run is not None:
            self._run.interrupt()
            self.status_label.setText("Interrupt sent; ComfyUI stops at the next step.")

    @Slot(object)
    def _on_live_update(self, update: LiveUpdate) -> None:
        if self._run is None:
            return
        self.steps.set_live(update.run_id, list(update.steps), update.running_node)
        self.sampling_label.setText(f"Sampling: {update.sampler_info}")
        self.charts_page.set_steps(update.steps)
        if update.running_node:
            title = next((s.node_title for s in update.steps
                          if s.node_id == update.running_node), "")
            self.status_label.setText(f"Running node {update.running_node} {title}…".replace(
                " …", "…"))

    @Slot(object, float)
    def _on_samples(self, batch: tuple, origin: float) -> None:
        self.charts_page.add_samples(batch, origin)

    def _run_done(self, record: RunRecord) -> None:
        typed = {s.node_id: s.step_comment for s in self.steps.step_model.steps()
                 if s.step_comment}
        self._run = None
        self.controls.set_running(False)
        self.status_label.setText(record.describe())
        self.sampling_label.setText(f"Sampling: {record.summary.sampler_info}")
        for step in record.steps:  # comments typed while it ran: shown and saved
            if step.node_id in typed:
                step.step_comment = typed[step.node_id]
                self._save_step_comment(step.node_id, step.step_comment, record.id)
        self._show_record(record)
        self.history.refresh()
        self.run_finished.emit(record)

    def _run_error(self, exc: BaseException) -> None:
        self._run = None
        self.controls.set_running(False)
        self._show_error(exc)
        self.history.refresh()

    # -- showing a run ----------------------------------------------------------------------
    @Slot(int)
    def open_run(self, run_id: int, then_show_steps: bool = False) -> None:
        def done(record: RunRecord) -> None:
            self._show_record(record)
            self.status_label.setText(f"Showing {record.describe()}")
            if then_show_steps:
                self.tabs.setCurrentWidget(self.steps)

        self._tasks.run(self._store.get_run, run_id, on_done=done, on_error=self._show_error,
                        name="profiler open run")

    @Slot(int)
    def _open_from_history(self, run_id: int) -> None:
        if self._run is not None:  # the live table and charts belong to the running profile
            self.status_label.setText("A run is in progress: open stored runs when it ends "
                                      "(or Interrupt it).")
            return
        self.open_run(run_id, then_show_steps=True)

    def _show_record(self, record: RunRecord) -> None:
        self.steps.show_run(record, record.steps)
        self.groups.set_steps(record.steps)
        self.charts_page.show_run(record.id, record.steps)

    @Slot(int)
    def _load_series(self, run_id: int) -> None:
        self._tasks.run(self._store.samples, run_id,
                        on_done=lambda series: self.charts_page.set_series(run_id, series),
                        on_error=self._show_error, name="profiler samples")

    @property
    def charts(self):
        """The pyqtgraph charts, or None until the Charts tab was first shown."""
        return self.charts_page.charts

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.charts_page:
            self.charts_page.ensure_built()

    def build_charts(self):
        """Create the pyqtgraph charts now (they are otherwise built on first show)."""
        return self.charts_page.ensure_built()

    @Slot(str)
    def _node_selected(self, node_id: str) -> None:
        self.charts_page.select_node(node_id)

    # -- comments --------------------------------------------------------------------------
    @Slot(str, str)
    def _save_step_comment(self, node_id: str, text: str, run_id: int | None = None) -> None:
        run_id = run_id or self.steps.run_id
        if run_id is None or (self._run is not None and run_id == self._run.run_id):
            return  # saved when the run is stored (its steps are written at the end)
        self._tasks.run(self._store.set_step_comment, run_id, node_id, text,
                            on_error=self._show_error, name="profiler step comment")

    @Slot(int, str)
    def _save_run_comment(self, run_id: int, text: str) -> None:
        self._tasks.run(self._store.set_run_comment, run_id, text,
                            on_done=lambda _r: self.history.refresh(),
                            on_error=self._show_error, name="profiler run comment")

    # -- errors, layout, shutdown -----------------------------------------------------------
    def _show_error(self, exc: BaseException) -> None:
        text = exc.describe() if hasattr(exc, "describe") else str(exc) or type(exc).__name__
        log.warning("profiler: %s", text)
        self.status_label.setText(f"Error: {text}")
        self.error_shown.emit(text)

    def _restore_layout(self) -> None:
        settings = QSettings()
        self.steps.restore_state(settings.value(SETTINGS_PREFIX + "steps_header"))
        splitter = settings.value(SETTINGS_PREFIX + "history_splitter")
        if splitter is not None:
            self.history.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue(SETTINGS_PREFIX + "steps_header", self.steps.save_state())
        settings.setValue(SETTINGS_PREFIX + "history_splitter", self.history.splitter.saveState())
        self.charts_page.save_state()

    def shutdown(self) -> None:
        """Stop following a running profile (stored as failed with the reason) and save layout."""
        self._tasks.closed = True
        if self._run is not None:
            self._run.cancel()
        self.charts_page.stop()
        self.save_layout()

