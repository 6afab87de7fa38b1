"""Read-only access to the captured reference data (loaded once per process)."""

from __future__ import annotations

import copy
import gzip
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "comfyui-reference"

_lock = threading.RLock()


def path(name: str) -> Path:
    """Absolute path of a reference file."""
    return REFERENCE_DIR / name


@cache
def _raw(name: str) -> bytes:
    data = path(name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def raw(name: str) -> bytes:
    """The bytes of a reference file (gzip files decompressed), cached."""
    with _lock:
        return _raw(name)


@cache
def _parsed(name: str) -> Any:
    return json.loads(raw(name))


def load(name: str) -> Any:
    """A deep copy of a parsed reference JSON file (callers may mutate it)."""
    with _lock:
        value = _parsed(name)
    return copy.deepcopy(value)


def shared(name: str) -> Any:
    """The cached parsed JSON itself. Callers must NOT mutate it (used for big files)."""
    with _lock:
        return _parsed(name)


def object_info() -> dict[str, Any]:
    """The captured /object_info (shared, do not mutate)."""
    return shared("object_info.json")


def manager_response(url: str) -> dict[str, Any]:
    """The recorded Manager answer for a GET url (first match)."""
    for item in shared("manager_responses.json")["responses"]:
        if item.get("url") == url:
            return copy.deepcopy(item)
    raise KeyError(url)


def misc_response(url: str) -> dict[str, Any]:
    """The recorded answer for a GET url from misc_get_responses.json (first match)."""
    for item in shared("misc_get_responses.json"):
        if item.get("url") == url and "note" not in item:
            return copy.deepcopy(item)
    raise KeyError(url)
