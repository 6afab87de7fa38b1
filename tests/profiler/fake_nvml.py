"""A stand-in for the NVIDIA driver with pynvml's function names (the far side of the boundary).

Errors are the REAL pynvml exception classes, so the backend's handling is exercised exactly as
on a machine without a GPU (pynvml imports fine without a driver; only nvmlInit fails).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import pynvml

GIB = 1024 ** 3


class FakeNvml:
    NVMLError = pynvml.NVMLError

    def __init__(self, total: int = 24 * GIB, used: Callable[[float], int] | int = GIB,
                 load: Callable[[float], float] | float = 0.0, processes: dict | None = None,
                 init_error: int | None = None, name: str = "NVIDIA Fake 4090",
                 count: int = 1, process_device: int = 0) -> None:
        self.total = total
        self.used = used
        self.load = load
        self.processes = processes or {}  # pid -> used bytes
        self.init_error = init_error
        self.name = name
        self.count = count
        self.process_device = process_device  # the GPU whose process list holds `processes`
        self.calls: list[str] = []
        self.initialised = 0
        self.concurrent = 0
        self.max_concurrent = 0
        self._guard = threading.Lock()

    def _enter(self, name: str) -> None:
        with self._guard:
            self.calls.append(name)
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)

    def _leave(self) -> None:
        with self._guard:
            self.concurrent -= 1

    def _value(self, value):
        return value(time.monotonic()) if callable(value) else value

    def _call(self, name: str, result: Callable[[], object]):
        """Every NVML entry point is counted and checked for overlapping callers."""
        self._enter(name)
        try:
            return result()
        finally:
            self._leave()

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)  # the real subclass, e.g. ..._DriverNotLoaded
        self._call("init", lambda: None)
        self.initialised += 1

    def nvmlShutdown(self) -> None:
        self._call("shutdown", lambda: None)
        self.initialised -= 1

    def nvmlDeviceGetCount(self) -> int:
        return self._call("count", lambda: self.count)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> object:
        if not 0 <= index < self.count:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_INVALID_ARGUMENT)
        return self._call("handle", lambda: ("handle", index))

    def nvmlDeviceGetName(self, handle) -> str:
        return self._call("name", lambda: self.name)

    def nvmlDeviceGetMemoryInfo(self, handle):
        self._enter("memory")
        try:
            used = int(self._value(self.used))
            return SimpleNamespace(used=used, total=self.total, free=self.total - used)
        finally:
            self._leave()

    def nvmlDeviceGetUtilizationRates(self, handle):
        return self._call("utilization",
                          lambda: SimpleNamespace(gpu=self._value(self.load), memory=0))

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        self._enter("processes")
        try:
            if handle[1] != self.process_device:
                return []
            return [SimpleNamespace(pid=pid, usedGpuMemory=mem)
                    for pid, mem in self.processes.items()]
        finally:
            self._leave()

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle):
        return self._call("graphics processes", list)
