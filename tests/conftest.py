"""Shared test set-up: offscreen Qt, a throw-away data folder, and the gui marker."""

from __future__ import annotations

import os

# Must happen before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHONFAULTHANDLER", "1")

import pytest


@pytest.fixture(autouse=True)
def comfydesk_home(tmp_path, monkeypatch):
    """Every test gets its own data folder; the developer's real data is never touched."""
    home = tmp_path / "comfydesk-home"
    home.mkdir()
    monkeypatch.setenv("COMFYDESK_HOME", str(home))
    monkeypatch.delenv("COMFYDESK_DB_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return home


@pytest.fixture(autouse=True)
def _isolated_qsettings(request, tmp_path):
    """Point QSettings at the test's folder when the test uses Qt at all."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "qsettings"))
    yield


def pytest_collection_modifyitems(items):
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "qtbot" in names or "qapp" in names:
            item.add_marker(pytest.mark.gui)

from tests.fake_comfy.fixtures import _fake_comfy_session, fake_comfy, fake_comfy_factory  # noqa: E402, F401


def _running_qthreads() -> list[str]:
    import gc

    from PySide6.QtCore import QThread

    running = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QThread) and obj.isRunning() and obj is not QThread.currentThread():
                running.append(obj.objectName() or type(obj).__name__)
        except RuntimeError:  # the C++ side is already gone
            continue
    return running


def _stream_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate()
            if t.name.startswith("comfy-stream") and t.is_alive()]


@pytest.fixture(autouse=True)
def _no_leaked_threads(request):
    """A QThread or an event-stream thread still running after a test is a leak (STYLE 17)."""
    before = set(_stream_threads())
    yield
    is_gui = request.node.get_closest_marker("gui") is not None
    if not is_gui and not set(_stream_threads()) - before:
        return
    import time

    deadline = time.monotonic() + 3.0
    leaked: list[str] = []
    while time.monotonic() < deadline:
        leaked = [name for name in _stream_threads() if name not in before]
        if is_gui:
            leaked += _running_qthreads()
        if not leaked:
            return
        time.sleep(0.05)  # fixture-side grace period for threads that are already stopping
    pytest.fail(f"threads left running after the test: {', '.join(leaked)}", pytrace=False)
