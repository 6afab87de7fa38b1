"""A small model of an API-format prompt (what POST /prompt takes, history stores).

Plain dicts stay the wire format; :class:`ApiPrompt` adds typed access and the graph
questions callers ask (links, what feeds a node, execution order, output nodes).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from app.comfy.errors import WorkflowError


def is_link(value: Any) -> bool:
    """``["4", 0]``: a link to output 0 of node "4" (anything else is a literal)."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    )


@dataclass
class ApiNode:
    """One node: its id, class and inputs (literals and ``[node_id, slot]`` links)."""

    id: str
    class_type: str
    inputs: dict[str, Any] = field(default_factory=dict)
    title: str | None = None

    def links(self) -> dict[str, tuple[str, int]]:
        return {name: (v[0], v[1]) for name, v in self.inputs.items() if is_link(v)}

    def literals(self) -> dict[str, Any]:
        return {name: v for name, v in self.inputs.items() if not is_link(v)}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"inputs": copy.deepcopy(self.inputs), "class_type": self.class_type}
        if self.title is not None:
            data["_meta"] = {"title": self.title}
        return data


@dataclass
class ApiPrompt:
    """An API prompt keyed by node id (strings), in insertion order."""

    nodes: dict[str, ApiNode] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> ApiPrompt:
        """Parse and shape-check a prompt dict; raises :class:`WorkflowError`."""
        if not isinstance(data, dict):
            raise WorkflowError("An API prompt must be a JSON object of nodes.")
        nodes = {}
        for node_id, raw in data.items():
            if not isinstance(raw, dict) or not isinstance(raw.get("class_type"), str):
                raise WorkflowError(f"Node {node_id} has no class_type.")
            inputs = raw.get("inputs", {})
            if not isinstance(inputs, dict):
                raise WorkflowError(f"Node {node_id} has inputs that are not an object.")
            meta = raw.get("_meta") if isinstance(raw.get("_meta"), dict) else {}
            title = meta.get("title") if isinstance(meta.get("title"), str) else None
            nodes[str(node_id)] = ApiNode(
                str(node_id), raw["class_type"], copy.deepcopy(inputs), title
            )
        return cls(nodes)

    def to_dict(self) -> dict[str, Any]:
        return {node_id: node.to_dict() for node_id, node in self.nodes.items()}

    def by_class(self, class_type: str) -> list[ApiNode]:
        return [n for n in self.nodes.values() if n.class_type == class_type]

    def set_input(self, node_id: str, name: str, value: Any) -> None:
        try:
            self.nodes[node_id].inputs[name] = value
        except KeyError:
            raise WorkflowError(f"The prompt has no node {node_id}.") from None

    def output_nodes(self, object_info: dict[str, Any]) -> list[str]:
        """Ids of nodes whose class is an output node (SaveImage, PreviewImage...)."""
        return [
            node_id
            for node_id, node in self.nodes.items()
            if (object_info.get(node.class_type) or {}).get("output_node")
        ]

    def upstream(self, node_id: str) -> set[str]:
        """Every node that feeds ``node_id``, directly or not (existing nodes only)."""
        seen: set[str] = set()
        stack = [node_id]
        while stack:
            node = self.nodes.get(stack.pop())
            for source, _slot in node.links().values() if node else ():
                if source in self.nodes and source not in seen:
                    seen.add(source)
                    stack.append(source)
        return seen

    def execution_order(self) -> list[str]:
        """A topological order (sources first, ties in insertion order)."""
        order: list[str] = []
        state: dict[str, int] = {}  # 1 = visiting, 2 = done

        def visit(node_id: str, path: tuple[str, ...]) -> None:
            if state.get(node_id) == 2:
                return
            if state.get(node_id) == 1:
                raise WorkflowError("The prompt has a cycle: " + " -> ".join((*path, node_id)))
            state[node_id] = 1
            for source, _slot in self.nodes[node_id].links().values():
                if source in self.nodes:
                    visit(source, (*path, node_id))
            state[node_id] = 2
            order.append(node_id)

        for node_id in self.nodes:
            visit(node_id, ())
        return order
