"""What a person asks for (GenerationParams) and what a backend allows (ModelOptions).

``ModelOptions`` is read from ``/object_info`` (both COMBO encodings ComfyUI uses), and
``validate`` checks a request against it before anything is sent, naming the field at fault.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any

SEED_MAX = 2**64 - 1  # KSampler's seed max in object_info (0.3.64)

SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "512²": (512, 512),
    "768²": (768, 768),
    "1024²": (1024, 1024),
    "2:3": (832, 1216),
    "3:2": (1216, 832),
    "16:9": (1344, 768),
}


@dataclass(frozen=True)
class LoraSpec:
    """One LoRA in the chain: its file name and its two strengths."""

    name: str
    strength_model: float = 1.0
    strength_clip: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoraSpec:
        return cls(str(data.get("name", "")), float(data.get("strength_model", 1.0)),
                   float(data.get("strength_clip", 1.0)))


@dataclass(frozen=True)
class SamplerParams:
    """KSampler settings (the seed is fixed here; "random each run" is a form choice)."""

    seed: int = 0
    steps: int = 20
    cfg: float = 8.0
    sampler_name: str = "euler"
    scheduler: str = "normal"
    denoise: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SamplerParams:
        base = cls()
        return cls(
            seed=int(data.get("seed", base.seed)),
            steps=int(data.get("steps", base.steps)),
            cfg=float(data.get("cfg", base.cfg)),
            sampler_name=str(data.get("sampler_name", base.sampler_name)),
            scheduler=str(data.get("scheduler", base.scheduler)),
            denoise=float(data.get("denoise", base.denoise)),
        )


@dataclass(frozen=True)
class GenerationParams:
    """Everything one image request needs; stored with the request so it can be re-run."""

    checkpoint: str
    prompt: str
    negative_prompt: str = ""
    loras: tuple[LoraSpec, ...] = ()
    width: int = 512
    height: int = 512
    batch_size: int = 1
    sampler: SamplerParams = field(default_factory=SamplerParams)

    def with_seed(self, seed: int) -> GenerationParams:
        return replace(self, sampler=replace(self.sampler, seed=seed))

    def with_new_seed(self, rng: random.Random | None = None) -> GenerationParams:
        return self.with_seed(new_seed(rng))

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint": self.checkpoint, "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "loras": [lora.to_json() for lora in self.loras],
            "width": self.width, "height": self.height, "batch_size": self.batch_size,
            "sampler": self.sampler.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GenerationParams:
        return cls(
            checkpoint=str(data.get("checkpoint", "")),
            prompt=str(data.get("prompt", "")),
            negative_prompt=str(data.get("negative_prompt", "")),
            loras=tuple(LoraSpec.from_json(x) for x in data.get("loras", [])
                        if isinstance(x, dict)),
            width=int(data.get("width", 512)),
            height=int(data.get("height", 512)),
            batch_size=int(data.get("batch_size", 1)),
            sampler=SamplerParams.from_json(data.get("sampler") or {}),
        )


def new_seed(rng: random.Random | None = None) -> int:
    # Kept below 2**53 so the seed survives JSON round trips through JavaScript (the web UI).
    return (rng or random).randrange(0, 2**53)


@dataclass(frozen=True)
class IntRange:
    minimum: int
    maximum: int
    step: int = 1


@dataclass(frozen=True)
class FloatRange:
    minimum: float
    maximum: float
    step: float = 0.01


@dataclass(frozen=True)
class ModelOptions:
    """The choices and limits one backend offers for this workflow's nodes."""

    checkpoints: tuple[str, ...] = ()
    loras: tuple[str, ...] = ()
    samplers: tuple[str, ...] = ("euler",)
    schedulers: tuple[str, ...] = ("normal",)
    width: IntRange = IntRange(16, 16384, 8)
    height: IntRange = IntRange(16, 16384, 8)
    batch_size: IntRange = IntRange(1, 4096, 1)
    steps: IntRange = IntRange(1, 10000, 1)
    seed: IntRange = IntRange(0, SEED_MAX, 1)
    cfg: FloatRange = FloatRange(0.0, 100.0, 0.1)
    denoise: FloatRange = FloatRange(0.0, 1.0, 0.01)
    strength: FloatRange = FloatRange(-100.0, 100.0, 0.01)

    @classmethod
    def from_object_info(cls, info: dict[str, Any]) -> ModelOptions:
        """Read the options out of ``/object_info``; missing nodes leave the defaults."""
        base = cls()

        def spec(node: str, name: str) -> Any:
            inputs = (info.get(node) or {}).get("input") or {}
            required = inputs.get("required") or {}
            return required.get(name) or (inputs.get("optional") or {}).get(name)

        return cls(
            checkpoints=combo_options(spec("CheckpointLoaderSimple", "ckpt_name")),
            loras=combo_options(spec("LoraLoader", "lora_name")),
            samplers=combo_options(spec("KSampler", "sampler_name")) or base.samplers,
            schedulers=combo_options(spec("KSampler", "scheduler")) or base.schedulers,
            width=_int_range(spec("EmptyLatentImage", "width"), base.width),
            height=_int_range(spec("EmptyLatentImage", "height"), base.height),
            batch_size=_int_range(spec("EmptyLatentImage", "batch_size"), base.batch_size),
            steps=_int_range(spec("KSampler", "steps"), base.steps),
            seed=_int_range(spec("KSampler", "seed"), base.seed),
            cfg=_float_range(spec("KSampler", "cfg"), base.cfg),
            denoise=_float_range(spec("KSampler", "denoise"), base.denoise),
            strength=_float_range(spec("LoraLoader", "strength_model"), base.strength),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelOptions:
        base = cls()
        values: dict[str, Any] = {}
        for key in ("checkpoints", "loras", "samplers", "schedulers"):
            values[key] = tuple(str(x) for x in data.get(key, getattr(base, key)))
        for key in ("width", "height", "batch_size", "steps", "seed"):
            raw = data.get(key) or {}
            values[key] = IntRange(int(raw.get("minimum", getattr(base, key).minimum)),
                                   int(raw.get("maximum", getattr(base, key).maximum)),
                                   int(raw.get("step", getattr(base, key).step)))
        for key in ("cfg", "denoise", "strength"):
            raw = data.get(key) or {}
            values[key] = FloatRange(float(raw.get("minimum", getattr(base, key).minimum)),
                                     float(raw.get("maximum", getattr(base, key).maximum)),
                                     float(raw.get("step", getattr(base, key).step)))
        return cls(**values)


def combo_options(spec: Any) -> tuple[str, ...]:
    """Options of a COMBO input, encoded ``[[a, b], {...}]`` or ``["COMBO", {"options"}]``."""
    if not isinstance(spec, list | tuple) or not spec:
        return ()
    head = spec[0]
    if isinstance(head, list):
        return tuple(str(x) for x in head)
    if head == "COMBO" and len(spec) > 1 and isinstance(spec[1], dict):
        return tuple(str(x) for x in spec[1].get("options") or ())
    return ()


def _config(spec: Any) -> dict[str, Any]:
    if isinstance(spec, list | tuple) and len(spec) > 1 and isinstance(spec[1], dict):
        return spec[1]
    return {}


def _int_range(spec: Any, default: IntRange) -> IntRange:
    cfg = _config(spec)
    return IntRange(int(cfg.get("min", default.minimum)), int(cfg.get("max", default.maximum)),
                    int(cfg.get("step", default.step)) or 1)


def _float_range(spec: Any, default: FloatRange) -> FloatRange:
    cfg = _config(spec)
    return FloatRange(float(cfg.get("min", default.minimum)),
                      float(cfg.get("max", default.maximum)),
                      float(cfg.get("step", default.step)))


def _check_int(errors: dict[str, str], name: str, value: int, limits: IntRange) -> None:
    if not limits.minimum <= value <= limits.maximum:
        errors[name] = f"must be between {limits.minimum} and {limits.maximum} (is {value})"
    elif limits.step > 1 and value % limits.step:
        errors[name] = f"must be a multiple of {limits.step} (is {value})"


def _check_float(errors: dict[str, str], name: str, value: float, limits: FloatRange) -> None:
    if not limits.minimum <= value <= limits.maximum:
        errors[name] = f"must be between {limits.minimum:g} and {limits.maximum:g} (is {value:g})"


def validate(params: GenerationParams, options: ModelOptions | None,
             check_models: bool = True) -> dict[str, str]:
    """Field name -> problem, for everything wrong with ``params``; empty when it may be sent.

    Field names: checkpoint, lora.<index>, prompt, width, height, batch_size, seed, steps, cfg,
    sampler_name, scheduler, denoise. ``check_models`` is False when the model lists are unknown.
    """
    opts = options or ModelOptions()
    errors: dict[str, str] = {}
    if not params.checkpoint.strip():
        errors["checkpoint"] = "choose a checkpoint"
    elif check_models and options is not None and params.checkpoint not in opts.checkpoints:
        errors["checkpoint"] = f"this backend has no checkpoint named {params.checkpoint!r}"
    for index, lora in enumerate(params.loras):
        key = f"lora.{index}"
        if not lora.name.strip():
            errors[key] = "choose a LoRA or remove the row"
        elif check_models and options is not None and lora.name not in opts.loras:
            errors[key] = f"this backend has no LoRA named {lora.name!r}"
        else:
            for value in (lora.strength_model, lora.strength_clip):
                _check_float(errors, key, value, opts.strength)
    _check_int(errors, "width", params.width, opts.width)
    _check_int(errors, "height", params.height, opts.height)
    _check_int(errors, "batch_size", params.batch_size, opts.batch_size)
    sampler = params.sampler
    _check_int(errors, "seed", sampler.seed, opts.seed)
    _check_int(errors, "steps", sampler.steps, opts.steps)
    _check_float(errors, "cfg", sampler.cfg, opts.cfg)
    _check_float(errors, "denoise", sampler.denoise, opts.denoise)
    if sampler.sampler_name not in opts.samplers:
        errors["sampler_name"] = f"unknown sampler {sampler.sampler_name!r}"
    if sampler.scheduler not in opts.schedulers:
        errors["scheduler"] = f"unknown scheduler {sampler.scheduler!r}"
    return errors
