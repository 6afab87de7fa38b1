"""Building the real main window against a throw-away data folder and a chosen ComfyUI."""

from __future__ import annotations

import socket

import pytest

from app.config import Backend, Settings, SettingsStore, resolve_paths


def closed_port_url() -> str:
    """An address on this machine where nothing listens (ComfyUI "not running")."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def make_window(qtbot):
    """``make_window(backend_url)`` -> (window, ctx); everything is shut down after the test."""
    from app.ui.application import make_application
    from app.ui.context import build_context
    from app.ui.main_window import MainWindow

    built = []

    def factory(*backend_urls: str, start_backends: bool = True):
        make_application()
        paths = resolve_paths().ensure()
        urls = list(backend_urls) or [closed_port_url()]
        SettingsStore(paths.settings_file).save(
            Settings(backends=[Backend(url) for url in urls], active_backend=urls[0]))
        ctx = build_context(paths, start_backends=start_backends)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        built.append((window, ctx))
        return window, ctx

    yield factory
    for window, ctx in built:
        window.close()
        ctx.shutdown()
