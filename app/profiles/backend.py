"""Which profile store the app uses: the ComfyUI folder on disk, else the pack's HTTP routes."""

from __future__ import annotations

from pathlib import Path

from app.profiles import remote
from app.profiles.errors import ComfyFolderMissing
from app.profiles.remote import RemoteProfiles
from app.profiles.service import LocalProfiles, pool_base_for

NEEDS_FOLDER = ("Profiles needs the ComfyUI folder (its input/grid_pool holds the pools), or a "
                "ComfyUI with the ComfyUI-Dataset-Gates pack running at the active backend.")


def open_profiles(comfyui_dir: str | None, trash_dir: Path,
                  backend_url: str | None = None) -> LocalProfiles | RemoteProfiles:
    """The local store when a ComfyUI folder is configured, else the remote one when the active
    backend answers the pack's routes (this probes the network: call it off the GUI thread).

    Raises:
        ComfyFolderMissing: neither is available; the message says what to set.
    """
    if comfyui_dir:
        folder = Path(comfyui_dir).expanduser()
        if not (folder / "input").is_dir():
            raise ComfyFolderMissing(f"{folder} has no input/ folder. {NEEDS_FOLDER}")
        return LocalProfiles(pool_base_for(folder), trash_dir)
    if backend_url and remote.probe(backend_url):
        return RemoteProfiles(backend_url, trash_dir)
    raise ComfyFolderMissing(NEEDS_FOLDER)
