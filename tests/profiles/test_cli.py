"""``comfydesk profiles ...`` end to end through the real argument parser."""

from __future__ import annotations

import argparse
import json

import pytest

from app.config import SettingsStore, resolve_paths
from app.profiles import commands
from tests.profiles.helpers import tree_bytes, write_pack_pool


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="comfydesk")
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture
def comfy(tmp_path):
    folder = tmp_path / "ComfyUI"
    (folder / "input").mkdir(parents=True)
    return folder


def names(comfy):
    data = json.loads((comfy / "input" / "grid_pool" / "profiles.json").read_text())
    return [p["name"] for p in data["profiles"]]


def test_full_cycle(comfy, tmp_path, capsys):
    c = ["profiles", "--comfyui", str(comfy)]
    assert run(*c, "create", "faces") == 0
    assert run(*c, "duplicate", "faces") == 0
    assert run(*c, "rename", "faces (2)", "copy") == 0
    assert run(*c, "export", "copy", str(tmp_path / "copy.zip")) == 0
    assert run(*c, "import", str(tmp_path / "copy.zip"), "--name", "back") == 0
    assert run(*c, "delete", "faces") == 0
    assert names(comfy) == ["copy", "back"]
    write_pack_pool(comfy / "input" / "grid_pool", "node-pool", count=1)
    assert run(*c, "adopt", "node-pool", "adopted") == 0
    capsys.readouterr()
    assert run(*c, "list") == 0
    out = capsys.readouterr().out
    assert "adopted" in out and "back" in out


def test_errors_go_to_stderr_with_non_zero_exit(comfy, capsys):
    c = ["profiles", "--comfyui", str(comfy)]
    run(*c, "create", "a")
    assert run(*c, "create", "a") == 1
    assert "already exists" in capsys.readouterr().err
    assert run(*c, "rename", "missing", "b") == 1
    assert "No profile 'missing'" in capsys.readouterr().err
    assert run("profiles", "--comfyui", str(comfy / "nowhere"), "list") == 1
    assert "no input/ folder" in capsys.readouterr().err


def test_falls_back_to_the_configured_folder(comfy, capsys):
    store = SettingsStore(resolve_paths().settings_file)
    settings = store.load()
    settings.comfyui_dir = str(comfy)
    store.save(settings)
    assert run("profiles", "create", "configured") == 0
    assert names(comfy) == ["configured"]


def test_delete_goes_to_the_trash_restore_brings_it_back(comfy, capsys):
    c = ["profiles", "--comfyui", str(comfy)]
    assert run(*c, "create", "keep") == 0
    assert run(*c, "create", "other") == 0
    pool = comfy / "input" / "grid_pool"
    write_pack_pool(pool, "node-pool", count=2)
    assert run(*c, "adopt", "node-pool", "with images") == 0
    before = tree_bytes(pool / "node-pool")
    assert run(*c, "delete", "with images") == 0
    assert run(*c, "delete", "other") == 0
    assert names(comfy) == ["keep"]
    capsys.readouterr()
    assert run(*c, "list") == 0
    out = capsys.readouterr().out
    assert "In the trash" in out and "with images" in out and "other" in out

    # A separate process (the window, or this command later) sees the same trash.
    assert run(*c, "restore", "with images") == 0
    assert names(comfy) == ["keep", "with images"]
    assert tree_bytes(pool / "node-pool") == before
    assert run(*c, "restore") == 0  # the latest deleted of what is left
    assert names(comfy) == ["keep", "with images", "other"]
    assert run(*c, "restore") == 1
    assert "no deleted profile" in capsys.readouterr().err


def test_the_window_undoes_a_cli_delete_and_empty_trash_ends_it(comfy, capsys):
    c = ["profiles", "--comfyui", str(comfy)]
    run(*c, "create", "gone")
    run(*c, "delete", "gone")
    window_side = commands.open_local(str(comfy))  # what the dock opens for the same folder
    assert window_side.can_undo
    assert [d.entry.name for d in window_side.trashed()] == ["gone"]
    assert run(*c, "empty-trash") == 0
    assert not window_side.can_undo
    assert run(*c, "restore", "gone") == 1
    assert "gone" in capsys.readouterr().err
