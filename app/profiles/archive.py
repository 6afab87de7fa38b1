"""Profile zips, laid out as ComfyUI-Dataset-Gates writes them, with import safety rules.

Layout (the pack's ``export_profile``/``import_profile``): ``profile_meta.json`` =
``{"name": "<profile name>"}`` at the root and the pool folder's files under ``pool/``; the pack
writes DEFLATED entries. ComfyDesk writes the same layout but stores already-compressed images
(PNG/JPEG/WebP) instead of deflating them again, and streams every entry in 1 MiB chunks so memory
does not grow with the pool.

Import refuses, naming the entry: absolute paths, ``..``, drive letters, backslashes, symbolic
links and other special files, names not marked as UTF-8, duplicate names, encrypted entries, more
than 10,000 entries, more than 20 GB uncompressed, a compression ratio over 100:1. It extracts into
a staging folder and renames that into place only when complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.profiles.errors import InvalidArchive, OperationCancelled, UnsafeArchive
from app.profiles.pool import sniff_image

META_NAME = "profile_meta.json"
POOL_PREFIX = "pool/"
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 20 * 1000**3
MAX_RATIO = 100
# The ratio rule looks at entries that expand to more than this: a tiny JSON file may legitimately
# compress 100:1, and a bomb needs size to do harm.
RATIO_MIN_BYTES = 64 * 1024
MAX_META_BYTES = 64 * 1024
CHUNK = 1 << 20
STAGING_PREFIX = ".comfydesk-staging-"

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ArchivePlan:
    """What an import would write: checked members and their paths inside the pool folder."""

    meta_name: str | None
    members: tuple[tuple[zipfile.ZipInfo, str], ...]
    total_bytes: int


def _is_precompressed(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(16)
    return sniff_image(head) is not None or head.startswith((b"GIF8", b"PK\x03\x04"))


def _pool_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        # Skip our own half-written files and anything reached through a link.
        if any(part.startswith(".") for part in rel.parts) or path.is_symlink():
            continue
        if path.is_file():
            files.append(path)
    return files


def export_pool(
    folder: Path,
    name: str,
    dest: Path,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Path:
    """Write ``dest`` (replaced only when complete) with the pool at ``folder``."""
    folder, dest = Path(folder), Path(dest)
    files = _pool_files(folder)
    total = sum(p.stat().st_size for p in files)
    done = 0
    part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            zf.writestr(META_NAME, json.dumps({"name": name}))
            for path in files:
                info = zipfile.ZipInfo.from_file(
                    path, POOL_PREFIX + path.relative_to(folder).as_posix()
                )
                info.compress_type = (
                    zipfile.ZIP_STORED if _is_precompressed(path) else zipfile.ZIP_DEFLATED
                )
                with (
                    open(path, "rb") as src,
                    zf.open(info, "w", force_zip64=info.file_size >= zipfile.ZIP64_LIMIT) as out,
                ):
                    while chunk := src.read(CHUNK):
                        if cancelled is not None and cancelled():
                            raise OperationCancelled("Export")
                        out.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
        os.replace(part, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise
    return dest


# --- import ------------------------------------------------------------------------------------


def _name_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.orig_filename
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        return "has control characters in its name"
    if not info.flag_bits & 0x800 and not name.isascii():
        return "has a name that is not marked as UTF-8"
    if name.startswith(("/", "\\")):
        return "has an absolute path"
    if _DRIVE.match(name):
        return "names a drive letter"
    if "\\" in name:
        return "contains a backslash in its path"
    parts = name.rstrip("/").split("/")
    if any(part in ("..", ".", "") for part in parts):
        return "leaves the profile folder (.. or an empty path part)"
    return None


def _kind_problem(info: zipfile.ZipInfo) -> str | None:
    if info.flag_bits & 0x1:
        return "is encrypted"
    kind = stat.S_IFMT(info.external_attr >> 16)
    if info.create_system == 3 and kind:  # Unix file type bits are present
        if kind == stat.S_IFLNK:
            return "is a symbolic link"
        if kind not in (stat.S_IFREG, stat.S_IFDIR):
            return "is not a regular file"
    return None


def _size_problem(info: zipfile.ZipInfo, total: int) -> str | None:
    if total > MAX_TOTAL_BYTES:
        return "takes the archive beyond 20 GB uncompressed"
    if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        return f"has a compression ratio of {ratio}:1 (over {MAX_RATIO}:1, a zip bomb?)"
    return None


def inspect_archive(zf: zipfile.ZipFile) -> ArchivePlan:
    """Check every entry; UnsafeArchive for the first one that breaks a rule."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(
            infos[MAX_ENTRIES].orig_filename,
            f"is entry {MAX_ENTRIES + 1}: a profile zip has at most "
            f"{MAX_ENTRIES:,} entries (this one has {len(infos):,})",
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        total += info.file_size
        problem = _name_problem(info) or _kind_problem(info) or _size_problem(info, total)
        if problem:
            raise UnsafeArchive(info.orig_filename, problem)
        key = info.filename.rstrip("/").casefold()
        if key in seen:
            raise UnsafeArchive(info.orig_filename, "appears twice in the archive")
        seen.add(key)
    files = [i for i in infos if not i.is_dir()]
    members = [
        (i, i.filename[len(POOL_PREFIX) :]) for i in files if i.filename.startswith(POOL_PREFIX)
    ]
    if not members:
        # A zip of a bare pool folder (manifest and images at the root) is accepted too.
        members = [
            (i, i.filename) for i in files if "/" not in i.filename and i.filename != META_NAME
        ]
    has_pool = any(rel == "manifest.json" or sniff_name(rel) for _, rel in members)
    if not has_pool and META_NAME not in seen:  # an empty profile exports as the meta file only
        raise InvalidArchive("The zip holds no image pool (no pool/manifest.json and no images)")
    return ArchivePlan(_meta_name(zf, seen), tuple(members), sum(i.file_size for i, _ in members))


