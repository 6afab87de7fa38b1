"""``profiles.json``: the ComfyUI-Dataset-Gates registry that maps profile names to pool ids.

Format (kept exactly as the pack writes it, unknown keys survive):
``{"profiles": [{"id": "<uuid4 hex>", "name": "characters_A", "created": <unix seconds>}]}``.
A corrupt registry is never silently replaced: a copy is kept as
``profiles.json.corrupt-<timestamp>`` and the entries that can still be recognised (in the broken
text, and only for pool folders that exist) are written back.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.atomic import atomic_write_json
from app.profiles.errors import InvalidProfileName

REGISTRY_NAME = "profiles.json"
MAX_NAME_LENGTH = 200
# A pool id becomes a folder name: the pack mints uuid4 hex (profiles) or browser UUIDs (pools).
_POOL_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")
# Salvage pattern for a broken registry: an object carrying an id and a name in either order.
_SALVAGE = re.compile(
    r'\{[^{}]*?"id"\s*:\s*"(?P<id>[^"\\]+)"[^{}]*?"name"\s*:\s*"(?P<name>(?:[^"\\]|\\.)*)"'
    r'|\{[^{}]*?"name"\s*:\s*"(?P<name2>(?:[^"\\]|\\.)*)"[^{}]*?"id"\s*:\s*"(?P<id2>[^"\\]+)"'
)
_CREATED = re.compile(r'"created"\s*:\s*(\d+)')


@dataclass
class ProfileEntry:
    """One registry row. ``extra`` keeps keys a newer pack version may add."""

    id: str
    name: str
    created: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**self.extra, "id": self.id, "name": self.name, "created": self.created}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProfileEntry:
        extra = {k: v for k, v in data.items() if k not in ("id", "name", "created")}
        created = data.get("created", 0)
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            created=int(created) if isinstance(created, int | float) else 0,
            extra=extra,
        )


def is_valid_pool_id(pool_id: str) -> bool:
    """True when ``pool_id`` is safe as one folder name under the pool base."""
    return bool(_POOL_ID.match(pool_id)) and pool_id not in (".", "..")


def clean_name(name: str) -> str:
    """The name as stored (surrounding spaces dropped), or InvalidProfileName."""
    stripped = name.strip()
    if not stripped:
        raise InvalidProfileName(name, "it is empty")
    if len(stripped) > MAX_NAME_LENGTH:
        raise InvalidProfileName(name, f"it is longer than {MAX_NAME_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in stripped):
        raise InvalidProfileName(name, "it contains control characters")
    return stripped


def unique_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or the first free of ``"wanted (2)"``, ``"wanted (3)"`` ... (the pack's rule)."""
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted} ({number})" in taken:
        number += 1
    return f"{wanted} ({number})"


def corrupt_copy_name(path: Path) -> Path:
    """``<name>.corrupt-<timestamp>``, never an existing file."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    return candidate


class Registry:
    """Reads and writes ``<base>/profiles.json``. Not thread-safe: the service serialises calls."""

    def __init__(self, base: Path) -> None:
        self.base = Path(base)
        self.path = self.base / REGISTRY_NAME

    def load(self) -> tuple[list[ProfileEntry], str | None]:
        """The entries, and a message for the user when the file had to be recovered."""
        if not self.path.exists():
            return [], None
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            # Unreadable (permissions): do not touch it, show nothing rather than rebuild over it.
            return [], f"{self.path} could not be read ({exc}); no profiles are shown"
        try:
            return self._parse(raw), None
        except (ValueError, KeyError, TypeError) as exc:
            return self._recover(raw, exc)

    @staticmethod
    def _parse(raw: bytes) -> list[ProfileEntry]:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
            raise ValueError('the file is not {"profiles": [...]}')
        entries: list[ProfileEntry] = []
        for item in data["profiles"]:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("id"), str)
                or not isinstance(item.get("name"), str)
            ):
                raise ValueError(f"a profile entry is malformed: {str(item)[:80]}")
            entries.append(ProfileEntry.from_json(item))
        return entries

    def _recover(self, raw: bytes, exc: Exception) -> tuple[list[ProfileEntry], str]:
        kept = corrupt_copy_name(self.path)
        shutil.copy2(self.path, kept)
        entries = self._salvage(raw.decode("utf-8", errors="replace"))
        self.save(entries)
        names = ", ".join(e.name for e in entries) or "none"
        return entries, (
            f"{self.path} was damaged ({exc}). A copy was kept as {kept.name}; "
            f"profiles recovered from it: {names}. Other pool folders are listed "
            "as unnamed pools and can be adopted."
        )

    def _salvage(self, text: str) -> list[ProfileEntry]:
        entries: list[ProfileEntry] = []
        seen: set[str] = set()
        names: set[str] = set()
        for match in _SALVAGE.finditer(text):
            pool_id = match.group("id") or match.group("id2")
            raw_name = (
                match.group("name") if match.group("name") is not None else match.group("name2")
            )
            try:
                name = json.loads(f'"{raw_name}"')
            except ValueError:
                continue
            if (
                pool_id in seen
                or not is_valid_pool_id(pool_id)
                or not (self.base / pool_id).is_dir()
            ):
                continue
            end = text.find("}", match.end())
            created = _CREATED.search(text[match.start() : end if end >= 0 else len(text)])
            seen.add(pool_id)
            entries.append(
                ProfileEntry(
                    pool_id, unique_name(name, names), int(created.group(1)) if created else 0
                )
            )
            names.add(entries[-1].name)
        return entries

    def save(self, entries: list[ProfileEntry]) -> None:
        atomic_write_json(self.path, {"profiles": [e.to_json() for e in entries]})
