"""Sampler backends and the sampling thread (fake NVML, the real psutil, the real pynvml)."""

from __future__ import annotations

import os
import threading
import time

import psutil
import pynvml
import pytest

from app.profiler.backends import (
    PsutilBackend,
    SystemStatsBackend,
    choose_backends,
    preview_backends,
)
from app.profiler.errors import BackendUnavailable
from app.profiler.nvml import GPU_LOAD_NOTE, NvmlBackend, open_nvml
from app.profiler.sampler import Sampler, clamp_interval_ms, take_sample
from tests.profiler.fake_nvml import GIB, FakeNvml


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        threading.Event().wait(0.005)


def test_real_pynvml_without_driver_degrades_with_a_note():
    # This machine has no NVIDIA driver: the REAL pynvml fails to init; that must be a note.
    with pytest.raises(BackendUnavailable, match="NVML skipped"):
        open_nvml()
    choice = choose_backends("http://127.0.0.1:1")
    try:
        assert [b.name for b in choice.backends] == ["psutil"]
        assert any("NVML skipped" in note for note in choice.notes)
        assert "NVML skipped" in choice.describe()
        assert "GPU load is not measured" in choice.describe()
    finally:
        choice.close()


def test_preview_says_which_backends_a_run_would_use_and_what_gpu_load_means():
    # No driver here: the real pynvml is skipped with its reason, VRAM comes from ComfyUI.
    text = preview_backends("http://127.0.0.1:1")
    assert text.startswith("psutil: ") and "/system_stats: VRAM as ComfyUI reports it" in text
    assert "NVML skipped" in text and "GPU load is not measured" in text
    fake = FakeNvml()
    text = preview_backends("http://127.0.0.1:1", nvml_api=fake)
    assert text.startswith("NVML: GPU 0 NVIDIA Fake 4090") and "/system_stats" not in text
    assert GPU_LOAD_NOTE in text  # the driver-side averaging window is said, every time
    assert fake.initialised == 0  # the preview released NVML
    remote = preview_backends("http://192.0.2.10:8188", nvml_api=FakeNvml())
    assert "another machine" in remote and "NVML:" not in remote


@pytest.mark.parametrize("code", [pynvml.NVML_ERROR_LIBRARY_NOT_FOUND,
                                  pynvml.NVML_ERROR_DRIVER_NOT_LOADED])
def test_fake_nvml_init_errors_are_notes(code):
    fake = FakeNvml(init_error=code)
    with pytest.raises(BackendUnavailable) as info:
        NvmlBackend(fake)
    assert "no NVIDIA GPU or driver" in str(info.value)


def test_nvml_backend_reads_memory_load_and_process_memory_at_most_2hz():
    fake = FakeNvml(used=3 * GIB, load=42.0, processes={4321: 2 * GIB})
    backend = NvmlBackend(fake, pid=4321, process_interval=0.5)
    try:
        values: dict = {}
        for tick in range(20):  # 20 ticks of 50 ms = 1 s of sampling
            backend.poll(100.0 + tick * 0.05, values)
        assert values["vram"] == 3 * GIB and values["vram_total"] == 24 * GIB
        assert values["gpu_load"] == 42.0 and values["process_vram"] == 2 * GIB
        assert fake.calls.count("memory") == 20
        assert fake.calls.count("processes") == 2  # t=100.0 and t=100.5
    finally:
        backend.close()
    assert fake.initialised == 0


def test_nvml_init_once_and_calls_serialised_across_threads():
    fake = FakeNvml()
    backends = [NvmlBackend(fake, pid=1, process_interval=0.0) for _ in range(3)]
    assert fake.initialised == 1

    def hammer(backend):
        values: dict = {}
        for i in range(200):
            backend.poll(float(i), values)

    threads = [threading.Thread(target=hammer, args=(b,)) for b in backends]
    threads.append(threading.Thread(  # a preview opening and closing NVML meanwhile
        target=lambda: [NvmlBackend(fake, pid=1).close() for _ in range(50)]))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.max_concurrent == 1  # no two NVML calls ever overlapped
    assert {"memory", "utilization", "processes", "handle"} <= set(fake.calls)
    for backend in backends:
        backend.close()
    assert fake.initialised == 0


