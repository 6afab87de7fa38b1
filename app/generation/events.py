"""How GenerationService reacts to ComfyUI events: progress, previews, the end of a prompt,
a backend that went away, and re-attaching to requests after a restart."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from app.comfy import events as ev
from app.comfy.errors import ComfyError, ComfyUnreachable
from app.db.base import utcnow
from app.generation import outputs as out
from app.generation.progress import PromptProgress
from app.generation.records import PreviewUpdate, ProgressUpdate

if TYPE_CHECKING:
    from app.generation.service import GenerationService

log = logging.getLogger(__name__)


def history_outcome(entry: dict[str, Any]) -> tuple[str, str | None]:
    """``("success"|"error"|"interrupted", error text)`` of a /history entry."""
    status = entry.get("status") or {}
    messages = status.get("messages") or []
    last_type, last_data = (messages[-1] if messages and isinstance(messages[-1], list)
                            and len(messages[-1]) == 2 else (None, {}))
    if last_type == "execution_interrupted":
        return "interrupted", "Interrupted"
    if status.get("status_str") == "error" or last_type == "execution_error":
        data = last_data if isinstance(last_data, dict) else {}
        text = f"{data.get('node_type', '?')} (node {data.get('node_id', '?')}): " \
               f"{data.get('exception_type', 'error')}: {data.get('exception_message', '')}".strip()
        return "error", text
    return "success", None


def fetch_failed(exc: BaseException) -> str:
    return f"The images could not be saved here ({exc}). ComfyUI still has them: Retry " \
           "fetches them again."


class EventHandlerMixin:
    """Event side of GenerationService (kept apart to keep each module small)."""

    _lock: threading.RLock
    _tracked: dict[str, PromptProgress]

    def handle_event(self: GenerationService, event: object, backend: str | None = None) -> None:
        """Feed one ComfyUI event in (from the app's BackendHub or from our own stream)."""
        if isinstance(event, ev.ConnectionChanged):
            if not event.connected and backend:
                self.backend_lost(backend, event.reason)
            return
        if isinstance(event, ev.PreviewImage):
            self._on_preview(event, backend)
            return
        prompt_id = getattr(event, "prompt_id", None)
        with self._lock:
            progress = self._tracked.get(prompt_id) if prompt_id else None
            if progress is None:
                return
            if isinstance(event, ev.PromptFinished):
                self._tracked.pop(prompt_id, None)
                self._later(self._finish, progress, event.outcome, dict(event.outputs or {}),
                            event.error)
                update = progress.final_update() if event.outcome == "success" else None
            else:
                update = self._apply(progress, event)
        if update is not None:
            self._notify(update)

    def _apply(self: GenerationService, progress: PromptProgress,
               event: object) -> ProgressUpdate | None:
        if isinstance(event, ev.ExecutionStart):
            progress.on_start(event.received)
            self._later(self._mark_started, progress)
        elif isinstance(event, ev.ExecutionCached):
            progress.on_cached(list(event.nodes))
        elif isinstance(event, ev.Executing):
            if progress.started is None:
                progress.on_start(event.received)
            progress.on_executing(event.node)
        elif isinstance(event, ev.Progress):
            progress.on_progress(event.value, event.max)
        elif isinstance(event, ev.Executed):
            progress.on_executed(str(event.node), dict(event.output or {}))
        else:
            return None
        return ProgressUpdate(progress.request_id, progress.step, progress.steps,
                              progress.nodes_done, progress.nodes_total,
                              progress.elapsed(time.monotonic()))

    def _on_preview(self: GenerationService, event: ev.PreviewImage, backend: str | None) -> None:
        prompt_id = event.prompt_id or (event.metadata or {}).get("prompt_id")
        with self._lock:
            progress = self._tracked.get(str(prompt_id)) if prompt_id else None
            if progress is None:  # legacy frames carry no prompt id: the running one on it
                here = [p for p in self._tracked.values()
                        if (backend is None or p.backend == backend) and p.started is not None]
                running = [p for p in here if p.current is not None] or here
                progress = running[-1] if running else None
        if progress is not None:
            self._notify(PreviewUpdate(progress.request_id, bytes(event.image), event.format))

    def _mark_started(self: GenerationService, progress: PromptProgress) -> None:
        record = self._current(progress)
        if record is not None and record.status == "pending":
            self._changed(self.store.update(record.id, status="processing",
                                            started_at=utcnow()))

    def _finish(self: GenerationService, progress: PromptProgress, outcome: str,
                outputs: dict[str, Any], error: str | None) -> None:
        """Final state of a prompt: fetch outputs on success, else record why it stopped."""
        request_id = progress.request_id
        record = self._current(progress)
        if record is None:
            return
        started = record.started_at or utcnow()
        if outcome == "interrupted":
            why = None if progress.cancel_requested else "Interrupted outside ComfyDesk"
            self._changed(self.store.update(request_id, status="cancelled", error=why,
                                            started_at=started, finished_at=utcnow()))
            return
        if outcome != "success":
            self._fail(request_id, error or "ComfyUI reported an error", started_at=started)
            return
        remote = out.images_in(outputs) or out.images_in(progress.outputs)
        try:
            saved = out.fetch_outputs(self._client_for(progress.backend), self.paths,
                                      request_id, remote)
        except (ComfyError, OSError) as exc:
            self._fail(request_id, fetch_failed(exc), remote_outputs=remote, started_at=started)
            return
        self._changed(self.store.update(
            request_id, status="completed", error=None, remote_outputs=remote,
            output_paths=[s.image for s in saved],
            thumbnail_paths=[s.thumbnail for s in saved if s.thumbnail],
            started_at=started, finished_at=utcnow()))

    # -- backends that go away, and restarts ----------------------------------------------
    def backend_lost(self: GenerationService, url: str, reason: str) -> None:
        """The event stream to ``url`` dropped: fail its requests if the server is really gone."""
        self._later(self._check_backend, url, reason)

    def _current(self: GenerationService, progress: PromptProgress) -> Any:
        """The request's record while ``progress`` is still its latest attempt, else None."""
        record = self.store.find(progress.request_id)
        if record is None or record.comfyui_prompt_id != progress.prompt_id:
            return None  # deleted meanwhile, or retried since (an older attempt ended)
        return record

    def _check_backend(self: GenerationService, url: str, reason: str) -> None:
        try:
            self._client_for(url).get_queue()
            return  # only the socket dropped; the stream reconciles when it is back
        except ComfyUnreachable as exc:
            why = f"ComfyUI at {url} went away during the run ({reason or exc.reason})."
        except ComfyError as exc:
            why = f"ComfyUI at {url} stopped answering properly during the run ({exc})."
        with self._lock:
            lost = [p for p in self._tracked.values() if p.backend == url]
        for progress in lost:
            record = self._current(progress)
            if record is not None and record.status in ("pending", "processing"):
                self._fail(record.id, why)

    def recover(self: GenerationService) -> list[str]:
        """Re-attach to requests that were active when the app last quit; returns their ids."""
        touched = []
        for record in self.store.active():
            if not record.comfyui_prompt_id:
                continue  # "pending - not sent": waits for the user's Retry
            try:
                self._reattach(record)
            except ComfyError as exc:
                log.info("could not re-attach %s yet: %s", record.id, exc)
                continue
            touched.append(record.id)
        return touched

    def _reattach(self: GenerationService, record: Any) -> None:
        prompt_id = record.comfyui_prompt_id
        client = self._client_for(record.backend)
        progress = PromptProgress(record.id, prompt_id, record.backend, nodes_total=0)
        with self._lock:
            if prompt_id in self._tracked:
                return
            self._finished.setdefault(record.id, threading.Event()).clear()
        entry = client.history(prompt_id)
        if entry:
            outcome, error = history_outcome(entry)
            self._finish(progress, outcome, dict(entry.get("outputs") or {}), error)
            return
        if client.get_queue().find(prompt_id) is not None:
            with self._lock:
                self._tracked[prompt_id] = progress
            if self._watch is not None:
                self._watch(record.backend, prompt_id)
            return
        self._fail(record.id, f"ComfyUI at {record.backend} no longer knows this request "
                              "(it was probably restarted while ComfyDesk was closed).")
