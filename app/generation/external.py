"""Jobs that ran on a backend from elsewhere (the browser, another client) join the history.

ComfyUI sends per-prompt events only to the client that queued the prompt and forgets its
history on restart, so ComfyDesk diffs ``/history`` against what it knows while connected and
keeps what it saw. ``import_external`` is the pure step; a timer in the UI calls it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from app.comfy.errors import ComfyError
from app.db.base import utcnow
from app.generation import outputs as out
from app.generation.events import fetch_failed, history_outcome
from app.generation.params import GenerationParams, LoraSpec, SamplerParams
from app.generation.store import GenerationStore

log = logging.getLogger(__name__)

_STATUS = {"success": "completed", "error": "failed", "interrupted": "cancelled"}


def _linked(prompt: dict[str, Any], link: Any) -> dict[str, Any]:
    if isinstance(link, list) and link:
        node = prompt.get(str(link[0]))
        if isinstance(node, dict):
            return node
    return {}


def _text_of(prompt: dict[str, Any], link: Any) -> str:
    text = (_linked(prompt, link).get("inputs") or {}).get("text")
    return text if isinstance(text, str) else ""


def params_from_prompt(prompt: dict[str, Any]) -> GenerationParams:
    """Best-effort parameters of any API prompt (first sampler, checkpoint, LoRAs, latent)."""
    nodes = [n for n in prompt.values() if isinstance(n, dict)]

    def first(*classes: str) -> dict[str, Any]:
        for node in nodes:
            if node.get("class_type") in classes:
                return node.get("inputs") or {}
        return {}

    sampler = first("KSampler", "KSamplerAdvanced")
    latent = first("EmptyLatentImage", "EmptySD3LatentImage")
    loras = tuple(
        LoraSpec(str(n["inputs"].get("lora_name", "")),
                 float(n["inputs"].get("strength_model", 1.0) or 0.0),
                 float(n["inputs"].get("strength_clip", 1.0) or 0.0))
        for n in nodes if n.get("class_type") == "LoraLoader" and isinstance(n.get("inputs"), dict)
    )
    defaults = SamplerParams()

    def num(source: dict[str, Any], key: str, default: Any, kind: type) -> Any:
        value = source.get(key, default)
        return kind(value) if isinstance(value, int | float) else default

    return GenerationParams(
        checkpoint=str(first("CheckpointLoaderSimple").get("ckpt_name", "") or ""),
        prompt=_text_of(prompt, sampler.get("positive")),
        negative_prompt=_text_of(prompt, sampler.get("negative")),
        loras=loras,
        width=num(latent, "width", 0, int), height=num(latent, "height", 0, int),
        batch_size=num(latent, "batch_size", 1, int),
        sampler=SamplerParams(
            seed=num(sampler, "seed", num(sampler, "noise_seed", 0, int), int),
            steps=num(sampler, "steps", defaults.steps, int),
            cfg=num(sampler, "cfg", defaults.cfg, float),
            sampler_name=str(sampler.get("sampler_name", defaults.sampler_name)),
            scheduler=str(sampler.get("scheduler", defaults.scheduler)),
            denoise=num(sampler, "denoise", defaults.denoise, float)),
    )


def _times(entry: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    start = end = None
    for message in (entry.get("status") or {}).get("messages") or []:
        if not (isinstance(message, list) and len(message) == 2 and isinstance(message[1], dict)):
            continue
        stamp = message[1].get("timestamp")
        if not isinstance(stamp, int | float):
            continue
        when = datetime.fromtimestamp(stamp / 1000, UTC).replace(tzinfo=None)
        if message[0] == "execution_start":
            start = when
        else:
            end = when
    return start, end


def import_external(store: GenerationStore, paths: Any, client: Any, backend: str,
                    own_client_id: str, max_items: int = 64) -> list[str]:
    """Add history entries of ``backend`` that ComfyDesk does not know yet; returns new ids.

    Entries queued by this client id are skipped (the service follows those itself).
    Raises ComfyError when the backend cannot be asked.
    """
    history = client.history_all(max_items=max_items)
    if not isinstance(history, dict):
        return []
    known = store.known_prompt_ids(str(k) for k in history)
    added = []
    for prompt_id, entry in history.items():
        if str(prompt_id) in known or not _well_formed(entry):
            continue
        queued = entry.get("prompt") or []
        prompt = queued[2] if len(queued) > 2 and isinstance(queued[2], dict) else {}
        extra = queued[3] if len(queued) > 3 and isinstance(queued[3], dict) else {}
        if extra.get("client_id") == own_client_id:
            continue
        added.append(_import_one(store, paths, client, backend, str(prompt_id), entry, prompt))
    return added


def _well_formed(entry: Any) -> bool:
    """Only entries shaped like ComfyUI's are imported; an odd one must not block the rest."""
    if not isinstance(entry, dict):
        log.warning("skipping a /history entry that is not an object: %r", entry)
        return False
    shapes = (("prompt", list), ("outputs", dict), ("status", dict))
    odd = [key for key, kind in shapes if entry.get(key) is not None
           and not isinstance(entry.get(key), kind)]
    messages = (entry.get("status") or {}).get("messages") if not odd else None
    if messages is not None and not isinstance(messages, list):
        odd.append("status.messages")
    if odd:
        log.warning("skipping a /history entry with odd %s", ", ".join(odd))
    return not odd


def _import_one(store: GenerationStore, paths: Any, client: Any, backend: str,
                prompt_id: str, entry: dict[str, Any], prompt: dict[str, Any]) -> str:
    outcome, error = history_outcome(entry)
    started, finished = _times(entry)
    request_id = uuid.uuid4().hex
    remote = out.images_in(entry.get("outputs") or {})
    store.create(request_id, params_from_prompt(prompt), status=_STATUS[outcome],
                 external=True, backend=backend, comfyui_prompt_id=prompt_id, error=error,
                 remote_outputs=remote, created_at=started or utcnow(), started_at=started,
                 finished_at=finished)
    if remote:
        try:
            saved = out.fetch_outputs(client, paths, request_id, remote)
        except (ComfyError, OSError) as exc:
            store.update(request_id, error=fetch_failed(exc))
        else:
            store.update(request_id, output_paths=[s.image for s in saved],
                         thumbnail_paths=[s.thumbnail for s in saved if s.thumbnail])
    return request_id
