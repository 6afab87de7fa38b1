"""Lookups in the captured Manager catalogue: which node classes a pack provides."""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.fake_comfy import reference


def node_packs() -> dict[str, Any]:
    """getlist's ``node_packs`` (shared, do not mutate)."""
    return reference.shared("manager_getlist_local.json.gz")["node_packs"]


@cache
def _keys() -> dict[str, str]:
    """Lower-cased catalogue key and pack ``id`` -> catalogue key."""
    index: dict[str, str] = {}
    for key, pack in node_packs().items():
        index.setdefault(key.lower(), key)
        if isinstance(pack.get("id"), str):
            index.setdefault(pack["id"].lower(), key)
    return index


def catalogue_key(pack_id: str) -> str | None:
    """The getlist key of a pack given by key or by ``id`` (any case), or None."""
    return _keys().get(pack_id.lower())


def pack_classes(pack_id: str) -> list[str]:
    """Node class names getmappings lists for the pack's repository."""
    key = catalogue_key(pack_id)
    if key is None:
        return []
    pack = node_packs()[key]
    mappings = reference.shared("manager_getmappings_local.json.gz")
    for url in [*pack.get("files", []), pack.get("reference"), pack.get("repository")]:
        if isinstance(url, str) and url in mappings:
            return list(mappings[url][0])
    return []


def generic_class(name: str, pack_id: str) -> dict[str, Any]:
    """An /object_info entry for a custom node class the fake knows only by name."""
    return {"input": {"required": {}}, "input_order": {"required": []}, "output": [],
            "output_is_list": [], "output_name": [], "name": name, "display_name": name,
            "description": "", "python_module": f"custom_nodes.{pack_id}",
            "category": pack_id, "output_node": False}
