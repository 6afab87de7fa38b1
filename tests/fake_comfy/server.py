"""FakeComfy: the aiohttp app on its own thread and event loop, plus test controls."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib
import json
import shutil
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fake_comfy import engine
from tests.fake_comfy.scenario import Scenario
from tests.fake_comfy.state import STATE, ServerState

# Every module here has ``register(app, state)``; its routes are also served under /api.
ROUTE_MODULES = [
    "tests.fake_comfy.ws",
    "tests.fake_comfy.routes_core",
    "tests.fake_comfy.routes_queue",
    "tests.fake_comfy.routes_userdata",
    "tests.fake_comfy.routes_manager",
    "tests.fake_comfy.grid_pool",
]

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the server received it (``path`` is decoded)."""

    method: str
    path: str
    query: dict[str, str]
    json: object | None
    headers: dict[str, str]
    raw_path: str = ""
    body: bytes = field(default=b"", repr=False)


def _add_api_aliases(app: web.Application) -> None:
    """ComfyUI serves every route of its table under /api too (not /internal)."""
    for route in list(app.router.routes()):
        canonical = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or canonical.startswith(("/api/", "/internal")):
            continue
        app.router.add_route(route.method, "/api" + canonical, route.handler)


class FakeComfy:
    """A running fake ComfyUI on 127.0.0.1 (``url``), controlled from test code."""

    def __init__(self, base_dir: Path | None = None, port: int = 0,
                 host: str = "127.0.0.1") -> None:
        self._own_dir = base_dir is None
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="fake-comfy-"))
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self.state = ServerState(self.base_dir)
        self._site: web.TCPSite | None = None
        self._loop = asyncio.new_event_loop()
        # Named threads, so leak checks can tell the fake server's threads apart.
        self._loop.set_default_executor(
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="fake-comfy-io"))
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="fake-comfy")
        self._thread.start()
        try:
            self._call(self._setup())
            self.start()
        except BaseException:
            self.close()  # e.g. the port is taken: do not leave the thread behind
            raise

    # -- properties ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def scenario(self) -> Scenario:
        return self.state.scenario

    @scenario.setter
    def scenario(self, value: Scenario) -> None:
        self.state.scenario = value

    @property
    def output_dir(self) -> Path:
        return self.state.output_dir

    @property
    def input_dir(self) -> Path:
        return self.state.input_dir

    @property
    def temp_dir(self) -> Path:
        return self.state.temp_dir

    @property
    def user_dir(self) -> Path:
        """ComfyUI/user/default: where userdata files live."""
        return self.state.user_dir

    @property
    def history(self) -> dict[str, Any]:
        """A copy of the in-memory history (prompt id -> entry)."""
        return self._call(self._copy(lambda: self.state.history))

    @property
    def queue(self) -> dict[str, list]:
        """A copy of {"running": [...], "pending": [...]} queue items."""
        return self._call(self._copy(lambda: {"running": list(self.state.running.values()),
                                              "pending": sorted(self.state.pending)}))

    @property
    def manager_installs(self) -> list[dict[str, Any]]:
        """Install requests the Manager routes accepted (``accepting`` mode)."""
        return self._call(self._copy(lambda: self.state.manager_installs))

    @property
    def running(self) -> bool:
        """True while the port is open."""
        return self._site is not None

    # -- control ------------------------------------------------------------------------
    def start(self) -> None:
        """Open the port (the same one after a stop)."""
        self._call(self._start())

    def stop(self) -> None:
        """Server gone: close the port and drop every connection and websocket.

        The "process" lives on (like a network outage): a running prompt continues and
        its history is kept. Use :meth:`restart` for a real ComfyUI restart.
        """
        self._call(self._stop())

    def restart(self, clear_history: bool = True) -> None:
        """Like restarting ComfyUI: connections dropped, the running prompt and queue
        lost, cache emptied, history emptied (unless told otherwise); files stay."""
        self._call(self._stop())
        self._call(self._abort_work(clear_history))
        self.state.load_installed_packs()
        self._call(self._start())

    def crash(self) -> None:
        """ComfyUI died: port closed, connections dropped, the running prompt, queue, cache
        and history lost (files stay). :meth:`start` brings it back empty."""
        self._call(self._stop())
        self._call(self._abort_work(clear_history=True))

    def reset(self) -> None:
        """Back to a fresh server (between tests): queue, history, cache, scenario, request
        log, logs and files; the port stays the same and is opened if it was stopped."""
        self._call(self._abort_work(clear_history=True))
        self.requests.clear()
        self.state.scenario = Scenario()
        self._call(self._reset_rest())
        if self._site is None:
            self.start()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued or running; False on timeout."""
        return self.state.idle.wait(timeout)

    def wait_history(self, prompt_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        """Block until ``prompt_id`` has a history entry; the entry, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self.state.history_changed:
            while prompt_id not in self.state.history:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.state.history_changed.wait(remaining)
        return self.history.get(prompt_id)

    def close(self) -> None:
        """Stop for good and free the thread (and the temporary folder if it made one)."""
        if not self._thread.is_alive():
            return
        if hasattr(self, "_runner"):
            self._call(self._teardown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        if self._own_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # -- loop-side helpers --------------------------------------------------------------
    def _call(self, coro: Awaitable[Any], timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _copy(self, getter: Callable[[], Any]) -> Any:
        return copy.deepcopy(getter())

    async def _setup(self) -> None:
        self.state.work = asyncio.Event()
        self.state.wake = asyncio.Event()
        app = web.Application(middlewares=[self._record, self._origin_check, self._delay],
                              client_max_size=200 * 1024 * 1024)
        app[STATE] = self.state
        self.state.on_reboot = lambda: asyncio.ensure_future(self._reboot())
        for name in ROUTE_MODULES:
            importlib.import_module(name).register(app, self.state)
        _add_api_aliases(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._worker = asyncio.ensure_future(engine.worker(self.state))

    async def _start(self) -> None:
        if self._site is not None:
            return
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self._site = site

    async def _stop(self) -> None:
        if self._site is None:
            return
        await self._site.stop()
        self._site = None
        await self.state.drop_sockets()
        server = self._runner.server
        for connection in server.connections if server else []:
            connection.force_close()

    async def _abort_work(self, clear_history: bool) -> None:
        state = self.state
        state.pending = []
        state.abort = True
        assert state.wake is not None
        state.wake.set()
        for _ in range(5000):
            if not state.running:
                break
            await asyncio.sleep(0.001)
        state.abort = False
        state.interrupt_flag = False
        state.cache.clear()
        state.preview_prefixes.clear()
        state.number = 0
        if clear_history:
            state.history.clear()
        state.maybe_idle()

    async def _reset_rest(self) -> None:
        self.state.logs.clear()
        self.state.manager_installs.clear()
        queue, self.state.manager_queue = self.state.manager_queue, None
        if queue is not None and queue.worker is not None:
            queue.worker.cancel()
        self.state.reset_files()

    async def _reboot(self) -> None:
        """POST /manager/reboot: ComfyUI restarts (history gone, files kept) and loads the
        packs installed meanwhile."""
        await self._stop()
        await self._abort_work(clear_history=True)
        self.state.load_installed_packs()
        await self._start()

    async def _teardown(self) -> None:
        await self._stop()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        await self._runner.cleanup()
        await asyncio.get_running_loop().shutdown_default_executor()

    # -- middlewares --------------------------------------------------------------------
    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = b""
        # multipart bodies are left for the handler (aiohttp streams them, no cache)
        if request.can_read_body and not request.content_type.startswith("multipart/"):
            body = await request.read()
        parsed: object | None = None
        if body and request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                parsed = json.loads(body)
        self.requests.append(RecordedRequest(
            request.method, request.path, dict(request.query), parsed, dict(request.headers),
            request.raw_path.split("?", 1)[0], body))
        return await handler(request)

    @web.middleware
    async def _origin_check(self, request: web.Request, handler: Handler
                            ) -> web.StreamResponse:
        host = request.headers.get("Host")
        origin = request.headers.get("Origin")
        if host and origin:
            origin_netloc = urllib.parse.urlparse(origin).netloc.lower()
            host_name = urllib.parse.urlsplit("//" + host.lower()).hostname
            if host_name in _LOOPBACK and host.lower() != origin_netloc:
                return web.Response(status=403)
        if request.method == "OPTIONS":
            return web.Response()
        return await handler(request)

    @web.middleware
    async def _delay(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        delay = self.state.scenario.http_delay
        if delay > 0 and not request.path.endswith("/ws"):
            await asyncio.sleep(delay)
        return await handler(request)
