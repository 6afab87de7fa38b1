"""/object_info as the reference captured it, with the file lists a test has changed:
checkpoint and LoRA names from ``scenario.models`` and LoadImage's input files."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from tests.fake_comfy import reference

_REFERENCE_LISTS = {
    "checkpoints": ("random_sd15.safetensors", "sub/other.safetensors"),
    "loras": ("random_lora.safetensors",),
    "input": ("example.png",),
}


@cache
def _dynamic_inputs() -> tuple[tuple[str, str, str, str], ...]:
    """(class, category, input, list name) for every combo that lists files."""
    found = []
    for class_type, spec in reference.object_info().items():
        for category in ("required", "optional"):
            for name, raw in (spec["input"].get(category) or {}).items():
                if not isinstance(raw[0], list):
                    continue
                for list_name, values in _REFERENCE_LISTS.items():
                    if tuple(raw[0]) == values:
                        found.append((class_type, category, name, list_name))
    return tuple(found)


class Catalog:
    """Builds (and caches) object_info for the current file lists."""

    def __init__(self) -> None:
        self._key: Any = None
        self._info: dict[str, Any] = {}
        self._bytes = b""

    def object_info(self, models: dict[str, list[str]], inputs: list[str],
                    extra: dict[str, Any] | None = None,
                    hidden: set[str] | None = None) -> dict[str, Any]:
        """The reference classes with current file lists, plus ``extra`` classes, minus
        ``hidden`` ones (cached until any of these change)."""
        lists = {"checkpoints": list(models.get("checkpoints", [])),
                 "loras": list(models.get("loras", [])), "input": list(inputs)}
        key = json.dumps([lists, extra or {}, sorted(hidden or ())], sort_keys=True,
                         default=str)
        if key != self._key:
            info = dict(reference.object_info())
            patched: dict[str, Any] = {}
            for class_type, category, name, list_name in _dynamic_inputs():
                entry = patched.setdefault(class_type, copy.deepcopy(info[class_type]))
                entry["input"][category][name][0] = lists[list_name]
            info.update(patched)
            info.update(copy.deepcopy(extra or {}))
            for name in hidden or ():
                info.pop(name, None)
            self._key, self._info, self._bytes = key, info, b""
        return self._info

    def object_info_bytes(self, models: dict[str, list[str]], inputs: list[str],
                          extra: dict[str, Any] | None = None,
                          hidden: set[str] | None = None) -> bytes:
        info = self.object_info(models, inputs, extra, hidden)
        if not self._bytes:
            self._bytes = json.dumps(info).encode()
        return self._bytes
