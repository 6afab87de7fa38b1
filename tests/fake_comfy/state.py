"""Everything one fake server remembers; touched only on its event-loop thread."""

from __future__ import annotations

import asyncio
import heapq
import json
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fake_comfy import images, manager_data
from tests.fake_comfy.catalog import Catalog
from tests.fake_comfy.scenario import Scenario

SENSITIVE_EXTRA_DATA_KEYS = ("auth_token_comfy_org", "api_key_comfy_org")


@dataclass
class WsClient:
    sid: str
    ws: web.WebSocketResponse
    features: dict[str, Any] = field(default_factory=dict)
    logs: bool = False
    first_message_seen: bool = False
    request_transport: Any = None
    logs_sent: bool = False


@dataclass
class CacheEntry:
    outputs: list[Any]
    ui: dict[str, Any] | None


class ServerState:
    """Queue, history, cache, sockets, folders and the scenario of one fake server."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.output_dir = base_dir / "output"
        self.input_dir = base_dir / "input"
        self.temp_dir = base_dir / "temp"
        self.user_dir = base_dir / "user" / "default"
        self.scenario = Scenario()
        self.sockets: dict[str, WsClient] = {}
        self.pending: list[list[Any]] = []  # heap of [number, id, prompt, extra, outputs]
        self.running: dict[int, list[Any]] = {}
        self.history: dict[str, dict[str, Any]] = {}
        self.cache: dict[str, CacheEntry] = {}
        self.number = 0
        self.task_counter = 0
        self.client_id: str | None = None  # of the prompt being executed
        self.last_node_id: str | None = None
        self.running_prompt_id: str | None = None
        self.interrupt_flag = False
        self.abort = False
        self.catalog = Catalog()
        self.preview_prefixes: dict[str, str] = {}
        self.logs: list[dict[str, str]] = []
        self.manager_installs: list[dict[str, Any]] = []
        self.manager_queue: Any = None  # routes_manager.ManagerQueue, made on first use
        self.on_reboot: Any = None  # set by the server: POST /manager/reboot restarts it
        self.idle = threading.Event()
        self.history_changed = threading.Condition()
        self.idle.set()
        self.work: asyncio.Event | None = None
        self.wake: asyncio.Event | None = None
        self.reset_files()

    # -- folders ------------------------------------------------------------------------
    def reset_files(self) -> None:
        """Empty folders (as a fresh ComfyUI) plus LoadImage's ``example.png``."""
        for folder in (self.output_dir, self.input_dir, self.temp_dir, self.user_dir):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
        (self.input_dir / "example.png").write_bytes(images.png_bytes(64, 64, "example"))

    def folder_for(self, kind: str) -> Path | None:
        return {"output": self.output_dir, "input": self.input_dir,
                "temp": self.temp_dir}.get(kind)

    def input_images(self) -> list[str]:
        """Top-level input images, sorted (LoadImage's option list)."""
        return sorted(p.name for p in self.input_dir.iterdir()
                      if p.is_file() and p.suffix.lower() in images.IMAGE_EXTENSIONS)

    def annotated_image_exists(self, name: str) -> bool:
        """LoadImage's check: ``sub/name.png [input|output|temp]`` exists."""
        kind = "input"
        for suffix in ("input", "output", "temp"):
            if name.endswith(f" [{suffix}]"):
                name, kind = name[: -len(suffix) - 3], suffix
        folder = self.folder_for(kind)
        if folder is None:
            return False
        target = (folder / name).resolve()
        return target.is_file() and target.is_relative_to(folder.resolve())

    def object_info(self) -> dict[str, Any]:
        return self.catalog.object_info(*self.object_info_parts())

    def object_info_bytes(self) -> bytes:
        return self.catalog.object_info_bytes(*self.object_info_parts())

    def load_installed_packs(self) -> None:
        """At a (re)start, packs are loaded as their state now says."""
        for info in self.scenario.manager.installed.values():
            info["loaded"] = info.get("state", "enabled") == "enabled"

    def object_info_parts(self) -> tuple[Any, ...]:
        """What /object_info is built from: models, input files, extra and hidden classes
        (test-added classes and those of enabled, loaded Manager packs)."""
        scenario = self.scenario
        extra: dict[str, Any] = {}
        for pack_id, info in scenario.manager.installed.items():
            if info.get("loaded", info.get("state", "enabled") == "enabled"):
                for name in manager_data.pack_classes(pack_id):
                    extra[name] = manager_data.generic_class(name, pack_id)
        extra.update(scenario.extra_nodes)
        return scenario.models, self.input_images(), extra, scenario.hidden_nodes

    # -- sockets ------------------------------------------------------------------------
    async def send(self, event: str, data: dict[str, Any], sid: str | None = None) -> None:
        """JSON message to one client, or to all when ``sid`` is None (as ComfyUI)."""
        text = json.dumps({"type": event, "data": data})
        for client in self._targets(sid):
            await _send(client.ws.send_str, text)

    async def send_binary(self, payload: bytes, sid: str | None = None) -> None:
        for client in self._targets(sid):
            await _send(client.ws.send_bytes, payload)

    async def drop_sockets(self) -> None:
        """Cut every websocket without a close handshake (as a network drop looks)."""
        for client in list(self.sockets.values()):
            transport = client.request_transport
            if transport is not None:
                transport.abort()
        self.sockets.clear()

    def _targets(self, sid: str | None) -> list[WsClient]:
        if sid is None:
            return list(self.sockets.values())
        client = self.sockets.get(sid)
        return [client] if client else []

    def queue_info(self) -> dict[str, Any]:
        return {"exec_info": {"queue_remaining": len(self.pending) + len(self.running)}}

    async def queue_updated(self) -> None:
        await self.send("status", {"status": self.queue_info()})

    # -- queue --------------------------------------------------------------------------
    async def put(self, item: list[Any]) -> None:
        heapq.heappush(self.pending, item)
        self.idle.clear()
        await self.queue_updated()
        if self.work is not None:
            self.work.set()

    async def delete_pending(self, prompt_id: str) -> bool:
        for index, item in enumerate(self.pending):
            if item[1] == prompt_id:
                if len(self.pending) == 1:
                    await self.wipe_pending()
                else:
                    self.pending.pop(index)
                    heapq.heapify(self.pending)
                await self.queue_updated()
                self.maybe_idle()
                return True
        return False

    async def wipe_pending(self) -> None:
        self.pending = []
        await self.queue_updated()
        self.maybe_idle()

    def record_history(self, prompt_id: str, entry: dict[str, Any]) -> None:
        self.history[prompt_id] = entry
        with self.history_changed:
            self.history_changed.notify_all()

    def maybe_idle(self) -> None:
        if not self.pending and not self.running:
            self.idle.set()

    def request_interrupt(self) -> None:
        self.interrupt_flag = True
        if self.wake is not None:
            self.wake.set()

    # -- logs ---------------------------------------------------------------------------
    async def log(self, text: str) -> None:
        entry = {"t": datetime.now().isoformat(), "m": text}
        self.logs.append(entry)
        del self.logs[:-300]
        for client in list(self.sockets.values()):
            if client.logs:
                # the terminal size only comes with a subscriber's first batch
                size = None if client.logs_sent else {"cols": 80, "rows": 24}
                client.logs_sent = True
                await _send(client.ws.send_str, json.dumps(
                    {"type": "logs", "data": {"entries": [entry], "size": size}}))


def strip_sensitive(extra_data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extra_data.items() if k not in SENSITIVE_EXTRA_DATA_KEYS}


def now_ms() -> int:
    return int(time.time() * 1000)


async def _send(method: Any, payload: Any) -> None:
    try:
        await method(payload)
    except (ConnectionError, RuntimeError):
        pass  # the peer went away; ComfyUI ignores this too


# How route handlers find the state: ``request.app[STATE]``.
STATE = web.AppKey("state", ServerState)
