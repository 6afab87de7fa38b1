"""Real image files: SaveImage/PreviewImage PNGs and JPEG preview frames."""

from __future__ import annotations

import io
import json
import os
import re
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}


class OutsideFolderError(Exception):
    """A filename_prefix that would write outside the output folder."""


def _colour(seed: Any, index: int) -> tuple[int, int, int]:
    value = (zlib.crc32(str(seed).encode()) + index * 7919) & 0xFFFFFF
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def png_bytes(width: int, height: int, seed: Any = 0, index: int = 0,
              text: dict[str, str] | None = None) -> bytes:
    """A small real PNG of the requested size; ``text`` becomes tEXt chunks."""
    image = Image.new("RGB", (max(1, int(width)), max(1, int(height))), _colour(seed, index))
    info = PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, compress_level=1)
    return out.getvalue()


@lru_cache(maxsize=32)
def preview_jpeg(width: int, height: int, size: int, step: int) -> bytes:
    """A JPEG preview scaled up to fit ``size`` like ComfyUI's --preview-size."""
    scale = size / max(1, max(width, height))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    image = Image.new("RGB", (w, h), _colour("preview", step))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=60)
    return out.getvalue()


def save_path(output_dir: Path, prefix: str) -> tuple[Path, str, str, int]:
    """(folder, file base name, subfolder, next counter) for a SaveImage prefix.

    Like ComfyUI: the prefix may contain sub folders; the counter continues after the
    highest ``<base>_NNNNN_`` file already in that folder.
    """
    prefix = prefix.replace("\\", "/")
    subfolder, _, base = prefix.rpartition("/")
    folder = (output_dir / subfolder).resolve()
    root = output_dir.resolve()
    if os.path.commonpath([root, folder]) != str(root):
        raise OutsideFolderError(
            "**** ERROR: Saving image outside the output folder is not allowed."
            f"\n full_output_folder: {folder}\n         output_dir: {root}")
    pattern = re.compile(re.escape(base) + r"_(\d{5,})_")
    highest = 0
    if folder.is_dir():
        for entry in folder.iterdir():
            match = pattern.match(entry.name)
            if match:
                highest = max(highest, int(match.group(1)))
    rel = "" if folder == root else folder.relative_to(root).as_posix()
    return folder, base, rel, highest + 1


def write_images(folder_root: Path, prefix: str, kind: str, spec: dict[str, Any],
                 text: dict[str, str] | None) -> list[dict[str, str]]:
    """Write ``spec['batch']`` PNGs and return ComfyUI's ``images`` UI entries."""
    folder, base, subfolder, counter = save_path(folder_root, prefix)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for index in range(int(spec.get("batch", 1))):
        name = f"{base}_{counter:05}_.png"
        data = png_bytes(spec.get("width", 64), spec.get("height", 64),
                         spec.get("seed", 0), index, text)
        (folder / name).write_bytes(data)
        entries.append({"filename": name, "subfolder": subfolder, "type": kind})
        counter += 1
    return entries


def png_text(prompt: dict[str, Any], extra_data: dict[str, Any]) -> dict[str, str]:
    """The tEXt chunks SaveImage embeds: the API prompt and each extra_pnginfo entry."""
    text = {"prompt": json.dumps(prompt)}
    for key, value in (extra_data.get("extra_pnginfo") or {}).items():
        text[key] = json.dumps(value)
    return text


def image_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError):
        return None
