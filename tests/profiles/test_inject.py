"""'Use in runs': the selected profile goes into the pack's nodes of an API-format prompt."""

from __future__ import annotations

from app.profiles import apply_profile
from app.profiles.inject import Injection, apply_profile_report

PROMPT = {
    "1": {"class_type": "PoolProfile", "inputs": {"profile": "old", "profile_id": "old-id"}},
    "2": {"class_type": "GridImagePool", "inputs": {"index": -1, "pool_id": "node-uuid",
                                                     "profile": ["1", 0]}},
    "3": {"class_type": "GridImagePool", "inputs": {"index": -1, "pool_id": "other-uuid"}},
    "4": {"class_type": "KSampler", "inputs": {"seed": 1}},
}


def test_profile_id_goes_to_pool_profile_and_unfed_image_pools():
    result, changed = apply_profile_report(PROMPT, "abc123", "faces")
    assert result["1"]["inputs"] == {"profile": "faces", "profile_id": "abc123"}
    assert result["2"]["inputs"]["pool_id"] == "node-uuid"  # fed by a profile link: untouched
    assert result["3"]["inputs"]["pool_id"] == "abc123"
    assert result["4"] == PROMPT["4"]
    assert changed == [Injection("1", "PoolProfile", "profile_id"),
                       Injection("3", "GridImagePool", "pool_id")]
    assert PROMPT["3"]["inputs"]["pool_id"] == "other-uuid"  # the caller's prompt is not changed


def test_no_profile_selected_leaves_the_prompt_as_it_is():
    assert apply_profile(PROMPT, None) == PROMPT
    assert apply_profile({"9": {"class_type": "SaveImage", "inputs": {}}}, "x") == {
        "9": {"class_type": "SaveImage", "inputs": {}}}
