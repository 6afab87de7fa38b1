"""Update nodes / Run profile: the check of a workflow against its reference snapshot.

Loading the workflow, hashing and the database work happen on the task runner; this object
only keeps the workflow that waits for the user's answer to a mismatch warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.profiler.snapshot import SnapshotDiff, nodes_as_steps, snapshot_of
from app.profiler.sources import WorkflowSource
from app.profiler.store import ProfilerStore
from app.ui.widgets.profiler_tasks import GuardedTasks


def snapshot_text(count: int, digest: str) -> str:
    return f"Reference snapshot: {count} nodes, hash {digest[:12]}."


class ReferenceCheck(QObject):
    state_known = Signal(str)          # text for the snapshot line
    nodes_updated = Signal(str, object)  # source label, the workflow's nodes as bare Steps
    snapshot_saved = Signal(str)       # hash
    run_ready = Signal(object, bool)   # API prompt, forced
    mismatch = Signal(object)          # SnapshotDiff, or None when there is no reference

    def __init__(self, store: ProfilerStore, tasks: GuardedTasks,
                 load_prompt: Callable[[WorkflowSource], dict[str, Any]],
                 on_error: Callable[[BaseException], None], parent: QObject | None = None):
        super().__init__(parent)
        self._store, self._tasks = store, tasks
        self._load_prompt, self._on_error = load_prompt, on_error
        self._waiting: tuple[WorkflowSource, dict[str, Any]] | None = None  # after a mismatch
        self.checking = False  # a check is on its way: a second Run must not start a 2nd run

    def show_state(self, source: WorkflowSource) -> None:
        def done(stored) -> None:
            self.state_known.emit("No reference snapshot yet: press Update nodes."
                                  if stored is None else snapshot_text(len(stored[0]), stored[1]))

        self._tasks.run(self._store.load_snapshot, source.key, on_done=done,
                        on_error=self._on_error, name="profiler snapshot state")

    def update_nodes(self, source: WorkflowSource) -> None:
        """Store the workflow's structure as the reference snapshot."""
        self._waiting = None

        def work() -> tuple[list, str]:
            snapshot = snapshot_of(self._load_prompt(source))
            return nodes_as_steps(snapshot), self._store.save_snapshot(source.key, snapshot)

        def done(result: tuple[list, str]) -> None:
            steps, digest = result
            self.state_known.emit(snapshot_text(len(steps), digest))
            self.nodes_updated.emit(source.label, steps)
            self.snapshot_saved.emit(digest)

        self._tasks.run(work, on_done=done, on_error=self._on_error,
                        name="profiler update nodes")

    def check(self, source: WorkflowSource) -> None:
        """Run on a match (``run_ready``); otherwise ``mismatch`` and wait for the answer."""
        if self.checking:
            return
        self.checking, self._waiting = True, None

        def work() -> tuple[dict, SnapshotDiff | None]:
            prompt = self._load_prompt(source)
            return prompt, self._store.check_snapshot(source.key, prompt)

        def done(result: tuple[dict, SnapshotDiff | None]) -> None:
            self.checking = False
            prompt, diff = result
            if diff is not None and diff.matches:
                self.run_ready.emit(prompt, False)
                return
            self._waiting = (source, prompt)
            self.mismatch.emit(diff)

        def failed(exc: BaseException) -> None:
            self.checking = False
            self._on_error(exc)

        self._tasks.run(work, on_done=done, on_error=failed, name="profiler check")

    def accept_and_run(self) -> None:
        """Make the waiting workflow the reference, then run it (not forced)."""
        if self._waiting is None:
            return
        (source, prompt), self._waiting = self._waiting, None

        def work() -> tuple[int, str]:
            snapshot = snapshot_of(prompt)
            return len(snapshot), self._store.save_snapshot(source.key, snapshot)

        def done(result: tuple[int, str]) -> None:
            self.state_known.emit(snapshot_text(*result))
            self.snapshot_saved.emit(result[1])
            self.run_ready.emit(prompt, False)

        self._tasks.run(work, on_done=done, on_error=self._on_error,
                        name="profiler update and run")

    def force_run(self) -> None:
        """Run the waiting workflow as it is; the run is marked forced."""
        if self._waiting is not None:
            (_source, prompt), self._waiting = self._waiting, None
            self.run_ready.emit(prompt, True)

    def drop_waiting(self) -> None:
        self._waiting = None
