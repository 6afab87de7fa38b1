"""The profiles trash: deleted pool folders wait here so a delete can be undone.

One folder per deleted profile in ComfyDesk's data folder: ``<trash>/<token>/pool`` (the pool
folder, moved there whole) and ``<trash>/<token>/entry.json`` = ``{"entry": <registry entry>,
"base": "<the grid_pool folder it came from>", "deleted": <unix seconds>}``. The trash lives on
disk, so the window's Undo and ``comfydesk profiles restore`` see the same deleted profiles,
whichever of them deleted one; it is emptied when the ComfyDesk window closes and by
``comfydesk profiles empty-trash``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.atomic import atomic_write_json
from app.profiles.registry import ProfileEntry

ENTRY_FILE = "entry.json"
POOL_FOLDER = "pool"


@dataclass(frozen=True)
class DeletedProfile:
    token: str
    entry: ProfileEntry
    deleted_at: float = 0.0


class Trash:
    """Deleted profiles of one grid_pool folder (``base``) in the shared trash folder."""

    def __init__(self, folder: Path, base: Path) -> None:
        self.folder = Path(folder)
        self.base = str(Path(base))

    def put(self, entry: ProfileEntry, pool_folder: Path, when: float) -> DeletedProfile:
        """Move ``pool_folder`` (if it exists) into the trash with its entry."""
        deleted = DeletedProfile(uuid.uuid4().hex, entry, when)
        slot = self.folder / deleted.token
        slot.mkdir(parents=True)
        record = {"entry": entry.to_json(), "base": self.base, "deleted": when}
        try:
            atomic_write_json(slot / ENTRY_FILE, record)
            if pool_folder.exists():
                shutil.move(str(pool_folder), str(slot / POOL_FOLDER))
        except BaseException:
            shutil.rmtree(slot, ignore_errors=True)
            raise
        return deleted

    def put_back(self, deleted: DeletedProfile, pool_folder: Path) -> None:
        """Undo :meth:`put` (the registry could not be written)."""
        slot = self.folder / deleted.token
        if (slot / POOL_FOLDER).exists():
            shutil.move(str(slot / POOL_FOLDER), str(pool_folder))
        shutil.rmtree(slot, ignore_errors=True)

    def items(self) -> list[DeletedProfile]:
        """This base's deleted profiles, oldest first (unreadable slots are skipped)."""
        found = []
        with contextlib.suppress(OSError):
            for item in os.scandir(self.folder):
                read = self._read(Path(item.path)) if item.is_dir() else None
                if read is not None and read[1] == self.base:
                    found.append(read[0])
        return sorted(found, key=lambda d: (d.deleted_at, d.token))

    @staticmethod
    def _read(slot: Path) -> tuple[DeletedProfile, str] | None:
        try:
            data = json.loads((slot / ENTRY_FILE).read_text(encoding="utf-8"))
            entry = ProfileEntry.from_json(data["entry"])
            deleted = DeletedProfile(slot.name, entry, float(data.get("deleted", 0)))
            return deleted, str(data["base"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def restore_folder(self, deleted: DeletedProfile, pool_folder: Path) -> bool:
        """Move the kept pool folder back; False when the profile had no folder."""
        kept = self.folder / deleted.token / POOL_FOLDER
        if not kept.exists():
            return False
        shutil.move(str(kept), str(pool_folder))
        return True

    def take_back(self, deleted: DeletedProfile, pool_folder: Path) -> None:
        """Return a restored folder to its slot (the registry could not be written)."""
        shutil.move(str(pool_folder), str(self.folder / deleted.token / POOL_FOLDER))

    def forget(self, deleted: DeletedProfile) -> None:
        shutil.rmtree(self.folder / deleted.token, ignore_errors=True)

    def purge(self) -> None:
        """Empty the whole trash folder for good (every base)."""
        shutil.rmtree(self.folder, ignore_errors=True)
