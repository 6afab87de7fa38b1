"""Export/import zips: the pack's layout both ways, byte-identical round trips, hostile zips."""

from __future__ import annotations

import json
import os
import warnings
import zipfile

import pytest

from app.profiles import archive
from app.profiles.errors import InvalidArchive, OperationCancelled, UnsafeArchive
from tests.profiles.helpers import tree_bytes, write_pack_pool, write_pack_registry, write_pack_zip


def snapshot(root):
    """Every path under ``root`` with its bytes (folders as None)."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def named_pool(base):
    write_pack_pool(base, "src", count=3, masks=(0, 2), labels={1: "side"})
    write_pack_registry(base, [("src", "characters_A")])
    return base / "src"


def test_export_has_the_pack_layout_and_stores_images(profiles, named_pool, tmp_path):
    dest = profiles.export("src", tmp_path / "out.zip")
    with zipfile.ZipFile(dest) as zf:
        infos = zf.infolist()
        assert infos[0].filename == "profile_meta.json"
        assert json.loads(zf.read("profile_meta.json")) == {"name": "characters_A"}
        names = [i.filename for i in infos[1:]]
        assert all(n.startswith("pool/") for n in names)
        assert sorted(n[5:] for n in names) == sorted(tree_bytes(named_pool))
        kinds = {i.filename: i.compress_type for i in infos}
        assert kinds["pool/img_0001.png"] == zipfile.ZIP_STORED
        assert kinds["pool/img_0001.mask.png"] == zipfile.ZIP_STORED
        assert kinds["pool/manifest.json"] == zipfile.ZIP_DEFLATED
    assert [p.name for p in tmp_path.glob(".out.zip*")] == []  # no temp file left


def test_export_then_import_round_trip_is_byte_identical(profiles, named_pool, tmp_path):
    dest = profiles.export("src", tmp_path / "round.zip")
    entry = profiles.import_zip(dest)
    assert entry.id != "src"
    assert entry.name == "characters_A (2)"  # collision suffix, never clobbers
    assert tree_bytes(profiles.base / entry.id) == tree_bytes(named_pool)
    again = profiles.import_zip(dest)
    assert again.name == "characters_A (3)"


def test_a_zip_written_by_the_pack_imports(profiles, tmp_path):
    other = tmp_path / "other_comfy"
    folder = write_pack_pool(other, "abc", count=2, masks=(1,))
    packed = write_pack_zip(folder, "from the pack", tmp_path / "pack.zip")
    entry = profiles.import_zip(packed)
    assert entry.name == "from the pack"
    assert tree_bytes(profiles.base / entry.id) == tree_bytes(folder)
    assert [s.mask for s in profiles.pool(entry.id).slots] == [None, "img_0002.mask.png"]


def test_a_comfydesk_export_imports_the_way_the_pack_reads_it(profiles, named_pool, tmp_path):
    dest = profiles.export("src", tmp_path / "x.zip")
    target = tmp_path / "pack_side"
    # The pack's import: read profile_meta.json, extract every pool/ entry under the new id.
    with zipfile.ZipFile(dest) as zf:
        meta = json.loads(zf.read("profile_meta.json"))
        for name in zf.namelist():
            if name.startswith("pool/") and not name.endswith("/"):
                out = target / name[len("pool/") :]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(name))
    assert meta["name"] == "characters_A"
    assert tree_bytes(target) == tree_bytes(named_pool)


def test_import_name_comes_from_option_meta_or_file_name(profiles, named_pool, tmp_path):
    dest = profiles.export("src", tmp_path / "holiday.zip")
    assert profiles.import_zip(dest, name="chosen").name == "chosen"
    bare = tmp_path / "bare_pool.zip"
    with zipfile.ZipFile(dest) as src, zipfile.ZipFile(bare, "w") as out:
        for info in src.infolist():
            if info.filename != "profile_meta.json":
                out.writestr(info, src.read(info))
    assert profiles.import_zip(bare).name == "bare_pool"


def test_cancelled_import_and_export_leave_nothing(profiles, named_pool, base, tmp_path):
    dest = profiles.export("src", tmp_path / "c.zip")
    before = snapshot(tmp_path)
    with pytest.raises(OperationCancelled):
        profiles.import_zip(dest, cancelled=lambda: True)
    with pytest.raises(OperationCancelled):
        profiles.export("src", tmp_path / "never.zip", cancelled=lambda: True)
    assert snapshot(tmp_path) == before


def test_progress_reaches_the_total(profiles, named_pool, tmp_path):
    seen = []
    dest = profiles.export("src", tmp_path / "p.zip", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] > 0
    seen.clear()
    profiles.import_zip(dest, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] > 0


# --- the hostile corpus ----------------------------------------------------------------------


def _zip(path, entries, meta=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            if meta:
                zf.writestr("profile_meta.json", json.dumps({"name": "evil"}))
            zf.writestr("pool/manifest.json", json.dumps({"active": 0, "slots": [], "next_seq": 1}))
            for entry in entries:
                if isinstance(entry, zipfile.ZipInfo):
                    zf.writestr(entry, b"/etc/passwd")
                else:
                    zf.writestr(entry[0], entry[1])
    return path


def _symlink_info():
    info = zipfile.ZipInfo("pool/link.png")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


def _patch(path, old, new, set_utf8=None):
    data = bytearray(path.read_bytes())
    data[:] = data.replace(old, new)
    if set_utf8 is not None:
        start = 0
        while (start := data.find(b"PK\x01\x02", start)) >= 0:
            flags = int.from_bytes(data[start + 8 : start + 10], "little")
            flags = flags | 0x800 if set_utf8 else flags & ~0x800
            data[start + 8 : start + 10] = flags.to_bytes(2, "little")
            start += 4
    path.write_bytes(bytes(data))
    return path


def _many(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pool/manifest.json", "{}")
        for i in range(archive.MAX_ENTRIES):
            zf.writestr(f"pool/f{i}.txt", b"")
    return path


def _bomb(path):
    return _zip(path, [("pool/img_0001.png", bytes(8 * 1024 * 1024))])


def _truncated(path):
    _zip(path, [("pool/img_0001.png", os.urandom(200_000))])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _damaged_entry(path):
    payload = os.urandom(300_000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pool/manifest.json", "{}")
        zf.writestr("pool/img_0001.png", payload)
        zf.writestr("pool/img_0002.png", payload[:1000])
    data = bytearray(path.read_bytes())
    at = data.find(payload[5000:5016])
    data[at : at + 16] = bytes(16)  # the CRC no longer matches: found while extracting
    path.write_bytes(bytes(data))
    return path


HOSTILE = {
    "traversal": (lambda p: _zip(p, [("pool/../../evil.png", b"x")]), UnsafeArchive, ".."),
    "absolute": (lambda p: _zip(p, [("/tmp/evil.png", b"x")]), UnsafeArchive, "absolute"),
    "drive letter": (lambda p: _zip(p, [("C:/evil.png", b"x")]), UnsafeArchive, "drive"),
    "backslash": (lambda p: _zip(p, [("pool\\..\\evil.png", b"x")]), UnsafeArchive, "backslash"),
    "symlink": (lambda p: _zip(p, [_symlink_info()]), UnsafeArchive, "symbolic link"),
    "zip bomb": (_bomb, UnsafeArchive, "compression ratio"),
    "10,001 entries": (_many, UnsafeArchive, "10,000"),
    "duplicate names": (
        lambda p: _zip(p, [("pool/a.png", b"1"), ("pool/a.png", b"2")]),
        UnsafeArchive,
        "twice",
    ),
    "name not marked utf-8": (
        lambda p: _patch(_zip(p, [("pool/caf\u00e9.png", b"x")]), b"", b"", set_utf8=False),
        UnsafeArchive,
        "not marked as UTF-8",
    ),
    "invalid utf-8 name": (
        lambda p: _patch(
            _zip(p, [("pool/abXYd.png", b"x")]), b"abXYd", b"ab\xff\xfed", set_utf8=True
        ),
        UnsafeArchive,
        "not valid UTF-8",
    ),
    "truncated file": (_truncated, InvalidArchive, "not a readable zip"),
    "damaged entry": (_damaged_entry, InvalidArchive, "damaged"),
    "not a pool": (lambda p: _zip(p, [], meta=True) and _strip_pool(p), InvalidArchive, "no image"),
}


def _strip_pool(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return path


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_zips_are_refused_and_leave_nothing(case, profiles, base, tmp_path):
    build, error, words = HOSTILE[case]
    write_pack_pool(base, "existing", count=1)
    write_pack_registry(base, [("existing", "existing")])
    bad = build(tmp_path / "hostile.zip")
    before = snapshot(tmp_path)
    with pytest.raises(error) as info:
        profiles.import_zip(bad)
    assert words in str(info.value)
    assert snapshot(tmp_path) == before  # nothing written anywhere, no partial profile
    assert [e.name for e in profiles.entries()] == ["existing"]
    if error is UnsafeArchive and case != "10,001 entries":
        assert info.value.entry and repr(info.value.entry) in str(info.value)


def test_over_20_gb_uncompressed_is_refused(profiles, base, tmp_path, monkeypatch):
    # Writing 20 GB in a test is not an option: the rule is checked against a lowered limit.
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1000)
    bad = _zip(tmp_path / "big.zip", [("pool/img_0001.png", os.urandom(2000))])
    with pytest.raises(UnsafeArchive, match="20 GB"):
        profiles.import_zip(bad)
    assert [p.name for p in base.iterdir()] == []
