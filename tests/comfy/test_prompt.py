"""The API prompt model: round trip, links, order, outputs."""

from __future__ import annotations

import pytest

from app.comfy.errors import WorkflowError
from app.comfy.prompt import ApiPrompt, is_link
from tests.comfy.refdata import load, object_info


@pytest.fixture
def prompt():
    return ApiPrompt.from_dict(load("prompt_api.json")["prompt"])


def test_round_trip_is_exact(prompt):
    raw = load("prompt_api.json")["prompt"]
    assert prompt.to_dict() == raw
    assert prompt.nodes["3"].title == "KSampler"


def test_links_literals_and_graph_questions(prompt):
    sampler = prompt.nodes["3"]
    assert sampler.links()["model"] == ("10", 0)
    assert sampler.literals()["seed"] == 42
    assert prompt.output_nodes(object_info()) == ["9"]
    assert prompt.upstream("8") == {"3", "4", "5", "6", "7", "10"}
    order = prompt.execution_order()
    assert order.index("4") < order.index("10") < order.index("3") < order.index("9")
    assert [n.id for n in prompt.by_class("CLIPTextEncode")] == ["6", "7"]
    prompt.set_input("3", "seed", 7)
    assert prompt.to_dict()["3"]["inputs"]["seed"] == 7
    with pytest.raises(WorkflowError):
        prompt.set_input("99", "seed", 1)


def test_is_link():
    assert is_link(["4", 0])
    assert not is_link(["a", "b"]) and not is_link([1, 0]) and not is_link(["4", True])
    assert not is_link({"__value__": ["4", 0]})


@pytest.mark.parametrize(
    "bad", [[], {"1": {"inputs": {}}}, {"1": {"class_type": "X", "inputs": 3}}]
)
def test_bad_shapes_raise(bad):
    with pytest.raises(WorkflowError):
        ApiPrompt.from_dict(bad)


def test_cycles_are_reported():
    cyclic = ApiPrompt.from_dict(
        {
            "1": {"class_type": "A", "inputs": {"x": ["2", 0]}},
            "2": {"class_type": "B", "inputs": {"y": ["1", 0]}},
        }
    )
    with pytest.raises(WorkflowError, match="cycle"):
        cyclic.execution_order()
