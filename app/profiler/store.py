"""Profiler storage: runs, steps, batched samples, groups, comments and reference snapshots."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.db.base import utcnow
from app.db.database import Database
from app.db.models.app_state import AppState
from app.db.models.profiler import (
    ProfilerGroup,
    ProfilerGroupMember,
    ProfilerRun,
    ProfilerSample,
    ProfilerStep,
)
from app.profiler.engine import Step
from app.profiler.errors import ProfilerError, RunNotFound, StorageFailed
from app.profiler.records import SERIES_COLUMNS, Group, RunRecord, RunSummary, SampleSeries
from app.profiler.samples import Sample
from app.profiler.snapshot import SnapshotDiff, diff_snapshots, snapshot_hash, snapshot_of

STEP_FIELDS = ("node_id", "node_title", "node_type", "vram_start", "vram_max", "vram_end",
               "exec_time", "cpu_max", "ram_max", "gpu_load_max", "gpu_load_avg", "cached",
               "inputs_json", "step_comment", "t_start", "t_end")
SNAPSHOT_KEY = "profiler.snapshot:"


def _snapshot_key(source_key: str) -> str:
    # app_state keys are at most 200 characters; long file paths are hashed.
    if len(source_key) > 170:
        source_key = "sha1:" + hashlib.sha1(source_key.encode("utf-8")).hexdigest()
    return SNAPSHOT_KEY + source_key


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """Turn a database failure while writing into StorageFailed with a short reason."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StorageFailed(f"Could not store {what} in the profiler database: {reason}.") from exc


