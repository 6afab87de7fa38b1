"""UI-format workflows convert to API prompts the way ComfyUI's frontend does it."""

from __future__ import annotations

import copy
import json
import random

import pytest

from app.comfy.errors import MissingNodeTypes, WorkflowError
from app.comfy.prompt_check import check_prompt
from app.comfy.widgets import process_dynamic_prompt
from app.comfy.workflow import is_api_format, is_ui_format, load_workflow, ui_to_api
from tests.comfy.refdata import REF, load, object_info


@pytest.fixture
def ui():
    return load("workflow_ui_example.json")


def _node(ui, node_id):
    return next(n for n in ui["nodes"] if n["id"] == node_id)


def _add_link(ui, origin, origin_slot, target, target_slot, kind):
    link_id = max(link[0] for link in ui["links"]) + 1
    ui["links"].append([link_id, origin, origin_slot, target, target_slot, kind])
    return link_id


def _relink(ui, target, target_slot, origin, origin_slot, kind):
    """Point input ``target_slot`` of ``target`` at a new origin."""
    ui["links"] = [
        link for link in ui["links"] if not (link[3] == target and link[4] == target_slot)
    ]
    link_id = _add_link(ui, origin, origin_slot, target, target_slot, kind)
    _node(ui, target)["inputs"][target_slot]["link"] = link_id


def test_reference_ui_workflow_converts_to_the_reference_api_prompt(ui):
    expected = load("prompt_api.json")["prompt"]
    prompt = ui_to_api(ui, object_info())
    assert prompt == expected
    assert json.dumps(prompt) == json.dumps(expected)  # same key order and value types


@pytest.mark.parametrize("name", ["template_default_ui.json", "template_lora_ui.json"])
def test_real_templates_convert_to_valid_prompts(name):
    prompt = load_workflow(REF / name, object_info())
    assert check_prompt(prompt, object_info()) == []
    for node in prompt.values():
        assert "control_after_generate" not in node["inputs"]


def test_template_with_bypassed_lora_and_markdown_note():
    prompt = load_workflow(REF / "template_lora_ui.json", object_info())
    assert "13" not in prompt and "12" not in prompt  # bypassed LoRA, MarkdownNote
    assert prompt["3"]["inputs"]["model"] == ["11", 0]
    assert prompt["6"]["inputs"]["clip"] == ["11", 1]
    assert prompt["3"]["inputs"]["seed"] == 261660645921551
    assert prompt["11"]["inputs"]["strength_clip"] == 1.0


def test_default_template_old_boolean_control_value():
    prompt = load_workflow(REF / "template_default_ui.json", object_info())
    assert prompt["3"]["inputs"]["steps"] == 20  # the True after the seed was skipped
    assert prompt["9"]["inputs"]["filename_prefix"] == "ComfyUI"  # no widgets_values: default


def test_bypassed_node_passes_matching_inputs_through(ui):
    _node(ui, 10)["mode"] = 4
    prompt = ui_to_api(ui, object_info())
    assert "10" not in prompt
    assert prompt["3"]["inputs"]["model"] == ["4", 0]
    assert prompt["6"]["inputs"]["clip"] == ["4", 1]
    assert prompt["7"]["inputs"]["clip"] == ["4", 1]
    assert check_prompt(prompt, object_info()) == []


def test_muted_node_is_dropped_with_the_links_to_it(ui):
    _node(ui, 10)["mode"] = 2
    prompt = ui_to_api(ui, object_info())
    assert "10" not in prompt
    assert "model" not in prompt["3"]["inputs"]
    assert "clip" not in prompt["6"]["inputs"]


