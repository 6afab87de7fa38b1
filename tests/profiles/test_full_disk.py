"""A full disk at the moment a file is replaced: the operation fails with the OS's message and the
ComfyUI folder is exactly as it was (no half profile, no lost image, no temp file, no trash)."""

from __future__ import annotations

import errno
import os

import pytest

from tests.profiles.helpers import (
    png_bytes,
    tree_bytes,
    write_pack_pool,
    write_pack_registry,
    write_pack_zip,
)


@pytest.fixture
def filled(base, tmp_path):
    write_pack_pool(base, "p1", count=2, masks=(0,), labels={1: "side"})
    write_pack_registry(base, [("p1", "faces")])
    picture = tmp_path / "new.png"
    picture.write_bytes(png_bytes())
    source = write_pack_pool(tmp_path / "elsewhere", "z", count=1)
    return {"picture": picture, "zip": write_pack_zip(source, "zipped", tmp_path / "z.zip")}


OPERATIONS = {
    "create": lambda p, f: p.create("new one"),
    "rename": lambda p, f: p.rename("p1", "renamed"),
    "delete": lambda p, f: p.delete("p1"),
    "duplicate": lambda p, f: p.duplicate("p1"),
    "import": lambda p, f: p.import_zip(f["zip"]),
    "add images": lambda p, f: p.add_images("p1", [f["picture"]]),
    "remove images": lambda p, f: p.remove_images("p1", [0]),
    "label": lambda p, f: p.set_label("p1", 0, "front"),
    "reorder": lambda p, f: p.reorder("p1", [1, 0]),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_a_full_disk_loses_nothing_and_leaves_nothing(name, profiles, base, filled, monkeypatch):
    before = tree_bytes(base)

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(base / "profiles.json"))

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError) as info:
        OPERATIONS[name](profiles, filled)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert tree_bytes(base) == before
    assert not profiles.can_undo
    assert profiles.trash_dir.exists() is False or not any(profiles.trash_dir.iterdir())
