"""``comfydesk profiles ...``: the Profiles panel's operations on the command line."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.config import SettingsStore, resolve_paths
from app.profiles.errors import ComfyFolderMissing, ProfileError
from app.profiles.service import LocalProfiles, pool_base_for
from app.units import human_size

TRASH_NOTE = (
    "Deleting moves a profile to ComfyDesk's trash (in its data folder), the same trash the "
    "window's Undo uses: `profiles restore` brings the latest (or NAME) back. The trash is "
    "emptied when the ComfyDesk window closes, or with `profiles empty-trash`.")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profiles", help="Image Pool profiles (ComfyUI-Dataset-Gates): list, create, zip ...",
        description="Manage Image Pool profiles in <ComfyUI>/input/grid_pool. " + TRASH_NOTE)
    parser.add_argument("--comfyui", metavar="DIR",
                        help="the ComfyUI folder (default: the one configured in ComfyDesk)")
    actions = parser.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    _add(actions, "list", _list, "list profiles and unnamed pools")
    _add(actions, "create", _create, "create an empty profile", "name")
    _add(actions, "rename", _rename, "rename a profile", "name", "new")
    delete = _add(actions, "delete", _delete,
                  "delete a profile (it goes to ComfyDesk's trash; undo with `restore`)", "name")
    delete.description = "Delete a profile. " + TRASH_NOTE
    restore = _add(actions, "restore", _restore, "bring a deleted profile back from the trash")
    restore.add_argument("name", nargs="?", metavar="NAME",
                         help="name or id of the deleted profile (default: the latest deleted)")
    _add(actions, "empty-trash", _empty_trash,
         "delete the profiles in ComfyDesk's trash for good (closing the window does this too)")
    dup = _add(actions, "duplicate", _duplicate, "copy a profile with all its files", "name")
    dup.add_argument("new", nargs="?", help='name of the copy (default: NAME, then "NAME (2)")')
    _add(actions, "export", _export, "write a profile zip", "name", "file")
    imp = _add(actions, "import", _import, "import a profile zip as a new profile", "file")
    imp.add_argument("--name", help="profile name (default: from the zip)")
    _add(actions, "adopt", _adopt, "name an unnamed pool", "id", "name")


def _add(actions: argparse._SubParsersAction, name: str, func, help_text: str,
         *positionals: str) -> argparse.ArgumentParser:
    sub = actions.add_parser(name, help=help_text, description=help_text)
    for positional in positionals:
        sub.add_argument(positional, metavar=positional.upper())
    sub.set_defaults(func=lambda args, _f=func: _run(_f, args))
    return sub


def open_local(comfyui: str | None) -> LocalProfiles:
    """The profiles of ``--comfyui`` or of the configured ComfyUI folder."""
    paths = resolve_paths()
    folder = comfyui or SettingsStore(paths.settings_file).load().comfyui_dir
    if not folder:
        raise ComfyFolderMissing("No ComfyUI folder: pass --comfyui DIR or set it in ComfyDesk")
    if not (Path(folder).expanduser() / "input").is_dir():
        raise ComfyFolderMissing(f"{folder} has no input/ folder; is it a ComfyUI folder?")
    return LocalProfiles(pool_base_for(folder), paths.trash_dir / "profiles")


def _run(func, args: argparse.Namespace) -> int:
    try:
        profiles = open_local(args.comfyui)
        code = func(profiles, args)
        for notice in profiles.take_notices():
            print(f"warning: {notice}", file=sys.stderr)
        return code
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1


def _list(profiles: LocalProfiles, _args) -> int:
    rows = profiles.list_profiles()
    print(f"{'NAME':30} {'ID':32} {'IMAGES':>6} {'MASKS':>5} {'SIZE':>9}  CREATED")
    for r in sorted(rows, key=lambda r: r.name.casefold()):
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)) if r.created else "-"
        print(f"{r.name[:30]:30} {r.id:32} {r.images:6} {r.masks:5} "
              f"{human_size(r.size_bytes):>9}  {created}")
    unnamed = profiles.list_unnamed()
    if unnamed:
        print("\nUnnamed pools (adopt with: comfydesk profiles adopt ID NAME):")
        for p in unnamed:
            print(f"  {p.id:40} {p.images:6} images {human_size(p.size_bytes):>9}")
    trashed = profiles.trashed()
    if trashed:
        print("\nIn the trash (restore with: comfydesk profiles restore NAME):")
        for d in reversed(trashed):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(d.deleted_at))
            print(f"  {d.entry.name[:30]:30} {d.entry.id:32}  deleted {when}")
    return 0


def _create(profiles: LocalProfiles, args) -> int:
    entry = profiles.create(args.name)
    print(f"created {entry.name!r} ({entry.id})")
    return 0


def _rename(profiles: LocalProfiles, args) -> int:
    entry = profiles.rename(profiles.get(args.name).id, args.new)
    print(f"renamed to {entry.name!r}")
    return 0


def _delete(profiles: LocalProfiles, args) -> int:
    deleted = profiles.delete(profiles.get(args.name).id)
    print(f"deleted {deleted.entry.name!r} (moved to the trash; "
          f"`comfydesk profiles restore {deleted.entry.name!r}` brings it back)")
    return 0


def _restore(profiles: LocalProfiles, args) -> int:
    entry = profiles.undo_delete(args.name)
    print(f"restored {entry.name!r} ({entry.id})")
    return 0


def _empty_trash(profiles: LocalProfiles, _args) -> int:
    profiles.purge_trash()
    print("emptied the trash; deleted profiles cannot be restored any more")
    return 0


def _duplicate(profiles: LocalProfiles, args) -> int:
    entry = profiles.duplicate(profiles.get(args.name).id, args.new)
    print(f"created {entry.name!r} ({entry.id})")
    return 0


def _export(profiles: LocalProfiles, args) -> int:
    dest = profiles.export(profiles.get(args.name).id, Path(args.file))
    print(f"wrote {dest}")
    return 0


def _import(profiles: LocalProfiles, args) -> int:
    entry = profiles.import_zip(Path(args.file), name=args.name)
    print(f"imported {entry.name!r} ({entry.id})")
    return 0


def _adopt(profiles: LocalProfiles, args) -> int:
    entry = profiles.adopt(args.id, args.name)
    print(f"adopted {entry.id} as {entry.name!r}")
    return 0
