"""ComfyUI protocol: HTTP client, websocket event stream, typed events, workflow graphs.

Plain Python (no Qt): usable from the CLI, the feature packages and tests.
"""

from app.comfy.client import ComfyClient
from app.comfy.errors import (
    ComfyError,
    ComfyHTTPError,
    ComfyNotFound,
    ComfyUnreachable,
    ManagerError,
    MissingNodeTypes,
    PromptRejected,
    WorkflowError,
)
from app.comfy.prompt import ApiNode, ApiPrompt
from app.comfy.results import Capabilities, Job, QueuedPrompt, QueueItem, QueueState
from app.comfy.stream import EventStream
from app.comfy.system import DeviceStats, SystemStats

__all__ = [
    "ApiNode",
    "ApiPrompt",
    "Capabilities",
    "ComfyClient",
    "ComfyError",
    "ComfyHTTPError",
    "ComfyNotFound",
    "ComfyUnreachable",
    "DeviceStats",
    "EventStream",
    "Job",
    "ManagerError",
    "MissingNodeTypes",
    "PromptRejected",
    "QueueItem",
    "QueueState",
    "QueuedPrompt",
    "SystemStats",
    "WorkflowError",
]
