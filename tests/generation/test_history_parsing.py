"""Reading ComfyUI's /history entries (the captured reference answers)."""

from __future__ import annotations

import json
from pathlib import Path

from app.generation.events import history_outcome
from app.generation.external import _times, params_from_prompt
from app.generation.outputs import images_in

REFERENCE = Path(__file__).parents[1] / "data" / "comfyui-reference"


def entry(name: str) -> dict:
    data = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
    return next(iter(data.values()))


def test_outcomes_of_success_interrupt_and_error():
    assert history_outcome(entry("history_ok.json")) == ("success", None)
    assert history_outcome(entry("history_interrupted.json"))[0] == "interrupted"
    outcome, text = history_outcome(entry("history_exec_error.json"))
    assert outcome == "error"
    assert "VAEDecode" in text and "RuntimeError" in text


def test_parameters_and_outputs_of_a_history_entry():
    ok = entry("history_ok.json")
    params = params_from_prompt(ok["prompt"][2])
    assert params.checkpoint == "random_sd15.safetensors"
    assert params.prompt == "a photo of a cat sitting on a window sill"
    assert params.negative_prompt == "blurry, watermark"
    assert [(x.name, x.strength_model) for x in params.loras] == [("random_lora.safetensors", 0.8)]
    assert (params.width, params.height) == (64, 64)
    assert (params.sampler.seed, params.sampler.steps) == (42, 2)
    assert images_in(ok["outputs"]) == [
        {"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]
    started, finished = _times(ok)
    assert started is not None and finished is not None and finished >= started


def test_odd_prompts_do_not_break_parameter_reading():
    assert params_from_prompt({}).checkpoint == ""
    weird = {"1": {"class_type": "KSampler", "inputs": {"seed": "not a number",
                                                        "positive": ["404", 0]}}, "2": "junk"}
    params = params_from_prompt(weird)
    assert params.sampler.seed == 0 and params.prompt == ""
    assert images_in({"9": {"images": [{"filename": "t.png", "type": "temp"}]}, "x": None}) == []
