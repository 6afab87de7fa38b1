"""ComfyUI-Manager client against the fake server's captured Manager routes."""

from __future__ import annotations

import pytest

from app.comfy.client import ComfyClient
from app.comfy.errors import ManagerError
from app.comfy.manager import ManagerClient

pytestmark = pytest.mark.integration


@pytest.fixture
def manager(fake_comfy):
    client = ComfyClient(fake_comfy.url, timeout=10.0)
    yield ManagerClient(client)
    client.close()


def test_v3_manager_is_probed_and_lists_packs(manager, fake_comfy):
    assert manager.probe() == "v1"
    assert manager.version() == "V3.41"
    packs = manager.getlist()
    assert len(packs) > 5000
    assert any(p.get("state") == "enabled" for p in packs.values())
    mappings = manager.getmappings()
    some_nodes, meta = next(iter(mappings.values()))
    assert isinstance(some_nodes, list) and "title_aux" in meta
    assert manager.queue_status().idle


def test_install_refused_by_the_security_level_is_a_clear_error(manager):
    with pytest.raises(ManagerError, match="security"):
        manager.queue_install(
            {
                "id": "bogus-pack",
                "version": "1.0.0",
                "selected_version": "latest",
                "ui_id": "u1",
                "channel": "default",
                "mode": "local",
            }
        )


def test_install_queue_runs_when_the_manager_accepts(manager, fake_comfy):
    fake_comfy.scenario.manager.accepting = True
    manager.queue_reset()
    manager.queue_install(
        {
            "id": "comfyui-impact-pack",
            "version": "8.0",
            "selected_version": "latest",
            "ui_id": "u2",
            "channel": "default",
            "mode": "local",
        }
    )
    manager.queue_start()
    assert fake_comfy.manager_installs[0]["id"] == "comfyui-impact-pack"
    resets = [r for r in fake_comfy.requests if r.path == "/manager/queue/reset"]
    assert resets[0].headers["Content-Type"] == "application/json"


def test_v2_manager_and_no_manager(fake_comfy):
    fake_comfy.scenario.manager.mode = "v2"
    client = ComfyClient(fake_comfy.url)
    manager = ManagerClient(client)
    assert manager.probe() == "v2"
    assert manager.getmappings()
    assert manager.queue_status().total_count == 0
    fake_comfy.scenario.manager.mode = None
    client.drop_cache()
    absent = ManagerClient(client)
    assert absent.probe() is None and not absent.available
    with pytest.raises(ManagerError, match="not installed"):
        absent.getlist()
