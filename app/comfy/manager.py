"""ComfyUI-Manager client: V3.x custom node (``/manager/...``) or 4.x (``/v2/...``).

Which API a server has is probed (``/v2/manager/version`` then ``/manager/version``,
both answer text/plain), never assumed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from app.comfy.client import ComfyClient
from app.comfy.errors import ComfyHTTPError, ComfyNotFound, ManagerError

ManagerApi = Literal["v1", "v2"]


@dataclass(frozen=True)
class ManagerQueueStatus:
    total_count: int
    done_count: int
    in_progress_count: int
    is_processing: bool

    @property
    def idle(self) -> bool:
        return not self.is_processing and self.in_progress_count == 0


class ManagerClient:
    """Talks to ComfyUI-Manager through an existing :class:`ComfyClient`."""

    def __init__(self, client: ComfyClient, client_id: str | None = None) -> None:
        self._client = client
        self._client_id = client_id or uuid.uuid4().hex
        self._api: ManagerApi | None = None
        self._version: str | None = None

    # ---- discovery --------------------------------------------------------------------
    def probe(self) -> ManagerApi | None:
        """Which Manager API answers (cached); None when no Manager is installed."""
        if self._api is None:
            caps = self._client.capabilities()
            self._api, self._version = caps.manager_api, caps.manager_version
        return self._api

    @property
    def available(self) -> bool:
        return self.probe() is not None

    def version(self) -> str:
        self._require()
        return self._version or ""

    def _require(self) -> ManagerApi:
        api = self.probe()
        if api is None:
            raise ManagerError(
                f"ComfyUI-Manager is not installed on {self._client.address} (neither "
                "/manager/version nor /v2/manager/version answers)."
            )
        return api

    def _path(self, v1_path: str) -> str:
        """``/manager/x`` or ``/customnode/x`` in the probed API's spelling."""
        return ("/v2" + v1_path) if self._require() == "v2" else v1_path

    def _call(self, method: str, v1_path: str, **kwargs: Any) -> Any:
        path = self._path(v1_path)
        try:
            response = self._client._request(method, path, **kwargs)
        except ComfyNotFound as exc:
            raise ManagerError(f"ComfyUI-Manager has no route {path}") from exc
        except ComfyHTTPError as exc:
            if exc.status == 403:
                raise ManagerError(
                    "ComfyUI-Manager refused the request for security reasons "
                    f"({exc.body.strip() or 'HTTP 403'}). Lower its security_level or "
                    "update ComfyUI, then retry."
                ) from exc
            raise
        return response

    def _json(self, method: str, v1_path: str, **kwargs: Any) -> Any:
        response = self._call(method, v1_path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise ManagerError(f"ComfyUI-Manager answered {v1_path} with non-JSON") from exc

    # ---- catalogue --------------------------------------------------------------------
    def getlist(self, mode: str = "local", skip_update: bool = True) -> dict[str, Any]:
        """``{id: pack}`` of every known node pack (``node_packs`` of /customnode/getlist)."""
        data = self._json(
            "GET",
            "/customnode/getlist",
            params={"mode": mode, "skip_update": str(skip_update).lower()},
            timeout=60.0,
        )
        packs = data.get("node_packs") if isinstance(data, dict) else None
        return packs if isinstance(packs, dict) else {}

    def getmappings(self, mode: str = "local") -> dict[str, Any]:
        """``{pack url: [[node class names], {title_aux, ...}]}``."""
        data = self._json("GET", "/customnode/getmappings", params={"mode": mode}, timeout=60.0)
        return data if isinstance(data, dict) else {}

    def installed(self) -> dict[str, Any]:
        data = self._json("GET", "/customnode/installed")
        return data if isinstance(data, dict) else {}

    # ---- install queue ----------------------------------------------------------------
    def queue_task(self, kind: str, params: dict[str, Any]) -> None:
        """Queue one operation (``install``, ``disable``, ``uninstall``, ``update``...)."""
        if self._require() == "v2":
            body = {
                "ui_id": params.get("ui_id") or uuid.uuid4().hex,
                "client_id": self._client_id,
                "kind": kind,
                "params": params,
            }
            self._call("POST", "/manager/queue/task", json=body)
        else:
            self._call("POST", f"/manager/queue/{kind}", json=params)

    def queue_install(self, pack: dict[str, Any]) -> None:
        self.queue_task("install", pack)

    def queue_start(self) -> None:
        self._call("POST", "/manager/queue/start")

    def queue_reset(self) -> None:
        # An empty JSON body: a form content type is refused by the Manager's CSRF guard.
        self._call("POST", "/manager/queue/reset", json={})

    def queue_status(self) -> ManagerQueueStatus:
        data = self._json("GET", "/manager/queue/status")
        data = data if isinstance(data, dict) else {}
        return ManagerQueueStatus(
            total_count=int(data.get("total_count") or 0),
            done_count=int(data.get("done_count") or 0),
            in_progress_count=int(data.get("in_progress_count") or 0),
            is_processing=bool(data.get("is_processing")),
        )

    def reboot(self) -> None:
        self._call("POST", "/manager/reboot")
