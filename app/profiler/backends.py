"""psutil and /system_stats sampler backends, and the automatic choice of backends for a URL."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psutil

from app.profiler.errors import BackendUnavailable
from app.profiler.nvml import GPU_LOAD_NOTE, NvmlApi, open_nvml
from app.profiler.samples import SamplerBackend

log = logging.getLogger(__name__)


# CPU times advance in clock ticks (10 ms on Linux): a CPU % over a shorter window is mostly
# rounding (a 5 ms window reads 0 % or 400 %). Faster polls repeat the last figure.
MIN_CPU_WINDOW = 0.045


class PsutilBackend:
    """CPU % and resident memory of the ComfyUI process, or of the whole system without a PID."""

    name = "psutil"
    provides = ("cpu", "ram")

    def __init__(self, pid: int | None = None) -> None:
        self._process: psutil.Process | None = None
        self._cpu_at = time.monotonic()  # the counters are primed below
        self._cpu: float | None = None
        if pid is not None:
            try:
                self._process = psutil.Process(pid)
                self._process.cpu_percent(None)  # primes the counter; the first answer is 0.0
                self.detail = (f"process {pid} ({self._process.name()}), CPU in % of one core "
                               f"(up to {100 * (psutil.cpu_count() or 1)} %)")
            except (psutil.NoSuchProcess, psutil.AccessDenied) as exc:
                self._process = None
                self.detail = f"system-wide (process {pid} unreadable: {exc.__class__.__name__})"
        if self._process is None:
            psutil.cpu_percent(None)
            if pid is None:
                self.detail = ("system-wide, CPU in % of all cores (ComfyUI's process is not on "
                               "this machine or not found)")

    def poll(self, now: float, values: dict[str, float | int | None]) -> None:
        fresh = now - self._cpu_at >= MIN_CPU_WINDOW
        if self._process is not None:
            try:
                with self._process.oneshot():
                    if fresh:
                        self._cpu, self._cpu_at = self._process.cpu_percent(None), now
                    values["ram"] = self._process.memory_info().rss
                values["cpu"] = self._cpu  # None until the first full window
                return
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                self._process = None  # ComfyUI went away: fall back to system-wide figures
                self.detail = "system-wide (the ComfyUI process ended)"
        if fresh:
            self._cpu, self._cpu_at = psutil.cpu_percent(None), now
        values["cpu"] = self._cpu
        values["ram"] = psutil.virtual_memory().used

    def close(self) -> None:
        self._process = None


@dataclass
class SystemStatsBackend:
    """VRAM as ComfyUI reports it on /system_stats, polled on a helper thread.

    An HTTP round trip must never delay the sampler's tick, so a small thread polls every
    ``interval`` seconds and ``poll`` only copies the latest answer.
    """

    fetch: Callable[[], object]  # ComfyClient.system_stats
    interval: float = 0.5
    device_index: int = 0
    #: Also report the ComfyUI machine's used RAM (system-wide): for a remote ComfyUI, where
    #: psutil cannot see its process.
    with_ram: bool = False
    name: str = "/system_stats"
    detail: str = "VRAM as ComfyUI reports it"
    provides: tuple[str, ...] = ("vram", "vram_total", "process_vram")

    def __post_init__(self) -> None:
        if self.with_ram:
            self.detail = "VRAM and the machine's used RAM as ComfyUI reports them"
            self.provides = (*self.provides, "ram")
    _latest: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> SystemStatsBackend:
        self._read_once()
        self._thread = threading.Thread(target=self._loop, name="profiler-system-stats",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._read_once()

    def _read_once(self) -> None:
        try:
            stats = self.fetch()
            devices = stats.devices
            device = devices[min(self.device_index, len(devices) - 1)]
        except Exception as exc:  # any failure only means "no reading this time"
            log.debug("system_stats poll failed: %s", exc)
            return
        latest = {
            "vram": int(device.vram_total - device.vram_free),
            "vram_total": int(device.vram_total),
            "process_vram": int(device.torch_vram_total - device.torch_vram_free),
        }
        if self.with_ram and stats.ram_total:
            latest["ram"] = int(stats.ram_total - stats.ram_free)
        self._latest = latest

    def poll(self, now: float, values: dict[str, float | int | None]) -> None:
        values.update(self._latest)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 12)


def is_local_url(url: str) -> bool:
    """True when the backend URL points at this machine (loopback or one of its addresses)."""
    host = urlsplit(url).hostname or ""
    if host in ("localhost", ""):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.gethostbyname(host))
        except OSError:
            return False
    if address.is_loopback:
        return True
    try:
        own = {a.address for addrs in psutil.net_if_addrs().values() for a in addrs}
    except OSError:
        return False
    return str(address) in own


def find_listening_pid(port: int) -> int | None:
    """PID of the process listening on TCP ``port`` here, or None (unknown, or not allowed)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return conn.pid
    return None


@dataclass
class BackendChoice:
    """The backends picked for a run, plus the notes the UI shows (e.g. why NVML is absent)."""

    backends: list[SamplerBackend]
    notes: list[str]
    pid: int | None

    def describe(self) -> str:
        """One line for the UI and the run record: backends, notes, what GPU load means."""
        parts = [f"{b.name}: {b.detail}" for b in self.backends]
        if any("gpu_load" in getattr(b, "provides", ()) for b in self.backends):
            gpu = GPU_LOAD_NOTE
        else:
            gpu = "GPU load is not measured (it needs NVML on the machine running ComfyUI)."
        return "; ".join(parts + self.notes) + ". " + gpu

    def close(self) -> None:
        for backend in self.backends:
            backend.close()


def choose_backends(url: str, system_stats: Callable[[], object] | None = None,
                    nvml_api: NvmlApi | None = None, use_nvml: bool = True,
                    start: bool = True) -> BackendChoice:
    """Pick NVML, psutil and /system_stats for the ComfyUI at ``url``.

    Local ComfyUI: NVML (when a driver is present) + psutil on its PID. Remote ComfyUI, or no
    NVML: /system_stats gives VRAM as ComfyUI sees it. A missing GPU is a note, never an error.
    ``start=False`` only says what would be used (the /system_stats poller is not started):
    the dock shows it before a run. Close the choice either way.
    """
    parts = urlsplit(url)
    local = is_local_url(url)
    pid = find_listening_pid(parts.port or 80) if local else None
    backends: list[SamplerBackend] = []
    notes: list[str] = []
    nvml_ok = False
    if local and use_nvml:
        try:
            backends.append(open_nvml(nvml_api, pid=pid))
            nvml_ok = True
        except BackendUnavailable as exc:
            notes.append(str(exc))
    elif not local:
        notes.append("ComfyUI is on another machine: NVML and process figures are not available")
    if local:
        backends.append(PsutilBackend(pid))
    if system_stats is not None and not nvml_ok:
        stats = SystemStatsBackend(system_stats, with_ram=not local)
        backends.append(stats.start() if start else stats)
    return BackendChoice(backends, notes, pid)


def preview_backends(url: str, nvml_api: NvmlApi | None = None, use_nvml: bool = True) -> str:
    """What a run on ``url`` would sample with, as one line (opens and closes the backends)."""
    choice = choose_backends(url, system_stats=_no_stats, nvml_api=nvml_api, use_nvml=use_nvml,
                             start=False)
    try:
        return choice.describe()
    finally:
        choice.close()


def _no_stats() -> object:  # a preview never polls /system_stats
    raise BackendUnavailable("preview")
