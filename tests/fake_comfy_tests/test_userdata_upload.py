"""Userdata and upload answers replay the captured ones (userdata_api.json,
upload_image_response.json)."""

from __future__ import annotations

import io
import json

import requests
from PIL import Image

from tests.fake_comfy import reference

_VOLATILE = ("modified", "created")


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _sorted(value):
    return sorted(value, key=json.dumps) if isinstance(value, list) else value


def test_userdata_round_trip_matches_the_capture(fake_comfy):
    workflow = json.dumps(reference.load("workflow_ui_example.json")).encode()
    for case in reference.load("userdata_api.json"):
        method, url = case["method"], fake_comfy.url + case["url"]
        data = workflow if method == "POST" and "/move/" not in url else None
        response = requests.request(method, url, data=data, timeout=5)
        label = case.get("note") or case["url"]
        assert response.status_code == case["status"], label
        if "body" in case:
            assert _sorted(_strip(response.json())) == _sorted(_strip(case["body"])), label
        elif "body_text" in case and case["status"] != 404:
            assert response.text == case["body_text"], label
        if "len" in case:
            assert response.content == workflow, label
        if case["content_type"] and case["status"] != 404:
            assert response.headers["Content-Type"] == case["content_type"], label


def test_v2_listing_puts_directories_first(fake_comfy):
    url = fake_comfy.url + "/userdata/"
    requests.post(url + "workflows%2Fsub%2Fa.json", data=b"{}", timeout=5)
    requests.post(url + "workflows%2Fb.json", data=b"{}", timeout=5)
    listing = requests.get(fake_comfy.url + "/v2/userdata", params={"path": "workflows"},
                           timeout=5).json()
    assert [(e["name"], e["type"]) for e in listing] == [("sub", "directory"), ("b.json", "file")]


def test_userdata_refuses_paths_outside_the_user_folder(fake_comfy):
    response = requests.get(fake_comfy.url + "/userdata/..%2F..%2Fsecret.json", timeout=5)
    assert response.status_code == 403


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, format="PNG")
    return out.getvalue()


def _upload(fake, data: bytes, fields: dict, name: str = "red16.png") -> requests.Response:
    files = {"image": (name, data, "image/png")}
    return requests.post(fake.url + "/upload/image", files=files, data=fields, timeout=5)


def test_upload_cases_match_the_capture(fake_comfy):
    cases = {c["case"]: c for c in reference.load("upload_image_response.json")}
    red, other = _png((255, 0, 0)), _png((0, 0, 255))
    for name in ("first upload", "same name again, overwrite not set (auto-renamed?)",
                 "same name again, overwrite=true", "no subfolder, no type"):
        response = _upload(fake_comfy, red, cases[name]["form_fields"])
        assert (response.status_code, response.json()) == (200, cases[name]["body"]), name
    renamed = cases["same name, DIFFERENT content, overwrite not set -> auto-renamed"]
    response = _upload(fake_comfy, other, renamed["form_fields"])
    assert response.json() == renamed["body"]
    again = _upload(fake_comfy, other, renamed["form_fields"])
    assert again.json()["name"] == "red16 (1).png"  # identical content keeps its name
    escape = cases["subfolder path traversal attempt"]
    assert _upload(fake_comfy, red, escape["form_fields"]).status_code == 400
    no_image = requests.post(fake_comfy.url + "/upload/image", data={"type": "input"},
                             timeout=5)
    assert no_image.status_code == 400
    view = requests.get(fake_comfy.url + "/view", params={
        "filename": "red16.png", "subfolder": "desktop_test", "type": "input"}, timeout=5)
    assert (view.status_code, view.content) == (200, red)
    info = requests.get(fake_comfy.url + "/object_info/LoadImage", timeout=5).json()
    assert info["LoadImage"]["input"]["required"]["image"] == cases[
        "LoadImage image options after upload (GET /object_info/LoadImage)"]["image_input"]


def test_load_image_from_subfolder_runs_into_a_temp_preview(fake_comfy):
    _upload(fake_comfy, _png((255, 0, 0)), {"subfolder": "desktop_test"})
    body = reference.load("prompt_api_loadimage_preview.json")
    prompt_id = requests.post(fake_comfy.url + "/prompt", json=body,
                              timeout=5).json()["prompt_id"]
    assert fake_comfy.wait_idle(10)
    image = fake_comfy.history[prompt_id]["outputs"]["2"]["images"][0]
    assert image["type"] == "temp" and image["subfolder"] == ""
    assert image["filename"].startswith("ComfyUI_temp_")
    assert image["filename"].endswith("_00001_.png")
    view = requests.get(fake_comfy.url + "/view", params=image, timeout=5)
    assert Image.open(io.BytesIO(view.content)).size == (16, 16)


def test_load_image_of_a_missing_file_fails_validation(fake_comfy):
    body = reference.load("prompt_api_loadimage_preview.json")
    response = requests.post(fake_comfy.url + "/prompt", json=body, timeout=5)
    assert response.status_code == 400
    error = response.json()["node_errors"]["1"]["errors"][0]
    assert error["type"] == "custom_validation_failed"
    assert error["details"] == "image - Invalid image file: desktop_test/red16.png"


def test_settings_round_trip(fake_comfy):
    url = fake_comfy.url + "/settings"
    assert requests.get(url, timeout=5).json() == {}
    requests.post(url + "/Comfy.Theme", json="dark", timeout=5)
    assert requests.get(url + "/Comfy.Theme", timeout=5).json() == "dark"
    user_file = fake_comfy.url + "/userdata/comfy.settings.json"
    assert json.loads(requests.get(user_file, timeout=5).content) == {"Comfy.Theme": "dark"}
