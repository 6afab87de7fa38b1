"""Access to the captured ComfyUI v0.3.64 reference data copied into tests/data."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REF = Path(__file__).resolve().parent.parent / "data" / "comfyui-reference"


def load(name: str) -> Any:
    return json.loads((REF / name).read_text(encoding="utf-8"))


@cache
def object_info() -> dict[str, Any]:
    return load("object_info.json")


def trace(name: str) -> list[dict[str, Any]]:
    lines = (REF / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def trace_names() -> list[str]:
    return sorted(p.name for p in REF.glob("ws_*.jsonl"))


def history_entry(name: str) -> tuple[str, dict[str, Any]]:
    data = load(name)
    ((prompt_id, entry),) = data.items()
    return prompt_id, entry
