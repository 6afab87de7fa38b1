"""With no ComfyUI running, panels that need it say so in words, with the address they tried."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def _banner(dock) -> QLabel:
    return dock.findChild(QLabel, "connection_banner")


def test_generate_and_profiler_say_comfyui_is_not_reachable(make_window, qtbot):
    window, ctx = make_window()
    url = ctx.backends.active_url
    for dock in (window.generate_dock, window.profiler_dock):
        banner = _banner(dock)
        qtbot.waitUntil(lambda b=banner, d=dock: b.isVisibleTo(d), timeout=5000)
        assert f"ComfyUI is not reachable at {url}" in banner.text()
        assert "connection refused" in banner.text()


def test_banner_goes_away_when_comfyui_comes_back(make_window, qtbot, fake_comfy):
    fake_comfy.stop()
    window, _ctx = make_window(fake_comfy.url)
    banner = _banner(window.generate_dock)
    qtbot.waitUntil(lambda: banner.isVisibleTo(window.generate_dock), timeout=5000)
    fake_comfy.start()
    qtbot.waitUntil(lambda: not banner.isVisibleTo(window.generate_dock), timeout=15000)