def test_reroutes_are_resolved(ui):
    for rid in (20, 21):
        ui["nodes"].append(
            {
                "id": rid,
                "type": "Reroute",
                "mode": 0,
                "inputs": [{"name": "", "type": "*", "link": None}],
                "outputs": [{"name": "", "type": "VAE", "links": []}],
            }
        )
    _node(ui, 20)["inputs"][0]["link"] = _add_link(ui, 4, 2, 20, 0, "VAE")
    _node(ui, 21)["inputs"][0]["link"] = _add_link(ui, 20, 0, 21, 0, "VAE")
    _relink(ui, 8, 1, 21, 0, "VAE")
    prompt = ui_to_api(ui, object_info())
    assert prompt["8"]["inputs"]["vae"] == ["4", 2]
    assert "20" not in prompt and "21" not in prompt


def test_primitive_node_value_replaces_the_widget(ui):
    ksampler = _node(ui, 3)
    ksampler["inputs"].append(
        {"name": "seed", "type": "INT", "widget": {"name": "seed"}, "link": None}
    )
    ui["nodes"].append(
        {
            "id": 30,
            "type": "PrimitiveNode",
            "mode": 0,
            "inputs": [],
            "outputs": [{"name": "INT", "type": "INT", "links": []}],
            "widgets_values": [1234, "fixed"],
        }
    )
    ui["nodes"].append(
        {
            "id": 31,
            "type": "Reroute",
            "mode": 0,
            "inputs": [{"name": "", "type": "*", "link": None}],
            "outputs": [{"name": "", "type": "INT", "links": []}],
        }
    )
    _node(ui, 31)["inputs"][0]["link"] = _add_link(ui, 30, 0, 31, 0, "INT")
    ksampler["inputs"][-1]["link"] = _add_link(ui, 31, 0, 3, 4, "INT")
    prompt = ui_to_api(ui, object_info())
    assert prompt["3"]["inputs"]["seed"] == 1234
    assert prompt["3"]["inputs"]["steps"] == 2
    assert "30" not in prompt and "31" not in prompt


def test_widget_converted_to_input_and_linked_to_a_node(ui):
    ui["nodes"].append(
        {
            "id": 40,
            "type": "PrimitiveInt",
            "mode": 0,
            "inputs": [],
            "outputs": [{"name": "INT", "type": "INT", "links": []}],
            "widgets_values": [99, "fixed"],
        }
    )
    _node(ui, 3)["inputs"].append(
        {
            "name": "seed",
            "type": "INT",
            "widget": {"name": "seed"},
            "link": _add_link(ui, 40, 0, 3, 4, "INT"),
        }
    )
    prompt = ui_to_api(ui, object_info())
    assert prompt["3"]["inputs"]["seed"] == ["40", 0]
    assert prompt["40"]["inputs"] == {"value": 99}


def test_newer_frontend_without_control_values(ui):
    _node(ui, 3)["widgets_values"] = [7, 3, 6.5, "euler", "karras", 0.5]
    inputs = ui_to_api(ui, object_info())["3"]["inputs"]
    assert (inputs["seed"], inputs["steps"], inputs["cfg"]) == (7, 3, 6.5)
    assert (inputs["scheduler"], inputs["denoise"]) == ("karras", 0.5)


def test_short_or_named_widget_values(ui):
    _node(ui, 5)["widgets_values"] = [128]
    _node(ui, 10)["widgets_values"] = {"lora_name": "x.safetensors", "strength_model": 0.3}
    prompt = ui_to_api(ui, object_info())
    assert prompt["5"]["inputs"] == {"width": 128, "height": 512, "batch_size": 1}
    assert prompt["10"]["inputs"]["strength_clip"] == 1.0
    assert prompt["10"]["inputs"]["lora_name"] == "x.safetensors"


