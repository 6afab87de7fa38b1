"""Every profile operation on a ComfyUI folder, against files laid out as the pack writes them."""

from __future__ import annotations

import json
import zipfile

import pytest

from app.profiles import pool as pool_module
from app.profiles.errors import (
    InvalidProfileName,
    NothingToUndo,
    PoolAlreadyNamed,
    PoolNotFound,
    ProfileNameTaken,
    ProfileNotFound,
    SlotOutOfRange,
    UnsupportedImage,
)
from tests.profiles.helpers import (
    jpeg_bytes,
    mask_bytes,
    png_bytes,
    tree_bytes,
    webp_bytes,
    write_pack_pool,
    write_pack_registry,
)


def registry(base):
    return json.loads((base / "profiles.json").read_text(encoding="utf-8"))


def test_create_writes_the_packs_registry_and_folder(profiles, base):
    entry = profiles.create("characters_A")
    assert len(entry.id) == 32 and int(entry.id, 16) >= 0  # uuid4 hex, as the pack mints
    assert registry(base) == {
        "profiles": [{"id": entry.id, "name": "characters_A", "created": entry.created}]
    }
    assert (base / entry.id).is_dir()


def test_create_refuses_a_duplicate_or_empty_name(profiles, base):
    profiles.create("A")
    with pytest.raises(ProfileNameTaken):
        profiles.create("A")
    with pytest.raises(InvalidProfileName):
        profiles.create("   ")
    with pytest.raises(InvalidProfileName):
        profiles.create("bad\nname")
    assert [p["name"] for p in registry(base)["profiles"]] == ["A"]


def test_list_reads_pack_files_with_counts(profiles, base):
    write_pack_pool(base, "aaa", count=3, masks=(0, 2))
    write_pack_registry(base, [("aaa", "faces")])
    write_pack_pool(base, "0b9c1a2e-unnamed-node", count=1, masks=())
    [row] = profiles.list_profiles()
    assert (row.name, row.images, row.masks) == ("faces", 3, 2)
    assert row.size_bytes == sum(p.stat().st_size for p in (base / "aaa").iterdir())
    [unnamed] = profiles.list_unnamed()
    assert (unnamed.id, unnamed.images) == ("0b9c1a2e-unnamed-node", 1)


def test_rename_refuses_an_existing_name(profiles, base):
    a = profiles.create("a")
    profiles.create("b")
    with pytest.raises(ProfileNameTaken):
        profiles.rename(a.id, "b")
    assert profiles.rename(a.id, "c").name == "c"
    assert profiles.rename(a.id, "c").name == "c"  # renaming to its own name is fine
    with pytest.raises(ProfileNotFound):
        profiles.rename("nope", "x")


def test_delete_moves_to_trash_and_undo_restores_byte_for_byte(profiles, base, tmp_path):
    write_pack_pool(base, "p1", count=2)
    write_pack_registry(base, [("p1", "keep me")])
    before = tree_bytes(base / "p1")
    profiles.delete("p1")
    assert not (base / "p1").exists()
    assert registry(base)["profiles"] == []
    assert profiles.can_undo
    restored = profiles.undo_delete()
    assert (restored.id, restored.name) == ("p1", "keep me")
    assert tree_bytes(base / "p1") == before
    with pytest.raises(NothingToUndo):
        profiles.undo_delete()


def test_purge_trash_empties_it_and_ends_undo(profiles, base, tmp_path):
    entry = profiles.create("gone")
    profiles.delete(entry.id)
    profiles.purge_trash()
    assert not (tmp_path / "trash" / "profiles").exists()
    assert not profiles.can_undo


def test_duplicate_copies_every_file_and_suffixes_the_name(profiles, base):
    write_pack_pool(base, "src", count=3, masks=(1,), labels={0: "front"})
    write_pack_registry(base, [("src", "set")])
    first = profiles.duplicate("src")
    second = profiles.duplicate("src")
    third = profiles.duplicate("src", "set")
    assert [first.name, second.name, third.name] == ["set (2)", "set (3)", "set (4)"]
    assert tree_bytes(base / first.id) == tree_bytes(base / "src")
    assert profiles.pool(first.id).slots[0].label == "front"


