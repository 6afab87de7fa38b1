"""Generation history: one row per image request, plus the models each backend offered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow

# Request status values (the only ones the service writes).
PENDING = "pending"
PROCESSING = "processing"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED)
ACTIVE_STATUSES = (PENDING, PROCESSING)


class GenerationRequest(Base):
    """One submission (or one job ComfyDesk saw run elsewhere, ``external=True``)."""

    __tablename__ = "generation_requests"
    __table_args__ = (
        Index("ix_generation_requests_created_at", "created_at"),
        Index("ix_generation_requests_status", "status"),
        Index("ix_generation_requests_comfyui_prompt_id", "comfyui_prompt_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), default="")
    prompt: Mapped[str] = mapped_column(Text, default="")
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    checkpoint_model: Mapped[str] = mapped_column(String(500), default="")
    lora_models: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    width: Mapped[int] = mapped_column(Integer, default=512)
    height: Mapped[int] = mapped_column(Integer, default=512)
    batch_size: Mapped[int] = mapped_column(Integer, default=1)
    sampler_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    comfyui_prompt_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    backend: Mapped[str] = mapped_column(String(500), default="")
    # Paths relative to the data folder ("images/x.png"), so a moved data folder still works.
    output_paths: Mapped[list[str]] = mapped_column(JSON, default=list)
    thumbnail_paths: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What ComfyUI reported ({"filename","subfolder","type"}), so outputs can be fetched again.
    remote_outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    profile_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AvailableModel(Base):
    """A checkpoint or LoRA a backend offered the last time ComfyDesk asked."""

    __tablename__ = "available_models"
    __table_args__ = (UniqueConstraint("backend", "type", "name",
                                       name="uq_available_models_backend_type_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(20))  # "checkpoint" | "lora"
    backend: Mapped[str] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
