"""Builders for pools and zips laid out exactly as ComfyUI-Dataset-Gates writes them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from PIL import Image


def png_bytes(color=(200, 30, 30), size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def mask_bytes(size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(color=(10, 200, 30), size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def webp_bytes(size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, "WEBP")
    return buffer.getvalue()


def write_pack_pool(base: Path, pool_id: str, count: int = 2, masks=(0,), labels=None) -> Path:
    """A pool folder as the pack leaves it: img_NNNN.png, img_NNNN.mask.png, manifest indent=2."""
    folder = base / pool_id
    folder.mkdir(parents=True, exist_ok=True)
    slots = []
    for i in range(count):
        name = f"img_{i + 1:04d}.png"
        (folder / name).write_bytes(png_bytes((i * 20 % 256, 50, 90)))
        mask = None
        if i in masks:
            mask = name.replace(".png", ".mask.png")
            (folder / mask).write_bytes(mask_bytes())
        label = (labels or {}).get(i, "")
        slots.append({"image": name, "mask": mask, "label": label, "added": 1718960000 + i})
    manifest = {"active": 0, "slots": slots, "next_seq": count + 1}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def write_pack_registry(base: Path, entries: list[tuple[str, str]]) -> None:
    registry = {"profiles": [{"id": i, "name": n, "created": 1718960000} for i, n in entries]}
    base.mkdir(parents=True, exist_ok=True)
    (base / "profiles.json").write_text(json.dumps(registry, indent=2), encoding="utf-8")


def write_pack_zip(folder: Path, name: str, dest: Path) -> Path:
    """The pack's export_profile: DEFLATED, profile_meta.json first, files under pool/."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("profile_meta.json", json.dumps({"name": name}))
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, arcname=str(Path("pool") / path.relative_to(folder)))
    return dest


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
