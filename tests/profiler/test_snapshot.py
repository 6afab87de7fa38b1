"""Reference snapshots: the structure hash and the diff behind "Run profile"'s warning."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from app.profiler.snapshot import diff_snapshots, snapshot_of, workflow_hash

REF = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"


def _prompt():
    return json.loads((REF / "prompt_api.json").read_text())["prompt"]


def test_hash_ignores_values_but_not_structure():
    prompt = _prompt()
    base = workflow_hash(prompt)
    reseeded = copy.deepcopy(prompt)
    reseeded["3"]["inputs"]["seed"] = 43
    assert workflow_hash(reseeded) == base
    retitled = copy.deepcopy(prompt)
    retitled["3"].setdefault("_meta", {})["title"] = "My sampler"
    assert workflow_hash(retitled) != base


def test_diff_lists_added_removed_and_changed_nodes():
    prompt = _prompt()
    reference = snapshot_of(prompt)
    changed = copy.deepcopy(prompt)
    del changed["9"]
    changed["20"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    changed["3"]["inputs"]["model"] = ["4", 0]
    diff = diff_snapshots(reference, snapshot_of(changed))
    assert not diff.matches
    assert diff.added == ["20 PreviewImage"]
    assert diff.removed[0].startswith("9 SaveImage")
    assert len(diff.changed) == 1 and diff.changed[0].startswith("3 KSampler")
    assert "input model from 4:0 (was 10:0)" in diff.changed[0]
    assert "added: 20 PreviewImage" in diff.describe()
    assert diff_snapshots(reference, snapshot_of(prompt)).matches
