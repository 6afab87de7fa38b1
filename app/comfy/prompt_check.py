"""Offline shape checks of an API prompt against object_info (before posting it).

Not a replacement for the server's validation: it catches what a converter or an editor
can get wrong (unknown class, missing required input, dangling or mistyped link).
"""

from __future__ import annotations

from typing import Any

from app.comfy.widgets import input_spec, is_combo


def _link_type(prompt: dict[str, Any], link: list[Any], object_info: dict[str, Any]) -> Any:
    source = prompt.get(str(link[0]))
    if not isinstance(source, dict):
        return None
    outputs = (object_info.get(source.get("class_type")) or {}).get("output") or []
    slot = link[1]
    return outputs[slot] if isinstance(slot, int) and 0 <= slot < len(outputs) else None


def _types_match(expected: Any, received: Any) -> bool:
    if is_combo(expected):
        return received in ("COMBO", "*") or isinstance(received, list)
    if expected == "*" or received == "*":
        return True
    wanted = {t.strip() for t in str(expected).split(",")}
    got = {t.strip() for t in str(received).split(",")}
    return bool(wanted & got)


def _check_input(
    node_id: str,
    name: str,
    value: Any,
    spec: Any,
    prompt: dict[str, Any],
    object_info: dict[str, Any],
) -> list[str]:
    kind, _ = input_spec(spec)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
        return []
    if value[0] not in prompt:
        return [f"node {node_id} input '{name}' links to missing node {value[0]}"]
    received = _link_type(prompt, value, object_info)
    if received is None:
        return [
            f"node {node_id} input '{name}' links to output {value[1]} of node "
            f"{value[0]}, which does not exist"
        ]
    if not _types_match(kind, received):
        return [f"node {node_id} input '{name}' expects {kind}, gets {received}"]
    return []


def check_prompt(prompt: dict[str, Any], object_info: dict[str, Any]) -> list[str]:
    """Problems found in ``prompt`` (an empty list when the shape is sound)."""
    problems: list[str] = []
    if not any(
        (object_info.get(n.get("class_type")) or {}).get("output_node")
        for n in prompt.values()
        if isinstance(n, dict)
    ):
        problems.append("the prompt has no output node")
    for node_id, node in prompt.items():
        info = object_info.get(node.get("class_type")) if isinstance(node, dict) else None
        if info is None:
            problems.append(f"node {node_id}: unknown class_type {node.get('class_type')!r}")
            continue
        inputs = node.get("inputs") or {}
        specs = {**(info["input"].get("optional") or {}), **(info["input"].get("required") or {})}
        for name in info["input"].get("required") or {}:
            if name not in inputs:
                problems.append(
                    f"node {node_id} ({node['class_type']}): required input '{name}' is missing"
                )
        for name, value in inputs.items():
            if name in specs:
                problems.extend(
                    _check_input(node_id, name, value, specs[name], prompt, object_info)
                )
    return problems