def _fit(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """Cut texts to their column's length: PostgreSQL refuses longer ones (SQLite does not),
    and a long node title must not cost the whole run."""
    columns = model.__table__.c
    return {key: value[:columns[key].type.length]
            if isinstance(value, str) and getattr(columns[key].type, "length", None) else value
            for key, value in values.items()}


class GroupNameTaken(ProfilerError):
    def __init__(self, name: str) -> None:
        super().__init__(f"A group named '{name}' already exists.")


def _summary(row: ProfilerRun) -> RunSummary:
    return RunSummary(id=row.id, timestamp=row.timestamp, name=row.name, status=row.status,
                      total_time=row.total_time, forced=row.forced,
                      workflow_hash=row.workflow_hash, backend=row.backend,
                      global_comment=row.global_comment, error=row.error,
                      profile_id=row.profile_id, interval_ms=row.interval_ms,
                      sampler_info=row.sampler_info)


def _step(row: ProfilerStep) -> Step:
    return Step(**{name: getattr(row, name) for name in STEP_FIELDS})


class ProfilerStore:
    """Every profiler read and write; each public method is one transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # runs -----------------------------------------------------------------------------
    def begin_run(self, *, name: str, workflow_hash: str = "", backend: str = "",
                  forced: bool = False, profile_id: str | None = None, interval_ms: int = 50,
                  sampler_info: str = "") -> int:
        """Create the run row (status "running") so that samples can stream in."""
        with _writing("the new run"), self._db.session() as session:
            row = ProfilerRun(**_fit(ProfilerRun, dict(
                name=name, workflow_hash=workflow_hash, backend=backend, forced=forced,
                profile_id=profile_id, interval_ms=interval_ms, sampler_info=sampler_info,
                status="running")))
            session.add(row)
            session.flush()
            return row.id

    def append_samples(self, run_id: int, samples: Sequence[Sample], origin: float) -> None:
        """Store a batch of samples in ONE transaction (``t`` relative to ``origin``)."""
        if not samples:
            return
        rows = [{"run_id": run_id, "t": s.t - origin, "vram": s.vram, "ram": s.ram,
                 "cpu": s.cpu, "gpu_load": s.gpu_load, "process_vram": s.process_vram}
                for s in samples]
        with _writing("samples"), self._db.session() as session:
            session.execute(insert(ProfilerSample), rows)
            session.execute(update(ProfilerRun).where(ProfilerRun.id == run_id)
                            .values(updated_at=utcnow()))

    def finish_run(self, run_id: int, *, status: str, total_time: float | None,
                   steps: Sequence[Step], error: str | None = None,
                   prompt_id: str | None = None) -> None:
        with _writing("the run's results"), self._db.session() as session:
            row = session.get(ProfilerRun, run_id)
            if row is None:
                raise RunNotFound(run_id)
            row.status, row.total_time, row.error = status, total_time, error
            row.prompt_id = prompt_id
            session.execute(delete(ProfilerStep).where(ProfilerStep.run_id == run_id))
            session.add_all(
                ProfilerStep(run_id=run_id, position=i, **_fit(
                    ProfilerStep, {name: getattr(step, name) for name in STEP_FIELDS}))
                for i, step in enumerate(steps))

    def fail_abandoned_runs(self, stale_after: timedelta = timedelta(minutes=2)) -> int:
        """Mark "running" runs that stopped changing (the app died mid-run) as failed.

        A live run touches ``updated_at`` with every sample batch (about once a second), so
        one silent for ``stale_after`` is no longer followed by anyone. Returns how many.
        """
        cutoff = utcnow() - stale_after
        with self._db.session() as session:
            done = session.execute(
                update(ProfilerRun)
                .where(ProfilerRun.status == "running",
                       func.coalesce(ProfilerRun.updated_at, ProfilerRun.timestamp) < cutoff)
                .values(status="failed", error="ComfyDesk stopped during this run; what was "
                                              "measured until then is kept."))
            return done.rowcount or 0

    def list_runs(self) -> list[RunSummary]:
        """Every run, newest first."""
        with self._db.session() as session:
            rows = session.scalars(select(ProfilerRun).order_by(ProfilerRun.id.desc()))
            return [_summary(r) for r in rows]

    def get_run(self, run_id: int) -> RunRecord:
        with self._db.session() as session:
            row = session.get(ProfilerRun, run_id)
            if row is None:
                raise RunNotFound(run_id)
            return RunRecord(_summary(row), [_step(s) for s in row.steps])

    def samples(self, run_id: int) -> SampleSeries:
        with self._db.session() as session:
            columns = [getattr(ProfilerSample, name) for name in SERIES_COLUMNS]
            rows = session.execute(
                select(*columns)
                .where(ProfilerSample.run_id == run_id).order_by(ProfilerSample.t)).all()
        if not rows:
            return SampleSeries.empty()
        import numpy as np  # lazily: not needed until a run's samples are charted

        data = np.array([[np.nan if v is None else v for v in row] for row in rows],
                        dtype=np.float64)
        return SampleSeries(*(data[:, i].copy() for i in range(len(SERIES_COLUMNS))))

    def sample_count(self, run_id: int) -> int:
        with self._db.session() as session:
            return session.scalar(select(func.count()).select_from(ProfilerSample)
                                  .where(ProfilerSample.run_id == run_id)) or 0

    def rename_run(self, run_id: int, name: str) -> None:
        self._update_run(run_id, name=name)

    def set_run_comment(self, run_id: int, text: str) -> None:
        self._update_run(run_id, global_comment=text)

    def _update_run(self, run_id: int, **values: Any) -> None:
        with self._db.session() as session:
            done = session.execute(update(ProfilerRun).where(ProfilerRun.id == run_id)
                                   .values(**_fit(ProfilerRun, values)))
            if done.rowcount == 0:
                raise RunNotFound(run_id)

    def set_step_comment(self, run_id: int, node_id: str, text: str) -> None:
        with self._db.session() as session:
            session.execute(update(ProfilerStep)
                            .where(ProfilerStep.run_id == run_id, ProfilerStep.node_id == node_id)
                            .values(step_comment=text))

    def delete_run(self, run_id: int) -> None:
        with self._db.session() as session:
            # Explicit child deletes: SQLite only cascades with foreign_keys=ON, PostgreSQL always.
            session.execute(delete(ProfilerSample).where(ProfilerSample.run_id == run_id))
            session.execute(delete(ProfilerStep).where(ProfilerStep.run_id == run_id))
            session.execute(delete(ProfilerRun).where(ProfilerRun.id == run_id))

    # groups ---------------------------------------------------------------------------
    def list_groups(self) -> list[Group]:
        with self._db.session() as session:
            groups = {g.id: Group(g.id, g.name, g.color, g.description)
                      for g in session.scalars(select(ProfilerGroup).order_by(ProfilerGroup.name))}
            for member in session.scalars(select(ProfilerGroupMember)):
                if member.group_id in groups:
                    groups[member.group_id].node_ids.append(member.node_id)
        for group in groups.values():
            group.node_ids.sort(key=lambda n: (len(n), n))
        return list(groups.values())

    def create_group(self, name: str, color: str = "#4e79a7", description: str = "") -> int:
        name = name.strip()
        if not name:
            raise ProfilerError("A group needs a name.")
        try:
            with self._db.session() as session:
                row = ProfilerGroup(**_fit(ProfilerGroup, dict(
                    name=name, color=color, description=description)))
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError as exc:
            raise GroupNameTaken(name) from exc

    def update_group(self, group_id: int, **values: str) -> None:
        """Rename / recolour / describe a group (keys: name, color, description)."""
        if "name" in values and not values["name"].strip():
            raise ProfilerError("A group needs a name.")
        try:
            with self._db.session() as session:
                session.execute(update(ProfilerGroup).where(ProfilerGroup.id == group_id)
                                .values(**_fit(ProfilerGroup, values)))
        except IntegrityError as exc:
            raise GroupNameTaken(values.get("name", "")) from exc

    def delete_group(self, group_id: int) -> None:
        with self._db.session() as session:
            session.execute(delete(ProfilerGroupMember)
                            .where(ProfilerGroupMember.group_id == group_id))
            session.execute(delete(ProfilerGroup).where(ProfilerGroup.id == group_id))

    def add_members(self, group_id: int, node_ids: Iterable[str]) -> None:
        with self._db.session() as session:
            present = set(session.scalars(select(ProfilerGroupMember.node_id)
                                          .where(ProfilerGroupMember.group_id == group_id)))
            session.add_all(ProfilerGroupMember(group_id=group_id, node_id=str(n))
                            for n in dict.fromkeys(node_ids) if str(n) not in present)

    def remove_members(self, group_id: int, node_ids: Iterable[str]) -> None:
        with self._db.session() as session:
            session.execute(delete(ProfilerGroupMember).where(
                ProfilerGroupMember.group_id == group_id,
                ProfilerGroupMember.node_id.in_([str(n) for n in node_ids])))

    # reference snapshots ("Update nodes") ------------------------------------------------
    def save_snapshot(self, source_key: str, snapshot: dict[str, Any]) -> str:
        """Store the reference snapshot of a workflow source; returns its hash."""
        digest = snapshot_hash(snapshot)
        text = json.dumps({"hash": digest, "nodes": snapshot}, sort_keys=True)
        with self._db.session() as session:
            key = _snapshot_key(source_key)
            row = session.get(AppState, key)
            if row is None:
                session.add(AppState(key=key, value=text))
            else:
                row.value = text
        return digest

    def check_snapshot(self, source_key: str, prompt: dict[str, Any]) -> SnapshotDiff | None:
        """How ``prompt`` differs from the source's reference; None when there is none yet."""
        stored = self.load_snapshot(source_key)
        if stored is None:
            return None
        current = snapshot_of(prompt)
        if snapshot_hash(current) == stored[1]:
            return SnapshotDiff()
        return diff_snapshots(stored[0], current)

    def load_snapshot(self, source_key: str) -> tuple[dict[str, Any], str] | None:
        """(snapshot, hash) stored for a source, or None when "Update nodes" never ran."""
        with self._db.session() as session:
            row = session.get(AppState, _snapshot_key(source_key))
            text = row.value if row is not None else None
        if not text:
            return None
        try:
            data = json.loads(text)
            return data["nodes"], data["hash"]
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry counts as "no snapshot"; Update nodes rewrites it
