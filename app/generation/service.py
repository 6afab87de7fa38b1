"""GenerationService: submit, follow, cancel, retry and finish image requests (no Qt).

Threading: public actions (submit, cancel, retry, delete, recover, sync_models) do network and
disk work and are meant to be called off the GUI thread. ``handle_event`` may be called from any
thread (the GUI thread in the app, the stream thread in the CLI): it only updates memory and
hands database writes, downloads and thumbnails to one ordered worker thread. Listeners get
``Update`` objects on whichever thread produced them.

Policy for requests pending when the app quits: a request ComfyUI had accepted is re-attached
on the next start (``recover``: finished ones are completed from /history, queued ones are
followed again, ones the server forgot are marked failed with Retry); a request that was never
accepted stays "pending - not sent" until the user presses Retry. Nothing is resent silently.
"""

from __future__ import annotations

import getpass
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.comfy.errors import ComfyError, PromptRejected
from app.config import Paths
from app.db.base import utcnow
from app.generation import outputs as out
from app.generation.builder import WorkflowBuilder
from app.generation.dispatch import Choice, choose_backend, missing_models, probe
from app.generation.errors import InvalidParams, InvalidState, NoBackendAvailable
from app.generation.events import EventHandlerMixin, fetch_failed
from app.generation.params import GenerationParams, ModelOptions, validate
from app.generation.progress import PromptProgress
from app.generation.records import GenerationRecord, RequestChanged, RequestRemoved, Update
from app.generation.store import CHECKPOINT, LORA, GenerationStore

log = logging.getLogger(__name__)

