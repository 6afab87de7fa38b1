"""One measurement of the machine, stamped with the websocket events' clock (time.monotonic)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Protocol

# Fields a backend may fill; None means "this backend does not know".
METRICS = ("vram", "vram_total", "process_vram", "gpu_load", "cpu", "ram")


@dataclass(frozen=True, slots=True)
class Sample:
    """A reading at monotonic time ``t``.

    Attributes:
        t: ``time.monotonic()`` when the reading was taken (the same clock as event ``received``).
        vram: device memory in use, bytes (NVML device-wide, or total-free from /system_stats).
        vram_total: device memory size, bytes.
        process_vram: the ComfyUI process's own GPU memory, bytes (NVML, refreshed <= 2 Hz).
        gpu_load: GPU core utilisation, percent. A driver-side average over 1/6 s to 1 s,
            so consecutive readings repeat; it is not finer than that window.
        cpu: CPU percent of the ComfyUI process (or of the whole system when its PID is unknown).
        ram: resident memory of the ComfyUI process (or used system memory), bytes.
    """

    t: float
    vram: int | None = None
    vram_total: int | None = None
    process_vram: int | None = None
    gpu_load: float | None = None
    cpu: float | None = None
    ram: int | None = None

    def shifted(self, offset: float) -> Sample:
        return replace(self, t=self.t + offset)


SAMPLE_FIELDS = tuple(f.name for f in fields(Sample))


class SamplerBackend(Protocol):
    """A source of readings. ``poll`` runs on the sampler thread and must be quick."""

    name: str
    #: One line for the UI, e.g. "process 1234 (python)" or "system-wide: ComfyUI's PID unknown".
    detail: str
    #: The Sample fields this backend fills (the UI says what is not measured).
    provides: tuple[str, ...]

    def poll(self, now: float, values: dict[str, float | int | None]) -> None:
        """Fill the metrics this backend knows into ``values``."""

    def close(self) -> None:
        """Release what ``poll`` used (NVML handle, HTTP session, helper thread)."""
