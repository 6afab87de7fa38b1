"""The ComfyUI-Dataset-Gates pack's ``/grid_pool/...`` routes, as a fake server route module.

Behaviour follows the pack's ``gates/routes.py``, ``gates/profiles_routes.py``, ``gates/pool.py``
and ``gates/profiles.py``: JSON bodies ``{pool_id, index[, label]}`` and ``{id, name}``, multipart
``/grid_pool/add`` (``pool_id``, ``ts``, ``image``), ``/grid_pool/set_mask`` (``pool_id``,
``index``, ``mask``) and ``/grid_pool/profiles/import`` (``file``); answers are the manifest, the
registry entry or the registry. A refused operation (duplicate name, unknown id) raises inside the
handler, so aiohttp answers 500 as the real pack does. Files live in ``<input>/grid_pool``.
Written independently of ``app.profiles`` so tests compare two implementations of the format.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import shutil
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from aiohttp import web


def _base(state: Any) -> Path:
    return Path(state.input_dir) / "grid_pool"


def _read_json(path: Path, empty: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    return data if isinstance(data, dict) else empty


def _manifest(base: Path, pool_id: str) -> dict[str, Any]:
    data = _read_json(base / pool_id / "manifest.json", {})
    if "slots" not in data:
        folder = base / pool_id
        names = sorted(p.name for p in folder.glob("img_*.png")) if folder.is_dir() else []
        names = [n for n in names if not n.endswith(".mask.png")]
        seqs = [int(m.group(1)) for n in names if (m := re.match(r"img_(\d+)\.png$", n))]
        return {"active": 0, "next_seq": max(seqs, default=0) + 1, "slots": [
            {"image": n, "mask": n.replace(".png", ".mask.png")
             if (folder / n.replace(".png", ".mask.png")).exists() else None,
             "label": "", "added": 0} for n in names]}
    data.setdefault("active", 0)
    data.setdefault("next_seq", len(data["slots"]) + 1)
    return data


def _save_manifest(base: Path, pool_id: str, manifest: dict[str, Any]) -> web.Response:
    (base / pool_id).mkdir(parents=True, exist_ok=True)
    (base / pool_id / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    return web.json_response(manifest)


def _registry(base: Path) -> dict[str, Any]:
    data = _read_json(base / "profiles.json", {"profiles": []})
    return data if isinstance(data.get("profiles"), list) else {"profiles": []}


def _save_registry(base: Path, registry: dict[str, Any]) -> None:
    base.mkdir(parents=True, exist_ok=True)
    (base / "profiles.json").write_text(json.dumps(registry, indent=2), "utf-8")


def _clamp(manifest: dict[str, Any]) -> None:
    count = len(manifest["slots"])
    manifest["active"] = 0 if count == 0 else max(0, min(manifest["active"], count - 1))


def _suffixed(registry: dict[str, Any], name: str) -> str:
    taken = {p["name"] for p in registry["profiles"]}
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def register(app: web.Application, state: Any) -> None:
    """Add the pack's routes. ``state.grid_pool_enabled = False`` makes them answer 404
    (a ComfyUI without the pack)."""
    if not hasattr(state, "grid_pool_enabled"):
        state.grid_pool_enabled = True

    def route(handler):
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if not state.grid_pool_enabled:
                raise web.HTTPNotFound()
            return await handler(request, _base(state))
        return wrapped

    async def read_multipart(request: web.Request) -> dict[str, Any]:
        # The server's request log has already read the body, so parse the cached bytes.
        body = await request.read()
        head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        return {part.get_param("name", header="content-disposition"):
                part.get_payload(decode=True) for part in message.iter_parts()}

    async def pool_list(request, base):
        return web.json_response(_manifest(base, request.query.get("pool_id", "default")))

    async def pool_add(request, base):
        fields = await read_multipart(request)
        pool_id = fields.get("pool_id", b"default").decode()
        manifest = _manifest(base, pool_id)
        name = f"img_{manifest['next_seq']:04d}.png"
        (base / pool_id).mkdir(parents=True, exist_ok=True)
        (base / pool_id / name).write_bytes(fields["image"])
        manifest["slots"].append({"image": name, "mask": None, "label": "",
                                  "added": int(fields.get("ts", b"0"))})
        manifest["next_seq"] += 1
        return _save_manifest(base, pool_id, manifest)

    async def pool_remove(request, base):
        body = await request.json()
        manifest = _manifest(base, body["pool_id"])
        index = int(body["index"])
        if 0 <= index < len(manifest["slots"]):
            slot = manifest["slots"].pop(index)
            for key in ("image", "mask"):
                if slot.get(key):
                    (base / body["pool_id"] / slot[key]).unlink(missing_ok=True)
            if index < manifest["active"]:
                manifest["active"] -= 1
            _clamp(manifest)
        return _save_manifest(base, body["pool_id"], manifest)

    async def pool_active(request, base):
        body = await request.json()
        manifest = _manifest(base, body["pool_id"])
        manifest["active"] = int(body["index"])
        _clamp(manifest)
        return _save_manifest(base, body["pool_id"], manifest)

    async def pool_label(request, base):
        body = await request.json()
        manifest = _manifest(base, body["pool_id"])
        index = int(body["index"])
        if 0 <= index < len(manifest["slots"]):
            manifest["slots"][index]["label"] = str(body["label"])
        return _save_manifest(base, body["pool_id"], manifest)

    async def pool_reorder(request, base):
        body = await request.json()
        manifest = _manifest(base, body["pool_id"])
        order = [int(i) for i in body["order"]]
        manifest["slots"] = [manifest["slots"][i] for i in order]
        # The pack's plan: the route "reorders manifest.slots (and fixes active)", i.e. the
        # active image stays active at its new position.
        if manifest["active"] in order:
            manifest["active"] = order.index(manifest["active"])
        return _save_manifest(base, body["pool_id"], manifest)

    async def pool_set_mask(request, base):
        fields = await read_multipart(request)
        pool_id = fields.get("pool_id", b"default").decode()
        index = int(fields.get("index", b"0"))
        manifest = _manifest(base, pool_id)
        if 0 <= index < len(manifest["slots"]):
            mask = manifest["slots"][index]["image"].replace(".png", ".mask.png")
            (base / pool_id / mask).write_bytes(fields["mask"])
            manifest["slots"][index]["mask"] = mask
        return _save_manifest(base, pool_id, manifest)

    async def profiles_list(request, base):
        return web.json_response(_registry(base))

    async def profiles_create(request, base):
        body = await request.json()
        registry = _registry(base)
        if any(p["name"] == body["name"] for p in registry["profiles"]):
            raise ValueError(f"profile name already exists: {body['name']}")
        entry = {"id": uuid.uuid4().hex, "name": body["name"], "created": 0}
        (base / entry["id"]).mkdir(parents=True, exist_ok=True)
        registry["profiles"].append(entry)
        _save_registry(base, registry)
        return web.json_response(entry)

    async def profiles_rename(request, base):
        body = await request.json()
        registry = _registry(base)
        entry = next(p for p in registry["profiles"] if p["id"] == body["id"])
        if any(p["name"] == body["name"] and p["id"] != body["id"] for p in registry["profiles"]):
            raise ValueError(f"profile name already exists: {body['name']}")
        entry["name"] = body["name"]
        _save_registry(base, registry)
        return web.json_response(entry)

    async def profiles_delete(request, base):
        body = await request.json()
        registry = _registry(base)
        registry["profiles"] = [p for p in registry["profiles"] if p["id"] != body["id"]]
        _save_registry(base, registry)
        shutil.rmtree(base / body["id"], ignore_errors=True)
        return web.json_response(registry)

    async def profiles_duplicate(request, base):
        body = await request.json()
        registry = _registry(base)
        next(p for p in registry["profiles"] if p["id"] == body["id"])
        if any(p["name"] == body["name"] for p in registry["profiles"]):
            raise ValueError(f"profile name already exists: {body['name']}")
        entry = {"id": uuid.uuid4().hex, "name": body["name"], "created": 0}
        shutil.copytree(base / body["id"], base / entry["id"])
        registry["profiles"].append(entry)
        _save_registry(base, registry)
        return web.json_response(entry)

    async def profiles_export(request, base):
        pool_id = request.query["id"]
        entry = next((p for p in _registry(base)["profiles"] if p["id"] == pool_id), None)
        name = entry["name"] if entry else pool_id
        target = Path(tempfile.gettempdir()) / f"fake_profile_{uuid.uuid4().hex}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("profile_meta.json", json.dumps({"name": name}))
            for path in sorted((base / pool_id).rglob("*")):
                if path.is_file():
                    zf.write(path, "pool/" + path.relative_to(base / pool_id).as_posix())
        data = target.read_bytes()
        target.unlink()
        return web.Response(body=data, content_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{name}.zip"'})

    async def profiles_import(request, base):
        fields = await read_multipart(request)
        registry = _registry(base)
        new_id = uuid.uuid4().hex
        target = base / new_id
        target.mkdir(parents=True)
        with tempfile.TemporaryFile() as handle:
            handle.write(fields["file"])
            with zipfile.ZipFile(handle) as zf:
                meta = json.loads(zf.read("profile_meta.json")) \
                    if "profile_meta.json" in zf.namelist() else {}
                for name in zf.namelist():
                    if name.startswith("pool/") and not name.endswith("/"):
                        out = target / name[len("pool/"):]
                        out.parent.mkdir(parents=True, exist_ok=True)
                        out.write_bytes(zf.read(name))
        entry = {"id": new_id, "name": _suffixed(registry, meta.get("name") or new_id),
                 "created": 0}
        registry["profiles"].append(entry)
        _save_registry(base, registry)
        return web.json_response(entry)

    get_routes = {"/grid_pool/list": pool_list, "/grid_pool/profiles/list": profiles_list,
                  "/grid_pool/profiles/export": profiles_export}
    post_routes = {
        "/grid_pool/add": pool_add, "/grid_pool/remove": pool_remove,
        "/grid_pool/active": pool_active, "/grid_pool/label": pool_label,
        "/grid_pool/reorder": pool_reorder, "/grid_pool/set_mask": pool_set_mask,
        "/grid_pool/profiles/create": profiles_create,
        "/grid_pool/profiles/rename": profiles_rename,
        "/grid_pool/profiles/delete": profiles_delete,
        "/grid_pool/profiles/duplicate": profiles_duplicate,
        "/grid_pool/profiles/import": profiles_import,
    }
    for path, handler in get_routes.items():
        app.router.add_get(path, route(handler))
    for path, handler in post_routes.items():
        app.router.add_post(path, route(handler))
