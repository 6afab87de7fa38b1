"""``comfydesk generate`` and ``comfydesk history`` against the fake ComfyUI."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import run
from app.generation.commands import _lora

pytestmark = pytest.mark.integration


def generate_args(url: str, *extra: str) -> list[str]:
    return ["generate", "--checkpoint", "random_sd15.safetensors", "--prompt", "a cat",
            "--negative", "blurry", "--lora", "random_lora.safetensors:0.8:0.5",
            "--width", "64", "--height", "64", "--seed", "42", "--steps", "2", "--cfg", "7",
            "--backend", url, *extra]


def test_generate_wait_prints_progress_and_output_paths(fake_comfy, capsys, comfydesk_home):
    assert run(generate_args(fake_comfy.url, "--wait")) == 0
    out, err = capsys.readouterr()
    assert "step 2/2" in err and "nodes 8/8" in err
    paths = [Path(line) for line in out.splitlines() if line.endswith(".png")]
    assert len(paths) == 1 and paths[0].is_file()
    assert paths[0].parent == comfydesk_home / "images"
    posted = [r.json for r in fake_comfy.requests if r.path == "/prompt"][-1]["prompt"]
    assert posted["10"]["inputs"]["strength_clip"] == 0.5
    assert posted["3"]["inputs"]["seed"] == 42

    assert run(["history", "--limit", "5"]) == 0
    listed = capsys.readouterr().out
    assert "completed" in listed and "'a cat'" in listed and str(paths[0]) in listed


def test_generate_without_wait_leaves_a_pending_request_for_the_app(fake_comfy, capsys):
    assert run(generate_args(fake_comfy.url)) == 0
    assert "queued on" in capsys.readouterr().out
    assert run(["history"]) == 0
    assert "pending" in capsys.readouterr().out


def test_failures_exit_non_zero_with_a_message(fake_comfy, capsys):
    assert run(generate_args(fake_comfy.url, "--width", "65")) == 2
    assert "width: must be a multiple of 8" in capsys.readouterr().err
    fake_comfy.scenario.fail_node = "8"
    assert run(generate_args(fake_comfy.url, "--wait")) == 1
    assert "is failed" in capsys.readouterr().err
    fake_comfy.stop()
    assert run(generate_args(fake_comfy.url, "--wait")) == 1
    assert "unreachable" in capsys.readouterr().err


def test_lora_argument_forms():
    assert _lora("a.safetensors").strength_model == 1.0
    spec = _lora("sub/b.safetensors:0.7")
    assert (spec.name, spec.strength_model, spec.strength_clip) == ("sub/b.safetensors", 0.7, 0.7)
    spec = _lora("c.safetensors:0.5:-1")
    assert (spec.strength_model, spec.strength_clip) == (0.5, -1.0)


def test_ctrl_c_while_waiting_leaves_the_request_running(fake_comfy, capsys, monkeypatch):
    from app.generation.service import GenerationService

    def interrupted(self, request_id, timeout=None):
        raise KeyboardInterrupt

    fake_comfy.scenario.step_duration = 0.05
    monkeypatch.setattr(GenerationService, "wait", interrupted)  # the user presses Ctrl+C
    assert run(generate_args(fake_comfy.url, "--wait", "--steps", "100")) == 130
    err = capsys.readouterr().err
    assert "stopped waiting" in err and "Traceback" not in err
    assert run(["history"]) == 0
    listed = capsys.readouterr().out
    assert "pending" in listed or "processing" in listed  # kept, not marked failed
