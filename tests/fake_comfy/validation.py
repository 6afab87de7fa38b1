"""POST /prompt validation with the answers ComfyUI v0.3.64 gives (error_validation.json).

The walk mirrors the real server's observable behaviour: each output node is validated
depth-first through its links, results are memoised per node, a node that is only invalid
because of an upstream node carries no errors of its own, and an exception while following
a link (a link to a node that does not exist) is reported on the linked node with the
consuming input's details, exactly as the captured 400 bodies show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Inputs that ComfyUI checks with the node's own VALIDATE_INPUTS instead of the combo list.
CUSTOM_VALIDATED = {"LoadImage": "image", "LoadImageMask": "image"}

_SRC = '  File "/opt/comfy/ComfyUI/execution.py", '
_FRAME_INNER_CALL = (
    _SRC + "line 808, in validate_inputs\n"
    "    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n"
    "        " + "^" * 57 + "\n"
)
_FRAME_OUTER_CALL = (
    _SRC + "line 866, in validate_prompt\n"
    "    m = await validate_inputs(prompt_id, prompt, o, validated)\n"
    "        " + "^" * 54 + "\n"
)
_FRAME_LOOKUP = (
    _SRC + "line 788, in validate_inputs\n"
    "    o_class_type = prompt[o_id]['class_type']\n"
    "                   ~~~~~~^^^^^^\n"
)
_FRAME_SLOT = (
    _SRC + "line 790, in validate_inputs\n"
    "    received_type = r[val[1]]\n"
    "                    ~^^^^^^^^\n"
)


class _LinkFailure(Exception):
    """A link could not be followed (missing node, bad slot): carries the real exception."""

    def __init__(self, original: Exception, frame: str) -> None:
        super().__init__(str(original))
        self.original = original
        self.frame = frame


@dataclass
class ValidationResult:
    ok: bool
    error: dict[str, Any] | None
    outputs: list[str]
    node_errors: dict[str, Any] = field(default_factory=dict)


def _error(kind: str, message: str, details: str = "") -> dict[str, Any]:
    return {"type": kind, "message": message, "details": details, "extra_info": {}}


def types_compatible(received: Any, wanted: Any) -> bool:
    """ComfyUI's link type rule: equal, '*' on either side, or overlapping comma lists."""
    if received == wanted:
        return True
    if isinstance(received, list) and (wanted == "COMBO" or isinstance(wanted, list)):
        return received == wanted or wanted == "COMBO"
    if not isinstance(received, str) or not isinstance(wanted, str):
        return False
    got = {t.strip() for t in received.split(",")}
    want = {t.strip() for t in wanted.split(",")}
    return "*" in got or "*" in want or bool(got & want)


def _full_type_name(exc: BaseException) -> str:
    module = type(exc).__module__
    name = type(exc).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


