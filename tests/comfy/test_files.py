"""Userdata, upload and view round trips against the fake ComfyUI server."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.comfy.client import ComfyClient
from app.comfy.errors import ComfyHTTPError, ComfyNotFound

pytestmark = pytest.mark.integration


@pytest.fixture
def client(fake_comfy):
    client = ComfyClient(fake_comfy.url, timeout=5.0)
    yield client
    client.close()


def _png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


def test_userdata_round_trip_with_subfolders_and_odd_names(client, fake_comfy):
    assert client.userdata_list("workflows") == []  # folder absent: empty, not an error
    path = "workflows/sub dir/mein Ablauf ü #1.json"
    data = '{"nodes": [], "note": "ü"}'.encode()
    client.userdata_write(path, data)
    assert client.userdata_read(path) == data
    assert client.userdata_list("workflows") == ["sub dir/mein Ablauf ü #1.json"]
    assert client.userdata_list("workflows", recurse=False) == []
    raw = next(r.raw_path for r in fake_comfy.requests if r.method == "POST")
    assert "%2F" in raw  # the path travels as ONE segment
    with pytest.raises(ComfyHTTPError) as caught:
        client.userdata_write(path, b"{}", overwrite=False)
    assert caught.value.status == 409
    client.userdata_write(path, b"{}")
    assert client.userdata_read(path) == b"{}"
    client.userdata_delete(path)
    with pytest.raises(ComfyNotFound):
        client.userdata_read(path)


def test_upload_image_names_and_view(client):
    red, blue = _png("red"), _png("blue")
    first = client.upload_image(red, "red16.png", subfolder="desktop_test")
    assert first == {"name": "red16.png", "subfolder": "desktop_test", "type": "input"}
    assert client.upload_image(red, "red16.png", subfolder="desktop_test")["name"] == "red16.png"
    renamed = client.upload_image(blue, "red16.png", subfolder="desktop_test")
    assert renamed["name"] == "red16 (1).png"
    replaced = client.upload_image(blue, "red16.png", subfolder="desktop_test", overwrite=True)
    assert replaced["name"] == "red16.png"
    assert client.view("red16.png", "desktop_test", "input") == blue
    with pytest.raises(ComfyHTTPError) as caught:
        client.upload_image(red, "x.png", subfolder="../escape")
    assert caught.value.status == 400
    with pytest.raises(ComfyNotFound):
        client.view("nope.png", "", "output")
