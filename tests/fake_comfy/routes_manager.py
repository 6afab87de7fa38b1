"""ComfyUI-Manager V3.41 routes as captured (manager_responses.json, manager_routes.txt).

Default: installs are refused with 403 like the captured server (security level "strong"
on ComfyUI 0.3.64). ``scenario.manager.accepting`` turns on a working task queue: tasks
are recorded, run one by one after POST /manager/queue/start, and reported on
/manager/queue/status and by ``cm-queue-status`` websocket broadcasts.
``scenario.manager.mode = None`` makes every Manager route answer 404.
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

from aiohttp import web

from tests.fake_comfy import manager_data, reference
from tests.fake_comfy.state import STATE, ServerState

SECURITY_ERROR = "A security error has occurred. Please check the terminal logs"
CSRF_ERROR = "Invalid Content-Type for this endpoint. Use application/json or omit body."
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_SERVER_ERROR = "500 Internal Server Error\n\nServer got itself in trouble"

# Recorded text/plain answers.
_TEXT_ROUTES = {
    "/manager/db_mode": "local",
    "/manager/policy/update": "stable-comfyui",
    "/manager/policy/component": "workflow",
    "/manager/preview_method": "auto",
    "/manager/share_option": "all",
}
# Recorded JSON answers.
_JSON_ROUTES = ("/manager/channel_url_list", "/manager/startup_alerts", "/snapshot/getlist",
                "/snapshot/get_current")
_TASK_KINDS = {
    "/manager/queue/install": "install", "/manager/queue/uninstall": "uninstall",
    "/manager/queue/update": "update", "/manager/queue/fix": "fix",
    "/manager/queue/disable": "disable", "/manager/queue/reinstall": "reinstall",
    "/manager/queue/install_model": "install-model",
}


class ManagerQueue:
    """The Manager's task queue for the accepting mode."""

    def __init__(self) -> None:
        self.tasks: list[tuple[str, dict[str, Any]]] = []
        self.results: dict[str, str] = {}
        self.model_results: dict[str, str] = {}
        self.in_progress = 0
        self.worker: asyncio.Task | None = None

    def status(self) -> dict[str, Any]:
        done = len(self.results) + len(self.model_results)
        return {"total_count": done + len(self.tasks) + self.in_progress, "done_count": done,
                "in_progress_count": self.in_progress,
                "is_processing": self.worker is not None and not self.worker.done()}


def _queue(state: ServerState) -> ManagerQueue:
    if state.manager_queue is None:
        state.manager_queue = ManagerQueue()
    return state.manager_queue


@web.middleware
async def manager_gate(request: web.Request, handler: Any) -> web.StreamResponse:
    """404 when the scenario has no Manager; the CSRF guard on Manager POSTs."""
    path = request.path.removeprefix("/api")
    if path.startswith(("/manager/", "/customnode/", "/snapshot/", "/externalmodel/",
                        "/comfyui_manager/", "/v2/manager/", "/v2/customnode/")):
        mode = request.app[STATE].scenario.manager.mode
        if mode is None or (path.startswith("/v2/") != (mode == "v2")):
            return web.Response(status=404)
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            return web.Response(status=400, text=CSRF_ERROR)
    return await handler(request)


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain")


async def version(request: web.Request) -> web.Response:
    return _text("V3.41")


async def version_v2(request: web.Request) -> web.Response:
    return _text("V4.3")


async def recorded_text(request: web.Request) -> web.Response:
    return _text(_TEXT_ROUTES[request.match_info.route.resource.canonical.removeprefix("/api")])


async def recorded_json(request: web.Request) -> web.Response:
    url = request.match_info.route.resource.canonical.removeprefix("/api")
    return web.json_response(reference.manager_response(url)["body"])


async def server_error(request: web.Request) -> web.Response:
    return _text(_SERVER_ERROR, status=500)


async def getmappings(request: web.Request) -> web.Response:
    if "mode" not in request.query:
        return _text(_SERVER_ERROR, status=500)
    return web.Response(body=reference.raw("manager_getmappings_local.json.gz"),
                        content_type="application/json", charset="utf-8")


async def getlist(request: web.Request) -> web.Response:
    if "mode" not in request.query:
        return _text(_SERVER_ERROR, status=500)
    installed = request.app[STATE].scenario.manager.installed
    if not installed:
        return web.Response(body=reference.raw("manager_getlist_local.json.gz"),
                            content_type="application/json", charset="utf-8")
    data = copy.deepcopy(reference.shared("manager_getlist_local.json.gz"))
    for pack_id, info in installed.items():
        key = manager_data.catalogue_key(pack_id) or pack_id
        pack = data["node_packs"].setdefault(key, {"id": pack_id, "title": pack_id})
        pack["state"] = info.get("state", "enabled")
    return web.json_response(data)


async def installed_packs(request: web.Request) -> web.Response:
    installed = request.app[STATE].scenario.manager.installed
    return web.json_response({
        pack_id: {"ver": info.get("version", "unknown"), "cnr_id": info.get("cnr_id", pack_id),
                  "aux_id": info.get("aux_id"), "enabled": info.get("state") != "disabled"}
        for pack_id, info in installed.items()})


async def queue_status(request: web.Request) -> web.Response:
    return web.json_response(_queue(request.app[STATE]).status())


