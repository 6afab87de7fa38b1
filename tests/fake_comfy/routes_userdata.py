"""Userdata (workflows in user/default), settings, users and image/mask upload."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image

from tests.fake_comfy.state import STATE, ServerState

SETTINGS_FILE = "comfy.settings.json"


def _state(request: web.Request) -> ServerState:
    return request.app[STATE]


def _inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it stays inside ``root`` (ComfyUI answers 403 otherwise)."""
    base = root.resolve()
    target = (base / relative).resolve()
    if os.path.commonpath([base, target]) != str(base):
        return None
    return target


def _file_info(path: Path, root: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"path": path.relative_to(root.resolve()).as_posix(), "size": stat.st_size,
            "modified": stat.st_mtime, "created": stat.st_ctime}


def _user_path(request: web.Request, param: str = "file") -> Path | web.Response:
    name = request.match_info.get(param, "")
    if not name:
        return web.Response(status=400)
    path = _inside(_state(request).user_dir, name)
    return web.Response(status=403) if path is None else path


async def list_userdata(request: web.Request) -> web.Response:
    directory = request.query.get("dir", "")
    if not directory:
        return web.Response(status=400, text="Directory not provided")
    root = _inside(_state(request).user_dir, directory)
    if root is None:
        return web.Response(status=403, text="Invalid directory")
    if not root.exists():
        return web.Response(status=404, text="Directory not found")
    flag = {k: request.query.get(k, "").lower() == "true" for k in ("recurse", "full_info",
                                                                     "split")}
    found = root.rglob("*") if flag["recurse"] else root.glob("*")
    results: list[Any] = []
    for path in found:
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if flag["full_info"]:
            results.append(_file_info(path, root))
        elif flag["split"]:
            results.append([rel, *rel.split("/")])
        else:
            results.append(rel)
    return web.json_response(results)


async def list_userdata_v2(request: web.Request) -> web.Response:
    user_root = _state(request).user_dir.resolve()
    wanted = request.query.get("path", "")
    root = _inside(user_root, wanted)
    if root is None:
        return web.Response(status=403, text="Invalid path")
    if not root.is_dir():
        return web.Response(status=404, text="Path not found")
    entries: list[dict[str, Any]] = []

    def add(folder: Path, recurse: bool) -> None:
        children = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
        for child in children:
            rel = child.relative_to(user_root).as_posix()
            if child.is_dir():
                entries.append({"name": child.name, "path": rel, "type": "directory"})
            else:
                stat = child.stat()
                entries.append({"name": child.name, "path": rel, "type": "file",
                                "size": stat.st_size, "modified": stat.st_mtime})
        if recurse:
            for child in children:
                if child.is_dir():
                    add(child, True)

    add(root, recurse=not wanted)
    return web.json_response(entries)


async def get_userdata(request: web.Request) -> web.StreamResponse:
    path = _user_path(request)
    if isinstance(path, web.Response):
        return path
    if not path.is_file():
        return web.Response(status=404)
    return web.FileResponse(path)


async def post_userdata(request: web.Request) -> web.Response:
    path = _user_path(request)
    if isinstance(path, web.Response):
        return path
    overwrite = request.query.get("overwrite", "true") != "false"
    full_info = request.query.get("full_info", "false").lower() == "true"
    if not overwrite and path.exists():
        return web.Response(status=409, text="File already exists")
    body = await request.read()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return _saved_answer(request, path, full_info)


def _saved_answer(request: web.Request, path: Path, full_info: bool) -> web.Response:
    root = _state(request).user_dir
    if full_info:
        return web.json_response(_file_info(path, root))
    return web.json_response(path.relative_to(root.resolve()).as_posix())


async def delete_userdata(request: web.Request) -> web.Response:
    path = _user_path(request)
    if isinstance(path, web.Response):
        return path
    if not path.exists():
        return web.Response(status=404)
    path.unlink()
    return web.Response(status=204)


async def move_userdata(request: web.Request) -> web.Response:
    source = _user_path(request, "file")
    if isinstance(source, web.Response):
        return source
    dest = _user_path(request, "dest")
    if isinstance(dest, web.Response):
        return dest
    if not source.exists():
        return web.Response(status=404)
    overwrite = request.query.get("overwrite", "true") != "false"
    if not overwrite and dest.exists():
        return web.Response(status=409, text="File already exists")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, dest)
    return _saved_answer(request, dest, request.query.get("full_info", "") == "true")


def _settings_path(request: web.Request) -> Path:
    return _state(request).user_dir / SETTINGS_FILE