def test_psutil_backend_reads_a_process_and_falls_back_to_system():
    values: dict = {}
    start = time.monotonic()
    backend = PsutilBackend(psutil.Process().pid)
    backend.poll(start, values)
    # Right after priming, a CPU % would be clock-tick rounding (it read 430 %): unknown.
    assert values["ram"] > 0 and values["cpu"] is None
    backend.poll(start + 10.0, values)
    assert values["cpu"] is not None
    first = values["cpu"]
    backend.poll(start + 10.01, values)  # a faster poll repeats the figure of the last window
    assert values["cpu"] == first
    assert "CPU in % of one core" in backend.detail  # a process can use several cores
    system: dict = {}
    backend = PsutilBackend(None)
    backend.poll(time.monotonic() + 0.05, system)
    assert "system-wide" in backend.detail and system["ram"] > 0 and system["cpu"] is not None


def test_system_stats_backend_polls_off_the_sampler_thread():
    from types import SimpleNamespace
    calls = []
    device = SimpleNamespace(vram_total=10 * GIB, vram_free=4 * GIB, torch_vram_total=3 * GIB,
                             torch_vram_free=1 * GIB)

    def fetch():
        calls.append(1)
        return SimpleNamespace(devices=[device], ram_total=64 * GIB, ram_free=40 * GIB)

    backend = SystemStatsBackend(fetch, interval=0.02).start()
    try:
        wait_until(lambda: len(calls) >= 3)
        values: dict = {}
        backend.poll(0.0, values)
        assert values == {"vram": 6 * GIB, "vram_total": 10 * GIB, "process_vram": 2 * GIB}
    finally:
        backend.close()
    remote = SystemStatsBackend(fetch, with_ram=True).start()  # psutil cannot see a remote host
    try:
        values = {}
        remote.poll(0.0, values)
        assert values["ram"] == 24 * GIB and "RAM" in remote.detail
    finally:
        remote.close()


def test_take_sample_survives_a_broken_backend():
    class Broken:
        name, detail = "broken", ""

        def poll(self, now, values):
            raise RuntimeError("boom")

    fake_backend = NvmlBackend(FakeNvml(used=5))
    try:
        sample = take_sample([Broken(), fake_backend], 1.5)
    finally:
        fake_backend.close()
    assert sample.t == 1.5 and sample.vram == 5


def test_sampler_thread_delivers_monotonic_batches():
    assert clamp_interval_ms(5) == 20 and clamp_interval_ms(5000) == 1000
    batches = []
    fake = NvmlBackend(FakeNvml(used=lambda t: int(t * 1000)))
    sampler = Sampler([fake], interval_ms=20, on_batch=batches.append, batch_interval=0.05)
    before = time.monotonic()
    sampler.start()
    wait_until(lambda: sum(len(b) for b in batches) >= 10)
    sampler.stop()
    fake.close()
    samples = [s for batch in batches for s in batch]
    assert samples == sampler.samples()  # every sample delivered exactly once, in order
    times = [s.t for s in samples]
    assert times == sorted(times) and times[0] >= before
    assert all(isinstance(b, tuple) for b in batches)
    assert not sampler.running


def test_nvml_follows_the_gpu_the_comfyui_process_uses():
    fake = FakeNvml(count=3, process_device=2, processes={777: GIB})
    backend = NvmlBackend(fake, pid=777)
    try:
        assert backend.device_index == 2 and backend.detail.startswith("GPU 2 ")
    finally:
        backend.close()
    other = NvmlBackend(fake, pid=None)
    try:
        assert other.device_index == 0
    finally:
        other.close()


@pytest.mark.integration
def test_a_local_comfyui_is_found_by_its_listening_port(fake_comfy):
    # The fake ComfyUI listens inside this test process: that is the PID to follow.
    pid = os.getpid()
    choice = choose_backends(fake_comfy.url, nvml_api=FakeNvml(processes={pid: 2 * GIB}))
    try:
        assert choice.pid == pid
        nvml, ps = choice.backends
        assert ps.detail.startswith(f"process {pid} ")
        assert nvml.detail.endswith(f"process {pid}")
        values: dict = {}
        nvml.poll(0.0, values)
        assert values["process_vram"] == 2 * GIB
    finally:
        choice.close()
