"""What each node "computes": small descriptors instead of tensors, real files for savers.

A descriptor is a dict with ``kind`` (the ComfyUI type name) and, for pictures, width,
height, batch and seed. They flow along links so SaveImage knows what size to write.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fake_comfy import images

SAMPLERS = {"KSampler", "KSamplerAdvanced"}


class NodeFailure(Exception):
    """A node raised at run time (scenario.fail_node, or a bad filename prefix)."""

    def __init__(self, message: str, exception_type: str = "RuntimeError") -> None:
        super().__init__(message)
        self.exception_type = exception_type


@dataclass
class SimContext:
    output_dir: Path
    temp_dir: Path
    input_dir: Path
    prompt: dict[str, Any]
    extra_data: dict[str, Any]
    preview_prefixes: dict[str, str] = field(default_factory=dict)


def sampler_steps(class_type: str, inputs: dict[str, Any]) -> int:
    """Number of progress steps a sampler node reports (0 for other nodes)."""
    if class_type not in SAMPLERS:
        return 0
    try:
        return max(0, int(inputs.get("steps", 0)))
    except (TypeError, ValueError):
        return 0


def latent_of(values: dict[str, Any]) -> dict[str, Any]:
    """The picture descriptor among a node's resolved inputs (default 64x64x1)."""
    for value in values.values():
        if isinstance(value, dict) and value.get("kind") in ("LATENT", "IMAGE"):
            return value
    return {"kind": "LATENT", "width": 64, "height": 64, "batch": 1, "seed": 0}


def simulate(node_id: str, class_type: str, spec: dict[str, Any], values: dict[str, Any],
             ctx: SimContext) -> tuple[list[Any], dict[str, Any] | None]:
    """(outputs per slot, UI output or None) for one node given its resolved inputs."""
    if class_type == "SaveImage":
        return [], _save(values, ctx, ctx.output_dir, str(values.get("filename_prefix",
                                                                      "ComfyUI")), "output")
    if class_type == "PreviewImage":
        prefix = ctx.preview_prefixes.setdefault(node_id, "ComfyUI_temp_" + "".join(
            random.choice(string.ascii_lowercase) for _ in range(5)))
        return [], _save(values, ctx, ctx.temp_dir, prefix, "temp")
    outputs = [_output_for(kind, class_type, node_id, values, ctx)
               for kind in spec.get("output", [])]
    return outputs, None


def _output_for(kind: Any, class_type: str, node_id: str, values: dict[str, Any],
                ctx: SimContext) -> Any:
    if class_type.startswith("Empty") and kind == "LATENT":
        return {"kind": "LATENT", "width": _int(values.get("width"), 512),
                "height": _int(values.get("height"), 512),
                "batch": _int(values.get("batch_size"), 1), "seed": 0}
    if class_type in ("LoadImage", "LoadImageMask"):
        size = images.image_size(ctx.input_dir / str(values.get("image", ""))) or (64, 64)
        return {"kind": kind, "width": size[0], "height": size[1], "batch": 1, "seed": 0}
    for value in values.values():
        if isinstance(value, dict) and value.get("kind") == kind:
            result = dict(value)
            if "seed" in values or "noise_seed" in values:
                result["seed"] = values.get("seed", values.get("noise_seed"))
            return result
    if kind in ("IMAGE", "LATENT", "MASK"):
        return {**latent_of(values), "kind": kind}
    return {"kind": kind, "node": node_id}


def _save(values: dict[str, Any], ctx: SimContext, root: Path, prefix: str,
          kind: str) -> dict[str, Any]:
    spec = latent_of(values)
    text = images.png_text(ctx.prompt, ctx.extra_data) if kind == "output" else None
    try:
        entries = images.write_images(root, prefix, kind, spec, text)
    except images.OutsideFolderError as exc:
        raise NodeFailure(str(exc), "Exception") from exc
    except OSError as exc:
        raise NodeFailure(str(exc), type(exc).__name__) from exc
    return {"images": entries}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def format_value(value: Any) -> Any:
    """ComfyUI's repr of an input for execution_error.current_inputs."""
    if value is None or isinstance(value, (int, float, bool, str)):
        return value
    if isinstance(value, dict) and "kind" in value:
        kind = value["kind"]
        if kind in ("LATENT",):
            return "{'samples': tensor([[[[0., 0., 0.,  ..., 0., 0., 0.]]]])}"
        if kind in ("IMAGE", "MASK"):
            return "tensor([[[[0.5000, 0.5000, 0.5000]]]])"
        return f"<comfy.{kind.lower()}.{kind} object at 0x7f{abs(hash(kind)) % 16**10:010x}>"
    return str(value)
