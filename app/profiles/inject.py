""" "Use in runs": put the selected profile into the Image Pool nodes of a workflow ComfyDesk runs.

The desktop counterpart of the pack's live sync (``web/pool_profile.js`` writes the chosen id into
connected pools): ``PoolProfile`` nodes get the id in their ``profile_id`` widget, and
``GridImagePool`` nodes get it in their hidden ``pool_id`` unless their optional ``profile`` input
is linked (a linked profile wins in the pack: ``effective = profile or pool_id``).
The Generate and Profiler features call :func:`apply_profile` on the API-format prompt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

POOL_PROFILE = "PoolProfile"
GRID_IMAGE_POOL = "GridImagePool"


@dataclass(frozen=True)
class Injection:
    """One widget value set in the prompt (for the run record and the UI)."""

    node_id: str
    class_type: str
    input_name: str


def _is_link(value: object) -> bool:
    # API format links are [source_node_id, output_index].
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def injection_points(prompt: dict[str, Any]) -> list[Injection]:
    """Where a profile id would go in ``prompt`` (API format)."""
    points = []
    for node_id, node in prompt.items():
        if not isinstance(node, dict):
            continue
        inputs = node.get("inputs")
        inputs = inputs if isinstance(inputs, dict) else {}
        kind = node.get("class_type")
        if kind == POOL_PROFILE and not _is_link(inputs.get("profile_id")):
            points.append(Injection(str(node_id), kind, "profile_id"))
        elif kind == GRID_IMAGE_POOL and not _is_link(inputs.get("profile")):
            points.append(Injection(str(node_id), kind, "pool_id"))
    return points


def apply_profile_report(
    prompt: dict[str, Any], profile_id: str | None, profile_name: str | None = None
) -> tuple[dict[str, Any], list[Injection]]:
    """A copy of ``prompt`` with the profile applied, and what was changed."""
    result = copy.deepcopy(prompt)
    if not profile_id:
        return result, []
    points = injection_points(result)
    for point in points:
        inputs = result[point.node_id].setdefault("inputs", {})
        inputs[point.input_name] = profile_id
        if (
            point.class_type == POOL_PROFILE
            and profile_name
            and not _is_link(inputs.get("profile"))
        ):
            inputs["profile"] = profile_name  # the name widget, as the pack's dropdown shows it
    return result, points


def apply_profile(
    prompt: dict[str, Any], profile_id: str | None, profile_name: str | None = None
) -> dict[str, Any]:
    """A copy of the API-format ``prompt`` using ``profile_id`` (unchanged copy when None)."""
    return apply_profile_report(prompt, profile_id, profile_name)[0]
