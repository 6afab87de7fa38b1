"""One image pool folder: ``manifest.json`` plus its images and masks, as the pack lays them out.

Facts from ComfyUI-Dataset-Gates (``gates/pool.py``, ``gates/handlers.py``): images are named
``img_{next_seq:04d}.png`` and written byte for byte as received (the pack does not re-encode a
JPEG or WebP, it only names it ``.png``); a mask is the image name with ``.png`` replaced by
``.mask.png``; a slot is ``{"image", "mask" (or null), "label", "added"}``; ``active`` is clamped
to the slots; ``next_seq`` only grows. The functions here take the pool folder and keep every write
atomic: files are copied under a temporary name first and the manifest is replaced last.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.atomic import atomic_write_bytes, atomic_write_json
from app.profiles.errors import ProfileError, SlotOutOfRange, UnsupportedImage
from app.profiles.registry import corrupt_copy_name

MANIFEST_NAME = "manifest.json"
MASK_SUFFIX = ".mask.png"
_SEQ = re.compile(r"^img_(\d+)\.png$")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class PoolSlot:
    image: str
    mask: str | None
    label: str
    added: int


@dataclass(frozen=True)
class PoolView:
    """A read-only snapshot of a manifest for the UI and the CLI."""

    active: int
    slots: tuple[PoolSlot, ...]
    next_seq: int

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> PoolView:
        slots = tuple(
            PoolSlot(s["image"], s.get("mask"), s.get("label", ""), s.get("added", 0))
            for s in manifest["slots"]
        )
        return cls(manifest["active"], slots, manifest["next_seq"])


def empty_manifest() -> dict[str, Any]:
    return {"active": 0, "slots": [], "next_seq": 1}


def image_name(seq: int) -> str:
    return f"img_{seq:04d}.png"


def mask_name_for(image: str) -> str:
    """The pack's rule: ``img_0001.png`` -> ``img_0001.mask.png``."""
    return image[:-4] + MASK_SUFFIX if image.endswith(".png") else image + MASK_SUFFIX


def is_plain_file_name(name: object) -> bool:
    """A single file name inside the pool folder (no folders, no ``..``, no hidden files)."""
    return (
        isinstance(name, str)
        and bool(name)
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and not name.startswith(".")
        and ":" not in name
    )


def sniff_image(head: bytes) -> str | None:
    """``"png"``, ``"jpeg"`` or ``"webp"`` from the first bytes, else None."""
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


# --- manifest ----------------------------------------------------------------------------------


