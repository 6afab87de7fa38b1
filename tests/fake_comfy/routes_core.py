"""Read-mostly routes: system_stats, object_info, models, view, features, internal, misc."""

from __future__ import annotations

import io
import os
from dataclasses import asdict
from pathlib import Path

from aiohttp import web
from PIL import Image

from tests.fake_comfy import reference
from tests.fake_comfy.state import STATE, ServerState
from tests.fake_comfy.ws import SERVER_FEATURES


def _state(request: web.Request) -> ServerState:
    return request.app[STATE]


async def index(request: web.Request) -> web.Response:
    return web.Response(text="<html><body>fake ComfyUI</body></html>", content_type="text/html")


async def system_stats(request: web.Request) -> web.Response:
    stats = reference.load("system_stats.json")
    gpu = _state(request).scenario.gpu
    if gpu is not None:
        stats["system"]["argv"] = ["main.py", "--listen", "127.0.0.1", "--port", "8188"]
        stats["devices"] = [asdict(gpu)]
    return web.json_response(stats)


async def object_info(request: web.Request) -> web.Response:
    body = _state(request).object_info_bytes()
    return web.Response(body=body, content_type="application/json", charset="utf-8")


async def object_info_one(request: web.Request) -> web.Response:
    name = request.match_info["node_class"]
    info = _state(request).object_info()
    return web.json_response({name: info[name]} if name in info else {})


async def models(request: web.Request) -> web.Response:
    return web.json_response(reference.load("models.json"))


async def models_folder(request: web.Request) -> web.Response:
    folder = request.match_info["folder"]
    known = _state(request).scenario.models
    if folder in known:
        return web.json_response(list(known[folder]))
    if folder in reference.shared("models.json"):
        return web.json_response([])
    return web.Response(status=404)


async def embeddings(request: web.Request) -> web.Response:
    return web.json_response(reference.load("embeddings.json"))


async def features(request: web.Request) -> web.Response:
    return web.json_response(dict(SERVER_FEATURES))


async def extensions(request: web.Request) -> web.Response:
    with_manager = _state(request).scenario.manager.mode is not None
    return web.json_response(reference.load(
        "extensions_with_manager.json" if with_manager else "extensions.json"))


async def view(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    query = request.query
    filename = query.get("filename")
    if not filename:
        return web.Response(status=404 if filename is None else 400)
    kind = query.get("type", "output")
    for suffix in ("input", "output", "temp"):
        if filename.endswith(f" [{suffix}]"):
            filename, kind = filename[: -len(suffix) - 3], suffix
    if filename.startswith("/") or ".." in filename:
        return web.Response(status=400)
    folder = state.folder_for(kind)
    if folder is None:
        return web.Response(status=400)
    root = folder.resolve()
    target_dir = (root / query.get("subfolder", "")).resolve()
    if os.path.commonpath([root, target_dir]) != str(root):
        return web.Response(status=403)
    name = os.path.basename(filename)
    path = target_dir / name
    if not path.is_file():
        return web.Response(status=404)
    headers = {"Content-Disposition": f'filename="{name}"'}
    if "preview" in query or query.get("channel", "rgba") != "rgba":
        return _converted(path, query.get("preview"), query.get("channel", "rgba"), headers)
    return web.FileResponse(path, headers=headers)


def _converted(path: Path, preview: str | None, channel: str,
               headers: dict[str, str]) -> web.Response:
    with Image.open(path) as image:
        image.load()
        if channel == "rgb":
            image = image.convert("RGB")
        elif channel == "a":
            alpha = image.getchannel("A") if "A" in image.getbands() else Image.new(
                "L", image.size, 255)
            image = Image.merge("RGBA", (Image.new("L", image.size, 0),) * 3 + (alpha,))
        fmt, quality = "png", 90
        if preview:
            parts = preview.split(";")
            fmt = parts[0] if parts[0] in ("webp", "jpeg") else "webp"
            if len(parts) > 1 and parts[1].isdigit():
                quality = int(parts[1])
            if fmt == "jpeg":
                image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format=fmt.upper(), quality=quality)
    return web.Response(body=out.getvalue(), content_type=f"image/{fmt}", headers=headers)


async def view_metadata(request: web.Request) -> web.Response:
    folder = request.match_info["folder_name"]
    filename = request.query.get("filename", "")
    known = _state(request).scenario.models.get(folder, [])
    if filename not in known:
        return web.Response(status=404)
    url = f"/view_metadata/{folder}?filename={filename}"
    try:
        return web.json_response(reference.misc_response(url)["body"])
    except KeyError:
        return web.json_response({})


async def free(request: web.Request) -> web.Response:
    return web.Response(status=200)


async def folder_paths(request: web.Request) -> web.Response:
    return web.json_response(reference.misc_response("/internal/folder_paths")["body"])


async def internal_files(request: web.Request) -> web.Response:
    folder = _state(request).folder_for(request.match_info["directory_type"])
    if folder is None:
        return web.Response(status=400, text="Invalid directory type")
    names = sorted((p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()),
                   key=lambda n: -(folder / n).stat().st_mtime)
    return web.json_response(names)


async def logs_text(request: web.Request) -> web.Response:
    return web.json_response("".join(e["m"] for e in _state(request).logs))


async def logs_raw(request: web.Request) -> web.Response:
    return web.json_response({"entries": list(_state(request).logs),
                              "size": {"cols": 80, "rows": 24}})


async def logs_subscribe(request: web.Request) -> web.Response:
    data = await request.json()
    client = _state(request).sockets.get(str(data.get("clientId")))
    if client is not None:
        client.logs = bool(data.get("enabled"))
    return web.Response(status=200)


async def experiment_models(request: web.Request) -> web.Response:
    return web.json_response(reference.misc_response("/experiment/models")["body"])


async def experiment_models_folder(request: web.Request) -> web.Response:
    folder = request.match_info["folder"]
    names = _state(request).scenario.models.get(folder)
    if names is None:
        return web.Response(status=404)
    return web.json_response([{"name": n, "pathIndex": 0, "modified": 1795250439.1487832,
                               "created": 1795250441.4647832, "size": 2133804998}
                              for n in names])


async def empty_object(request: web.Request) -> web.Response:
    return web.json_response({})


def register(app: web.Application, state: ServerState) -> None:
    r = app.router
    r.add_get("/", index)
    r.add_get("/system_stats", system_stats)
    r.add_get("/object_info", object_info)
    r.add_get("/object_info/{node_class}", object_info_one)
    r.add_get("/models", models)
    r.add_get("/models/{folder}", models_folder)
    r.add_get("/embeddings", embeddings)
    r.add_get("/extensions", extensions)
    r.add_get("/features", features)
    r.add_get("/view", view)
    r.add_get("/view_metadata/{folder_name}", view_metadata)
    r.add_post("/free", free)
    r.add_get("/experiment/models", experiment_models)
    r.add_get("/experiment/models/{folder}", experiment_models_folder)
    r.add_get("/workflow_templates", empty_object)
    r.add_get("/i18n", empty_object)
    r.add_get("/internal/logs", logs_text)
    r.add_get("/internal/logs/raw", logs_raw)
    r.add_patch("/internal/logs/subscribe", logs_subscribe)
    r.add_get("/internal/folder_paths", folder_paths)
    r.add_get("/internal/files/{directory_type}", internal_files)
