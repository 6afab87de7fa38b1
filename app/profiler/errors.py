"""Typed errors the Profiler raises; the UI and the CLI turn them into one clear message."""

from __future__ import annotations


class ProfilerError(Exception):
    """Base class for everything the profiler package raises on purpose."""


class BackendUnavailable(ProfilerError):
    """A sampler backend cannot run on this machine; ``str()`` says why (shown as a note)."""


class RunNotFound(ProfilerError):
    """No stored run has this id."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"There is no profiler run #{run_id}.")
        self.run_id = run_id


class WorkflowSourceError(ProfilerError):
    """A workflow could not be read from the chosen source (file, ComfyUI userdata, Generate)."""


class SnapshotMismatch(ProfilerError):
    """The workflow differs from its reference snapshot; ``diff`` lists what changed."""

    def __init__(self, diff) -> None:  # diff: app.profiler.snapshot.SnapshotDiff
        super().__init__(diff.describe())
        self.diff = diff


class ExportFailed(ProfilerError):
    """A run could not be written to a file (full disk, no permission); the run stays stored."""

    def __init__(self, path, reason: str) -> None:
        super().__init__(f"Could not export to {path}: {reason}. The run is still stored; "
                         "nothing was lost.")
        self.path = path


class StorageFailed(ProfilerError):
    """The profiler database could not be written (full disk, locked or read-only file)."""
