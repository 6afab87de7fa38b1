"""Workflow graphs: UI format (what the browser saves) to API format (what /prompt takes).

The conversion follows ComfyUI_frontend's ``graphToPrompt``: widget values first (named
by the node's widget layout from object_info), then links resolved through Reroute and
bypassed nodes; muted (mode 2) and bypassed (mode 4) nodes are left out, virtual nodes
(Reroute, PrimitiveNode, notes) never appear, and inputs left pointing at a removed node
are dropped.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.comfy.errors import MissingNodeTypes, WorkflowError
from app.comfy.widgets import assign_values, default_value, process_dynamic_prompt, widget_slots

MODE_NEVER = 2
MODE_BYPASS = 4
VIRTUAL_TYPES = frozenset({"Reroute", "PrimitiveNode", "Note", "MarkdownNote"})


def is_ui_format(data: Any) -> bool:
    """True for a litegraph UI workflow (``nodes`` + ``links`` lists)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("nodes"), list)
        and isinstance(data.get("links", []), list)
    )


def is_api_format(data: Any) -> bool:
    """True for an API prompt: ``{node_id: {"class_type": ..., "inputs": {...}}}``."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(
            isinstance(node, dict) and isinstance(node.get("class_type"), str)
            for node in data.values()
        )
    )


@dataclass(frozen=True)
class _Link:
    origin_id: int | str
    origin_slot: int
    type: Any


class _Graph:
    def __init__(self, ui: dict[str, Any]) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        for node in ui.get("nodes") or []:
            if isinstance(node, dict) and "id" in node:
                self.nodes[str(node["id"])] = node
        self.links: dict[int | str, _Link] = {}
        for raw in ui.get("links") or []:
            link = _parse_link(raw)
            if link is not None:
                self.links[link[0]] = link[1]

    def link(self, link_id: Any) -> _Link | None:
        return None if link_id is None else self.links.get(link_id)


def _parse_link(raw: Any) -> tuple[Any, _Link] | None:
    if isinstance(raw, list) and len(raw) >= 5:
        return raw[0], _Link(raw[1], int(raw[2]), raw[5] if len(raw) > 5 else "*")
    if isinstance(raw, dict) and "id" in raw:
        return raw["id"], _Link(
            raw.get("origin_id"), int(raw.get("origin_slot", 0)), raw.get("type", "*")
        )
    return None


def _valid_connection(a: Any, b: Any) -> bool:
    """litegraph's isValidConnection: '*' or '' match anything, ',' lists any overlap."""
    a = 0 if a in ("", "*") else a
    b = 0 if b in ("", "*") else b
    if not a or not b or a == b:
        return True
    first, second = str(a).lower(), str(b).lower()
    if "," not in first and "," not in second:
        return first == second
    return any(x == y for x in first.split(",") for y in second.split(","))


@dataclass(frozen=True)
class _Value:
    """A literal that replaces a link (a PrimitiveNode's value)."""

    value: Any


class _Resolver:
    """Follows a link back to the real node output that feeds it."""

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph

    def input(self, node: dict[str, Any], slot: int, seen: set[str], want: Any = None) -> Any:
        """``(origin_id, origin_slot)``, a :class:`_Value` for a primitive, or None."""
        inputs = node.get("inputs") or []
        if slot >= len(inputs) or not isinstance(inputs[slot], dict):
            return None
        key = f"{node.get('id')}[I]{slot}"
        if key in seen:
            raise WorkflowError(f"Circular link through node {node.get('id')}")
        seen.add(key)
        link = self.graph.link(inputs[slot].get("link"))
        origin = self.graph.nodes.get(str(link.origin_id)) if link else None
        if origin is None:
            return None
        return self.output(origin, link.origin_slot, want or inputs[slot].get("type"), seen)

    def output(self, node: dict[str, Any], slot: int, want: Any, seen: set[str]) -> Any:
        if node.get("mode") == MODE_BYPASS:
            index = self._bypass_slot(node, slot, want)
            return None if index < 0 else self.input(node, index, seen)
        kind = node.get("type")
        if kind == "PrimitiveNode":
            values = node.get("widgets_values") or []
            return _Value(values[0]) if values else None
        if kind in VIRTUAL_TYPES:
            # Reroute-like nodes pass the input with the same index straight through.
            return self.input(node, slot, seen, want)
        return (str(node["id"]), slot)

    @staticmethod
    def _bypass_slot(node: dict[str, Any], slot: int, want: Any) -> int:
        inputs = [i if isinstance(i, dict) else {} for i in node.get("inputs") or []]
        outputs = node.get("outputs") or []
        out_type = outputs[slot].get("type") if slot < len(outputs) else "*"
        if want in ("*", "", None):
            return slot if len(inputs) > slot else (0 if inputs else -1)
        if (
            slot < len(inputs)
            and _valid_connection(inputs[slot].get("type"), out_type)
            and (_valid_connection(inputs[slot].get("type"), want))
        ):
            return slot
        for index, item in enumerate(inputs):
            if item.get("type") == want:
                return index
        for index, item in enumerate(inputs):
            if _valid_connection(item.get("type"), out_type) and _valid_connection(
                item.get("type"), want
            ):
                return index
        return -1


def _check_supported(ui: dict[str, Any], graph: _Graph) -> None:
    subgraphs = {
        s.get("id")
        for s in (ui.get("definitions") or {}).get("subgraphs") or []
        if isinstance(s, dict)
    }
    for node in graph.nodes.values():
        kind = str(node.get("type", ""))
        if kind in subgraphs:
            raise WorkflowError(
                f"Node {node.get('id')} is a subgraph; ComfyDesk cannot convert subgraphs yet. "
                "Unpack it in ComfyUI, or save the workflow in API format."
            )
        if kind.startswith(("workflow>", "workflow/")):
            raise WorkflowError(
                f"Node {node.get('id')} is a legacy group node ({kind}); convert it back to "
                "regular nodes in ComfyUI first."
            )