def test_adopt_names_an_unnamed_pool_and_keeps_its_id(profiles, base):
    write_pack_pool(base, "node-uuid-1", count=1)
    entry = profiles.adopt("node-uuid-1", "adopted")
    assert entry.id == "node-uuid-1"
    assert profiles.list_unnamed() == []
    with pytest.raises(PoolAlreadyNamed):
        profiles.adopt("node-uuid-1", "again")
    with pytest.raises(PoolNotFound):
        profiles.adopt("missing", "x")


def test_add_images_named_from_next_seq_as_the_pack_does(profiles, base, tmp_path):
    entry = profiles.create("p")
    files = []
    for name, data in (("a.png", png_bytes()), ("b.jpg", jpeg_bytes()), ("c.webp", webp_bytes())):
        (tmp_path / name).write_bytes(data)
        files.append(tmp_path / name)
    view = profiles.add_images(entry.id, files)
    assert [s.image for s in view.slots] == ["img_0001.png", "img_0002.png", "img_0003.png"]
    assert view.next_seq == 4
    # Bytes are kept as given, like the pack's add_image (a JPEG stays a JPEG named .png).
    assert (base / entry.id / "img_0002.png").read_bytes() == files[1].read_bytes()
    manifest = json.loads((base / entry.id / "manifest.json").read_text())
    assert manifest["slots"][0] == {
        "image": "img_0001.png",
        "mask": None,
        "label": "",
        "added": manifest["slots"][0]["added"],
    }


def test_add_refuses_non_images_and_adds_nothing(profiles, base, tmp_path):
    entry = profiles.create("p")
    good = tmp_path / "ok.png"
    good.write_bytes(png_bytes())
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(UnsupportedImage) as info:
        profiles.add_images(entry.id, [good, bad])
    assert "notes.png" in str(info.value)
    assert profiles.pool(entry.id).slots == ()
    assert sorted(p.name for p in (base / entry.id).iterdir()) == []


def test_next_seq_never_reuses_a_removed_name(profiles, base, tmp_path):
    entry = profiles.create("p")
    image = tmp_path / "x.png"
    image.write_bytes(png_bytes())
    profiles.add_images(entry.id, [image, image])
    profiles.remove_images(entry.id, [1])
    view = profiles.add_images(entry.id, [image])
    assert [s.image for s in view.slots] == ["img_0001.png", "img_0003.png"]


def test_remove_reorder_label_active_mask(profiles, base):
    write_pack_pool(base, "p", count=3, masks=(0,))
    write_pack_registry(base, [("p", "pool")])
    profiles.set_active("p", 2)
    view = profiles.remove_images("p", [0])
    assert [s.image for s in view.slots] == ["img_0002.png", "img_0003.png"]
    assert view.active == 1  # still img_0003
    assert not (base / "p" / "img_0001.png").exists()
    assert not (base / "p" / "img_0001.mask.png").exists()
    view = profiles.reorder("p", [1, 0])
    assert [s.image for s in view.slots] == ["img_0003.png", "img_0002.png"]
    assert view.active == 0  # the active image moved with its slot
    assert profiles.set_label("p", 1, "side view").slots[1].label == "side view"
    view = profiles.set_mask("p", 1, mask_bytes())
    assert view.slots[1].mask == "img_0002.mask.png"
    assert (base / "p" / "img_0002.mask.png").read_bytes() == mask_bytes()
    with pytest.raises(SlotOutOfRange):
        profiles.set_active("p", 9)


