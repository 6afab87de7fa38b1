"""Typed answers of the queue, prompt, history and jobs routes, and their parsers.

A history entry and an /api/jobs job both become a :class:`Job`, so callers do not care
which of the two routes the server offers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JobStatus = Literal["pending", "in_progress", "completed", "failed", "cancelled"]
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True)
class QueuedPrompt:
    """Answer of POST /prompt. ``node_errors`` can be non-empty even on success."""

    prompt_id: str
    number: int
    node_errors: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueItem:
    """One entry of GET /queue: ``[number, prompt_id, prompt, extra_data, outputs]``."""

    number: float
    prompt_id: str
    prompt: dict[str, Any]
    extra_data: dict[str, Any]
    outputs_to_execute: list[str]

    @property
    def client_id(self) -> str | None:
        value = self.extra_data.get("client_id")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class QueueState:
    """GET /queue: the running items and the pending ones sorted by ``number``."""

    running: list[QueueItem]
    pending: list[QueueItem]

    def find(self, prompt_id: str) -> tuple[str, QueueItem] | None:
        """``("running"|"pending", item)`` for a prompt in the queue, else None."""
        for item in self.running:
            if item.prompt_id == prompt_id:
                return "running", item
        for item in self.pending:
            if item.prompt_id == prompt_id:
                return "pending", item
        return None


@dataclass(frozen=True)
class Capabilities:
    """What this server offers beyond the v0.3.64 baseline (probed, never assumed)."""

    has_jobs_api: bool
    manager_api: Literal["v1", "v2"] | None
    manager_version: str | None = None


@dataclass(frozen=True)
class Job:
    """One prompt's state, from /api/jobs or built from /queue + /history."""

    prompt_id: str
    status: JobStatus
    number: float | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def outcome(self) -> Literal["success", "error", "interrupted"] | None:
        """The :class:`PromptFinished` outcome for a finished job, else None."""
        return {"completed": "success", "failed": "error", "cancelled": "interrupted"}.get(
            self.status
        )  # type: ignore[return-value]


def parse_queued_prompt(data: Any) -> QueuedPrompt:
    data = data if isinstance(data, dict) else {}
    node_errors = data.get("node_errors")
    number = data.get("number")
    return QueuedPrompt(
        prompt_id=str(data.get("prompt_id", "")),
        number=int(number) if isinstance(number, (int, float)) else -1,
        node_errors=node_errors if isinstance(node_errors, dict) else {},
    )


def parse_queue_item(raw: Any) -> QueueItem | None:
    """One queue row; None when the row is not the expected list shape."""
    if not isinstance(raw, (list, tuple)) or len(raw) < 2:
        return None
    number = raw[0] if isinstance(raw[0], (int, float)) else 0
    prompt = raw[2] if len(raw) > 2 and isinstance(raw[2], dict) else {}
    extra = raw[3] if len(raw) > 3 and isinstance(raw[3], dict) else {}
    outputs = raw[4] if len(raw) > 4 and isinstance(raw[4], list) else []
    return QueueItem(number, str(raw[1]), prompt, extra, [str(o) for o in outputs])


def parse_queue(data: Any) -> QueueState:
    data = data if isinstance(data, dict) else {}
    running = [i for i in map(parse_queue_item, data.get("queue_running") or []) if i]
    pending = [i for i in map(parse_queue_item, data.get("queue_pending") or []) if i]
    # The server keeps pending prompts in a heap: its order is not the run order.
    pending.sort(key=lambda item: item.number)
    return QueueState(running=running, pending=pending)


def describe_execution_error(data: dict[str, Any]) -> str:
    """'KSampler (node 3): RuntimeError: message' from an execution_error payload."""
    node_type = data.get("node_type") or "node"
    node_id = data.get("node_id")
    where = f"{node_type} (node {node_id})" if node_id is not None else str(node_type)
    kind = data.get("exception_type") or "Error"
    message = str(data.get("exception_message") or "").strip()
    return f"{where}: {kind}: {message}" if message else f"{where}: {kind}"


def job_from_history(prompt_id: str, entry: Any) -> Job:
    """A finished history entry as a :class:`Job` (interrupt vs error by last message)."""
    entry = entry if isinstance(entry, dict) else {}
    status = entry.get("status") if isinstance(entry.get("status"), dict) else {}
    outputs = entry.get("outputs") if isinstance(entry.get("outputs"), dict) else {}
    number = None
    prompt = entry.get("prompt")
    if isinstance(prompt, list) and prompt and isinstance(prompt[0], (int, float)):
        number = prompt[0]
    messages = [m for m in status.get("messages") or [] if isinstance(m, (list, tuple))]
    names = [m[0] for m in messages if m]
    if status.get("status_str") == "error" or "execution_error" in names:
        if "execution_interrupted" in names:
            return Job(prompt_id, "cancelled", number, outputs, "Interrupted")
        error = "Execution failed"
        for message in messages:
            if (
                len(message) > 1
                and message[0] == "execution_error"
                and isinstance(message[1], dict)
            ):
                error = describe_execution_error(message[1])
        return Job(prompt_id, "failed", number, outputs, error)
    return Job(prompt_id, "completed", number, outputs, None)


def job_from_jobs_api(data: Any) -> Job | None:
    """A job of the newer /api/jobs route (ComfyUI after v0.3.64)."""
    if not isinstance(data, dict) or not data.get("id"):
        return None
    status = data.get("status")
    if status not in ("pending", "in_progress", "completed", "failed", "cancelled"):
        return None
    error = None
    if isinstance(data.get("execution_error"), dict):
        error = describe_execution_error(data["execution_error"])
    elif status == "failed":
        error = "Execution failed"
    elif status == "cancelled":
        error = "Interrupted"
    outputs = data.get("outputs") if isinstance(data.get("outputs"), dict) else {}
    priority = data.get("priority")
    number = priority if isinstance(priority, (int, float)) else None
    return Job(str(data["id"]), status, number, outputs, error)
