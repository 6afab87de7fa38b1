"""Profiles through the pack's /grid_pool routes on the fake ComfyUI (no ComfyUI folder)."""

from __future__ import annotations

import json
import zipfile

import pytest

from app.profiles.backend import open_profiles
from app.profiles.errors import (
    ComfyFolderMissing,
    ProfileNameTaken,
    RemoteError,
    RemoteUnsupported,
)
from app.profiles.remote import RemoteProfiles
from tests.profiles.helpers import png_bytes, tree_bytes, write_pack_pool, write_pack_zip
from tests.ui.conftest import closed_port_url

pytestmark = pytest.mark.integration


@pytest.fixture
def remote(fake_comfy, tmp_path):
    return RemoteProfiles(fake_comfy.url, tmp_path / "trash")


def server_registry(fake_comfy):
    return json.loads((fake_comfy.input_dir / "grid_pool" / "profiles.json").read_text())


def test_backend_choice(fake_comfy, tmp_path):
    assert isinstance(open_profiles(None, tmp_path, fake_comfy.url), RemoteProfiles)
    fake_comfy.state.grid_pool_enabled = False  # a ComfyUI without the pack
    try:
        with pytest.raises(ComfyFolderMissing, match="ComfyUI folder"):
            open_profiles(None, tmp_path, fake_comfy.url)
    finally:
        fake_comfy.state.grid_pool_enabled = True


def test_profile_operations_over_http(remote, fake_comfy, tmp_path):
    a = remote.create("faces")
    with pytest.raises(ProfileNameTaken):
        remote.create("faces")
    assert server_registry(fake_comfy)["profiles"][0]["id"] == a.id
    image = tmp_path / "x.png"
    image.write_bytes(png_bytes())
    view = remote.add_images(a.id, [image, image])
    assert [s.image for s in view.slots] == ["img_0001.png", "img_0002.png"]
    assert remote.read_image(a.id, "img_0001.png") == png_bytes()
    assert remote.set_label(a.id, 1, "side").slots[1].label == "side"
    assert remote.set_active(a.id, 1).active == 1
    reordered = remote.reorder(a.id, [1, 0])
    assert [s.image for s in reordered.slots] == ["img_0002.png", "img_0001.png"]
    assert reordered.active == 0  # the active image (img_0002) keeps being the active one
    copy = remote.duplicate(a.id)
    assert copy.name == "faces (2)"
    renamed = remote.rename(copy.id, "copy")
    assert renamed.name == "copy"
    assert [(r.name, r.images) for r in remote.list_profiles()] == [("faces", 2), ("copy", 2)]
    assert len(remote.remove_images(a.id, [0, 1]).slots) == 0
    posted = [r.path for r in fake_comfy.requests if r.method == "POST"]
    assert "/grid_pool/profiles/create" in posted and "/grid_pool/reorder" in posted
    with pytest.raises(RemoteUnsupported):
        remote.adopt("x", "y")


def test_export_import_and_undo_delete_over_http(remote, fake_comfy, tmp_path):
    folder = write_pack_pool(tmp_path / "elsewhere", "p", count=2, masks=(0,))
    entry = remote.import_zip(write_pack_zip(folder, "travel", tmp_path / "t.zip"))
    assert entry.name == "travel"
    on_server = fake_comfy.input_dir / "grid_pool" / entry.id
    assert tree_bytes(on_server) == tree_bytes(folder)
    out = remote.export(entry.id, tmp_path / "back.zip")
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("profile_meta.json")) == {"name": "travel"}
    remote.delete(entry.id)
    assert not on_server.exists()
    restored = remote.undo_delete()
    assert restored.name == "travel"
    assert tree_bytes(fake_comfy.input_dir / "grid_pool" / restored.id) == tree_bytes(folder)


def test_a_hostile_zip_is_refused_before_upload(remote, fake_comfy, tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("pool/../../evil.png", b"x")
    with pytest.raises(Exception, match=r"\.\."):
        remote.import_zip(bad)
    assert not any(r.path == "/grid_pool/profiles/import" for r in fake_comfy.requests)


def test_a_comfyui_that_went_away_gives_one_clear_message_and_leaves_nothing(
    remote, fake_comfy, tmp_path
):
    entry = remote.create("soon gone")
    remote.base_url = closed_port_url()  # the server stopped between two clicks
    with pytest.raises(RemoteError) as info:
        remote.delete(entry.id)  # it exports a copy for Undo first: that fails
    message = str(info.value)
    assert "is not answering (connection refused)" in message
    assert "Max retries" not in message  # no urllib3 internals
    assert not remote.can_undo
    assert list((tmp_path / "trash").glob("*")) == []  # no half-written copy
    remote.base_url = fake_comfy.url
    assert remote.get("soon gone").id == entry.id  # still there on the server
