"""POST /prompt, /queue, /interrupt, /history."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from aiohttp import web

from tests.fake_comfy.state import STATE, ServerState, strip_sensitive
from tests.fake_comfy.validation import validate_prompt


async def _json_body(request: web.Request) -> Any:
    body = await request.read()
    if not body:
        return None
    return json.loads(body)


async def get_prompt(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].queue_info())


async def post_prompt(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    await state.log("got prompt\n")
    try:
        data = await request.json()
    except ValueError:
        return web.Response(status=500, text="500 Internal Server Error\n\n"
                                             "Server got itself in trouble")
    if not isinstance(data, dict):
        data = {}
    if "number" in data:
        number: Any = float(data["number"])
    else:
        number = -state.number if data.get("front") else state.number
        state.number += 1
    if "prompt" not in data:
        error = {"type": "no_prompt", "message": "No prompt provided",
                 "details": "No prompt provided", "extra_info": {}}
        return web.json_response({"error": error, "node_errors": {}}, status=400)
    prompt = copy.deepcopy(data["prompt"])
    if not isinstance(prompt, dict):
        error = {"type": "invalid_prompt", "message": "Prompt must be an object",
                 "details": "", "extra_info": {}}
        return web.json_response({"error": error, "node_errors": {}}, status=400)
    prompt_id = str(data.get("prompt_id") or uuid.uuid4())
    result = validate_prompt(prompt, state.object_info(), data.get("partial_execution_targets"),
                             state.annotated_image_exists)
    if not result.ok:
        return web.json_response({"error": result.error, "node_errors": result.node_errors},
                                 status=400)
    extra_data = dict(data.get("extra_data") or {})
    if "client_id" in data:
        extra_data["client_id"] = data["client_id"]
    await state.put([number, prompt_id, prompt, extra_data, result.outputs])
    return web.json_response({"prompt_id": prompt_id, "number": number,
                              "node_errors": result.node_errors})


def _public(item: list[Any]) -> list[Any]:
    number, prompt_id, prompt, extra_data, outputs = item
    return [number, prompt_id, prompt, strip_sensitive(extra_data), outputs]


async def get_queue(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    return web.json_response({
        "queue_running": [_public(x) for x in state.running.values()],
        "queue_pending": [_public(x) for x in state.pending],
    })


async def post_queue(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    data = await _json_body(request) or {}
    if data.get("clear"):
        await state.wipe_pending()
    for prompt_id in data.get("delete", []) or []:
        await state.delete_pending(str(prompt_id))
    return web.Response(status=200)


async def post_interrupt(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    try:
        data = await _json_body(request)
    except ValueError:
        data = None
    wanted = data.get("prompt_id") if isinstance(data, dict) else None
    if wanted is None or wanted == state.running_prompt_id:
        state.request_interrupt()
    return web.Response(status=200)


async def get_history(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    max_items = request.query.get("max_items")
    offset = int(request.query.get("offset", -1))
    items = list(state.history.items())
    if max_items is not None:
        count = int(max_items)
        start = len(items) - count if offset < 0 else offset
        items = items[max(0, start):max(0, start) + count]
    elif offset > 0:
        items = items[offset:]
    return web.json_response(copy.deepcopy(dict(items)))


async def get_history_item(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    prompt_id = request.match_info["prompt_id"]
    if prompt_id not in state.history:
        return web.json_response({})
    return web.json_response({prompt_id: copy.deepcopy(state.history[prompt_id])})


async def post_history(request: web.Request) -> web.Response:
    state: ServerState = request.app[STATE]
    data = await _json_body(request) or {}
    if data.get("clear"):
        state.history.clear()
    for prompt_id in data.get("delete", []) or []:
        state.history.pop(str(prompt_id), None)
    return web.Response(status=200)


def register(app: web.Application, state: ServerState) -> None:
    app.router.add_get("/prompt", get_prompt)
    app.router.add_post("/prompt", post_prompt)
    app.router.add_get("/queue", get_queue)
    app.router.add_post("/queue", post_queue)
    app.router.add_post("/interrupt", post_interrupt)
    app.router.add_get("/history", get_history)
    app.router.add_get("/history/{prompt_id}", get_history_item)
    app.router.add_post("/history", post_history)