def sniff_name(rel: str) -> bool:
    return rel.lower().endswith((".png", ".jpg", ".jpeg", ".webp"))


def _meta_name(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    if META_NAME not in names:
        return None
    info = zf.getinfo(META_NAME)
    if info.file_size > MAX_META_BYTES:
        return None
    try:
        meta = json.loads(zf.read(info).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, zlib.error, OSError):
        return None
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def extract_plan(
    zf: zipfile.ZipFile,
    plan: ArchivePlan,
    dest: Path,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> None:
    """Write the plan's members under ``dest`` (which must be a fresh folder)."""
    done = 0
    root = Path(dest).resolve()
    for info, rel in plan.members:
        target = (root / rel).resolve()
        if root not in target.parents:  # belt and braces: the name checks already refuse this
            raise UnsafeArchive(info.orig_filename, "leaves the profile folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        try:
            with zf.open(info) as src, open(target, "xb") as out:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > info.file_size:
                        raise UnsafeArchive(info.orig_filename, "expands beyond its declared size")
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, plan.total_bytes)
                    if cancelled is not None and cancelled():
                        raise OperationCancelled("Import")
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise InvalidArchive(f"Entry {info.orig_filename!r} is damaged: {exc}") from exc


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip for import; InvalidArchive when it is not one (or is truncated)."""
    try:
        return zipfile.ZipFile(path)
    except UnicodeDecodeError as exc:
        # Raised for an entry flagged UTF-8 whose name is not: the exception carries the raw name.
        raw = exc.object if isinstance(exc.object, bytes) else b"?"
        raise UnsafeArchive(
            raw.decode("utf-8", errors="replace"),
            "has a name marked as UTF-8 that is not valid UTF-8",
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise InvalidArchive(f"{Path(path).name} is not a readable zip file ({exc})") from exc
    except OSError as exc:
        raise InvalidArchive(f"{path} cannot be read ({exc.strerror or exc})") from exc


def import_into(
    zip_path: Path,
    base: Path,
    new_id: str,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ArchivePlan:
    """Extract a profile zip to ``<base>/<new_id>`` via a staging folder; nothing is left behind
    on failure or cancel."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    staging = base / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        with open_zip(zip_path) as zf:
            plan = inspect_archive(zf)
            extract_plan(zf, plan, staging, progress, cancelled)
        os.rename(staging, base / new_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return plan


def copy_pool(src: Path, base: Path, new_id: str, cancelled: Cancelled | None = None) -> None:
    """Copy every file of a pool folder to ``<base>/<new_id>`` (all or nothing)."""
    staging = Path(base) / f"{STAGING_PREFIX}{uuid.uuid4().hex}"

    def check(_dir: str, names: list[str]) -> list[str]:
        if cancelled is not None and cancelled():
            raise OperationCancelled("Duplicate")
        return [n for n in names if n.startswith(".")]

    try:
        shutil.copytree(src, staging, symlinks=True, ignore=check)
        os.rename(staging, Path(base) / new_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
