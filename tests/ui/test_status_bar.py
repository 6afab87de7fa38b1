"""The status bar follows the active ComfyUI live: connected, gone, back — without a restart."""

from __future__ import annotations

import time

from tests.fake_comfy.scenario import GpuSpec


def _texts(window) -> str:
    bar = window.statusBar()
    return " | ".join(label.text() for label in
                      (bar.connection_label, bar.version_label, bar.queue_label, bar.gpu_label))


def test_status_bar_shows_version_and_gpu_then_disconnect_and_reconnect(make_window, qtbot,
                                                                          fake_comfy):
    fake_comfy.scenario.gpu = GpuSpec(name="cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync",
                                      vram_total=24 * 1024**3, vram_free=20 * 1024**3)
    window, _ctx = make_window(fake_comfy.url)
    qtbot.waitUntil(lambda: "ComfyUI connected:" in _texts(window)
                    and "ComfyUI 0.3.64" in _texts(window), timeout=5000)
    assert fake_comfy.url in _texts(window)
    qtbot.waitUntil(lambda: "RTX 4090" in _texts(window))
    assert "VRAM 4.0 GB / 24.0 GB" in _texts(window)
    assert "Queue: 0" in _texts(window)

    fake_comfy.stop()
    stopped = time.monotonic()
    qtbot.waitUntil(lambda: "disconnected" in _texts(window), timeout=2000)
    assert time.monotonic() - stopped < 2.0 + 0.5  # waitUntil above already bounds it at 2 s
    assert "ComfyUI 0.3.64" not in _texts(window)
    # The event loop keeps turning while ComfyUI is gone: a zero-timer still fires.
    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=1000):
        window.statusBar().showMessage("still responsive", 100)

    fake_comfy.start()
    qtbot.waitUntil(lambda: "ComfyUI connected:" in _texts(window), timeout=15000)
    assert "ComfyUI 0.3.64" in _texts(window)


def test_panels_say_when_comfyui_is_not_running(make_window, qtbot):
    window, ctx = make_window()
    qtbot.waitUntil(lambda: "disconnected" in _texts(window), timeout=5000)
    assert ctx.backends.active_url in _texts(window)
    assert "connection refused" in _texts(window)
