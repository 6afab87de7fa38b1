"""/system_stats parsed into plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeviceStats:
    """One compute device as ComfyUI reports it (bytes for every memory figure)."""

    name: str
    type: str
    index: int | None
    vram_total: int
    vram_free: int
    torch_vram_total: int
    torch_vram_free: int


@dataclass(frozen=True)
class SystemStats:
    """The parts of /system_stats the app uses, plus the raw answer for the rest."""

    comfyui_version: str
    python_version: str
    pytorch_version: str
    devices: list[DeviceStats]
    ram_total: int = 0
    ram_free: int = 0
    os: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_system_stats(data: Any) -> SystemStats:
    """Build :class:`SystemStats` from the JSON of GET /system_stats (tolerant of gaps)."""
    data = data if isinstance(data, dict) else {}
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    devices = []
    for dev in data.get("devices") or []:
        if not isinstance(dev, dict):
            continue
        index = dev.get("index")
        devices.append(
            DeviceStats(
                name=str(dev.get("name", "")),
                type=str(dev.get("type", "")),
                index=index if isinstance(index, int) else None,
                vram_total=_int(dev.get("vram_total")),
                vram_free=_int(dev.get("vram_free")),
                torch_vram_total=_int(dev.get("torch_vram_total")),
                torch_vram_free=_int(dev.get("torch_vram_free")),
            )
        )
    return SystemStats(
        comfyui_version=str(system.get("comfyui_version", "")),
        python_version=str(system.get("python_version", "")),
        pytorch_version=str(system.get("pytorch_version", "")),
        devices=devices,
        ram_total=_int(system.get("ram_total")),
        ram_free=_int(system.get("ram_free")),
        os=str(system.get("os", "")),
        raw=data,
    )