Listener = Callable[[Update], None]
ProfileApplier = Callable[[dict[str, Any], str], dict[str, Any]]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class GenerationService(EventHandlerMixin):
    """The generation pipeline over one or several ComfyUI backends."""

    def __init__(self, store: GenerationStore, paths: Paths, *,
                 client_for: Callable[[str], Any], backends: Callable[[], Sequence[str]],
                 client_id: str, watch: Callable[[str, str], None] | None = None,
                 profile_applier: ProfileApplier | None = None, user_id: str | None = None,
                 ) -> None:
        self.store = store
        self.paths = paths
        self.client_id = client_id
        self._client_for = client_for
        self._backends = backends
        self._watch = watch
        self._apply_profile = profile_applier
        self._user_id = _user() if user_id is None else user_id
        self._builder = WorkflowBuilder()
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._tracked: dict[str, PromptProgress] = {}  # comfyui prompt id -> progress
        self._finished: dict[str, threading.Event] = {}  # request id -> set when final
        self._work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generation")
        self._closed = False

    # -- listeners ---------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, update: Update) -> None:
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:  # a broken listener must not break the pipeline
                log.exception("generation listener failed on %r", update)

    def _changed(self, record: GenerationRecord) -> GenerationRecord:
        self._notify(RequestChanged(record.id, record.status))
        if record.status not in ("pending", "processing"):
            with self._lock:
                done = self._finished.get(record.id)
            if done is not None:
                done.set()
        return record

    # -- options and models --------------------------------------------------------------
    def backends(self) -> list[str]:
        return list(dict.fromkeys(self._backends()))

    def sync_models(self, url: str) -> ModelOptions:
        """Ask ``url`` for its models and options and remember them (call on connect)."""
        options = ModelOptions.from_object_info(self._client_for(url).object_info(refresh=True))
        self.store.sync_models(url, options.checkpoints, options.loras)
        self.store.save_options(url, options)
        return options

    def known_options(self, url: str | None = None) -> ModelOptions | None:
        """Last known options (from the database, so the form works offline).

        Without ``url``: what any configured backend offers, models and samplers joined, so
        a model only one backend has can be asked for (dispatch then sends it there); the
        limits are the first known backend's.
        """
        urls = [url] if url else self.backends()
        known = [(u, o) for u in urls if (o := self.store.load_options(u)) is not None]
        if not known:
            return None

        def models(kind: str) -> tuple[str, ...]:
            return tuple(sorted({m for u, _ in known for m in self.store.known_models(kind, u)}))

        def joined(values: list[tuple[str, ...]]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v for group in values for v in group))

        return ModelOptions(**{**known[0][1].__dict__, "checkpoints": models(CHECKPOINT),
                               "loras": models(LORA),
                               "samplers": joined([o.samplers for _, o in known]),
                               "schedulers": joined([o.schedulers for _, o in known])})

    # -- submitting ----------------------------------------------------------------------
    def submit(self, params: GenerationParams, *, backend: str | None = None,
               profile_id: str | None = None) -> GenerationRecord:
        """Validate, store, dispatch and queue one request; returns its record.

        Raises:
            InvalidParams: before anything is stored or sent.
            NoBackendAvailable, PromptRejected, ComfyError: after the request was stored as
                failed with the reason (it can be retried).
        """
        problems = validate(params, self.known_options(backend), check_models=False)
        if problems:
            raise InvalidParams(problems)
        request_id = uuid.uuid4().hex
        record = self.store.create(request_id, params, user_id=self._user_id,
                                   profile_id=profile_id)
        self._changed(record)
        return self._send(record, backend)

    def regenerate(self, request_id: str, *, new_seed: bool = False,
                   backend: str | None = None) -> GenerationRecord:
        record = self.store.get(request_id)
        params = record.params.with_new_seed() if new_seed else record.params
        return self.submit(params, backend=backend, profile_id=record.profile_id)

    def retry(self, request_id: str, backend: str | None = None) -> GenerationRecord:
        """Send a failed, cancelled or never-sent request again (same row, same parameters).

        A request that ran but whose images could not be saved (disk full, server gone during
        the download) only fetches its images again: ComfyUI still has them.
        """
        record = self.store.get(request_id)
        if record.images_missing:
            return self._refetch(record)
        if record.external:
            raise InvalidState("An external job cannot be retried here; use Regenerate.")
        if record.status in ("processing",) or (record.status == "pending" and not record.not_sent):
            raise InvalidState(f"Request {request_id} is still {record.status}.")
        if record.status == "completed":
            raise InvalidState("A completed request is not retried; use Regenerate.")
        with self._lock:  # an older attempt's events must not touch the new one
            for prompt_id in [p for p, t in self._tracked.items() if t.request_id == request_id]:
                del self._tracked[prompt_id]
        record = self.store.update(request_id, status="pending", error=None,
                                   comfyui_prompt_id=None, started_at=None, finished_at=None)
        self._changed(record)
        return self._send(record, backend or None)

    def _refetch(self, record: GenerationRecord) -> GenerationRecord:
        try:
            saved = out.fetch_outputs(self._client_for(record.backend), self.paths, record.id,
                                      list(record.remote_outputs))
        except (ComfyError, OSError) as exc:
            self._changed(self.store.update(record.id, error=fetch_failed(exc)))
            raise
        return self._changed(self.store.update(
            record.id, status="completed", error=None, output_paths=[s.image for s in saved],
            thumbnail_paths=[s.thumbnail for s in saved if s.thumbnail]))

    def _choose(self, params: GenerationParams, backend: str | None) -> Choice:
        if backend is None:
            return choose_backend(self.backends(), params, self._client_for)
        try:
            length, options = probe(self._client_for(backend), params)
        except ComfyError as exc:
            raise NoBackendAvailable({backend: str(exc)}) from exc
        lacking = missing_models(params, options)
        if lacking:
            raise InvalidParams({"checkpoint" if "checkpoint" in lacking[0] else "lora":
                                 f"{backend} does not have " + ", ".join(lacking)})
        return Choice(backend, length, options)

    def _send(self, record: GenerationRecord, backend: str | None) -> GenerationRecord:
        params = record.params
        try:
            choice = self._choose(params, backend)
            problems = validate(params, choice.options)
            if problems:
                raise InvalidParams(problems)
            self.store.sync_models(choice.url, choice.options.checkpoints, choice.options.loras)
            self.store.save_options(choice.url, choice.options)
            prompt = self._builder.build(params, record.id)
            if record.profile_id and self._apply_profile is not None:
                prompt = self._apply_profile(prompt, record.profile_id)
        except (InvalidParams, NoBackendAvailable, ComfyError) as exc:
            self._fail(record.id, str(exc))
            raise
        return self._queue(record, choice.url, prompt)

    def _queue(self, record: GenerationRecord, url: str, prompt: dict) -> GenerationRecord:
        prompt_id = str(uuid.uuid4())
        progress = PromptProgress(record.id, prompt_id, url, nodes_total=len(prompt))
        with self._lock:  # known before the POST: events may beat the HTTP answer
            self._tracked[prompt_id] = progress
            self._finished.setdefault(record.id, threading.Event()).clear()
        record = self.store.update(record.id, backend=url, comfyui_prompt_id=prompt_id)
        extra = {"extra_pnginfo": {"comfydesk": record.params.to_json()}}
        try:
            self._client_for(url).queue_prompt(prompt, self.client_id, extra, prompt_id=prompt_id)
        except (PromptRejected, ComfyError) as exc:
            with self._lock:
                self._tracked.pop(prompt_id, None)
            reason = exc.describe() if isinstance(exc, PromptRejected) else str(exc)
            self._fail(record.id, reason, comfyui_prompt_id=None)
            raise
        if self._watch is not None:
            self._watch(url, prompt_id)
        return self._changed(self.store.get(record.id))

    def _fail(self, request_id: str, reason: str, **fields: Any) -> GenerationRecord:
        return self._changed(self.store.update(request_id, status="failed", error=reason,
                                               finished_at=utcnow(), **fields))

    # -- cancel and delete ---------------------------------------------------------------
    def cancel(self, request_id: str) -> GenerationRecord:
        """Pending: removed from ComfyUI's queue. Running: interrupted (cancelled when it stops)."""
        record = self.store.get(request_id)
        if record.status not in ("pending", "processing"):
            return record
        prompt_id = record.comfyui_prompt_id
        if not prompt_id:
            return self._changed(self.store.update(request_id, status="cancelled",
                                                   finished_at=utcnow()))
        client = self._client_for(record.backend)
        with self._lock:
            progress = self._tracked.get(prompt_id)
            if progress is not None:
                progress.cancel_requested = True
        try:
            where = client.get_queue().find(prompt_id)
        except ComfyError as exc:  # the server is away: cancel here, say ComfyUI was not told
            return self._changed(self.store.update(
                request_id, status="cancelled", finished_at=utcnow(),
                error=f"Cancelled while ComfyUI could not be reached ({exc})."))
        if where is not None and where[0] == "pending":
            client.delete_from_queue([prompt_id])
            with self._lock:
                self._tracked.pop(prompt_id, None)
            return self._changed(self.store.update(request_id, status="cancelled",
                                                   finished_at=utcnow()))
        if where is not None:
            client.interrupt(prompt_id)  # "cancelled" once ComfyUI reports the interrupt
            return self.store.get(request_id)
        return self._changed(self.store.update(request_id, status="cancelled",
                                               finished_at=utcnow()))

    def delete(self, request_id: str) -> list[str]:
        """Delete the row and its files; returns files that could not be removed."""
        record = self.store.get(request_id)
        if record.status in ("pending", "processing") and record.comfyui_prompt_id:
            try:
                self.cancel(request_id)
            except ComfyError as exc:  # deleting must work while the server is away
                log.warning("could not cancel %s before deleting it: %s", request_id, exc)
        self.store.delete(request_id)
        if record.comfyui_prompt_id:
            self.store.remember_deleted(record.comfyui_prompt_id)
        failed = out.delete_files(self.paths, [*record.output_paths, *record.thumbnail_paths])
        self._notify(RequestRemoved(request_id))
        return failed

    # -- waiting (CLI) -------------------------------------------------------------------
    def wait(self, request_id: str, timeout: float | None = None) -> GenerationRecord:
        """Block until the request is final (or ``timeout``); returns its record."""
        with self._lock:
            done = self._finished.setdefault(request_id, threading.Event())
        record = self.store.get(request_id)
        if record.status in ("pending", "processing"):
            done.wait(timeout)
        return self.store.get(request_id)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued database write, download and thumbnail is done."""
        self._work.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self._closed = True
        self._work.shutdown(wait=True, cancel_futures=False)

    def _later(self, fn: Callable[..., Any], *args: Any) -> Future:
        def guarded() -> None:
            try:
                fn(*args)
            except Exception:  # logged with the request; never silently lost
                log.exception("generation background step %s failed", getattr(fn, "__name__", fn))
        return self._work.submit(guarded)

    # -- jobs from elsewhere -------------------------------------------------------------
    def poll_external(self, url: str) -> list[str]:
        """Import finished jobs other clients ran on ``url``; returns the new request ids."""
        from app.generation.external import import_external

        added = import_external(self.store, self.paths, self._client_for(url), url,
                                self.client_id)
        for request_id in added:
            self._changed(self.store.get(request_id))
        return added
