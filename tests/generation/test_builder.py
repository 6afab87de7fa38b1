"""WorkflowBuilder output, checked by hand against the reference API prompt."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from app.generation.builder import WorkflowBuilder, filename_prefix
from app.generation.params import GenerationParams, LoraSpec, SamplerParams

REFERENCE = Path(__file__).parents[1] / "data" / "comfyui-reference"


def reference_prompt() -> dict:
    return json.loads((REFERENCE / "prompt_api.json").read_text(encoding="utf-8"))["prompt"]


def reference_params(loras: tuple[LoraSpec, ...]) -> GenerationParams:
    return GenerationParams(
        checkpoint="random_sd15.safetensors",
        prompt="a photo of a cat sitting on a window sill",
        negative_prompt="blurry, watermark",
        loras=loras, width=64, height=64, batch_size=1,
        sampler=SamplerParams(seed=42, steps=2, cfg=7.0, sampler_name="euler",
                              scheduler="normal", denoise=1.0),
    )


def test_one_lora_equals_the_reference_prompt_except_the_output_prefix():
    params = reference_params((LoraSpec("random_lora.safetensors", 0.8, 0.8),))
    built = WorkflowBuilder().build(params, "req1")
    expected = copy.deepcopy(reference_prompt())
    expected["9"]["inputs"]["filename_prefix"] = "ComfyDesk/req1"
    assert built == expected
    assert filename_prefix("req1") == "ComfyDesk/req1"


def test_no_lora_wires_the_checkpoint_straight_into_text_and_sampler():
    built = WorkflowBuilder().build(reference_params(()), "r")
    assert sorted(built, key=int) == ["3", "4", "5", "6", "7", "8", "9"]
    assert built["6"]["inputs"]["clip"] == ["4", 1]
    assert built["7"]["inputs"]["clip"] == ["4", 1]
    assert built["3"]["inputs"]["model"] == ["4", 0]
    assert built["8"]["inputs"]["vae"] == ["4", 2]


def test_three_loras_chain_model_and_clip_in_order():
    loras = (LoraSpec("a.safetensors", 0.5, 0.25), LoraSpec("b.safetensors", 1.0, 1.0),
             LoraSpec("sub/c.safetensors", -1.5, 0.0))
    built = WorkflowBuilder().build(reference_params(loras), "r")
    assert [built[i]["inputs"]["lora_name"] for i in ("10", "11", "12")] == [
        "a.safetensors", "b.safetensors", "sub/c.safetensors"]
    for node, source in (("10", "4"), ("11", "10"), ("12", "11")):
        assert built[node]["inputs"]["model"] == [source, 0]
        assert built[node]["inputs"]["clip"] == [source, 1]
    assert built["3"]["inputs"]["model"] == ["12", 0]
    assert built["6"]["inputs"]["clip"] == ["12", 1] and built["7"]["inputs"]["clip"] == ["12", 1]
    assert built["12"]["inputs"]["strength_model"] == -1.5


def test_prompt_text_with_odd_characters_is_passed_verbatim():
    params = reference_params(())
    odd = 'quote " backslash \\ newline\n emoji 🐱 {curly} %percent%'
    built = WorkflowBuilder().build(GenerationParams(**{**params.__dict__, "prompt": odd}), "r")
    assert built["6"]["inputs"]["text"] == odd
    assert json.loads(json.dumps(built)) == built