def test_combo_with_control_and_filter_widgets_and_upload_button():
    info = {
        "Picker": {
            "input": {
                "required": {
                    "choice": [["a", "b", "c"], {"control_after_generate": True}],
                    "image": [["x.png"], {"image_upload": True}],
                    "label": ["STRING", {}],
                }
            },
            "input_order": {"required": ["choice", "image", "label"]},
            "output": [],
            "display_name": "Picker",
            "output_node": True,
        },
    }
    node = {"id": 1, "type": "Picker", "mode": 0, "inputs": [], "outputs": []}
    for values in (
        ["b", "randomize", "", "y.png", "image", "hi"],
        ["b", "fixed", "y.png", "hi"],
        ["b", "y.png", "hi"],
    ):
        workflow = {"nodes": [dict(node, widgets_values=values)], "links": []}
        inputs = ui_to_api(workflow, info)["1"]["inputs"]
        assert inputs == {"choice": "b", "image": "y.png", "label": "hi"}, values


def test_dynamic_prompts_are_expanded_like_the_frontend(ui):
    _node(ui, 6)["widgets_values"] = ["a {red|blue} cat /* note */ // end"]
    prompt = ui_to_api(ui, object_info(), rng=random.Random(1))
    assert prompt["6"]["inputs"]["text"] in ("a red cat  ", "a blue cat  ")
    assert process_dynamic_prompt(r"\{literal\} {x|{y|z}}", random.Random(3)) in (
        "{literal} x",
        "{literal} y",
        "{literal} z",
    )
    assert process_dynamic_prompt("plain, (weights:1.2)") == "plain, (weights:1.2)"


def test_missing_node_types_are_listed(ui):
    ui["nodes"].append({"id": 50, "type": "FancyUpscaler", "mode": 0, "inputs": [], "outputs": []})
    ui["nodes"].append({"id": 51, "type": "AnotherPackNode", "mode": 0})
    ui["nodes"].append({"id": 52, "type": "MutedMissing", "mode": 2})
    with pytest.raises(MissingNodeTypes) as caught:
        ui_to_api(ui, object_info())
    assert caught.value.types == ["AnotherPackNode", "FancyUpscaler"]
    assert "AnotherPackNode, FancyUpscaler" in str(caught.value)


def test_unsupported_or_broken_graphs_raise_clear_errors(ui):
    sub = copy.deepcopy(ui)
    sub["definitions"] = {"subgraphs": [{"id": "5a8f-sub"}]}
    sub["nodes"].append({"id": 60, "type": "5a8f-sub", "mode": 0})
    with pytest.raises(WorkflowError, match="subgraph"):
        ui_to_api(sub, object_info())
    loop = copy.deepcopy(ui)
    for rid in (70, 71):
        loop["nodes"].append(
            {
                "id": rid,
                "type": "Reroute",
                "mode": 0,
                "inputs": [{"name": "", "type": "*", "link": None}],
                "outputs": [{"name": "", "type": "*", "links": []}],
            }
        )
    _node(loop, 70)["inputs"][0]["link"] = _add_link(loop, 71, 0, 70, 0, "*")
    _node(loop, 71)["inputs"][0]["link"] = _add_link(loop, 70, 0, 71, 0, "*")
    _relink(loop, 8, 1, 70, 0, "VAE")
    with pytest.raises(WorkflowError, match="Circular"):
        ui_to_api(loop, object_info())


def test_load_workflow_accepts_every_form(tmp_path):
    expected = load("prompt_api.json")["prompt"]
    assert load_workflow(REF / "prompt_api.json", object_info()) == expected  # POST body
    assert load_workflow(expected, object_info()) == expected
    raw = (REF / "workflow_ui_example.json").read_bytes()
    assert load_workflow(raw, object_info()) == expected
    # A PNG written by SaveImage carries the API prompt of its run.
    assert load_workflow(REF / "output_example.png", object_info()) == expected
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    for source in (bad, b"[1, 2]", tmp_path / "missing.json", b"\xff\xfe"):
        with pytest.raises(WorkflowError):
            load_workflow(source, object_info())


def test_format_detection(ui):
    assert is_ui_format(ui) and not is_api_format(ui)
    prompt = load("prompt_api.json")["prompt"]
    assert is_api_format(prompt) and not is_ui_format(prompt)
