"""A newer ComfyUI with /api/jobs: the client uses it instead of /history + /queue.

The reference server (v0.3.64) has no such route, so a minimal stand-in peer serves the
three job routes the client needs, in the shape of ComfyUI's comfy_execution/jobs.py.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.comfy.client import ComfyClient

pytestmark = pytest.mark.integration

JOBS = {
    "done": {
        "id": "done",
        "status": "completed",
        "priority": 4,
        "outputs": {"9": {"images": [{"filename": "a.png", "subfolder": "", "type": "output"}]}},
    },
    "bad": {
        "id": "bad",
        "status": "failed",
        "priority": 5,
        "execution_error": {
            "node_id": "8",
            "node_type": "VAEDecode",
            "exception_type": "RuntimeError",
            "exception_message": "x",
        },
    },
    "wait": {"id": "wait", "status": "pending", "priority": 6},
}


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status, body=None):
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.seen.append(("GET", self.path))
        path = self.path.split("?")[0]
        if path == "/api/jobs":
            self._send(
                200,
                {"jobs": list(JOBS.values()), "pagination": {"offset": 0, "limit": 1, "total": 3}},
            )
        elif path.startswith("/api/jobs/") and path[10:] in JOBS:
            self._send(200, JOBS[path[10:]])
        else:
            self._send(404, None)

    def do_POST(self):
        self.seen.append(("POST", self.path))
        self._send(200, {})


@pytest.fixture
def newer_comfy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_jobs_route_is_detected_and_used(newer_comfy):
    client = ComfyClient(newer_comfy, timeout=5.0)
    caps = client.capabilities()
    assert caps.has_jobs_api and caps.manager_api is None
    done = client.job("done")
    assert (done.outcome, done.number) == ("success", 4)
    assert done.outputs["9"]["images"][0]["filename"] == "a.png"
    assert client.job("bad").error == "VAEDecode (node 8): RuntimeError: x"
    assert client.job("wait").status == "pending"
    assert client.job("unknown") is None
    client.cancel("wait")
    assert ("POST", "/api/jobs/wait/cancel") in _Handler.seen
    assert not any("/history" in path or path == "/queue" for _, path in _Handler.seen)
