"""The profile operations on a local ComfyUI folder (``<ComfyUI>/input/grid_pool``).

Every operation is atomic: files are staged and renamed into place, ``profiles.json`` and
``manifest.json`` are replaced in one step, and a failure leaves the previous state.

Deleting moves the pool folder to the trash (:mod:`app.profiles.trash`) in ComfyDesk's data
folder; the window's Undo and ``comfydesk profiles restore`` both restore from it, and
:meth:`LocalProfiles.purge_trash` empties it when the app's window closes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from app.profiles import archive, pool
from app.profiles.errors import (
    NothingToUndo,
    PoolAlreadyNamed,
    PoolNotFound,
    ProfileNameTaken,
    ProfileNotFound,
)
from app.profiles.registry import ProfileEntry, Registry, clean_name, is_valid_pool_id, unique_name
from app.profiles.trash import DeletedProfile, Trash

POOL_BASE_PARTS = ("input", "grid_pool")


def pool_base_for(comfyui_dir: str | Path) -> Path:
    """``<ComfyUI>/input/grid_pool``: where the pack keeps pools (its ``grid_pool_base``)."""
    return Path(comfyui_dir).expanduser().joinpath(*POOL_BASE_PARTS)


@dataclass(frozen=True)
class ProfileInfo:
    """A row of the profiles table."""

    id: str
    name: str
    created: int
    images: int
    masks: int
    size_bytes: int | None


@dataclass(frozen=True)
class UnnamedPool:
    id: str
    images: int
    masks: int
    size_bytes: int | None
    modified: float


class LocalProfiles:
    """Profiles in a ComfyUI folder the app can reach on disk."""

    can_list_unnamed = True

    def __init__(self, base: Path, trash_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.base = Path(base)
        self.trash_dir = Path(trash_dir)
        self._registry = Registry(self.base)
        self._trash = Trash(self.trash_dir, self.base)
        self._clock = clock
        self._lock = threading.RLock()  # the UI runs operations on worker threads
        self._notices: list[str] = []

    # --- reading --------------------------------------------------------------------------------

    def describe(self) -> str:
        return str(self.base)

    def take_notices(self) -> list[str]:
        """Messages about recovered files since the last call (shown once to the user)."""
        with self._lock:
            notices, self._notices = self._notices, []
        return notices

    def _note(self, message: str | None) -> None:
        if message:
            self._notices.append(message)

    def entries(self) -> list[ProfileEntry]:
        with self._lock:
            entries, notice = self._registry.load()
            self._note(notice)
            return entries

    def get(self, key: str) -> ProfileEntry:
        """A profile by id, or else by exact name."""
        entries = self.entries()
        for entry in entries:
            if entry.id == key:
                return entry
        for entry in entries:
            if entry.name == key:
                return entry
        raise ProfileNotFound(key)

    def folder(self, pool_id: str) -> Path:
        if not is_valid_pool_id(pool_id):
            raise PoolNotFound(pool_id)
        return self.base / pool_id

    def _manifest(self, pool_id: str) -> dict:
        manifest, notice = pool.read_manifest(self.folder(pool_id))
        self._note(notice)
        return manifest

    def list_profiles(self) -> list[ProfileInfo]:
        rows = []
        for entry in self.entries():
            folder = self.folder(entry.id) if is_valid_pool_id(entry.id) else None
            if folder is None or not folder.is_dir():
                rows.append(ProfileInfo(entry.id, entry.name, entry.created, 0, 0, None))
                continue
            stats = pool.pool_stats(folder, self._manifest(entry.id))
            rows.append(
                ProfileInfo(
                    entry.id, entry.name, entry.created, stats.images, stats.masks, stats.size_bytes
                )
            )
        return rows

    def list_unnamed(self) -> list[UnnamedPool]:
        """Pool folders whose id is not in the registry (an Image Pool node without a profile)."""
        named = {e.id for e in self.entries()}
        pools = []
        if not self.base.is_dir():
            return pools
        for item in sorted(os.scandir(self.base), key=lambda e: e.name):
            if (
                not item.is_dir(follow_symlinks=False)
                or item.name in named
                or not is_valid_pool_id(item.name)
            ):
                continue
            stats = pool.pool_stats(Path(item.path), self._manifest(item.name))
            pools.append(
                UnnamedPool(
                    item.name, stats.images, stats.masks, stats.size_bytes, item.stat().st_mtime
                )
            )
        return pools

    def pool(self, pool_id: str) -> pool.PoolView:
        return pool.PoolView.from_manifest(self._manifest(pool_id))

    def image_path(self, pool_id: str, name: str) -> Path:
        path = self.folder(pool_id) / name
        # A link could point anywhere on the disk; a pool only holds plain files.
        if not pool.is_plain_file_name(name) or path.is_symlink():
            raise PoolNotFound(f"{pool_id}/{name}")
        return path

    def read_image(self, pool_id: str, name: str) -> bytes:
        return self.image_path(pool_id, name).read_bytes()

    # --- profile operations --------------------------------------------------------------------

    def _new_id(self) -> str:
        while True:
            pool_id = uuid.uuid4().hex
            if not (self.base / pool_id).exists():
                return pool_id

    def _check_free(
        self, entries: list[ProfileEntry], name: str, own_id: str | None = None
    ) -> None:
        if any(e.name == name and e.id != own_id for e in entries):
            raise ProfileNameTaken(name)

    def create(self, name: str) -> ProfileEntry:
        name = clean_name(name)
        with self._lock:
            entries = self.entries()
            self._check_free(entries, name)
            pool_id = self._new_id()
            self.folder(pool_id).mkdir(parents=True)
            entry = ProfileEntry(pool_id, name, int(self._clock()))
            try:
                self._registry.save([*entries, entry])
            except BaseException:
                shutil.rmtree(self.folder(pool_id), ignore_errors=True)
                raise
            return entry

    def rename(self, pool_id: str, new_name: str) -> ProfileEntry:
        new_name = clean_name(new_name)
        with self._lock:
            entries = self.entries()
            entry = next((e for e in entries if e.id == pool_id), None)
            if entry is None:
                raise ProfileNotFound(pool_id)
            self._check_free(entries, new_name, own_id=pool_id)
            entry.name = new_name
            self._registry.save(entries)
            return entry

    def delete(self, pool_id: str) -> DeletedProfile:
        """Remove the entry and move the folder to the trash; :meth:`undo_delete` restores it."""
        with self._lock:
            entries = self.entries()
            entry = next((e for e in entries if e.id == pool_id), None)
            if entry is None:
                raise ProfileNotFound(pool_id)
            folder = self.folder(pool_id)
            deleted = self._trash.put(entry, folder, self._clock())
            try:
                self._registry.save([e for e in entries if e.id != pool_id])
            except BaseException:
                self._trash.put_back(deleted, folder)
                raise
            return deleted

    def trashed(self) -> list[DeletedProfile]:
        """Deleted profiles of this ComfyUI folder still in the trash, oldest first."""
        return self._trash.items()

    @property
    def can_undo(self) -> bool:
        """Reads the trash folder: call it off the GUI thread."""
        return bool(self._trash.items())

    def undo_delete(self, key: str | None = None) -> ProfileEntry:
        """Restore the most recently deleted profile, or the latest one whose name or id is
        ``key``; its name gets a suffix if it is taken now."""
        with self._lock:
            candidates = [
                d for d in self._trash.items() if key is None or key in (d.entry.id, d.entry.name)
            ]
            if not candidates:
                raise NothingToUndo() if key is None else ProfileNotFound(f"{key} (in the trash)")
            deleted = candidates[-1]
            entries = self.entries()
            folder = self.folder(deleted.entry.id)
            if folder.exists():
                raise PoolAlreadyNamed(deleted.entry.id, "a pool that now exists again")
            moved = self._trash.restore_folder(deleted, folder)
            entry = ProfileEntry(
                deleted.entry.id,
                unique_name(deleted.entry.name, {e.name for e in entries}),
                deleted.entry.created,
                dict(deleted.entry.extra),
            )
            try:
                self._registry.save([*entries, entry])
            except BaseException:
                if moved:
                    self._trash.take_back(deleted, folder)  # still in the trash: undo again
                raise
            self._trash.forget(deleted)
            return entry

    def purge_trash(self) -> None:
        """Empty the trash for good (the app calls this when its window closes)."""
        with self._lock:
            self._trash.purge()

    def duplicate(
        self, pool_id: str, new_name: str | None = None, cancelled: archive.Cancelled | None = None
    ) -> ProfileEntry:
        """Copy every file of a profile into a new one; a taken name gets " (2)", " (3)" ..."""
        source = self.get(pool_id)
        wanted = clean_name(new_name) if new_name else source.name
        new_id = self._new_id()
        src = self.folder(source.id)
        if src.is_dir():
            archive.copy_pool(src, self.base, new_id, cancelled)
        else:
            self.folder(new_id).mkdir(parents=True)
        return self._register(new_id, wanted)

    def _register(self, pool_id: str, wanted: str) -> ProfileEntry:
        with self._lock:
            try:
                entries = self.entries()
                entry = ProfileEntry(
                    pool_id, unique_name(wanted, {e.name for e in entries}), int(self._clock())
                )
                self._registry.save([*entries, entry])
            except BaseException:
                shutil.rmtree(self.folder(pool_id), ignore_errors=True)
                raise
            return entry

    def export(
        self,
        pool_id: str,
        dest: Path,
        progress: archive.Progress | None = None,
        cancelled: archive.Cancelled | None = None,
    ) -> Path:
        entry = self.get(pool_id)
        folder = self.folder(entry.id)
        if not folder.is_dir():
            raise PoolNotFound(entry.id)
        return archive.export_pool(folder, entry.name, Path(dest), progress, cancelled)

    def import_zip(
        self,
        zip_path: Path,
        name: str | None = None,
        progress: archive.Progress | None = None,
        cancelled: archive.Cancelled | None = None,
    ) -> ProfileEntry:
        """Import under a fresh id; name from ``name``, profile_meta.json or the file name."""
        wanted = clean_name(name) if name else None
        new_id = self._new_id()
        plan = archive.import_into(Path(zip_path), self.base, new_id, progress, cancelled)
        manifest, notice = pool.read_manifest(self.folder(new_id))
        self._note(notice)
        try:
            if not (self.folder(new_id) / pool.MANIFEST_NAME).exists():
                pool.write_manifest(self.folder(new_id), manifest)  # a zip of bare images
            final = (
                wanted or _safe_name(plan.meta_name) or _safe_name(Path(zip_path).stem) or new_id
            )
        except BaseException:
            shutil.rmtree(self.folder(new_id), ignore_errors=True)
            raise
        return self._register(new_id, final)

    def adopt(self, pool_id: str, name: str) -> ProfileEntry:
        """Give an unnamed pool a profile name; its id (and so every workflow using it) stays."""
        name = clean_name(name)
        with self._lock:
            entries = self.entries()
            owner = next((e for e in entries if e.id == pool_id), None)
            if owner is not None:
                raise PoolAlreadyNamed(pool_id, owner.name)
            if not self.folder(pool_id).is_dir():
                raise PoolNotFound(pool_id)
            self._check_free(entries, name)
            entry = ProfileEntry(pool_id, name, int(self._clock()))
            self._registry.save([*entries, entry])
            return entry

    # --- pool operations -----------------------------------------------------------------------

    def _pool_op(self, pool_id: str, op: Callable[..., dict], *args: object) -> pool.PoolView:
        folder = self.folder(pool_id)
        if not folder.is_dir():
            raise PoolNotFound(pool_id)
        with self._lock:
            self._manifest(pool_id)  # records a recovery notice before the operation
            return pool.PoolView.from_manifest(op(folder, *args))

    def add_images(self, pool_id: str, paths: Iterable[Path]) -> pool.PoolView:
        return self._pool_op(pool_id, pool.add_files, list(paths), int(self._clock()))

    def remove_images(self, pool_id: str, indexes: Iterable[int]) -> pool.PoolView:
        return self._pool_op(pool_id, pool.remove_slots, list(indexes))

    def reorder(self, pool_id: str, order: list[int]) -> pool.PoolView:
        return self._pool_op(pool_id, pool.reorder, list(order))

    def set_label(self, pool_id: str, index: int, label: str) -> pool.PoolView:
        return self._pool_op(pool_id, pool.set_label, index, label)

    def set_active(self, pool_id: str, index: int) -> pool.PoolView:
        return self._pool_op(pool_id, pool.set_active, index)

    def set_mask(self, pool_id: str, index: int, png: bytes) -> pool.PoolView:
        return self._pool_op(pool_id, pool.set_mask, index, png)


def _safe_name(name: str | None) -> str | None:
    if not name:
        return None
    with contextlib.suppress(Exception):
        return clean_name(name)
    return None