async def queue_task(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.read()
    data = json.loads(body) if body else {}
    kind = _TASK_KINDS.get(request.path.removeprefix("/api"), "install")
    if not state.scenario.manager.accepting:
        return _text(SECURITY_ERROR, status=403)
    state.manager_installs.append({"kind": kind, **(data if isinstance(data, dict) else {})})
    _queue(state).tasks.append((kind, data if isinstance(data, dict) else {}))
    return web.Response(status=200)


async def queue_task_v2(request: web.Request) -> web.Response:
    """4.x's single task route: ``{ui_id, client_id, kind, params}``."""
    state = request.app[STATE]
    body = await request.read()
    data = json.loads(body) if body else {}
    if not isinstance(data, dict):
        return web.Response(status=400)
    if not state.scenario.manager.accepting:
        return _text(SECURITY_ERROR, status=403)
    params = dict(data.get("params") or {})
    params.setdefault("ui_id", data.get("ui_id"))
    kind = str(data.get("kind") or "install")
    state.manager_installs.append({"kind": kind, **params})
    _queue(state).tasks.append((kind, params))
    return web.Response(status=200)


async def queue_start(request: web.Request) -> web.Response:
    state = request.app[STATE]
    queue = _queue(state)
    if queue.worker is not None and not queue.worker.done():
        return web.Response(status=201)
    queue.results, queue.model_results = {}, {}
    queue.worker = asyncio.ensure_future(_run_tasks(state, queue))
    return web.Response(status=200)


async def queue_reset(request: web.Request) -> web.Response:
    queue = _queue(request.app[STATE])
    queue.tasks.clear()
    queue.results, queue.model_results = {}, {}
    return web.Response(status=200)


async def _run_tasks(state: ServerState, queue: ManagerQueue) -> None:
    manager = state.scenario.manager
    while queue.tasks:
        kind, data = queue.tasks.pop(0)
        queue.in_progress = 1
        await asyncio.sleep(manager.install_duration)
        ui_id = str(data.get("ui_id") or data.get("id") or "")
        pack_id = str(data.get("id") or ui_id)
        failed = pack_id in manager.fail_ids
        message = f"Installation failed: {pack_id}" if failed else "success"
        if kind == "install-model":
            queue.model_results[ui_id] = message
            target = "model_manager"
        else:
            queue.results[ui_id] = message
            target = "nodepack_manager"
            if not failed and kind in ("install", "reinstall", "fix", "update"):
                # new code loads at the next (re)start, as with the real Manager
                manager.installed[pack_id] = {"state": "enabled", "loaded": False,
                                              "version": data.get("selected_version")}
            elif not failed and kind == "disable" and pack_id in manager.installed:
                manager.installed[pack_id]["state"] = "disabled"
            elif not failed and kind == "uninstall":
                manager.installed.pop(pack_id, None)
        queue.in_progress = 0
        status = queue.status()
        await state.send("cm-queue-status", {
            "status": "in_progress", "target": ui_id, "ui_target": target,
            "total_count": status["total_count"], "done_count": status["done_count"]})
    status = queue.status()
    await state.send("cm-queue-status", {
        "status": "done", "nodepack_result": queue.results,
        "model_result": queue.model_results, "total_count": status["total_count"],
        "done_count": status["done_count"]})
    queue.results, queue.model_results = {}, {}


async def reboot(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if state.on_reboot is not None:
        asyncio.get_running_loop().call_later(0.05, state.on_reboot)
    return web.Response(status=200)


def _register_v2(r: web.UrlDispatcher) -> None:
    """The pip package's /v2 spelling (manager_routes.txt; not loadable on 0.3.64, so
    answers are shaped like the captured V3.41 ones)."""
    r.add_get("/v2/manager/version", version_v2)
    r.add_get("/v2/manager/queue/status", queue_status)
    r.add_get("/v2/customnode/getmappings", getmappings)
    r.add_get("/v2/customnode/getlist", getlist)
    r.add_get("/v2/customnode/installed", installed_packs)
    r.add_post("/v2/manager/queue/task", queue_task_v2)
    r.add_post("/v2/manager/queue/start", queue_start)
    r.add_post("/v2/manager/queue/reset", queue_reset)
    r.add_post("/v2/manager/reboot", reboot)


async def empty_list(request: web.Request) -> web.Response:
    return web.json_response({"models": []} if "externalmodel" in request.path else {})


def register(app: web.Application, state: ServerState) -> None:
    app.middlewares.append(manager_gate)
    r = app.router
    r.add_get("/manager/version", version)
    _register_v2(r)
    for path in _TEXT_ROUTES:
        r.add_get(path, recorded_text)
    for path in _JSON_ROUTES:
        r.add_get(path, recorded_json)
    for path in ("/manager/notice", "/customnode/versions/{node_name}",
                 "/comfyui_manager/comfyui_versions"):
        r.add_get(path, server_error)
    r.add_get("/customnode/getmappings", getmappings)
    r.add_get("/customnode/getlist", getlist)
    r.add_get("/customnode/installed", installed_packs)
    r.add_get("/customnode/alternatives", empty_list)
    r.add_get("/externalmodel/getlist", empty_list)
    r.add_get("/manager/queue/status", queue_status)
    for path in (*_TASK_KINDS, "/customnode/install/git_url", "/customnode/install/pip"):
        r.add_post(path, queue_task)
    r.add_post("/manager/queue/start", queue_start)
    r.add_post("/manager/queue/reset", queue_reset)
    r.add_post("/manager/reboot", reboot)
