"""How the ComfyUI frontend lays out a node's widgets, and mapping ``widgets_values``.

``widgets_values`` in a UI workflow is positional and also holds frontend-only widgets:
``control_after_generate`` after seed-like inputs, ``control_filter_list`` after a combo
with such a control, and the ``upload`` button of LoadImage. Their presence varies with
the frontend version, so values are matched to slots tolerantly.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Literal

WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"})
CONTROL_VALUES = frozenset({"fixed", "increment", "decrement", "randomize", "increment-wrap"})
UPLOAD_FLAGS = ("image_upload", "video_upload", "audio_upload", "animated_image_upload")
SEED_NAMES = frozenset({"seed", "noise_seed"})

SlotKind = Literal["input", "control", "filter", "upload"]


@dataclass(frozen=True)
class Slot:
    """One widget position: a real input, or a frontend-only helper widget."""

    kind: SlotKind
    name: str = ""
    spec: tuple[Any, dict[str, Any]] | None = None


def input_spec(raw: Any) -> tuple[Any, dict[str, Any]]:
    """``[type, options]`` of object_info as a ``(type, options)`` pair."""
    if not isinstance(raw, (list, tuple)) or not raw:
        return None, {}
    options = raw[1] if len(raw) > 1 and isinstance(raw[1], dict) else {}
    return raw[0], options


def is_combo(kind: Any) -> bool:
    return isinstance(kind, list) or kind == "COMBO"


def is_widget_type(kind: Any) -> bool:
    return isinstance(kind, list) or kind in WIDGET_TYPES


def ordered_inputs(class_info: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, raw spec) of required then optional inputs, in the server's input_order."""
    inputs = class_info.get("input") or {}
    order = class_info.get("input_order") or {}
    result = []
    for section in ("required", "optional"):
        specs = inputs.get(section) or {}
        names = order.get(section) or list(specs)
        result.extend((name, specs[name]) for name in names if name in specs)
    return result


def widget_slots(
    class_info: dict[str, Any], socket_names: frozenset[str] = frozenset()
) -> list[Slot]:
    """The frontend's widget order for a node class.

    ``socket_names``: inputs the UI node lists as plain sockets (no widget), which the
    frontend therefore did not give a widget (``forceInput`` and custom socket types).
    """
    slots: list[Slot] = []
    for name, raw in ordered_inputs(class_info):
        kind, options = input_spec(raw)
        if not is_widget_type(kind) or options.get("forceInput") or name in socket_names:
            continue
        slots.append(Slot("input", name, (kind, options)))
        control = options.get("control_after_generate")
        if control is None and kind == "INT" and name in SEED_NAMES:
            control = True
        if control:
            slots.append(Slot("control", name))
            if is_combo(kind):
                slots.append(Slot("filter", name))
        if any(options.get(flag) for flag in UPLOAD_FLAGS):
            slots.append(Slot("upload", name))
    return slots


def default_value(spec: tuple[Any, dict[str, Any]]) -> Any:
    """The value a freshly created widget has (what the frontend sends if none saved)."""
    kind, options = spec
    if "default" in options:
        return options["default"]
    if isinstance(kind, list):
        return kind[0] if kind else None
    if kind == "COMBO":
        choices = options.get("options") or []
        return choices[0] if choices else None
    return {"INT": 0, "FLOAT": 0.0, "STRING": "", "BOOLEAN": False}.get(kind)


def _looks_like_extra(slot: Slot, value: Any) -> bool:
    if slot.kind == "control":
        return isinstance(value, bool) or value in CONTROL_VALUES
    return value is None or isinstance(value, str)


def assign_values(slots: list[Slot], values: Any) -> dict[str, Any]:
    """Map saved ``widgets_values`` (list or, for some nodes, dict) to input names."""
    inputs = [s for s in slots if s.kind == "input"]
    if isinstance(values, dict):
        return {s.name: values[s.name] for s in inputs if s.name in values}
    values = list(values) if isinstance(values, (list, tuple)) else []
    if len(values) == len(slots):
        return {s.name: v for s, v in zip(slots, values, strict=True) if s.kind == "input"}
    if len(values) == len(inputs):
        return {s.name: v for s, v in zip(inputs, values, strict=True)}
    result: dict[str, Any] = {}
    index, inputs_left = 0, len(inputs)
    for slot in slots:
        if index >= len(values):
            break
        if slot.kind == "input":
            result[slot.name] = values[index]
            index, inputs_left = index + 1, inputs_left - 1
        elif len(values) - index > inputs_left and _looks_like_extra(slot, values[index]):
            # Only skip a helper value when there are more values than inputs left.
            index += 1
    return result


def process_dynamic_prompt(text: str, rng: random.Random | None = None) -> str:
    """The frontend's dynamic prompts: strip C comments, pick one of each ``{a|b}``."""
    rng = rng or random.Random()
    source = _strip_comments(text)
    out, _ = _expand(source, 0, rng, top=True)
    return _unescape(out)


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*[\s\S]*?\*/|//.*", "", text)


def _unescape(text: str) -> str:
    return re.sub(r"\\([{}|])", r"\1", text)


def _expand(text: str, i: int, rng: random.Random, top: bool) -> tuple[str, int]:
    """Expand from ``i``; inside a ``{...}`` block return the chosen option's expansion."""
    if top:
        out = []
        while i < len(text):
            char = text[i]
            i += 1
            if char == "\\" and i <= len(text):
                out.append("\\" + (text[i] if i < len(text) else ""))
                i += 1
            elif char == "{":
                chosen, i = _expand(text, i, rng, top=False)
                out.append(chosen)
            else:
                out.append(char)
        return "".join(out), i
    options, current, depth = [], [], 0
    while i < len(text):
        char = text[i]
        i += 1
        if char == "\\":
            current.append("\\" + (text[i] if i < len(text) else ""))
            i += 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if not depth:
                break
            depth -= 1
        elif char == "|" and not depth:
            options.append("".join(current))
            current = []
            continue
        current.append(char)
    options.append("".join(current))
    chosen = options[int(rng.random() * len(options))]
    expanded, _ = _expand(chosen, 0, rng, top=True)
    return expanded, i
