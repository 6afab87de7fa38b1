"""``comfydesk profile`` end to end against the fake ComfyUI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import run

pytestmark = pytest.mark.integration
REF = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"


def test_profile_runs_lists_and_compares(fake_comfy, tmp_path, capsys):
    fake_comfy.scenario.node_durations = {"8": 0.1}
    workflow = tmp_path / "flow.json"
    workflow.write_bytes((REF / "prompt_api.json").read_bytes())  # a POST /prompt body
    code = run(["profile", str(workflow), "--runs", "2", "--backend", fake_comfy.url,
                "--name", "cli", "--interval-ms", "20"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "run #1 cli (1/2): completed" in out and "run #2 cli (2/2): completed" in out
    assert "VAEDecode" in out and "total:" in out
    assert "sampling: psutil" in out and "GPU load is not measured" in out  # no driver here
    assert "yes" in out  # the second run is fully cached
    assert "note: 8 of 8 nodes were cached" in out  # and the user is told why it has no times

    assert run(["profile", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "cli (1/2)" in listing and "completed" in listing

    assert run(["profile", "--compare", "1", "2"]) == 0
    comparison = capsys.readouterr().out
    assert "run #2 against run #1" in comparison and "8 VAE Decode" in comparison

    target = tmp_path / "run.json"
    assert run(["profile", "--export", "1", str(target)]) == 0
    assert json.loads(target.read_text())["run"]["id"] == 1


def test_profile_errors_go_to_stderr(fake_comfy, tmp_path, capsys):
    assert run(["profile", "--compare", "1", "99"]) == 1
    assert "no profiler run #1" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run(["profile", str(bad), "--backend", fake_comfy.url]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert run(["profile"]) == 2
    for bad in (["--interval-ms", "5"], ["--runs", "0"]):
        with pytest.raises(SystemExit) as exited:
            run(["profile", "flow.json", *bad])
        assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "5 ms is outside 20-1000 ms" in err and "must be 1 or more" in err


def test_ui_format_workflow_is_converted(fake_comfy, tmp_path, capsys):
    workflow = tmp_path / "ui.json"
    workflow.write_bytes((REF / "workflow_ui_example.json").read_bytes())
    assert run(["profile", str(workflow), "--backend", fake_comfy.url]) == 0
    assert "KSampler" in capsys.readouterr().out