class PromptValidator:
    """Validates one API prompt against an object_info dict."""

    def __init__(
        self,
        prompt: dict[str, Any],
        object_info: dict[str, Any],
        image_exists: Callable[[str], bool] | None = None,
    ) -> None:
        self.prompt = prompt
        self.info = object_info
        self.image_exists = image_exists or (lambda _name: True)
        self.validated: dict[str, tuple[bool, list[dict], str]] = {}
        self._visiting: set[str] = set()

    # -- whole prompt -------------------------------------------------------------------
    def run(self, partial_targets: list[str] | None = None) -> ValidationResult:
        outputs: list[str] = []
        for node_id, node in self.prompt.items():
            if not isinstance(node, dict) or "class_type" not in node:
                return ValidationResult(False, _error(
                    "invalid_prompt",
                    "Cannot execute because a node is missing the class_type property.",
                    f"Node ID '#{node_id}'"), [])
            class_type = node["class_type"]
            if not isinstance(class_type, str) or class_type not in self.info:
                return ValidationResult(False, _error(
                    "invalid_prompt",
                    f"Cannot execute because node {class_type} does not exist.",
                    f"Node ID '#{node_id}'"), [])
            if self.info[class_type].get("output_node") is True and (
                    partial_targets is None or node_id in partial_targets):
                outputs.append(node_id)
        if not outputs:
            return ValidationResult(False, _error("prompt_no_outputs", "Prompt has no outputs"), [])
        return self._validate_outputs(outputs)

    def _validate_outputs(self, outputs: list[str]) -> ValidationResult:
        good: list[str] = []
        failed: list[tuple[str, list[dict]]] = []
        node_errors: dict[str, Any] = {}
        for out in outputs:
            try:
                valid, reasons, _ = self.validate_node(out)
            except _LinkFailure as failure:
                valid = False
                reasons = [{
                    "type": "exception_during_validation",
                    "message": "Exception when validating node",
                    "details": str(failure.original),
                    "extra_info": {
                        "exception_type": _full_type_name(failure.original),
                        "traceback": [_FRAME_OUTER_CALL, failure.frame],
                    },
                }]
                self.validated[out] = (False, reasons, out)
            if valid:
                good.append(out)
                continue
            failed.append((out, reasons))
            for node_id, (ok, node_reasons, _) in self.validated.items():
                if ok or not node_reasons:
                    continue  # downstream of a failure: no errors of its own
                entry = node_errors.setdefault(node_id, {
                    "errors": node_reasons,
                    "dependent_outputs": [],
                    "class_type": self.prompt[node_id]["class_type"],
                })
                entry["dependent_outputs"].append(out)
        if not good:
            details = "\n".join(
                f"{r['message']}: {r['details']}" for _, reasons in failed for r in reasons)
            error = _error("prompt_outputs_failed_validation",
                           "Prompt outputs failed validation", details)
            return ValidationResult(False, error, [], node_errors)
        return ValidationResult(True, None, good, node_errors)

    # -- one node -----------------------------------------------------------------------
    def validate_node(self, node_id: str) -> tuple[bool, list[dict], str]:
        if node_id in self.validated:
            return self.validated[node_id]
        if node_id in self._visiting:  # a cycle: ComfyUI recurses until Python gives up
            error = RecursionError("maximum recursion depth exceeded")
            raise _LinkFailure(error, _FRAME_INNER_CALL)
        self._visiting.add(node_id)
        try:
            return self._validate_node(node_id)
        finally:
            self._visiting.discard(node_id)

    def _validate_node(self, node_id: str) -> tuple[bool, list[dict], str]:
        node = self.prompt[node_id]
        class_type = node["class_type"]
        spec = self.info[class_type]
        inputs = node.get("inputs")
        if not isinstance(inputs, dict):
            inputs = node["inputs"] = {}
        errors: list[dict] = []
        valid = True
        custom = CUSTOM_VALIDATED.get(class_type)
        for name, category, config in _declared_inputs(spec):
            if name not in inputs:
                if category == "required":
                    errors.append({
                        "type": "required_input_missing",
                        "message": "Required input is missing",
                        "details": name,
                        "extra_info": {"input_name": name},
                    })
                continue
            if isinstance(inputs[name], list):
                problem, upstream_ok = self._check_link(name, inputs[name], config)
                if problem:
                    errors.append(problem)
                valid = valid and upstream_ok
            else:
                problem = self._check_value(inputs, name, config, skip_limits=name == custom)
                if problem:
                    errors.append(problem)
        if custom:
            errors.extend(self._custom_check(custom, inputs))
        result = (not errors and valid, errors, node_id)
        self.validated[node_id] = result
        return result

    def _custom_check(self, name: str, inputs: dict[str, Any]) -> list[dict]:
        """LoadImage's VALIDATE_INPUTS: the file must exist (sub folders allowed)."""
        value = inputs.get(name)
        if value is None or isinstance(value, list) or self.image_exists(str(value)):
            return []
        return [{
            "type": "custom_validation_failed",
            "message": "Custom validation failed for node",
            "details": f"{name} - Invalid image file: {value}",
            "extra_info": {"input_name": name},
        }]

    def _check_link(self, name: str, link: list, config: tuple) -> tuple[dict | None, bool]:
        wanted = config[0]
        if len(link) != 2:
            return {
                "type": "bad_linked_input",
                "message": "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                "details": name,
                "extra_info": {"input_name": name, "input_config": list(config),
                               "received_value": link},
            }, True
        source_id, slot = link
        try:
            source_class = self.prompt[source_id]["class_type"]
        except (KeyError, TypeError) as exc:
            raise _LinkFailure(exc, _FRAME_LOOKUP) from exc
        try:
            received = self.info[source_class]["output"][slot]
        except (IndexError, TypeError) as exc:
            raise _LinkFailure(exc, _FRAME_SLOT) from exc
        if not types_compatible(received, wanted):
            return {
                "type": "return_type_mismatch",
                "message": "Return type mismatch between linked nodes",
                "details": f"{name}, received_type({received}) mismatch input_type({wanted})",
                "extra_info": {"input_name": name, "input_config": list(config),
                               "received_type": received, "linked_node": link},
            }, True
        try:
            upstream_ok = self.validate_node(source_id)[0]
        except _LinkFailure as failure:
            # Blamed on the linked node, with the consuming input's details (as observed).
            self.validated[source_id] = (False, [_inner_failure(name, config, link, failure)],
                                         source_id)
            upstream_ok = False
        return None, upstream_ok

    def _check_value(self, inputs: dict, name: str, config: tuple,
                     skip_limits: bool) -> dict | None:
        wanted = config[0]
        value = inputs[name]
        if isinstance(value, dict) and "__value__" in value:
            value = inputs[name] = value["__value__"]
        try:
            value = _convert(value, wanted)
        except Exception as exc:
            return {
                "type": "invalid_input_type",
                "message": f"Failed to convert an input value to a {wanted} value",
                "details": f"{name}, {value}, {exc}",
                "extra_info": {"input_name": name, "input_config": list(config),
                               "received_value": value, "exception_message": str(exc)},
            }
        inputs[name] = value
        if skip_limits:
            return None
        return _check_limits(name, value, config) or _check_combo(name, value, config)


