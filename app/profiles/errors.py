"""Typed errors of the Profiles feature; the UI and the CLI turn each into one clear message."""

from __future__ import annotations


class ProfileError(Exception):
    """Base class: every failure of a profile operation."""


class InvalidProfileName(ProfileError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name!r} cannot be a profile name: {reason}")
        self.name = name
        self.reason = reason


class ProfileNameTaken(ProfileError):
    def __init__(self, name: str) -> None:
        super().__init__(f"A profile named {name!r} already exists")
        self.name = name


class ProfileNotFound(ProfileError):
    def __init__(self, key: str) -> None:
        super().__init__(f"No profile {key!r}")
        self.key = key


class PoolNotFound(ProfileError):
    def __init__(self, pool_id: str) -> None:
        super().__init__(f"No image pool folder {pool_id!r}")
        self.pool_id = pool_id


class PoolAlreadyNamed(ProfileError):
    def __init__(self, pool_id: str, name: str) -> None:
        super().__init__(f"Pool {pool_id!r} already is the profile {name!r}")
        self.pool_id = pool_id
        self.name = name


class SlotOutOfRange(ProfileError):
    def __init__(self, index: int, count: int) -> None:
        super().__init__(f"Image #{index} does not exist (the pool has {count} images)")
        self.index = index
        self.count = count


class UnsupportedImage(ProfileError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} cannot be added: {reason}")
        self.path = path
        self.reason = reason


class UnsafeArchive(ProfileError):
    """A zip entry breaks an import safety rule; nothing was imported."""

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(f"Refused to import: entry {entry!r} {reason}")
        self.entry = entry
        self.reason = reason


class InvalidArchive(ProfileError):
    """The file is not a readable profile zip (not a zip, truncated, CRC error, no pool)."""


class OperationCancelled(ProfileError):
    def __init__(self, what: str = "Operation") -> None:
        super().__init__(f"{what} cancelled; nothing was changed")


class NothingToUndo(ProfileError):
    def __init__(self) -> None:
        super().__init__("There is no deleted profile to restore")


class ComfyFolderMissing(ProfileError):
    """Neither a ComfyUI folder nor a backend with the pack's routes is available."""


class RemoteUnsupported(ProfileError):
    """The pack's HTTP routes cannot do this; it needs the ComfyUI folder."""


class RemoteError(ProfileError):
    """The backend answered a /grid_pool route with an error or could not be reached."""
