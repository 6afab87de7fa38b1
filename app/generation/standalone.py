"""A GenerationService with its own clients and event streams (CLI, scripts, tests).

In the app the BackendHub owns the streams and feeds ``service.handle_event``; here each backend
gets its own EventStream whose events go straight into the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from app.comfy.client import ComfyClient
from app.comfy.errors import ComfyError
from app.config import Paths
from app.db.database import Database
from app.generation.service import GenerationService
from app.generation.store import GenerationStore


class StandaloneGeneration:
    """Owns one ComfyClient and (on demand) one EventStream per backend URL."""

    def __init__(self, database: Database, paths: Paths, backends: Sequence[str],
                 client_id: str | None = None, **service_kwargs: Any) -> None:
        self.client_id = client_id or uuid.uuid4().hex
        self._urls = list(dict.fromkeys(backends))
        self._clients: dict[str, ComfyClient] = {}
        self._streams: dict[str, Any] = {}
        self.service = GenerationService(
            GenerationStore(database), paths, client_for=self.client,
            backends=lambda: self._urls, client_id=self.client_id, watch=self._watch,
            **service_kwargs)

    def client(self, url: str) -> ComfyClient:
        if url not in self._clients:
            self._clients[url] = ComfyClient(url)
        return self._clients[url]

    def connect(self, timeout: float = 5.0) -> dict[str, bool]:
        """Start a stream per reachable backend; returns which ones connected in ``timeout``."""
        from app.comfy.stream import EventStream  # websocket-client only when streaming

        connected = {}
        for url in self._urls:
            try:
                self.client(url).system_stats()
            except ComfyError:
                connected[url] = False  # submitting will say why; no point waiting here
                continue
            if url not in self._streams:
                stream = EventStream(url, self.client_id,
                                     on_event=lambda event, url=url: self.service.handle_event(
                                         event, url))
                stream.start()
                self._streams[url] = stream
            connected[url] = bool(self._streams[url].wait_connected(timeout))
        return connected

    def _watch(self, url: str, prompt_id: str) -> None:
        stream = self._streams.get(url)
        if stream is not None:
            stream.watch(prompt_id)

    def close(self) -> None:
        for stream in self._streams.values():
            stream.stop()
        self._streams.clear()
        self.service.close()
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close is not None:
                close()
