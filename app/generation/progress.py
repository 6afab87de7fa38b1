"""Per-prompt progress bookkeeping from ComfyUI's websocket events (pure, no I/O)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.generation.records import ProgressUpdate


@dataclass
class PromptProgress:
    """What one watched prompt has done so far."""

    request_id: str
    prompt_id: str
    backend: str
    nodes_total: int
    started: float | None = None  # time.monotonic() at execution_start
    cached: set[str] = field(default_factory=set)
    executed: set[str] = field(default_factory=set)
    current: str | None = None
    step: int = 0
    steps: int = 0
    outputs: dict[str, dict] = field(default_factory=dict)
    cancel_requested: bool = False

    def on_start(self, received: float) -> None:
        self.started = received

    def on_cached(self, nodes: list[str]) -> None:
        self.cached.update(str(n) for n in nodes)

    def on_executing(self, node: str | None) -> None:
        if self.current is not None:
            self.executed.add(self.current)
        self.current = node

    def on_progress(self, value: int, maximum: int) -> None:
        self.step, self.steps = int(value), int(maximum)

    def on_executed(self, node: str, output: dict) -> None:
        self.outputs[str(node)] = output

    def final_update(self) -> ProgressUpdate:
        """The last progress of a prompt that succeeded: every node done."""
        if self.current is not None:
            self.executed.add(self.current)
            self.current = None
        return ProgressUpdate(self.request_id, self.step, self.steps, self.nodes_total,
                              self.nodes_total, self.elapsed())

    @property
    def nodes_done(self) -> int:
        return min(self.nodes_total, len(self.cached | self.executed))

    def elapsed(self, now: float | None = None) -> float:
        if self.started is None:
            return 0.0
        return max(0.0, (now if now is not None else time.monotonic()) - self.started)
