"""The websocket: /ws?clientId=... (also /api/ws)."""

from __future__ import annotations

import json
import uuid

from aiohttp import WSMsgType, web

from tests.fake_comfy.state import STATE, ServerState, WsClient

SERVER_FEATURES = {"supports_preview_metadata": True, "max_upload_size": 104857600}


async def websocket(request: web.Request) -> web.StreamResponse:
    state: ServerState = request.app[STATE]
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    sid = request.query.get("clientId") or uuid.uuid4().hex
    client = WsClient(sid, ws, request_transport=request.transport)
    state.sockets[sid] = client  # a reconnect with the same id replaces the old socket
    try:
        await state.send("status", {"status": state.queue_info(), "sid": sid}, sid)
        if state.client_id == sid and state.last_node_id is not None:
            await state.send("executing", {"node": state.last_node_id}, sid)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await _on_text(state, client, message.data)
            elif message.type == WSMsgType.ERROR:
                break
    finally:
        if state.sockets.get(sid) is client:
            del state.sockets[sid]
    return ws


async def _on_text(state: ServerState, client: WsClient, text: str) -> None:
    first = not client.first_message_seen
    client.first_message_seen = True
    try:
        data = json.loads(text)
    except ValueError:
        return
    if first and isinstance(data, dict) and data.get("type") == "feature_flags":
        flags = data.get("data")
        client.features = flags if isinstance(flags, dict) else {}
        await state.send("feature_flags", dict(SERVER_FEATURES), client.sid)


def register(app: web.Application, state: ServerState) -> None:
    app.router.add_get("/ws", websocket)