def _missing_types(graph: _Graph, object_info: dict[str, Any]) -> list[str]:
    return sorted(
        {
            str(node.get("type"))
            for node in graph.nodes.values()
            if node.get("mode") not in (MODE_NEVER, MODE_BYPASS)
            and node.get("type") not in VIRTUAL_TYPES
            and node.get("type") not in object_info
        }
    )


def _widget_inputs(node: dict[str, Any], info: dict[str, Any], rng: random.Random) -> dict:
    sockets = frozenset(
        str(i.get("name"))
        for i in node.get("inputs") or []
        if isinstance(i, dict) and not i.get("widget")
    )
    slots = widget_slots(info, sockets)
    saved = assign_values(slots, node.get("widgets_values"))
    inputs: dict[str, Any] = {}
    for slot in slots:
        if slot.kind != "input" or slot.spec is None:
            continue
        value = saved[slot.name] if slot.name in saved else default_value(slot.spec)
        kind, options = slot.spec
        if kind == "FLOAT" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind == "STRING" and options.get("dynamicPrompts") and isinstance(value, str):
            value = process_dynamic_prompt(value, rng)
        # A list would read as a link: the frontend boxes list values.
        inputs[slot.name] = {"__value__": value} if isinstance(value, list) else value
    return inputs


def _link_inputs(node: dict[str, Any], resolver: _Resolver) -> dict[str, Any]:
    """Inputs fed by links: ``[origin_id, slot]``, or a PrimitiveNode's literal value."""
    inputs: dict[str, Any] = {}
    for index, item in enumerate(node.get("inputs") or []):
        if not isinstance(item, dict) or item.get("link") is None:
            continue
        resolved = resolver.input(node, index, set())
        if resolved is None:
            continue  # e.g. fed by a Reroute with nothing behind it
        if isinstance(resolved, _Value):
            value = resolved.value
            inputs[str(item.get("name"))] = (
                {"__value__": value} if isinstance(value, list) else value
            )
        else:
            inputs[str(item.get("name"))] = [resolved[0], resolved[1]]
    return inputs


def ui_to_api(
    ui: dict[str, Any], object_info: dict[str, Any], rng: random.Random | None = None
) -> dict[str, Any]:
    """Convert a UI-format workflow into an API prompt (node ids as strings).

    Raises:
        MissingNodeTypes: a node type in use is not in ``object_info``.
        WorkflowError: the graph cannot be converted (subgraph, group node, cycle).
    """
    if not is_ui_format(ui):
        raise WorkflowError("Not a UI-format workflow (no 'nodes' list).")
    rng = rng or random.Random()
    graph = _Graph(ui)
    _check_supported(ui, graph)
    missing = _missing_types(graph, object_info)
    if missing:
        raise MissingNodeTypes(missing)
    resolver = _Resolver(graph)
    prompt: dict[str, Any] = {}
    for node_id, node in graph.nodes.items():
        kind = node.get("type")
        if kind in VIRTUAL_TYPES or node.get("mode") in (MODE_NEVER, MODE_BYPASS):
            continue
        info = object_info[kind]
        inputs = _widget_inputs(node, info, rng)
        inputs.update(_link_inputs(node, resolver))
        title = node.get("title") or info.get("display_name") or kind
        prompt[node_id] = {"inputs": inputs, "class_type": kind, "_meta": {"title": title}}
    # Like the frontend: an input still pointing at a left-out node is dropped.
    for entry in prompt.values():
        for name, value in list(entry["inputs"].items()):
            if isinstance(value, list) and len(value) == 2 and value[0] not in prompt:
                del entry["inputs"][name]
    return prompt


def _read(data_or_path: Any) -> Any:
    if isinstance(data_or_path, dict):
        return data_or_path
    if isinstance(data_or_path, bytes):
        text = data_or_path.decode("utf-8-sig", "replace")
    else:
        path = Path(data_or_path)
        if path.suffix.lower() == ".png":
            return _from_png(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise WorkflowError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise WorkflowError(f"Not valid JSON: {exc}") from exc


def _from_png(path: Path) -> Any:
    """The workflow ComfyUI embedded in a PNG (``prompt`` API, else ``workflow`` UI)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            info = dict(image.info)
    except OSError as exc:
        raise WorkflowError(f"Cannot read {path}: {exc}") from exc
    for key in ("prompt", "workflow"):
        if isinstance(info.get(key), str):
            try:
                return json.loads(info[key])
            except ValueError as exc:
                raise WorkflowError(f"The PNG's {key} text is not valid JSON") from exc
    raise WorkflowError(f"{path.name} carries no ComfyUI workflow")


def load_workflow(
    data_or_path: Any, object_info: dict[str, Any], rng: random.Random | None = None
) -> dict[str, Any]:
    """A UI or API workflow (dict, JSON bytes, .json or ComfyUI .png path) as an API prompt."""
    data = _read(data_or_path)
    if isinstance(data, dict) and is_api_format(data.get("prompt")):
        data = data["prompt"]  # a saved POST /prompt body
    if is_ui_format(data):
        return ui_to_api(data, object_info, rng)
    if is_api_format(data):
        return {str(k): copy.deepcopy(v) for k, v in data.items()}
    raise WorkflowError("Not a ComfyUI workflow: neither UI format nor API format.")
