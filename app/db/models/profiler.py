"""Profiler tables: runs, their per-node steps and sample series, and node groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, utcnow


class ProfilerRun(Base):
    """One profiled execution of a workflow."""

    __tablename__ = "profiler_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    workflow_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    global_comment: Mapped[str] = mapped_column(Text, default="")
    total_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    # running | completed | failed | interrupted
    status: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    backend: Mapped[str] = mapped_column(String(500), default="")
    profile_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    prompt_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    interval_ms: Mapped[int] = mapped_column(Integer, default=50)
    sampler_info: Mapped[str] = mapped_column(Text, default="")
    # Touched with every sample batch: a "running" run that stopped changing was abandoned.
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow,
                                                        nullable=True)

    steps: Mapped[list[ProfilerStep]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProfilerStep.position")


class ProfilerStep(Base):
    """One node of a run and what it cost."""

    __tablename__ = "profiler_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("profiler_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    node_id: Mapped[str] = mapped_column(String(200))
    node_title: Mapped[str] = mapped_column(String(500), default="")
    node_type: Mapped[str] = mapped_column(String(300), default="")
    vram_start: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    vram_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    vram_end: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    exec_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    cpu_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    ram_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gpu_load_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    gpu_load_avg: Mapped[float | None] = mapped_column(Float, nullable=True)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    inputs_json: Mapped[str] = mapped_column(Text, default="{}")
    step_comment: Mapped[str] = mapped_column(Text, default="")
    t_start: Mapped[float | None] = mapped_column(Float, nullable=True)
    t_end: Mapped[float | None] = mapped_column(Float, nullable=True)

    run: Mapped[ProfilerRun] = relationship(back_populates="steps")


class ProfilerSample(Base):
    """One sampler reading of a run; ``t`` is seconds from the run's origin."""

    __tablename__ = "profiler_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("profiler_runs.id", ondelete="CASCADE"), index=True)
    t: Mapped[float] = mapped_column(Float)
    vram: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ram: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cpu: Mapped[float | None] = mapped_column(Float, nullable=True)
    gpu_load: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The ComfyUI process's own GPU memory (NVML per process, or torch's via /system_stats).
    process_vram: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # rev 0005


class ProfilerGroup(Base):
    """A named, coloured set of node ids (many-to-many with nodes, by node id)."""

    __tablename__ = "profiler_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    color: Mapped[str] = mapped_column(String(20), default="#4e79a7")
    description: Mapped[str] = mapped_column(Text, default="")


class ProfilerGroupMember(Base):
    __tablename__ = "profiler_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("profiler_groups.id", ondelete="CASCADE"), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(200), primary_key=True)