def _read_settings(request: web.Request) -> dict[str, Any]:
    path = _settings_path(request)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


async def get_settings(request: web.Request) -> web.Response:
    return web.json_response(_read_settings(request))


async def post_settings(request: web.Request) -> web.Response:
    settings = _read_settings(request) | dict(await request.json())
    _settings_path(request).write_text(json.dumps(settings, indent=4), encoding="utf-8")
    return web.Response(status=200)


async def get_setting(request: web.Request) -> web.Response:
    return web.json_response(_read_settings(request).get(request.match_info["id"]))


async def post_setting(request: web.Request) -> web.Response:
    settings = _read_settings(request)
    settings[request.match_info["id"]] = await request.json()
    _settings_path(request).write_text(json.dumps(settings, indent=4), encoding="utf-8")
    return web.Response(status=200)


async def get_users(request: web.Request) -> web.Response:
    return web.json_response({"storage": "server", "migrated": False})


async def post_users(request: web.Request) -> web.Response:
    return web.Response(status=400, text="Multi-user mode is not enabled")


def _upload_target(state: ServerState, post: Any) -> tuple[Path, str, str, Any] | None:
    image = post.get("image")
    kind = post.get("type") or "input"
    root = state.folder_for(kind)
    if root is None or image is None or not hasattr(image, "file") or not image.filename:
        return None
    subfolder = post.get("subfolder", "") or ""
    root = root.resolve()
    folder = Path(os.path.normpath(root / subfolder))
    target = (folder / image.filename).resolve()
    if os.path.commonpath([root, target]) != str(root):
        return None
    return folder, subfolder, kind, image


async def upload_image(request: web.Request) -> web.Response:
    post = await request.post()
    state = _state(request)
    target = _upload_target(state, post)
    if target is None:
        return web.Response(status=400)
    folder, subfolder, kind, image = target
    data = image.file.read()
    folder.mkdir(parents=True, exist_ok=True)
    name, write = _upload_name(folder, image.filename, data,
                               post.get("overwrite") in ("true", "1"))
    if write:
        (folder / name).write_bytes(data)
    return web.json_response({"name": name, "subfolder": subfolder, "type": kind})


def _upload_name(folder: Path, filename: str, data: bytes, overwrite: bool) -> tuple[str, bool]:
    """(name, must write): identical content keeps its name, different content under a
    taken name becomes ``name (1).png`` (unless overwriting), like ComfyUI."""
    if overwrite:
        return filename, True
    stem, suffix = os.path.splitext(filename)
    name, counter = filename, 1
    while (folder / name).exists():
        if _same(folder / name, data):
            return name, False
        name = f"{stem} ({counter}){suffix}"
        counter += 1
    return name, True


def _same(path: Path, data: bytes) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest()
    except OSError:
        return False


async def upload_mask(request: web.Request) -> web.Response:
    post = await request.post()
    state = _state(request)
    try:
        ref = json.loads(str(post.get("original_ref")))
        original = _inside(state.folder_for(ref.get("type", "input")) or state.input_dir,
                           os.path.join(ref.get("subfolder", ""), ref["filename"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return web.Response(status=400)
    if original is None or not original.is_file():
        return web.Response(status=404)
    target = _upload_target(state, post)
    if target is None:
        return web.Response(status=400)
    folder, subfolder, kind, image = target
    with Image.open(original) as base, Image.open(io.BytesIO(image.file.read())) as mask:
        merged = base.convert("RGBA")
        alpha = mask.getchannel("A") if "A" in mask.getbands() else mask.convert("L")
        merged.putalpha(alpha.resize(merged.size))
        folder.mkdir(parents=True, exist_ok=True)
        merged.save(folder / image.filename, format="PNG")
    return web.json_response({"name": image.filename, "subfolder": subfolder, "type": kind})


def register(app: web.Application, state: ServerState) -> None:
    r = app.router
    r.add_get("/userdata", list_userdata)
    r.add_get("/v2/userdata", list_userdata_v2)
    r.add_get("/userdata/{file}", get_userdata)
    r.add_post("/userdata/{file}", post_userdata)
    r.add_delete("/userdata/{file}", delete_userdata)
    r.add_post("/userdata/{file}/move/{dest}", move_userdata)
    r.add_get("/settings", get_settings)
    r.add_post("/settings", post_settings)
    r.add_get("/settings/{id}", get_setting)
    r.add_post("/settings/{id}", post_setting)
    r.add_get("/users", get_users)
    r.add_post("/users", post_users)
    r.add_post("/upload/image", upload_image)
    r.add_post("/upload/mask", upload_mask)
