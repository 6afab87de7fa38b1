"""Graph helpers: ComfyUI's execution order and the classic cache's node signatures."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any


def is_link(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int))


def links_of(node: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(input name, source node id, slot) for each linked input, in input order."""
    return [(name, v[0], v[1]) for name, v in node.get("inputs", {}).items() if is_link(v)]


def discovery_order(prompt: dict[str, Any], roots: Iterable[str],
                    stop: Callable[[str], bool] = lambda _n: False) -> list[str]:
    """Depth-first discovery from ``roots`` the way ComfyUI's ExecutionList adds nodes
    (a stack, inputs pushed in input order), not descending into nodes for which
    ``stop`` is true (cached ones). The roots themselves are always included."""
    order: list[str] = []
    seen: set[str] = set()
    for root in roots:
        stack = [root]
        while stack:
            node_id = stack.pop()
            if node_id in seen or node_id not in prompt:
                continue
            seen.add(node_id)
            order.append(node_id)
            for _, source, _ in links_of(prompt[node_id]):
                if not stop(source):
                    stack.append(source)
    return order


def execution_order(prompt: dict[str, Any], outputs: list[str], cached: set[str],
                    is_output: Callable[[str], bool]) -> list[str]:
    """The order ComfyUI runs nodes in: among ready nodes it prefers an output node, then
    a node feeding an output, then one two steps away from an output, else the first
    ready node in discovery order. Cached nodes are never staged, except output roots
    (their UI output is replayed)."""
    pending = discovery_order(prompt, outputs, stop=lambda n: n in cached)
    pending_set = set(pending)
    blockers: dict[str, set[str]] = {n: set() for n in pending}
    blocking: dict[str, list[str]] = {n: [] for n in pending}
    for node_id in pending:
        for _, source, _ in links_of(prompt[node_id]):
            if source in pending_set and source != node_id:
                blockers[node_id].add(source)
                if node_id not in blocking[source]:
                    blocking[source].append(node_id)
    order: list[str] = []
    while pending:
        ready = [n for n in pending if not blockers[n]]
        if not ready:  # a cycle: ComfyUI reports it as an error; run the rest in order
            ready = list(pending)
        chosen = _friendly_pick(ready, blocking, is_output)
        order.append(chosen)
        pending.remove(chosen)
        for waiting in blocking[chosen]:
            blockers[waiting].discard(chosen)
    return order


def _friendly_pick(ready: list[str], blocking: dict[str, list[str]],
                   is_output: Callable[[str], bool]) -> str:
    for node_id in ready:
        if is_output(node_id):
            return node_id
    for node_id in ready:
        if any(is_output(b) for b in blocking[node_id]):
            return node_id
    for node_id in ready:
        if any(is_output(bb) for b in blocking[node_id] for bb in blocking[b]):
            return node_id
    return ready[0]


def signatures(prompt: dict[str, Any], extra: Callable[[str], Any] | None = None
               ) -> dict[str, str]:
    """A content signature per node: class, literal inputs and, recursively, the signatures
    of linked nodes. Two nodes with equal signatures produce the same output, which is
    what the classic cache keys on (the node id itself is not part of it)."""
    memo: dict[str, str] = {}

    def sig(node_id: str, trail: frozenset[str]) -> str:
        if node_id in memo:
            return memo[node_id]
        node = prompt.get(node_id)
        if not isinstance(node, dict) or node_id in trail:
            return f"<missing {node_id}>"
        parts: dict[str, Any] = {}
        for name, value in sorted(node.get("inputs", {}).items()):
            if is_link(value):
                parts[name] = ["link", sig(value[0], trail | {node_id}), value[1]]
            else:
                parts[name] = value
        marker = extra(node_id) if extra else None
        memo[node_id] = json.dumps([node.get("class_type"), parts, marker],
                                   sort_keys=True, default=str)
        return memo[node_id]

    for node_id in prompt:
        sig(node_id, frozenset())
    return memo