def read_manifest(folder: Path) -> tuple[dict[str, Any], str | None]:
    """The pool's manifest (normalised) and a message when it had to be recovered.

    A missing manifest is rebuilt from the image files; a corrupt one is kept as
    ``manifest.json.corrupt-<timestamp>`` and rebuilt, never silently replaced.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        return rebuild_manifest(folder), None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("slots"), list):
            raise ValueError('it is not {"slots": [...]}')
    except (OSError, ValueError) as exc:
        kept = corrupt_copy_name(path)
        shutil.copy2(path, kept)
        manifest = rebuild_manifest(folder)
        write_manifest(folder, manifest)
        return manifest, (
            f"{path} was damaged ({exc}); a copy was kept as {kept.name} and the "
            f"pool was rebuilt from its {len(manifest['slots'])} image files "
            "(labels could not be recovered)."
        )
    return _normalise(folder, data)


def _normalise(folder: Path, data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    slots, dropped = [], []
    for raw in data["slots"]:
        if not isinstance(raw, dict) or not is_plain_file_name(raw.get("image")):
            dropped.append(str(raw)[:60])
            continue
        mask = raw.get("mask")
        added = raw.get("added", 0)
        slots.append(
            {
                **raw,
                "mask": mask if is_plain_file_name(mask) else None,
                "label": str(raw.get("label", "") or ""),
                "added": added if isinstance(added, int | float) else 0,
            }
        )
    manifest = {**data, "slots": slots}
    active = data.get("active", 0)
    manifest["active"] = _clamp(active if isinstance(active, int) else 0, len(slots))
    next_seq = data.get("next_seq")
    if not isinstance(next_seq, int) or next_seq < 1:
        next_seq = len(slots) + 1
    # Never hand out a name that exists on disk: that would overwrite a user's image.
    manifest["next_seq"] = max(next_seq, _max_seq_on_disk(folder) + 1)
    notice = None
    if dropped:
        notice = (
            f"{Path(folder) / MANIFEST_NAME}: {len(dropped)} unusable slot(s) ignored "
            f"({'; '.join(dropped)})"
        )
    return manifest, notice


def _max_seq_on_disk(folder: Path) -> int:
    best = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _SEQ.match(entry.name)
            if match:
                best = max(best, int(match.group(1)))
    return best


def rebuild_manifest(folder: Path) -> dict[str, Any]:
    """A manifest from the files (the pack's recovery: ``img_*.png`` in name order, masks paired),
    followed by any other image files so nothing the user put there is hidden."""
    manifest = empty_manifest()
    folder = Path(folder)
    if not folder.is_dir():
        return manifest
    names = sorted(e.name for e in os.scandir(folder) if e.is_file() and is_plain_file_name(e.name))
    numbered = [n for n in names if _SEQ.match(n)]
    others = [
        n
        for n in names
        if not _SEQ.match(n) and n.lower().endswith(_IMAGE_SUFFIXES) and not n.endswith(MASK_SUFFIX)
    ]
    for name in numbered + others:
        mask = mask_name_for(name)
        manifest["slots"].append(
            {"image": name, "mask": mask if mask in names else None, "label": "", "added": 0}
        )
    manifest["next_seq"] = _max_seq_on_disk(folder) + 1
    return manifest


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    atomic_write_json(Path(folder) / MANIFEST_NAME, manifest)


def _clamp(index: int, count: int) -> int:
    return 0 if count == 0 else max(0, min(index, count - 1))


def _check_index(manifest: dict[str, Any], index: int) -> None:
    if not 0 <= index < len(manifest["slots"]):
        raise SlotOutOfRange(index, len(manifest["slots"]))


# --- operations ----------------------------------------------------------------------------------


def check_image_file(path: Path) -> str:
    """The image kind of ``path`` (PNG, JPEG or WebP, decodable), or UnsupportedImage."""
    try:
        with open(path, "rb") as handle:
            kind = sniff_image(handle.read(16))
    except OSError as exc:
        raise UnsupportedImage(str(path), f"it cannot be read ({exc.strerror or exc})") from exc
    if kind is None:
        raise UnsupportedImage(str(path), "it is not a PNG, JPEG or WebP image")
    from PIL import Image, UnidentifiedImageError  # deferred: only adding images needs Pillow

    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise UnsupportedImage(str(path), f"the {kind.upper()} data is damaged ({exc})") from exc
    return kind


def add_files(folder: Path, paths: Iterable[Path], added: int) -> dict[str, Any]:
    """Add image files as new slots named from ``next_seq``; all of them or none."""
    paths = [Path(p) for p in paths]
    for path in paths:
        check_image_file(path)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest, _ = read_manifest(folder)
    staged: list[tuple[Path, Path]] = []
    try:
        for path in paths:
            final = folder / image_name(manifest["next_seq"])
            part = folder / f".{final.name}.{uuid.uuid4().hex[:8]}.part"
            shutil.copyfile(path, part)
            staged.append((part, final))
            manifest["slots"].append(
                {"image": final.name, "mask": None, "label": "", "added": added}
            )
            manifest["next_seq"] += 1
        for part, final in staged:
            os.replace(part, final)
        write_manifest(folder, manifest)
    except BaseException:
        for part, final in staged:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
                final.unlink(missing_ok=True)
        raise
    return manifest


def remove_slots(folder: Path, indexes: Iterable[int]) -> dict[str, Any]:
    """Drop slots, then delete their image and mask files once the manifest no longer names them."""
    manifest, _ = read_manifest(folder)
    doomed = sorted(set(indexes))
    for index in doomed:
        _check_index(manifest, index)
    active = manifest["active"]
    removed = [manifest["slots"][i] for i in doomed]
    keep = [s for i, s in enumerate(manifest["slots"]) if i not in set(doomed)]
    active -= sum(1 for i in doomed if i < active)
    manifest["slots"] = keep
    manifest["active"] = _clamp(active, len(keep))
    write_manifest(folder, manifest)
    still_used = {s["image"] for s in keep} | {s["mask"] for s in keep if s.get("mask")}
    for slot in removed:
        for name in (slot["image"], slot.get("mask")):
            if name and name not in still_used:
                with contextlib.suppress(FileNotFoundError):
                    (Path(folder) / name).unlink()
    return manifest


def reorder(folder: Path, order: list[int]) -> dict[str, Any]:
    """``order[k]`` is the old index of the slot that moves to position ``k``; the active image
    stays active."""
    manifest, _ = read_manifest(folder)
    count = len(manifest["slots"])
    if sorted(order) != list(range(count)):
        raise ProfileError(f"{order} is not a new order of the pool's {count} images")
    manifest["slots"] = [manifest["slots"][i] for i in order]
    if count:
        manifest["active"] = order.index(manifest["active"])
    write_manifest(folder, manifest)
    return manifest


def move_order(count: int, rows: Iterable[int], before: int) -> list[int]:
    """The order (as :func:`reorder` takes it) that moves ``rows`` together, in their order, to
    just before the slot that was at ``before`` (``count`` = to the end)."""
    moving = sorted({r for r in rows if 0 <= r < count})
    staying = [i for i in range(count) if i not in set(moving)]
    at = sum(1 for i in staying if i < before)
    return staying[:at] + moving + staying[at:]


def set_label(folder: Path, index: int, label: str) -> dict[str, Any]:
    manifest, _ = read_manifest(folder)
    _check_index(manifest, index)
    manifest["slots"][index]["label"] = str(label)
    write_manifest(folder, manifest)
    return manifest


def set_active(folder: Path, index: int) -> dict[str, Any]:
    manifest, _ = read_manifest(folder)
    _check_index(manifest, index)
    manifest["active"] = index
    write_manifest(folder, manifest)
    return manifest


def set_mask(folder: Path, index: int, png: bytes) -> dict[str, Any]:
    """Store a grayscale PNG mask for a slot as ``<image>.mask.png`` (white = region)."""
    manifest, _ = read_manifest(folder)
    _check_index(manifest, index)
    if not png.startswith(PNG_MAGIC):
        raise UnsupportedImage("mask", "a mask must be a PNG image")
    slot = manifest["slots"][index]
    name = mask_name_for(slot["image"])
    atomic_write_bytes(Path(folder) / name, png)
    slot["mask"] = name
    write_manifest(folder, manifest)
    return manifest


@dataclass(frozen=True)
class PoolStats:
    images: int
    masks: int
    size_bytes: int


def folder_size(folder: Path) -> int:
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
            elif entry.is_dir(follow_symlinks=False):
                total += folder_size(Path(entry.path))
    return total


def pool_stats(folder: Path, manifest: dict[str, Any]) -> PoolStats:
    slots = manifest["slots"]
    return PoolStats(len(slots), sum(1 for s in slots if s.get("mask")), folder_size(folder))
