"""Form options from object_info and validation that names the field at fault."""

from __future__ import annotations

import json
from pathlib import Path

from app.generation.params import (
    GenerationParams,
    LoraSpec,
    ModelOptions,
    SamplerParams,
    combo_options,
    validate,
)

REFERENCE = Path(__file__).parents[1] / "data" / "comfyui-reference"


def options() -> ModelOptions:
    info = json.loads((REFERENCE / "object_info.json").read_text(encoding="utf-8"))
    return ModelOptions.from_object_info(info)


def good() -> GenerationParams:
    return GenerationParams("random_sd15.safetensors", "cat", loras=(
        LoraSpec("random_lora.safetensors", 0.8, 0.8),), width=64, height=64)


def test_options_come_from_the_reference_object_info():
    opts = options()
    assert opts.checkpoints == ("random_sd15.safetensors", "sub/other.safetensors")
    assert opts.loras == ("random_lora.safetensors",)
    assert "euler" in opts.samplers and "dpmpp_2m" in opts.samplers
    assert "normal" in opts.schedulers and "karras" in opts.schedulers
    assert (opts.width.minimum, opts.width.maximum, opts.width.step) == (16, 16384, 8)
    assert opts.seed.maximum == 18446744073709551615
    assert ModelOptions.from_json(json.loads(json.dumps(opts.to_json()))) == opts


def test_both_combo_encodings_are_read():
    assert combo_options([["a", "b"], {}]) == ("a", "b")
    assert combo_options(["COMBO", {"options": ["x"]}]) == ("x",)
    assert combo_options(["INT", {}]) == ()
    assert combo_options(None) == ()


def test_valid_request_has_no_problems():
    assert validate(good(), options()) == {}


def test_each_problem_is_reported_on_its_field():
    bad = GenerationParams(
        "", "cat", loras=(LoraSpec("nope.safetensors"), LoraSpec("")), width=100, height=8,
        batch_size=0, sampler=SamplerParams(steps=0, cfg=200, sampler_name="zzz",
                                            scheduler="yyy", denoise=2))
    problems = validate(bad, options())
    assert problems["checkpoint"] == "choose a checkpoint"
    assert "no LoRA named 'nope.safetensors'" in problems["lora.0"]
    assert problems["lora.1"] == "choose a LoRA or remove the row"
    assert problems["width"] == "must be a multiple of 8 (is 100)"
    assert "between 16 and 16384" in problems["height"]
    assert {"batch_size", "steps", "cfg", "sampler_name", "scheduler", "denoise"} <= set(problems)


def test_a_model_the_backend_lacks_is_named():
    params = GenerationParams("gone.safetensors", "cat", width=64, height=64)
    assert "no checkpoint named 'gone.safetensors'" in validate(params, options())["checkpoint"]
    assert "checkpoint" not in validate(params, options(), check_models=False)


def test_params_round_trip_through_json():
    params = good().with_seed(123)
    assert GenerationParams.from_json(json.loads(json.dumps(params.to_json()))) == params
    assert 0 <= good().with_new_seed().sampler.seed < 2**53
