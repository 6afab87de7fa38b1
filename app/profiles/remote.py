"""Profiles through the pack's HTTP routes, when ComfyDesk knows the server but not its folder.

Same methods as :class:`app.profiles.service.LocalProfiles`. Routes and shapes are the pack's
(``gates/profiles_routes.py``, ``gates/routes.py``): ``GET /grid_pool/profiles/list`` -> registry,
``POST create {name}`` / ``rename {id, name}`` / ``duplicate {id, name}`` -> entry, ``POST delete
{id}`` -> registry, ``GET export?id=`` -> zip, ``POST import`` (multipart ``file``) -> entry,
``GET /grid_pool/list?pool_id=`` and ``POST add|remove|active|label|set_mask|reorder`` -> manifest.
The pack answers a refused operation with a bare 500, so names are checked here first for a clear
message. Not possible remotely: listing or adopting unnamed pools (no route lists folders).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from app.profiles import archive, pool
from app.profiles.errors import (
    NothingToUndo,
    ProfileNameTaken,
    ProfileNotFound,
    RemoteError,
    RemoteUnsupported,
    SlotOutOfRange,
)
from app.profiles.registry import ProfileEntry, clean_name, unique_name
from app.profiles.service import DeletedProfile, ProfileInfo, UnnamedPool

PROFILES_LIST = "/grid_pool/profiles/list"


def probe(base_url: str, timeout: float = 3.0) -> bool:
    """True when the server at ``base_url`` answers the pack's profile list route."""
    try:
        answer = requests.get(base_url.rstrip("/") + PROFILES_LIST, timeout=timeout)
        return answer.status_code == 200 and isinstance(answer.json().get("profiles"), list)
    except (requests.RequestException, ValueError, AttributeError):
        return False


