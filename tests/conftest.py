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

from tests.fake_comfy.fixtures import _fake_comfy_session, fake_comfy, fake_comfy_factory  # noqa: E402, F401, E501
