"""Backend dispatch: the reachable backend that has the models and the shortest queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.comfy.errors import ComfyError
from app.generation.errors import NoBackendAvailable
from app.generation.params import GenerationParams, ModelOptions


class _Client(Protocol):
    def object_info(self, refresh: bool = False) -> dict[str, Any]: ...
    def get_queue(self) -> Any: ...


@dataclass(frozen=True)
class Choice:
    url: str
    queue_length: int
    options: ModelOptions


def missing_models(params: GenerationParams, options: ModelOptions) -> list[str]:
    """Human-readable names of the models ``params`` needs that ``options`` lacks."""
    missing = []
    if params.checkpoint not in options.checkpoints:
        missing.append(f"checkpoint {params.checkpoint!r}")
    missing += [f"LoRA {lora.name!r}" for lora in params.loras if lora.name not in options.loras]
    return missing


def probe(client: _Client, params: GenerationParams) -> tuple[int, ModelOptions]:
    """Queue length and options of one backend; raises ComfyError when it cannot be asked."""
    options = ModelOptions.from_object_info(client.object_info())
    if missing_models(params, options):
        # Model lists inside object_info are rebuilt per call: ask once more, fresh.
        options = ModelOptions.from_object_info(client.object_info(refresh=True))
    queue = client.get_queue()
    return len(queue.running) + len(queue.pending), options


def choose_backend(urls: Sequence[str], params: GenerationParams,
                   client_for: Callable[[str], _Client]) -> Choice:
    """The best backend for ``params``; ties go to the earlier one in ``urls``.

    Raises:
        NoBackendAvailable: with a reason per backend (unreachable, or which model it lacks).
    """
    reasons: dict[str, str] = {}
    best: Choice | None = None
    for url in dict.fromkeys(urls):
        try:
            length, options = probe(client_for(url), params)
        except ComfyError as exc:
            reasons[url] = str(exc)
            continue
        lacking = missing_models(params, options)
        if lacking:
            reasons[url] = "does not have " + ", ".join(lacking)
            continue
        if best is None or length < best.queue_length:
            best = Choice(url, length, options)
    if best is None:
        raise NoBackendAvailable(reasons)
    return best
