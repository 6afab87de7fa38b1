"""Reference snapshots of a workflow's structure ("Update nodes") and the check before a run.

The snapshot keeps what makes a graph the same graph: node ids, types, titles and connections.
Widget values (seed, prompt text) and positions are left out on purpose: changing a seed should
not force "Update nodes", adding or rewiring a node should.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from app.profiler.engine import Step


def _is_link(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int)
            and isinstance(value[1], int) and not isinstance(value[1], bool))


def snapshot_of(prompt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The structure of an API-format prompt: ``{node_id: {type, title, links}}``."""
    nodes: dict[str, dict[str, Any]] = {}
    for node_id, node in prompt.items():
        if not isinstance(node, dict):
            continue
        meta = node.get("_meta") if isinstance(node.get("_meta"), dict) else {}
        node_type = str(node.get("class_type", "?"))
        inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
        links = {name: [str(v[0]), int(v[1])] for name, v in inputs.items() if _is_link(v)}
        nodes[str(node_id)] = {"type": node_type, "title": str(meta.get("title") or node_type),
                               "links": dict(sorted(links.items()))}
    return dict(sorted(nodes.items()))


def snapshot_hash(snapshot: dict[str, dict[str, Any]]) -> str:
    """A stable hex digest of a snapshot (sorted keys, so dict order does not matter)."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def workflow_hash(prompt: dict[str, Any]) -> str:
    """Hash of an API prompt's structure (ids, types, titles, connections)."""
    return snapshot_hash(snapshot_of(prompt))


@dataclass
class SnapshotDiff:
    """How a workflow differs from its reference snapshot."""

    added: list[str] = field(default_factory=list)     # "7 KSampler 'Sampler'"
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)   # "3 KSampler: input model now from 11:0"

    @property
    def matches(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def describe(self) -> str:
        if self.matches:
            return "The workflow matches its reference snapshot."
        lines = ["The workflow differs from its reference snapshot:"]
        lines += [f"  added: {item}" for item in self.added]
        lines += [f"  removed: {item}" for item in self.removed]
        lines += [f"  changed: {item}" for item in self.changed]
        return "\n".join(lines)


def _label(node_id: str, node: dict[str, Any]) -> str:
    title = node["title"]
    return f"{node_id} {node['type']}" + (f" '{title}'" if title != node["type"] else "")


def _node_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = []
    if before["type"] != after["type"]:
        changes.append(f"type {before['type']} -> {after['type']}")
    if before["title"] != after["title"]:
        changes.append(f"title '{before['title']}' -> '{after['title']}'")
    for name in sorted(set(before["links"]) | set(after["links"])):
        old, new = before["links"].get(name), after["links"].get(name)
        if old != new:
            where = f"{new[0]}:{new[1]}" if new else "nothing (now a value)"
            was = f"{old[0]}:{old[1]}" if old else "a value"
            changes.append(f"input {name} from {where} (was {was})")
    return changes


def diff_snapshots(reference: dict[str, dict[str, Any]],
                   current: dict[str, dict[str, Any]]) -> SnapshotDiff:
    """Added, removed and changed nodes between a reference snapshot and the current one."""
    diff = SnapshotDiff()
    for node_id in sorted(set(current) - set(reference), key=_id_order):
        diff.added.append(_label(node_id, current[node_id]))
    for node_id in sorted(set(reference) - set(current), key=_id_order):
        diff.removed.append(_label(node_id, reference[node_id]))
    for node_id in sorted(set(reference) & set(current), key=_id_order):
        changes = _node_changes(reference[node_id], current[node_id])
        if changes:
            diff.changed.append(f"{_label(node_id, current[node_id])}: {'; '.join(changes)}")
    return diff


def _id_order(node_id: str) -> tuple[int, str]:
    return (int(node_id), "") if node_id.isdigit() else (1 << 62, node_id)


def nodes_as_steps(snapshot: dict[str, dict[str, Any]]) -> list[Step]:
    """The snapshot's nodes as figure-less steps in node-id order (shown before any run)."""
    return [Step(node_id, snapshot[node_id]["title"], snapshot[node_id]["type"])
            for node_id in sorted(snapshot, key=_id_order)]
