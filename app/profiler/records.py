"""Plain records the store hands out (no SQLAlchemy objects escape the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.profiler.engine import Step

if TYPE_CHECKING:  # numpy is imported where arrays are made (keeps it off the startup path)
    import numpy as np


@dataclass
class RunSummary:
    id: int
    timestamp: datetime
    name: str
    status: str
    total_time: float | None
    forced: bool = False
    workflow_hash: str = ""
    backend: str = ""
    global_comment: str = ""
    error: str | None = None
    profile_id: str | None = None
    interval_ms: int = 50
    sampler_info: str = ""

    @property
    def label(self) -> str:
        return f"#{self.id} {self.name}".strip()

    @property
    def local_time(self) -> str:
        """When the run started, in this computer's time zone (stored as naive UTC)."""
        stamp = self.timestamp
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class RunRecord:
    """A stored run with its steps (execution order)."""

    summary: RunSummary
    steps: list[Step] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.summary.id

    def cached_note(self) -> str:
        """Why some nodes have no time (empty when every node ran)."""
        cached = sum(step.cached for step in self.steps)
        if not cached:
            return ""
        return (f"{cached} of {len(self.steps)} nodes were cached: ComfyUI reused their outputs, "
                "so they have no time. Change their inputs (or free ComfyUI's cache) to time "
                "them.")

    def describe(self) -> str:
        """One paragraph on how the run went, for the status line."""
        s = self.summary
        total = "" if s.total_time is None else f" in {s.total_time:.3f} s"
        parts = [f"{s.label}: {s.status}{total}.", s.error or "",
                 f"Image Pool profile {s.profile_id} was applied." if s.profile_id else "",
                 self.cached_note()]
        return " ".join(part for part in parts if part)


SERIES_COLUMNS = ("t", "vram", "ram", "cpu", "gpu_load", "process_vram")


@dataclass
class SampleSeries:
    """A run's samples as float arrays (NaN where a metric was unknown); ``t`` in seconds."""

    t: np.ndarray
    vram: np.ndarray
    ram: np.ndarray
    cpu: np.ndarray
    gpu_load: np.ndarray
    process_vram: np.ndarray  # the ComfyUI process's own GPU memory, bytes

    @classmethod
    def empty(cls) -> SampleSeries:
        import numpy as np

        return cls(*(np.zeros(0) for _ in SERIES_COLUMNS))

    def __len__(self) -> int:
        return int(self.t.shape[0])


@dataclass
class Group:
    id: int
    name: str
    color: str
    description: str = ""
    node_ids: list[str] = field(default_factory=list)
