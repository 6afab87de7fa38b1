"""The Generate dock: form, live run view, queue and history gallery over GenerationService.

The service is plain Python; this dock feeds it the BackendHub's events, runs its network
actions through the TaskRunner, and re-emits its updates on the GUI thread through a bridge.
Requests pending when the app quit: those ComfyUI had accepted are re-attached on connect;
those never sent are listed as "pending - not sent" and go out only when you press Retry.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.comfy.errors import ComfyError
from app.generation.errors import GenerationError, InvalidParams
from app.generation.params import validate
from app.generation.records import (
    GenerationRecord,
    HistoryFilter,
    PreviewUpdate,
    ProgressUpdate,
    RequestChanged,
    RequestRemoved,
)
from app.generation.service import GenerationService
from app.generation.store import GenerationStore
from app.profiles.inject import apply_profile
from app.ui.context import AppContext
from app.ui.models.generation import GalleryModel, QueueModel, RequestIdRole
from app.ui.models.generation_rows import RecordLoader
from app.ui.models.generation_updates import UpdateQueue
from app.ui.widgets.connection_banner import ConnectionBanner
from app.ui.widgets.generate_actions import RequestActions
from app.ui.widgets.generate_form import FormScroller, GenerateForm
from app.ui.widgets.generate_history import HistoryPage
from app.ui.widgets.generate_run import RunPanel
from app.ui.widgets.generate_thumbs import ThumbnailLoader
from app.ui.widgets.image_viewer import ImageViewer, read_image

log = logging.getLogger(__name__)

SECTION = "generate"
EXTERNAL_POLL_MS = 10_000
DRAIN_MS = 40
VIEWER_KEY = "generate.viewer"


class GenerateDock(RequestActions, QDockWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Generate", parent)
        self.setObjectName("dock.generate")
        self.ctx = ctx
        hub = ctx.backends
        self.store = GenerationStore(ctx.database)
        self.service = GenerationService(
            self.store, ctx.paths, client_for=hub.client, backends=lambda: hub.urls,
            client_id=hub.client_id, watch=lambda url, pid: hub.watch(pid, url),
            profile_applier=apply_profile)
        self._updates = UpdateQueue()
        self.service.add_listener(self._updates.put)
        self._polling: set[str] = set()
        self._save_problem = ""
        self._shut_down = False
        self._options_query = 0
        self._on_error = self._live(self._task_failed)
        self._on_submitted = self._live(self._submitted)
        self.viewer_request: str | None = None
        self._build()
        hub.backend_event.connect(self._on_backend_event)
        hub.connection_changed.connect(self._on_connection)
        ctx.signals.settings_changed.connect(self._settings_changed)
        self._restore()
        self._poll_timer = self._timer(EXTERNAL_POLL_MS, self.poll_external)
        self._drain_timer = self._timer(DRAIN_MS, self._drain_updates)
        QTimer.singleShot(0, self, self._startup)

    def _timer(self, interval_ms: int, slot: Any) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        timer.start()
        return timer

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = GenerateForm(self)
        self.form.generate_requested.connect(self.generate)
        self.generate_button = QPushButton("Generate", self)
        self.generate_button.setObjectName("generate.generate")
        self.generate_button.setToolTip("Generate (Ctrl+Enter)")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("generate.cancel")
        self.cancel_button.clicked.connect(self.cancel_current)
        self.cancel_button.setToolTip("Cancel the running request (or the newest pending one)")
        self.cancel_button.setEnabled(False)
        self.message = QLabel("", self)
        self.message.setObjectName("generate.message")
        self.message.setWordWrap(True)
        self.queue_model = QueueModel(self)
        self.run_panel = RunPanel(self.queue_model, self)
        self.run_panel.cancel_requested.connect(self.cancel)
        self.run_panel.result_clicked.connect(self.open_request)
        self.thumbnails = ThumbnailLoader(self.ctx.paths.data_dir, parent=self)
        self.rows = RecordLoader(self.store.records, self)
        self.gallery_model = GalleryModel(self.store, self.thumbnails, self, rows=self.rows)
        self.thumbnails.on_loaded = self.gallery_model.thumbnails_loaded
        self.rows.loaded.connect(self.gallery_model.records_loaded)
        self.history = HistoryPage(self.gallery_model, self)
        self.history.filter_changed.connect(self.load_history)
        self.history.gallery.clicked.connect(self._open_index)
        self.history.gallery.activated.connect(self._open_index)  # Enter / double-click
        self.history.retry_clicked.connect(self._retry_selected)
        self.history.delete_clicked.connect(self._delete_selected)
        self.history.action_requested.connect(self._history_action)
        # Owned by the dock until the centre shows it; full-size images decode in the pool.
        self.viewer = ImageViewer(self, loader=self._load_image)
        self.viewer.hide()
        self.viewer.regenerate_requested.connect(self.regenerate_shown)
        self.viewer.delete_requested.connect(lambda: self.delete(self.viewer_request))
        self.viewer.open_folder_requested.connect(self._open_folder)
        # The form grows with LoRA rows and the Advanced section: it scrolls on its own, so
        # Generate, the progress, the preview and the queue stay in sight on any screen.
        scroller = FormScroller(self.form, self)
        create = QWidget(self)
        layout = QVBoxLayout(create)
        layout.addWidget(scroller, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.run_panel)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("generate.tabs")
        self.tabs.addTab(create, "Create")
        self.tabs.addTab(self.history, "History")
        self.banner = ConnectionBanner(
            self.ctx.backends, "Generating needs it; the form uses the last known models and "
            "the history stays available.", self)
        root = QWidget(self)
        root_layout = QVBoxLayout(root)
        root_layout.setContentsMargins(0, 0, 0, 0)
        root_layout.addWidget(self.banner)
        root_layout.addWidget(self.tabs, 1)
        self.setWidget(root)

    def _restore(self) -> None:
        section = self.ctx.settings.section(SECTION)
        options = self.service.known_options()  # every configured backend's models
        if options is not None:
            self.form.set_options(options)
        if isinstance(section.get("form"), dict):
            self.form.restore(section["form"])

    def save_form(self) -> None:
        self.ctx.settings.section(SECTION)["form"] = self.form.state()
        try:
            self.ctx.save_settings()
        except OSError as exc:  # e.g. a full disk: generating still works; say it until fixed
            self._save_problem = f"The form could not be saved for the next start: {exc}"
        else:
            self._save_problem = ""
        self._say(self.message.text())

    def _live(self, fn: Any) -> Any:
        """Wrap a task callback so it does nothing once the dock has shut down."""
        def call(*args: Any) -> None:
            if not self._shut_down:
                fn(*args)
        return call

    @Slot()
    def _startup(self) -> None:
        if self._shut_down:
            return
        self.load_history()
        self._refresh_queue()
        self.ctx.tasks.run(self.service.recover, on_error=self._on_error, name="recover")

    # -- backend events --------------------------------------------------------------------
    @Slot(str, object)
    def _on_backend_event(self, url: str, event: object) -> None:
        self.service.handle_event(event, url)

    @Slot(str, bool, str)
    def _on_connection(self, url: str, connected: bool, _reason: str) -> None:
        if not connected:
            return
        self.ctx.tasks.run(self.service.sync_models, url, name="sync models",
                           on_done=self._live(lambda _result: self._refresh_options()),
                           on_error=self._on_error)
        self.ctx.tasks.run(self.service.recover, on_error=self._on_error, name="recover")

    @Slot()
    def _settings_changed(self) -> None:
        """Backends may have been added or removed: offer what the configured ones have."""
        self._refresh_options()

    def _refresh_options(self) -> None:
        """Ask (off the GUI thread) what every backend offers; only the newest answer counts.

        Syncs of several backends finish in any order; a query issued after the last one
        finished sees all of them, while an older query's answer may miss some.
        """
        self._options_query += 1
        query = self._options_query

        def answered(options: Any) -> None:
            if query == self._options_query:
                self._options_synced(options)

        self.ctx.tasks.run(self.service.known_options, name="known models",
                           on_done=self._live(answered), on_error=self._on_error)

    def _options_synced(self, options: Any) -> None:
        if options is not None:
            self.form.set_options(options)

    # -- generate / cancel ----------------------------------------------------------------
    @Slot()
    def generate(self) -> None:
        params = self.form.params()
        known = self.service.known_options(None)
        problems = validate(params, known, check_models=known is not None)
        self.form.show_errors(problems)
        if problems:
            self._say("Fix the marked fields first.")
            return
        self.save_form()
        self._say("Sending…")
        self.ctx.tasks.run(partial(self.service.submit, params,
                                   profile_id=self.ctx.selected_profile_id()),
                           name="generate", on_done=self._on_submitted, on_error=self._on_error)

    def _submitted(self, record: GenerationRecord) -> None:
        if record.status in ("pending", "processing"):
            self._say(f"Queued on {record.backend}.")
            self.run_panel.follow(record.id)
            fresh = self.store.find(record.id)
            if fresh is not None and fresh.status not in ("pending", "processing"):
                self._on_update(RequestChanged(fresh.id, fresh.status))  # it already ended
        elif record.status == "completed":  # a Retry that only fetched the images again
            self._say(f"The images were fetched again from {record.backend}.")

    @Slot()
    def cancel_current(self) -> None:
        target = self.run_panel.request_id
        active = [r.id for r in self.store.active()]
        if target not in active:
            target = active[-1] if active else None
        if target:
            self.cancel(target)

    @Slot(str)
    def cancel(self, request_id: str) -> None:
        self.ctx.tasks.run(self.service.cancel, request_id, name="cancel",
                           on_error=self._on_error)

    def _task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, InvalidParams):
            self.form.show_errors(exc.field_errors)
            self._say("Fix the marked fields first.")
        elif isinstance(exc, GenerationError | ComfyError):
            self._say(str(exc))
        else:
            log.error("generation task failed", exc_info=exc)
            self._say(f"Unexpected error: {exc}")

    def _say(self, text: str) -> None:
        problem = self._save_problem
        lines = [line for line in text.splitlines() if line != problem]
        self.message.setText("\n".join([*lines, problem] if problem else lines))

    # -- service updates ------------------------------------------------------------------
    @Slot()
    def _drain_updates(self) -> None:
        for update in self._updates.take():
            self._on_update(update)

    def _on_update(self, update: object) -> None:
        if isinstance(update, ProgressUpdate):
            self.run_panel.progress(update)
        elif isinstance(update, PreviewUpdate):
            self.run_panel.preview_frame(update)
        elif isinstance(update, RequestChanged):
            self.gallery_model.request_changed(update.request_id)
            self._refresh_queue()
            if update.status not in ("pending", "processing"):
                record = self.store.find(update.request_id)
                text = record.status if record is None or not record.error \
                    else f"{record.status}: {record.error}"
                thumbs = record.thumbnail_paths if record is not None else ()
                followed = self.run_panel.running == update.request_id
                self.run_panel.finished(update.request_id, text, self.ctx.paths.data_dir
                                        / thumbs[0] if thumbs else None)
                if record is not None and followed:
                    self._say(f"{record.status.capitalize()}: {record.error}" if record.error
                              else "Done: click the image for the full size; all your images "
                              "are in History." if record.status == "completed"
                              else record.status.capitalize() + ".")
                if record is not None:  # a checkpoint seen for the first time joins the filter
                    self.history.add_model(record.checkpoint_model)
            if update.request_id == self.viewer_request:
                self.open_request(update.request_id)
        elif isinstance(update, RequestRemoved):
            self.gallery_model.request_removed(update.request_id)
            self._refresh_queue()

    def _refresh_queue(self) -> None:
        self.queue_model.set_records(self.store.active())
        # Cancel acts on the running or newest pending request: nothing to act on, no button.
        self.cancel_button.setEnabled(self.queue_model.rowCount() > 0)

    # -- history --------------------------------------------------------------------------
    @Slot(object)
    def load_history(self, filt: HistoryFilter | None = None) -> None:
        filt = filt or self.history.current_filter()
        self.ctx.tasks.run(self.store.ids, filt, name="history",
                           on_done=self._live(lambda ids, f=filt: self.gallery_model.set_ids(
                               ids, f)),
                           on_error=self._on_error)
        self.history.set_models(self.store.checkpoints_used())

    @Slot(QModelIndex)
    def _open_index(self, index: QModelIndex) -> None:
        request_id = index.data(RequestIdRole)  # known even before the row's record is read
        if request_id:
            self.open_request(request_id)

    def open_request(self, request_id: str) -> None:
        """Show the request's first image and its parameters in the central viewer."""
        record = self.store.find(request_id)
        if record is None:
            return
        same = request_id == self.viewer_request
        self.viewer_request = request_id
        paths = [self.ctx.paths.data_dir / p for p in record.output_paths]
        self.viewer.show_images(paths, record.parameters(),
                                self.viewer.current_index if same else 0)
        self.ctx.central.show(VIEWER_KEY, self.viewer)

    def _load_image(self, path: Path, on_image: Any) -> None:
        self.ctx.tasks.run(read_image, path, name="open image", owner=self.viewer,
                           on_done=on_image, on_error=self._on_error)

    # -- jobs from elsewhere ----------------------------------------------------------------
    @Slot()
    def poll_external(self) -> None:
        for url in self.ctx.backends.urls:
            if url in self._polling or self.ctx.backends.state(url).reachable is not True:
                continue
            self._polling.add(url)
            self.ctx.tasks.run(self.service.poll_external, url, name="external jobs",
                               on_done=lambda _ids, u=url: self._polling.discard(u),
                               on_error=lambda exc, u=url: self._poll_failed(u, exc))

    def _poll_failed(self, url: str, exc: BaseException) -> None:
        self._polling.discard(url)
        log.info("external jobs of %s not polled: %s", url, exc)

    # -- life cycle ------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop timers and workers and save the form (safe to call twice)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._poll_timer.stop()
        self._drain_timer.stop()
        self.run_panel.stop()
        self.save_form()
        self.ctx.backends.backend_event.disconnect(self._on_backend_event)
        self.ctx.backends.connection_changed.disconnect(self._on_connection)
        self.ctx.signals.settings_changed.disconnect(self._settings_changed)
        self.service.remove_listener(self._updates.put)
        self.thumbnails.shutdown()
        self.rows.shutdown()
        self.service.close()
