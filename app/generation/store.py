"""GenerationStore: every database read and write of the generation feature."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select

from app.db.base import utcnow
from app.db.database import Database
from app.db.models.app_state import AppState
from app.db.models.generation import ACTIVE_STATUSES, AvailableModel, GenerationRequest
from app.generation.errors import RequestNotFound
from app.generation.params import GenerationParams, ModelOptions
from app.generation.records import GenerationRecord, HistoryFilter

CHECKPOINT = "checkpoint"
LORA = "lora"
_OPTIONS_KEY = "generation.options:"
_DELETED_KEY = "generation.deleted_prompt_ids"
_DELETED_KEEP = 2000

_FIELDS = ("id", "user_id", "prompt", "negative_prompt", "checkpoint_model", "width", "height",
           "batch_size", "status", "comfyui_prompt_id", "backend", "error", "profile_id",
           "external", "created_at", "updated_at", "started_at", "finished_at")


def to_record(row: Any) -> GenerationRecord:
    """A record from an ORM row or a Core row mapping (same attribute names)."""
    get = row.__getitem__ if hasattr(row, "keys") else row.__getattribute__
    values: dict[str, Any] = {name: get(name) for name in _FIELDS}
    values["lora_models"] = tuple(get("lora_models") or ())
    values["sampler_params"] = dict(get("sampler_params") or {})
    values["output_paths"] = tuple(get("output_paths") or ())
    values["thumbnail_paths"] = tuple(get("thumbnail_paths") or ())
    values["remote_outputs"] = tuple(get("remote_outputs") or ())
    values["external"] = bool(get("external"))
    return GenerationRecord(**values)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class GenerationStore:
    """Requests and available models in the database; hands out detached records."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- requests -----------------------------------------------------------------------
    def create(self, request_id: str, params: GenerationParams, *, user_id: str = "",
               status: str = "pending", **extra: Any) -> GenerationRecord:
        now = utcnow()
        row = GenerationRequest(
            id=request_id, user_id=user_id, prompt=params.prompt,
            negative_prompt=params.negative_prompt, checkpoint_model=params.checkpoint,
            lora_models=[lora.to_json() for lora in params.loras], width=params.width,
            height=params.height, batch_size=params.batch_size,
            sampler_params=params.sampler.to_json(), status=status, backend="",
            output_paths=[], thumbnail_paths=[], remote_outputs=[], external=False,
            created_at=now, updated_at=now,
        )
        for name, value in extra.items():
            setattr(row, name, value)
        with self._db.session() as session:
            session.add(row)
            session.flush()
            return to_record(row)

    def update(self, request_id: str, **fields: Any) -> GenerationRecord:
        with self._db.session() as session:
            row = session.get(GenerationRequest, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            for name, value in fields.items():
                setattr(row, name, list(value) if isinstance(value, tuple) else value)
            row.updated_at = utcnow()
            session.flush()
            return to_record(row)

    def get(self, request_id: str) -> GenerationRecord:
        with self._db.session() as session:
            row = session.get(GenerationRequest, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            return to_record(row)

    def find(self, request_id: str) -> GenerationRecord | None:
        try:
            return self.get(request_id)
        except RequestNotFound:
            return None

    def by_prompt_id(self, prompt_id: str) -> GenerationRecord | None:
        with self._db.session() as session:
            row = session.scalars(select(GenerationRequest).where(
                GenerationRequest.comfyui_prompt_id == prompt_id)).first()
            return to_record(row) if row is not None else None

    def known_prompt_ids(self, prompt_ids: Iterable[str]) -> set[str]:
        """Which of these ComfyUI prompt ids are in the history or were deleted from it."""
        wanted = list(prompt_ids)
        if not wanted:
            return set()
        with self._db.session() as session:
            found = session.scalars(select(GenerationRequest.comfyui_prompt_id).where(
                GenerationRequest.comfyui_prompt_id.in_(wanted)))
            known = {pid for pid in found if pid}
        return known | (set(wanted) & set(self._deleted_prompt_ids()))

    def _deleted_prompt_ids(self) -> list[str]:
        with self._db.session() as session:
            row = session.get(AppState, _DELETED_KEY)
            value = row.value if row is not None else ""
        try:
            ids = json.loads(value) if value else []
        except ValueError:
            return []
        return [str(x) for x in ids] if isinstance(ids, list) else []

    def remember_deleted(self, prompt_id: str) -> None:
        """Keep a deleted request's prompt id, so polling ComfyUI's history does not bring
        it back as an external job (the newest ``_DELETED_KEEP`` are kept)."""
        ids = [*self._deleted_prompt_ids(), prompt_id][-_DELETED_KEEP:]
        with self._db.session() as session:
            session.merge(AppState(key=_DELETED_KEY, value=json.dumps(ids)))

    def active(self) -> list[GenerationRecord]:
        """Pending and processing requests, oldest first (the queue)."""
        with self._db.session() as session:
            rows = session.scalars(select(GenerationRequest)
                                   .where(GenerationRequest.status.in_(ACTIVE_STATUSES))
                                   .order_by(GenerationRequest.created_at))
            return [to_record(row) for row in rows]

    def ids(self, filt: HistoryFilter | None = None) -> list[str]:
        """Ids matching ``filt``, newest first (cheap: one column)."""
        query = select(GenerationRequest.id)
        f = filt or HistoryFilter()
        if f.text.strip():
            pattern = _like(f.text.strip())
            query = query.where(or_(
                GenerationRequest.prompt.ilike(pattern, escape="\\"),
                GenerationRequest.negative_prompt.ilike(pattern, escape="\\"),
                GenerationRequest.checkpoint_model.ilike(pattern, escape="\\")))
        if f.checkpoint:
            query = query.where(GenerationRequest.checkpoint_model == f.checkpoint)
        if f.status:
            query = query.where(GenerationRequest.status == f.status)
        if f.since is not None:
            query = query.where(GenerationRequest.created_at >= f.since)
        if f.until is not None:
            query = query.where(GenerationRequest.created_at < f.until)
        query = query.order_by(GenerationRequest.created_at.desc(), GenerationRequest.id.desc())
        with self._db.session() as session:
            return list(session.scalars(query))

    def records(self, ids: Sequence[str]) -> dict[str, GenerationRecord]:
        """Records by id for one batch of ids (the gallery's lazily filled row cache)."""
        found: dict[str, GenerationRecord] = {}
        table = GenerationRequest.__table__
        # Core rows, not ORM objects: no identity map, a fraction of the garbage per row.
        with self._db.engine.connect() as connection:
            for start in range(0, len(ids), 500):  # stays under SQLite's variable limit
                chunk = list(ids[start:start + 500])
                rows = connection.execute(select(table).where(table.c.id.in_(chunk)))
                found.update((row.id, to_record(row._mapping)) for row in rows)
        return found

    def latest(self, limit: int) -> list[GenerationRecord]:
        ids = self.ids()[:max(0, limit)]
        rows = self.records(ids)
        return [rows[i] for i in ids if i in rows]

    def checkpoints_used(self) -> list[str]:
        with self._db.session() as session:
            names = session.scalars(select(GenerationRequest.checkpoint_model).distinct())
            return sorted(n for n in names if n)

    def count(self) -> int:
        with self._db.session() as session:
            return int(session.scalar(select(func.count()).select_from(GenerationRequest)) or 0)

    def delete(self, request_id: str) -> GenerationRecord:
        with self._db.session() as session:
            row = session.get(GenerationRequest, request_id)
            if row is None:
                raise RequestNotFound(request_id)
            record = to_record(row)
            session.delete(row)
            return record

    # -- available models ----------------------------------------------------------------
    def sync_models(self, backend: str, checkpoints: Iterable[str], loras: Iterable[str],
                    now: datetime | None = None) -> None:
        """Record what ``backend`` offers now; models it no longer lists become inactive."""
        now = now or utcnow()
        seen = {(CHECKPOINT, n) for n in checkpoints} | {(LORA, n) for n in loras}
        with self._db.session() as session:
            rows = session.scalars(select(AvailableModel).where(AvailableModel.backend == backend))
            existing = {(row.type, row.name): row for row in rows}
            for key, row in existing.items():
                row.is_active = key in seen
                if key in seen:
                    row.last_seen = now
            for kind, name in seen - existing.keys():
                session.add(AvailableModel(name=name, type=kind, backend=backend, is_active=True,
                                           first_seen=now, last_seen=now))

    def known_models(self, kind: str, backend: str | None = None,
                     active_only: bool = True) -> list[str]:
        query = select(AvailableModel.name).where(AvailableModel.type == kind)
        if backend is not None:
            query = query.where(AvailableModel.backend == backend)
        if active_only:
            query = query.where(AvailableModel.is_active.is_(True))
        with self._db.session() as session:
            return sorted(set(session.scalars(query)))

    def forget_models(self, backend: str) -> None:
        with self._db.session() as session:
            session.execute(delete(AvailableModel).where(AvailableModel.backend == backend))

    # -- last known form options per backend (so the form works offline) ----------------
    def save_options(self, backend: str, options: ModelOptions) -> None:
        with self._db.session() as session:
            key = _OPTIONS_KEY + backend
            row = session.get(AppState, key) or AppState(key=key)
            row.value = json.dumps(options.to_json())
            session.merge(row)

    def load_options(self, backend: str) -> ModelOptions | None:
        with self._db.session() as session:
            row = session.get(AppState, _OPTIONS_KEY + backend)
            if row is None or not row.value:
                return None
        try:
            return ModelOptions.from_json(json.loads(row.value))
        except (ValueError, TypeError, AttributeError):
            return None
