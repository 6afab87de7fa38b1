"""Typed errors that cross from the ComfyUI client into the rest of the app.

The UI turns each of these into one clear message; nothing here is ever swallowed.
"""

from __future__ import annotations

from typing import Any


class ComfyError(Exception):
    """Base class for every error the ComfyUI client raises."""


class ComfyUnreachable(ComfyError):
    """The server could not be reached: refused, unknown host, timed out, dropped."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        self.reason = reason
        super().__init__(f"ComfyUI at {address} is unreachable: {reason}")


class ComfyHTTPError(ComfyError):
    """The server answered with a non-2xx status that has no more specific meaning."""

    def __init__(self, status: int, url: str, body: str) -> None:
        self.status = status
        self.url = url
        self.body = body
        snippet = body.strip().replace("\n", " ")
        if len(snippet) > 300:
            snippet = snippet[:300] + "…"
        super().__init__(f"ComfyUI answered HTTP {status} for {url}: {snippet or '(empty body)'}")


class ComfyNotFound(ComfyHTTPError):
    """HTTP 404: the file, folder, model folder or route does not exist."""


class PromptRejected(ComfyError):
    """POST /prompt was refused (HTTP 400) by ComfyUI's validation.

    ``error`` and ``node_errors`` are the server's JSON exactly as sent
    (see error_validation.json in the reference data).
    """

    def __init__(self, error: dict[str, Any], node_errors: dict[str, Any], status: int) -> None:
        self.error = error
        self.node_errors = node_errors
        self.status = status
        super().__init__(self.describe())

    def describe(self) -> str:
        """One readable paragraph: the error message, then each node's problems."""
        message = str(self.error.get("message") or self.error.get("type") or "Prompt rejected")
        details = str(self.error.get("details") or "").strip()
        head = f"{message} ({details})" if details else message
        parts = [head.rstrip(".") + "."]
        for node_id, info in sorted(self.node_errors.items(), key=lambda kv: _node_sort_key(kv[0])):
            parts.extend(_describe_node(node_id, info))
        return " ".join(parts)


def _node_sort_key(node_id: str) -> tuple[int, str]:
    return (int(node_id), "") if str(node_id).isdigit() else (1 << 30, str(node_id))


def _describe_node(node_id: str, info: Any) -> list[str]:
    if not isinstance(info, dict):
        return [f"Node {node_id}: {info}."]
    class_type = info.get("class_type") or "?"
    lines = []
    for err in info.get("errors") or []:
        if not isinstance(err, dict):
            lines.append(f"{class_type} (node {node_id}): {err}.")
            continue
        extra = err.get("extra_info") or {}
        input_name = extra.get("input_name") if isinstance(extra, dict) else None
        text = str(err.get("message") or err.get("type") or "invalid")
        detail = str(err.get("details") or "").strip()
        if detail and detail != input_name:
            text = f"{text}: {detail}"
        where = f", input '{input_name}'" if input_name else ""
        lines.append(f"{class_type} (node {node_id}{where}): {text.rstrip('.')}.")
    return lines or [f"{class_type} (node {node_id}) is invalid."]


class MissingNodeTypes(ComfyError):
    """A UI workflow uses node types this ComfyUI does not know (not in /object_info)."""

    def __init__(self, types: list[str]) -> None:
        self.types = sorted(set(types))
        super().__init__(
            "This workflow uses node types that this ComfyUI does not have: "
            + ", ".join(self.types)
            + ". Install the custom node packs that provide them, or remove those nodes."
        )


class WorkflowError(ComfyError):
    """A workflow file is not a usable UI or API graph (corrupt, wrong shape, cyclic)."""


class ManagerError(ComfyError):
    """ComfyUI-Manager is missing or refused a request (for example its security level)."""
