"""Output files: fetch images ComfyUI made into the data folder, and make their thumbnails."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from app.atomic import atomic_write_bytes
from app.config import Paths

THUMBNAIL_SIZE = 256
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class _Viewer(Protocol):
    def view(self, filename: str, subfolder: str = "", type: str = "output") -> bytes: ...


@dataclass(frozen=True)
class SavedOutput:
    image: str  # relative to the data folder
    thumbnail: str | None  # None when the image could not be decoded


def images_in(outputs: dict[str, Any]) -> list[dict[str, str]]:
    """The saved images of a history/``executed`` output dict, in node order, no temp previews."""
    found: list[dict[str, str]] = []
    for node_id in sorted(outputs, key=lambda x: (len(str(x)), str(x))):
        ui = outputs.get(node_id)
        images = ui.get("images") if isinstance(ui, dict) else None
        for image in images or ():
            if isinstance(image, dict) and image.get("filename") and image.get("type") == "output":
                found.append({"filename": str(image["filename"]),
                              "subfolder": str(image.get("subfolder", "")),
                              "type": "output"})
    return found


def make_thumbnail(source: Path, target: Path, size: int = THUMBNAIL_SIZE) -> None:
    """Write a JPEG of ``source`` whose longest side is at most ``size`` pixels."""
    with Image.open(source) as img:
        img.draft("RGB", (size, size))  # cheap downscale for JPEG sources
        thumb = img.convert("RGB")
        thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
        buffer = BytesIO()
        thumb.save(buffer, "JPEG", quality=85)
    atomic_write_bytes(target, buffer.getvalue())


def local_name(request_id: str, index: int, remote_filename: str) -> str:
    suffix = Path(remote_filename).suffix.lower() or ".png"
    safe_id = _UNSAFE.sub("_", request_id)[:80] or "request"
    return f"{safe_id}_{index + 1:03d}{_UNSAFE.sub('', suffix)}"


def fetch_outputs(client: _Viewer, paths: Paths, request_id: str,
                  remote: list[dict[str, str]]) -> list[SavedOutput]:
    """Download every remote image with /view and thumbnail it; raises ComfyError/OSError.

    All or nothing: when one image fails (full disk, server gone), the ones already written
    are removed again, so a later retry starts clean and nothing is left unaccounted for.
    """
    paths.ensure()
    saved: list[SavedOutput] = []
    try:
        for index, ref in enumerate(remote):
            data = client.view(ref["filename"], ref.get("subfolder", ""),
                               ref.get("type", "output"))
            name = local_name(request_id, index, ref["filename"])
            image_path = paths.images_dir / name
            atomic_write_bytes(image_path, data)
            saved.append(SavedOutput(f"images/{name}", None))
            thumb_rel = f"thumbnails/{Path(name).stem}.jpg"
            try:
                make_thumbnail(image_path, paths.data_dir / thumb_rel)
            except (OSError, ValueError, Image.DecompressionBombError):
                continue  # the image is kept; the gallery shows a placeholder
            saved[-1] = SavedOutput(f"images/{name}", thumb_rel)
    except BaseException:
        delete_files(paths, [p for s in saved for p in (s.image, s.thumbnail) if p])
        raise
    return saved


def delete_files(paths: Paths, relative: list[str]) -> list[str]:
    """Remove files (relative to the data folder); returns the ones that could not be removed."""
    failed = []
    root = paths.data_dir.resolve()
    for rel in relative:
        target = (paths.data_dir / rel).resolve()
        if root not in target.parents:
            failed.append(rel)  # never delete outside the data folder
            continue
        try:
            target.unlink(missing_ok=True)
        except OSError:
            failed.append(rel)
    return failed