def test_corrupt_registry_is_kept_and_rebuilt(profiles, base):
    write_pack_pool(base, "aaa", count=1)
    write_pack_pool(base, "bbb", count=1)
    broken = (
        '{"profiles": [{"id": "aaa", "name": "first", "created": 5}, {"id": "bbb", "name": "sec'
    )
    (base / "profiles.json").write_text(broken, encoding="utf-8")
    rows = profiles.list_profiles()
    assert [(r.id, r.name, r.created) for r in rows] == [("aaa", "first", 5)]
    [kept] = list(base.glob("profiles.json.corrupt-*"))
    assert kept.read_text(encoding="utf-8") == broken
    [notice] = profiles.take_notices()
    assert kept.name in notice
    assert [p.id for p in profiles.list_unnamed()] == ["bbb"]  # nothing lost: adoptable


def test_corrupt_manifest_is_kept_and_rebuilt_from_images(profiles, base):
    folder = write_pack_pool(base, "p", count=2, masks=(1,))
    write_pack_registry(base, [("p", "pool")])
    (folder / "manifest.json").write_text("{ not json", encoding="utf-8")
    view = profiles.pool("p")
    assert [(s.image, s.mask) for s in view.slots] == [
        ("img_0001.png", None),
        ("img_0002.png", "img_0002.mask.png"),
    ]
    assert view.next_seq == 3
    assert len(list(folder.glob("manifest.json.corrupt-*"))) == 1
    assert any("rebuilt" in n for n in profiles.take_notices())


def test_manifest_entries_pointing_outside_the_pool_are_ignored(profiles, base):
    folder = write_pack_pool(base, "p", count=1)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["slots"].append({"image": "../../secret.png", "mask": None, "label": "", "added": 0})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert [s.image for s in profiles.pool("p").slots] == ["img_0001.png"]
    with pytest.raises(PoolNotFound):
        profiles.image_path("p", "../../secret.png")


def test_a_link_inside_a_pool_is_never_followed(profiles, base, tmp_path):
    folder = write_pack_pool(base, "p", count=1)
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    (folder / "img_0002.png").symlink_to(secret)
    with pytest.raises(PoolNotFound):
        profiles.read_image("p", "img_0002.png")
    write_pack_registry(base, [("p", "pool")])
    with zipfile.ZipFile(profiles.export("p", tmp_path / "out.zip")) as zf:
        assert "pool/img_0002.png" not in zf.namelist()


@pytest.mark.parametrize(
    "name", ["../../escape", "a/b\\c", "Ünïcödé ✨ \"quoted\"", "con", "  spaced  ", "#1 & <b>"]
)
def test_odd_names_are_only_names_never_paths(name, profiles, base, tmp_path):
    entry = profiles.create(name)
    assert entry.name == name.strip()
    assert [p.name for p in base.iterdir() if p.is_dir()] == [entry.id]  # the folder is the id
    assert profiles.get(name.strip()).id == entry.id
    out = tmp_path / "out.zip"
    profiles.export(entry.id, out)
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("profile_meta.json")) == {"name": name.strip()}
    imported = profiles.import_zip(out)
    assert imported.name == f"{name.strip()} (2)"
    assert sorted(p.name for p in base.iterdir() if p.is_dir()) == sorted([entry.id, imported.id])


def test_control_characters_are_refused_in_a_name(profiles):
    with pytest.raises(InvalidProfileName, match="control characters"):
        profiles.create("two\nlines")


@pytest.mark.parametrize(
    ("rows", "before", "expected"),
    [
        ([0], 3, [1, 2, 0, 3]),  # dragged right, dropped on slot 3: lands just before it
        ([3], 0, [3, 0, 1, 2]),  # dragged to the front
        ([1, 2], 4, [0, 3, 1, 2]),  # two together, to the end
        ([2], 2, [0, 1, 2, 3]),  # dropped on itself: nothing moves
        ([0, 3], 2, [1, 0, 3, 2]),
    ],
)
def test_move_order_for_a_dragged_selection(rows, before, expected):
    assert pool_module.move_order(4, rows, before) == expected
