"""Typed errors the generation package raises; the UI and the CLI turn each into one message."""

from __future__ import annotations


class GenerationError(Exception):
    """Base class of every generation failure."""


class InvalidParams(GenerationError):
    """The form is not valid; ``field_errors`` maps a field name to what is wrong with it."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.field_errors.items()))


class NoBackendAvailable(GenerationError):
    """No configured ComfyUI is reachable and has every model the request needs."""

    def __init__(self, reasons: dict[str, str]) -> None:
        self.reasons = dict(reasons)
        detail = "; ".join(f"{url}: {why}" for url, why in self.reasons.items())
        detail = detail or "none configured"
        super().__init__(f"No ComfyUI backend can run this request ({detail}).")


class RequestNotFound(GenerationError):
    """The request id is not in the history (deleted meanwhile?)."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(f"Generation request {request_id} does not exist (any more).")


class InvalidState(GenerationError):
    """The action does not fit the request's status (e.g. retrying a completed request)."""
