"""Where a workflow to profile comes from: a JSON file (UI or API format), a workflow saved in
ComfyUI (userdata API), or the last Generate request. Every source yields an API prompt."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.profiler.errors import WorkflowSourceError

FILE, USERDATA, GENERATE = "file", "userdata", "generate"
USERDATA_DIR = "workflows"


@dataclass(frozen=True)
class WorkflowSource:
    kind: str   # FILE | USERDATA | GENERATE
    ref: str    # file path, path under user/default/workflows, or "" for the last request

    @property
    def key(self) -> str:
        """Stable identity for the reference snapshot of this source."""
        return f"{self.kind}:{self.ref}"

    @property
    def label(self) -> str:
        if self.kind == FILE:
            return Path(self.ref).name
        if self.kind == USERDATA:
            return f"ComfyUI: {self.ref}"
        return "Last Generate request"


def _is_api_prompt(data: Any) -> bool:
    return (isinstance(data, dict) and bool(data)
            and all(isinstance(v, dict) and "class_type" in v for v in data.values()))


def to_api_prompt(data: Any, object_info: Callable[[], dict] | None = None) -> dict[str, Any]:
    """An API prompt from parsed JSON: an API prompt, a POST /prompt body, or a UI workflow.

    Raises:
        WorkflowSourceError: not a workflow, or a UI workflow without a way to convert it.
    """
    if isinstance(data, dict) and _is_api_prompt(data.get("prompt")):
        return data["prompt"]  # a saved POST /prompt body
    if _is_api_prompt(data):
        return data
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        if object_info is None:
            raise WorkflowSourceError("A UI-format workflow needs ComfyUI's node list to convert; "
                                      "connect to a backend first.")
        from app.comfy.workflow import ui_to_api

        try:
            return ui_to_api(data, object_info())
        except WorkflowSourceError:
            raise
        except Exception as exc:  # the converter's own typed errors, shown as one message
            raise WorkflowSourceError(f"The workflow could not be converted: {exc}") from exc
    raise WorkflowSourceError("This JSON is not a ComfyUI workflow (neither API nor UI format).")


def read_json(raw: bytes | str, where: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkflowSourceError(f"{where} is not valid JSON: {exc}") from exc


def load_prompt(source: WorkflowSource, client: Any = None, database: Any = None) -> dict:
    """The API prompt of ``source`` (client: a ComfyClient; database: for Generate)."""
    object_info = client.object_info if client is not None else None
    if source.kind == FILE:
        try:
            raw = Path(source.ref).read_bytes()
        except OSError as exc:
            raise WorkflowSourceError(f"Cannot read {source.ref}: {exc.strerror or exc}") from exc
        return to_api_prompt(read_json(raw, source.ref), object_info)
    if source.kind == USERDATA:
        if client is None:
            raise WorkflowSourceError("Connect to ComfyUI to read its saved workflows.")
        raw = client.userdata_read(f"{USERDATA_DIR}/{source.ref}")
        return to_api_prompt(read_json(raw, source.ref), object_info)
    if source.kind == GENERATE:
        prompt = last_generate_prompt(database)
        if prompt is None:
            raise WorkflowSourceError("There is no Generate request yet.")
        return prompt
    raise WorkflowSourceError(f"Unknown workflow source {source.kind!r}.")


def list_userdata_workflows(client: Any) -> list[str]:
    """Workflow files saved in ComfyUI (paths under user/default/workflows), sorted."""
    return sorted(p for p in client.userdata_list(USERDATA_DIR) if p.endswith(".json"))


def last_generate_prompt(database: Any) -> dict | None:
    """The API prompt of the newest Generate request, rebuilt by Generate's own builder."""
    from app.generation.builder import WorkflowBuilder
    from app.generation.store import GenerationStore

    latest = GenerationStore(database).latest(1)
    if not latest:
        return None
    record = latest[0]
    return WorkflowBuilder().build(record.params, record.id)
