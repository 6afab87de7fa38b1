"""A tiny websocket recorder for the fake server's own tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import websocket


class Recorder:
    """Connects to /ws and records every frame (dicts for text, bytes for binary)."""

    def __init__(self, base_url: str, client_id: str | None = "test-client",
                 first_message: dict | None = None, path: str = "/ws") -> None:
        url = base_url.replace("http://", "ws://") + path
        if client_id is not None:
            url += f"?clientId={client_id}"
        self.client_id = client_id
        self.frames: list[Any] = []
        self.closed = False
        self._cond = threading.Condition()
        self._ws = websocket.create_connection(url, timeout=10)
        if first_message is not None:
            self._ws.send(json.dumps(first_message))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                opcode, data = self._ws.recv_data()
            except Exception:
                break
            if opcode == websocket.ABNF.OPCODE_TEXT:
                frame: Any = json.loads(data.decode())
            elif opcode == websocket.ABNF.OPCODE_BINARY:
                frame = bytes(data)
            else:
                break
            with self._cond:
                self.frames.append(frame)
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[Any]], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.frames):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def wait_end(self, prompt_id: str, timeout: float = 10.0) -> list[Any]:
        """Wait for ``executing`` with node null for this prompt; returns all frames."""
        assert self.wait_for(lambda fs: any(
            isinstance(f, dict) and f["type"] == "executing" and f["data"]["node"] is None
            and f["data"].get("prompt_id") == prompt_id for f in fs), timeout), self.types()
        return list(self.frames)

    def wait_closed(self, timeout: float = 10.0) -> bool:
        return self.wait_for(lambda _fs: self.closed, timeout)

    def types(self, frames: list[Any] | None = None) -> list[str]:
        return [f["type"] if isinstance(f, dict) else "BINARY"
                for f in (self.frames if frames is None else frames)]

    def close(self) -> None:
        try:
            self._ws.close()
        except Exception:
            pass
        self._thread.join(5)
