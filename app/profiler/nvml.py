"""NVML sampler backend (nvidia-ml-py's ``pynvml`` module) behind a small protocol.

The real backend calls ``pynvml``; tests pass a ``FakeNvml`` with the same functions. Every NVML
call goes through one lock (the library is not documented as thread-safe for our usage, and the
per-process query is slow), nvmlInit runs once per API object, and the per-process memory query
runs at most every ``process_interval`` seconds because it costs milliseconds.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from app.profiler.errors import BackendUnavailable

# Driver-side averaging window of nvmlDeviceGetUtilizationRates (NVML docs: 1/6 s to 1 s,
# depending on the product). The UI shows this so nobody reads 50 ms wiggles into it.
GPU_LOAD_WINDOW_S = (1 / 6, 1.0)
GPU_LOAD_NOTE = ("GPU load is the driver's average over the last 1/6 s to 1 s; repeated "
                 "readings are the same average, not finer detail.")


class NvmlApi(Protocol):
    """The part of pynvml the profiler uses (module functions keep their pynvml names)."""

    NVMLError: type[Exception]

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlDeviceGetName(self, handle: Any) -> str | bytes: ...
    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any: ...  # .used .total .free
    def nvmlDeviceGetUtilizationRates(self, handle: Any) -> Any: ...  # .gpu .memory
    def nvmlDeviceGetComputeRunningProcesses(self, handle: Any) -> list[Any]: ...
    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: Any) -> list[Any]: ...


def load_pynvml() -> NvmlApi:
    """The real NVML binding (imported lazily: it is only needed when a run starts)."""
    import pynvml

    return pynvml  # the module itself satisfies NvmlApi


class _InitCounter:
    """nvmlInit once per API object however many backends use it; shutdown with the last."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # also serialises every NVML call
        self._users: dict[int, int] = {}

    def acquire(self, api: NvmlApi) -> None:
        with self.lock:
            key = id(api)
            if not self._users.get(key):
                api.nvmlInit()
            self._users[key] = self._users.get(key, 0) + 1

    def release(self, api: NvmlApi) -> None:
        with self.lock:
            key = id(api)
            count = self._users.get(key, 0) - 1
            if count > 0:
                self._users[key] = count
                return
            self._users.pop(key, None)
            try:
                api.nvmlShutdown()
            except api.NVMLError:
                pass  # shutting down a half-dead driver: nothing left to release


_NVML = _InitCounter()


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class NvmlBackend:
    """Device memory and GPU load every tick; the ComfyUI process's GPU memory at most 2 Hz."""

    name = "NVML"
    provides = ("vram", "vram_total", "process_vram", "gpu_load")

    def __init__(self, api: NvmlApi, device_index: int | None = None, pid: int | None = None,
                 process_interval: float = 0.5) -> None:
        """Initialise NVML and open the device.

        Args:
            device_index: NVML index of the GPU; None picks the GPU where the ComfyUI process
                (``pid``) holds memory, else GPU 0. (Torch's cuda:N may not be NVML's N when
                CUDA_VISIBLE_DEVICES or CUDA_DEVICE_ORDER are set, so the process decides.)

        Raises:
            BackendUnavailable: no NVIDIA driver/library, or no such device. The message is the
                note the UI shows ("NVML skipped: ...").
        """
        self._api = api
        self._pid = pid
        self._process_interval = process_interval
        self._last_process_poll = float("-inf")
        self._process_vram: int | None = None
        try:
            _NVML.acquire(api)
        except api.NVMLError as exc:
            raise BackendUnavailable(f"NVML skipped: {exc} (no NVIDIA GPU or driver)") from exc
        try:
            with _NVML.lock:
                count = api.nvmlDeviceGetCount()
                if device_index is None:
                    device_index = self._device_of_process(count)
                if device_index >= count:
                    raise BackendUnavailable(
                        f"NVML skipped: GPU {device_index} requested, {count} present")
                self._handle = api.nvmlDeviceGetHandleByIndex(device_index)
                self.device_name = _text(api.nvmlDeviceGetName(self._handle))
        except (api.NVMLError, BackendUnavailable) as exc:
            _NVML.release(api)
            if isinstance(exc, BackendUnavailable):
                raise
            raise BackendUnavailable(f"NVML skipped: {exc}") from exc
        self._closed = False
        who = f"process {pid}" if pid else "device-wide (ComfyUI's PID unknown)"
        self.device_index = device_index
        self.detail = f"GPU {device_index} {self.device_name}: {who}"

    def _device_of_process(self, count: int) -> int:
        if not self._pid or count <= 1:
            return 0
        for index in range(count):
            handle = self._api.nvmlDeviceGetHandleByIndex(index)
            for query in (self._api.nvmlDeviceGetComputeRunningProcesses,
                          self._api.nvmlDeviceGetGraphicsRunningProcesses):
                if any(proc.pid == self._pid for proc in query(handle)):
                    return index
        return 0

    def poll(self, now: float, values: dict[str, float | int | None]) -> None:
        api = self._api
        try:
            with _NVML.lock:
                memory = api.nvmlDeviceGetMemoryInfo(self._handle)
                load = api.nvmlDeviceGetUtilizationRates(self._handle)
                if self._pid and now - self._last_process_poll >= self._process_interval:
                    self._last_process_poll = now
                    self._process_vram = self._query_process_memory()
        except api.NVMLError:
            return  # a transient driver error leaves this tick's GPU fields unknown
        values["vram"] = int(memory.used)
        values["vram_total"] = int(memory.total)
        values["gpu_load"] = float(load.gpu)
        if self._process_vram is not None:
            values["process_vram"] = self._process_vram

    def _query_process_memory(self) -> int | None:
        used = None
        for query in (self._api.nvmlDeviceGetComputeRunningProcesses,
                      self._api.nvmlDeviceGetGraphicsRunningProcesses):
            for proc in query(self._handle):
                if proc.pid == self._pid and proc.usedGpuMemory is not None:
                    used = max(used or 0, int(proc.usedGpuMemory))
        return used

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _NVML.release(self._api)


def open_nvml(api: NvmlApi | None = None, device_index: int | None = None,
              pid: int | None = None) -> NvmlBackend:
    """An NVML backend on the real driver (or ``api``); raises BackendUnavailable with a note."""
    if api is None:
        try:
            api = load_pynvml()
        except ImportError as exc:  # nvidia-ml-py missing from a trimmed install
            raise BackendUnavailable(f"NVML skipped: {exc}") from exc
    return NvmlBackend(api, device_index=device_index, pid=pid)
