"""HTTP client for one ComfyUI server: one typed method per route the app uses.

Every request has an explicit timeout and never carries an ``Origin`` header (ComfyUI
answers 403 to a foreign one). Connection failures raise :class:`ComfyUnreachable`,
other non-2xx answers :class:`ComfyHTTPError` (404: :class:`ComfyNotFound`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from app.comfy.errors import (
    ComfyError,
    ComfyHTTPError,
    ComfyNotFound,
    ComfyUnreachable,
    PromptRejected,
)
from app.comfy.results import (
    Capabilities,
    Job,
    QueuedPrompt,
    QueueState,
    job_from_history,
    job_from_jobs_api,
    parse_queue,
    parse_queued_prompt,
)
from app.comfy.system import SystemStats, parse_system_stats

# Outputs and object_info can be large on a busy server: give reads more time.
_SLOW_FACTOR = 3.0


def normalize_base_url(base_url: str) -> str:
    """``127.0.0.1:8188`` -> ``http://127.0.0.1:8188``; no trailing slash."""
    url = base_url.strip()
    if "://" not in url:
        url = "http://" + url
    return url.rstrip("/")


class ComfyClient:
    """Typed access to one ComfyUI server's HTTP API. Safe to share between threads."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._base = normalize_base_url(base_url)
        self._timeout = timeout
        # One requests.Session per thread: Session is not documented as thread-safe, and
        # the app calls one client from several worker threads at once.
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._object_info: dict[str, Any] | None = None
        self._capabilities: Capabilities | None = None

    # ---- plumbing -------------------------------------------------------------------
    @property
    def address(self) -> str:
        """The normalized base URL, e.g. ``http://127.0.0.1:8188``."""
        return self._base

    def ws_url(self, client_id: str) -> str:
        """The websocket URL for ``client_id`` (ws:// or wss:// to match the base URL)."""
        parts = urlsplit(self._base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        path = parts.path.rstrip("/") + "/ws"
        return urlunsplit((scheme, parts.netloc, path, f"clientId={quote(client_id)}", ""))

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # requests never adds Origin itself; make sure nothing configured adds one.
            session.headers.pop("Origin", None)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        ok: Iterable[int] = (),
        **kwargs: Any,
    ) -> requests.Response:
        url = self._base + path
        kwargs.setdefault("allow_redirects", False)
        try:
            response = self._session().request(
                method, url, timeout=timeout or self._timeout, **kwargs
            )
        except requests.Timeout as exc:
            raise ComfyUnreachable(
                self._base, f"no answer within {timeout or self._timeout:g} s"
            ) from exc
        except requests.ConnectionError as exc:
            raise ComfyUnreachable(self._base, _connection_reason(exc)) from exc
        except requests.RequestException as exc:
            raise ComfyUnreachable(self._base, str(exc)) from exc
        if response.status_code < 300 or response.status_code in ok:
            return response
        body = response.text[:2000]
        if response.status_code == 404:
            raise ComfyNotFound(404, url, body)
        raise ComfyHTTPError(response.status_code, url, body)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise ComfyHTTPError(
                response.status_code, self._base + path, "not JSON: " + response.text[:200]
            ) from exc

    # ---- server state ---------------------------------------------------------------
    def system_stats(self) -> SystemStats:
        return parse_system_stats(self._json("GET", "/system_stats"))

    def object_info(self, refresh: bool = False) -> dict[str, Any]:
        """Every node class the server knows. Cached until ``drop_cache()`` or refresh."""
        with self._lock:
            cached = self._object_info
        if cached is not None and not refresh:
            return cached
        data = self._json("GET", "/object_info", timeout=self._timeout * _SLOW_FACTOR)
        if not isinstance(data, dict):
            raise ComfyHTTPError(200, self._base + "/object_info", "not a JSON object")
        with self._lock:
            self._object_info = data
        return data

    def drop_cache(self) -> None:
        """Forget object_info and probed capabilities (call after a reconnect)."""
        with self._lock:
            self._object_info = None
            self._capabilities = None

    def models(self, folder: str) -> list[str]:
        """Files in a model folder (``checkpoints``, ``loras``...), ``/`` for subfolders."""
        data = self._json("GET", "/models/" + quote(folder, safe=""))
        return [str(x) for x in data] if isinstance(data, list) else []

    def capabilities(self) -> Capabilities:
        """Probe once (cached): /api/jobs, and which ComfyUI-Manager API answers."""
        with self._lock:
            if self._capabilities is not None:
                return self._capabilities
        has_jobs = self._probe("/api/jobs", params={"limit": 1}) is not None
        manager_api, manager_version = None, None
        for api, path in (("v2", "/v2/manager/version"), ("v1", "/manager/version")):
            text = self._probe(path)
            if text is not None:
                manager_api, manager_version = api, text.strip()
                break
        caps = Capabilities(has_jobs, manager_api, manager_version)  # type: ignore[arg-type]
        with self._lock:
            self._capabilities = caps
        return caps

    def _probe(self, path: str, **kwargs: Any) -> str | None:
        """Body text when the route answers 2xx, None for 404/405 (route absent)."""
        try:
            return self._request("GET", path, **kwargs).text
        except ComfyNotFound:
            return None
        except ComfyHTTPError as exc:
            if exc.status in (405, 501):
                return None
            raise

    # ---- prompts and queue ----------------------------------------------------------
    def queue_prompt(
        self,
        prompt: dict[str, Any],
        client_id: str,
        extra_data: dict[str, Any] | None = None,
        prompt_id: str | None = None,
    ) -> QueuedPrompt:
        """POST /prompt. A validation failure raises :class:`PromptRejected`."""
        body: dict[str, Any] = {"prompt": prompt, "client_id": client_id}
        if extra_data:
            body["extra_data"] = extra_data
        if prompt_id:
            body["prompt_id"] = prompt_id
        response = self._request("POST", "/prompt", json=body, ok=(400,))
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code == 400:
            raise _rejection(data, response.text)
        if not isinstance(data, dict) or not data.get("prompt_id"):
            raise ComfyHTTPError(response.status_code, self._base + "/prompt", response.text)
        return parse_queued_prompt(data)

    def get_queue(self) -> QueueState:
        return parse_queue(self._json("GET", "/queue"))

    def delete_from_queue(self, ids: Iterable[str]) -> None:
        """Remove pending prompts (the running one is only stopped by interrupt)."""
        self._request("POST", "/queue", json={"delete": list(ids)})

    def interrupt(self, prompt_id: str | None = None) -> None:
        """Stop the running prompt; with ``prompt_id`` only if that one is running."""
        kwargs = {"json": {"prompt_id": prompt_id}} if prompt_id else {}
        self._request("POST", "/interrupt", **kwargs)

    def history(self, prompt_id: str) -> dict[str, Any] | None:
        """The history entry of one prompt, or None when the server has none (yet)."""
        data = self._json("GET", "/history/" + quote(prompt_id, safe=""))
        entry = data.get(prompt_id) if isinstance(data, dict) else None
        return entry if isinstance(entry, dict) else None

    def history_all(self, max_items: int | None = None) -> dict[str, Any]:
        params = {"max_items": int(max_items)} if max_items is not None else None
        data = self._json("GET", "/history", params=params, timeout=self._timeout * _SLOW_FACTOR)
        return data if isinstance(data, dict) else {}

    # ---- jobs (the /api/jobs route where present, else /queue + /history) ------------
    def job(self, prompt_id: str) -> Job | None:
        """Where one prompt stands; None when the server knows nothing of it."""
        if self.capabilities().has_jobs_api:
            try:
                data = self._json("GET", "/api/jobs/" + quote(prompt_id, safe=""))
            except ComfyNotFound:
                return None
            return job_from_jobs_api(data)
        entry = self.history(prompt_id)
        if entry is not None:
            return job_from_history(prompt_id, entry)
        found = self.get_queue().find(prompt_id)
        if found is None:
            return None
        where, item = found
        return Job(prompt_id, "in_progress" if where == "running" else "pending", item.number)

    def cancel(self, prompt_id: str) -> None:
        """Cancel one prompt whether it is pending or running; no-op once finished."""
        if self.capabilities().has_jobs_api:
            self._request("POST", "/api/jobs/" + quote(prompt_id, safe="") + "/cancel")
            return
        found = self.get_queue().find(prompt_id)
        if found is None:
            return
        if found[0] == "running":
            self.interrupt(prompt_id)
        else:
            self.delete_from_queue([prompt_id])

    # ---- files ----------------------------------------------------------------------
    def view(self, filename: str, subfolder: str = "", type: str = "output") -> bytes:
        params = {"filename": filename, "subfolder": subfolder, "type": type}
        return self._request(
            "GET", "/view", params=params, timeout=self._timeout * _SLOW_FACTOR
        ).content

    def upload_image(
        self,
        data: bytes,
        filename: str,
        subfolder: str = "",
        type: str = "input",
        overwrite: bool = False,
    ) -> dict[str, Any]:
        """POST /upload/image; returns ``{"name", "subfolder", "type"}`` (name may change)."""
        fields = {
            "subfolder": subfolder,
            "type": type,
            "overwrite": "true" if overwrite else "false",
        }
        files = {"image": (filename, data, "application/octet-stream")}
        result = self._json(
            "POST",
            "/upload/image",
            data=fields,
            files=files,
            timeout=self._timeout * _SLOW_FACTOR,
        )
        if not isinstance(result, dict) or "name" not in result:
            raise ComfyHTTPError(200, self._base + "/upload/image", json.dumps(result)[:300])
        return result

    # ---- userdata (ComfyUI/user/default/...) ----------------------------------------
    @staticmethod
    def _userdata_path(path: str) -> str:
        # The file path is ONE route segment: slashes must travel as %2F.
        return "/userdata/" + quote(path.lstrip("/"), safe="")

    def userdata_list(self, dir: str, recurse: bool = True) -> list[str]:
        """Files under a userdata folder, relative to it; [] when the folder is absent."""
        params = {"dir": dir, "recurse": "true" if recurse else "false"}
        try:
            data = self._json("GET", "/userdata", params=params)
        except ComfyNotFound:
            return []
        return sorted(str(x) for x in data) if isinstance(data, list) else []

    def userdata_read(self, path: str) -> bytes:
        return self._request("GET", self._userdata_path(path)).content

    def userdata_write(self, path: str, data: bytes, overwrite: bool = True) -> None:
        """Store a file; with ``overwrite=False`` an existing file raises HTTP 409."""
        params = None if overwrite else {"overwrite": "false"}
        self._request(
            "POST",
            self._userdata_path(path),
            data=data,
            params=params,
            headers={"Content-Type": "application/octet-stream"},
        )

    def userdata_delete(self, path: str) -> None:
        self._request("DELETE", self._userdata_path(path))


def _rejection(data: Any, text: str) -> PromptRejected:
    """Build :class:`PromptRejected` from a 400 body, whatever its shape."""
    if not isinstance(data, dict):
        return PromptRejected({"type": "invalid_prompt", "message": text.strip()[:500]}, {}, 400)
    error = data.get("error")
    if not isinstance(error, dict):
        error = {"type": "invalid_prompt", "message": str(error or "Prompt rejected")}
    node_errors = data.get("node_errors")
    return PromptRejected(error, node_errors if isinstance(node_errors, dict) else {}, 400)


def _connection_reason(exc: Exception) -> str:
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused (is ComfyUI running?)"
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("getaddrinfo" in lowered)
    ):
        return "unknown host name"
    if "reset" in lowered or "aborted" in lowered or "remote end closed" in lowered:
        return "connection dropped by the server"
    return text[:300] or exc.__class__.__name__


__all__ = ["ComfyClient", "ComfyError", "normalize_base_url"]