def _inner_failure(name: str, config: tuple, link: list, failure: _LinkFailure) -> dict:
    return {
        "type": "exception_during_inner_validation",
        "message": "Exception when validating inner node",
        "details": str(failure.original),
        "extra_info": {
            "input_name": name,
            "input_config": list(config),
            "exception_message": str(failure.original),
            "exception_type": _full_type_name(failure.original),
            "traceback": [_FRAME_INNER_CALL, failure.frame],
            "linked_node": link,
        },
    }


def _convert(value: Any, wanted: Any) -> Any:
    converters = {"INT": int, "FLOAT": float, "STRING": str, "BOOLEAN": bool}
    if isinstance(wanted, str) and wanted in converters:
        return converters[wanted](value)
    return value


def _check_limits(name: str, value: Any, config: tuple) -> dict | None:
    _, extra = config
    for key, kind, word in (("min", "value_smaller_than_min", "smaller"),
                            ("max", "value_bigger_than_max", "bigger")):
        if key not in extra:
            continue
        try:
            beyond = value < extra[key] if key == "min" else value > extra[key]
        except TypeError:
            continue
        if beyond:
            return {
                "type": kind,
                "message": f"Value {value} {word} than {key} of {extra[key]}",
                "details": name,
                "extra_info": {"input_name": name, "input_config": list(config),
                               "received_value": value},
            }
    return None


def _check_combo(name: str, value: Any, config: tuple) -> dict | None:
    wanted, extra = config
    if isinstance(wanted, list):
        options = wanted
    elif wanted == "COMBO" and "options" in extra:
        options = extra["options"]
    else:
        return None
    if value in options:
        return None
    if len(options) > 20:
        listing, shown_config = f"(list of length {len(options)})", None
    else:
        listing, shown_config = str(options), list(config)
    return {
        "type": "value_not_in_list",
        "message": "Value not in list",
        "details": f"{name}: '{value}' not in {listing}",
        "extra_info": {"input_name": name, "input_config": shown_config,
                       "received_value": value},
    }


def _declared_inputs(spec: dict[str, Any]) -> list[tuple[str, str, tuple]]:
    """(name, category, (type, extra)) for required then optional inputs, in order."""
    found = []
    order = spec.get("input_order", {})
    for category in ("required", "optional"):
        section = spec.get("input", {}).get(category, {}) or {}
        for name in order.get(category, list(section)):
            if name not in section:
                continue
            raw = section[name]
            extra = raw[1] if len(raw) > 1 and isinstance(raw[1], dict) else {}
            found.append((name, category, (raw[0], extra)))
    return found


def validate_prompt(
    prompt: dict[str, Any],
    object_info: dict[str, Any],
    partial_targets: list[str] | None = None,
    image_exists: Callable[[str], bool] | None = None,
) -> ValidationResult:
    """Validate ``prompt`` (mutated: literal values are converted like ComfyUI does)."""
    return PromptValidator(prompt, object_info, image_exists).run(partial_targets)