class RemoteProfiles:
    """Profiles on a ComfyUI server with the ComfyUI-Dataset-Gates pack, over HTTP."""

    can_list_unnamed = False

    def __init__(self, base_url: str, trash_dir: Path, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.base_url = base_url.rstrip("/")
        self.trash_dir = Path(trash_dir)
        self._timeout = timeout
        self._clock = clock
        self._session = requests.Session()
        self._deleted: list[tuple[DeletedProfile, Path]] = []

    def describe(self) -> str:
        return f"{self.base_url} (through the ComfyUI-Dataset-Gates routes)"

    def take_notices(self) -> list[str]:
        return []

    # --- HTTP ----------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = self.base_url + path
        try:
            answer = self._session.request(method, url, timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise RemoteError(
                f"ComfyUI at {self.base_url} is not answering ({self._reason(exc)}); is it still "
                f"running? {path} was not done."
            ) from exc
        if answer.status_code >= 400:
            raise RemoteError(f"{path} answered HTTP {answer.status_code}: "
                              f"{answer.text[:200].strip()}")
        return answer

    def _reason(self, exc: requests.RequestException) -> str:
        """A few words instead of urllib3's nested repr."""
        if isinstance(exc, requests.Timeout):
            return f"no answer within {self._timeout:g} s"
        text = str(exc).lower()
        if "refused" in text:
            return "connection refused"
        if "reset" in text or "aborted" in text or "remotedisconnected" in text:
            return "the connection was dropped"
        return type(exc).__name__

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self._call(method, path, **kwargs)
        try:
            return answer.json()
        except ValueError as exc:
            raise RemoteError(f"{path} did not answer JSON") from exc

    def _manifest(self, method: str, path: str, **kwargs: Any) -> pool.PoolView:
        data = self._json(method, path, **kwargs)
        if not isinstance(data, dict) or not isinstance(data.get("slots"), list):
            raise RemoteError(f"{path} answered something that is not a pool manifest")
        slots = [s for s in data["slots"]
                 if isinstance(s, dict) and pool.is_plain_file_name(s.get("image"))]
        return pool.PoolView(int(data.get("active", 0) or 0), tuple(
            pool.PoolSlot(s["image"], s.get("mask") if pool.is_plain_file_name(s.get("mask"))
                          else None, str(s.get("label", "") or ""), s.get("added", 0) or 0)
            for s in slots), int(data.get("next_seq", len(slots) + 1) or 1))

    # --- reading --------------------------------------------------------------------------------

    def entries(self) -> list[ProfileEntry]:
        data = self._json("GET", PROFILES_LIST)
        items = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise RemoteError(f"{PROFILES_LIST} answered something that is not a registry")
        return [ProfileEntry.from_json(i) for i in items
                if isinstance(i, dict) and isinstance(i.get("id"), str)
                and isinstance(i.get("name"), str)]

    def get(self, key: str) -> ProfileEntry:
        entries = self.entries()
        found = next((e for e in entries if e.id == key), None) \
            or next((e for e in entries if e.name == key), None)
        if found is None:
            raise ProfileNotFound(key)
        return found

    def list_profiles(self) -> list[ProfileInfo]:
        rows = []
        for entry in self.entries():
            view = self.pool(entry.id)
            rows.append(ProfileInfo(entry.id, entry.name, entry.created, len(view.slots),
                                    sum(1 for s in view.slots if s.mask), None))
        return rows

    def list_unnamed(self) -> list[UnnamedPool]:
        return []

    def pool(self, pool_id: str) -> pool.PoolView:
        return self._manifest("GET", "/grid_pool/list", params={"pool_id": pool_id})

    def read_image(self, pool_id: str, name: str) -> bytes:
        params = {"filename": name, "type": "input", "subfolder": f"grid_pool/{pool_id}"}
        return self._call("GET", "/view", params=params).content

    def image_path(self, pool_id: str, name: str) -> Path:
        raise RemoteUnsupported("Images of a remote pool have no local path")

    # --- profile operations ---------------------------------------------------------------------

    def _check_free(self, name: str, own_id: str | None = None) -> None:
        if any(e.name == name and e.id != own_id for e in self.entries()):
            raise ProfileNameTaken(name)

    def create(self, name: str) -> ProfileEntry:
        name = clean_name(name)
        self._check_free(name)
        return ProfileEntry.from_json(self._json("POST", "/grid_pool/profiles/create",
                                                 json={"name": name}))

    def rename(self, pool_id: str, new_name: str) -> ProfileEntry:
        new_name = clean_name(new_name)
        self.get(pool_id)
        self._check_free(new_name, own_id=pool_id)
        return ProfileEntry.from_json(self._json("POST", "/grid_pool/profiles/rename",
                                                 json={"id": pool_id, "name": new_name}))

    def delete(self, pool_id: str) -> DeletedProfile:
        """Keep an exported copy in the trash (for Undo), then delete on the server."""
        entry = self.get(pool_id)
        token = uuid.uuid4().hex
        self.trash_dir.mkdir(parents=True, exist_ok=True)
        kept = self.export(entry.id, self.trash_dir / f"{token}.zip")
        try:
            self._json("POST", "/grid_pool/profiles/delete", json={"id": entry.id})
        except BaseException:
            kept.unlink(missing_ok=True)  # not deleted, so nothing to undo
            raise
        deleted = DeletedProfile(token, entry)
        self._deleted.append((deleted, kept))
        return deleted

    @property
    def can_undo(self) -> bool:
        return bool(self._deleted)

    def undo_delete(self) -> ProfileEntry:
        """Re-import the kept copy (the server gives it a new id) under its old name."""
        if not self._deleted:
            raise NothingToUndo()
        deleted, kept = self._deleted[-1]
        entry = self._upload(kept)
        wanted = unique_name(deleted.entry.name, {e.name for e in self.entries()} - {entry.name})
        if entry.name != wanted:
            entry = self.rename(entry.id, wanted)
        self._deleted.pop()
        kept.unlink(missing_ok=True)
        return entry

    def purge_trash(self) -> None:
        for _deleted, kept in self._deleted:
            kept.unlink(missing_ok=True)
        self._deleted.clear()

    def duplicate(self, pool_id: str, new_name: str | None = None,
                  cancelled: archive.Cancelled | None = None) -> ProfileEntry:
        source = self.get(pool_id)
        wanted = clean_name(new_name) if new_name else source.name
        name = unique_name(wanted, {e.name for e in self.entries()})
        return ProfileEntry.from_json(self._json("POST", "/grid_pool/profiles/duplicate",
                                                 json={"id": source.id, "name": name}))

    def export(self, pool_id: str, dest: Path, progress: archive.Progress | None = None,
               cancelled: archive.Cancelled | None = None) -> Path:
        entry = self.get(pool_id)
        dest = Path(dest)
        part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with self._call("GET", "/grid_pool/profiles/export", params={"id": entry.id},
                            stream=True) as answer, open(part, "wb") as out:
                total = int(answer.headers.get("Content-Length") or 0)
                done = 0
                for chunk in answer.iter_content(archive.CHUNK):
                    if cancelled is not None and cancelled():
                        raise archive.OperationCancelled("Export")
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, max(total, done))
            os.replace(part, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            raise
        return dest

    def _upload(self, zip_path: Path) -> ProfileEntry:
        with open(zip_path, "rb") as handle:
            files = {"file": (Path(zip_path).name, handle, "application/zip")}
            return ProfileEntry.from_json(self._json("POST", "/grid_pool/profiles/import",
                                                     files=files))

    def import_zip(self, zip_path: Path, name: str | None = None,
                   progress: archive.Progress | None = None,
                   cancelled: archive.Cancelled | None = None) -> ProfileEntry:
        """Check the zip with the same safety rules as a local import, then upload it."""
        wanted = clean_name(name) if name else None
        with archive.open_zip(Path(zip_path)) as zf:
            plan = archive.inspect_archive(zf)
        if cancelled is not None and cancelled():
            raise archive.OperationCancelled("Import")
        entry = self._upload(Path(zip_path))
        if progress is not None:
            progress(plan.total_bytes, plan.total_bytes)
        wanted = wanted or (None if plan.meta_name else Path(zip_path).stem)
        if wanted and entry.name != wanted:
            taken = {e.name for e in self.entries()} - {entry.name}
            entry = self.rename(entry.id, unique_name(wanted, taken))
        return entry

    def adopt(self, pool_id: str, name: str) -> ProfileEntry:
        raise RemoteUnsupported("Adopting an unnamed pool needs the ComfyUI folder")

    # --- pool operations ------------------------------------------------------------------------

    def _check_index(self, pool_id: str, *indexes: int) -> pool.PoolView:
        view = self.pool(pool_id)
        for index in indexes:
            if not 0 <= index < len(view.slots):
                raise SlotOutOfRange(index, len(view.slots))
        return view

    def add_images(self, pool_id: str, paths: Iterable[Path]) -> pool.PoolView:
        paths = [Path(p) for p in paths]
        for path in paths:
            pool.check_image_file(path)
        view = self.pool(pool_id)
        for path in paths:
            data = {"pool_id": pool_id, "ts": str(int(self._clock()))}
            with open(path, "rb") as handle:
                view = self._manifest("POST", "/grid_pool/add", data=data,
                                      files={"image": (path.name, handle, "image/png")})
        return view

    def remove_images(self, pool_id: str, indexes: Iterable[int]) -> pool.PoolView:
        indexes = sorted(set(indexes), reverse=True)  # the route removes one index at a time
        view = self._check_index(pool_id, *indexes)
        for index in indexes:
            view = self._manifest("POST", "/grid_pool/remove",
                                  json={"pool_id": pool_id, "index": index})
        return view

    def reorder(self, pool_id: str, order: list[int]) -> pool.PoolView:
        view = self.pool(pool_id)
        if sorted(order) != list(range(len(view.slots))):
            raise SlotOutOfRange(max(order, default=-1), len(view.slots))
        return self._manifest("POST", "/grid_pool/reorder",
                              json={"pool_id": pool_id, "order": list(order)})

    def set_label(self, pool_id: str, index: int, label: str) -> pool.PoolView:
        self._check_index(pool_id, index)
        return self._manifest("POST", "/grid_pool/label",
                              json={"pool_id": pool_id, "index": index, "label": str(label)})

    def set_active(self, pool_id: str, index: int) -> pool.PoolView:
        self._check_index(pool_id, index)
        return self._manifest("POST", "/grid_pool/active",
                              json={"pool_id": pool_id, "index": index})

    def set_mask(self, pool_id: str, index: int, png: bytes) -> pool.PoolView:
        self._check_index(pool_id, index)
        data = {"pool_id": pool_id, "index": str(index)}
        return self._manifest("POST", "/grid_pool/set_mask", data=data,
                              files={"mask": ("mask.png", png, "image/png")})
