"""Profile zip export and import for the Profiles dock: file dialogs, progress with Cancel."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from app.profiles.errors import OperationCancelled, ProfileError

ZIP_FILTER = "Profile zip (*.zip)"


def import_many(
    service: Any,
    paths: list[Path],
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool],
) -> tuple[list[Any], list[str]]:
    """Import each zip (runs in a worker); one bad zip does not stop the others, Cancel does."""
    entries, failures = [], []
    for number, path in enumerate(paths):

        def step(done: int, total: int, _n: int = number) -> None:
            progress(_n * 1000 + 1000 * done // max(total, 1), 1000 * len(paths))

        try:
            entries.append(service.import_zip(path, progress=step, cancelled=cancelled))
        except OperationCancelled:
            failures.append(f"{path.name}: import cancelled, nothing was added.")
            break
        except ProfileError as exc:
            failures.append(f"{path.name}: {exc}")
    return entries, failures


class ZipTransfers:
    """Runs exports and imports through the dock's background runner."""

    def __init__(
        self,
        parent: QWidget,
        run: Callable[..., Any],
        show_message: Callable[..., None],
        show_error: Callable[[BaseException], None],
        imported: Callable[[Any, str], None],
    ) -> None:
        self._parent = parent
        self._run, self._show_message, self._show_error = run, show_message, show_error
        self._imported = imported
        self.progress_dialog: QProgressDialog | None = None

    def ask_export(self, service: Any, profile_id: str, name: str) -> None:
        safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(". ") or "profile"
        dialog = QFileDialog(
            self._parent, "Export profile", str(Path.home() / f"{safe}.zip"), ZIP_FILTER
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("zip")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.export(service, profile_id, Path(path)))
        dialog.open()

    def export(self, service: Any, profile_id: str, dest: Path) -> None:
        dialog = self._progress("Exporting profile…")
        handle = self._run(
            service.export,
            profile_id,
            dest,
            done=lambda path: (self._finish(dialog), self._show_message(f"Exported to {path}.")),
            failed=lambda exc: (self._finish(dialog), self._show_error(exc)),
            progress=lambda d, t: self._set_progress(dialog, d, t),
        )
        dialog.canceled.connect(handle.cancel)

    def ask_import(self, then: Callable[[list[Path]], None]) -> None:
        dialog = QFileDialog(self._parent, "Import profile zip", str(Path.home()), ZIP_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(lambda paths: then([Path(p) for p in paths]))
        dialog.open()

    def import_files(self, service: Any, paths: list[Path]) -> None:
        dialog = self._progress(f"Importing {len(paths)} profile zip(s)…")

        def done(result: tuple[list[Any], list[str]]) -> None:
            self._finish(dialog)
            entries, failures = result
            if entries:
                names = ", ".join(f"“{e.name}”" for e in entries)
                self._imported(entries[-1], f"Imported {names}.")
            if failures:
                self._show_message(" ".join(failures), error=True)

        def work(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> tuple:
            return import_many(service, paths, progress, cancelled)

        handle = self._run(
            work,
            done=done,
            failed=lambda exc: (self._finish(dialog), self._show_error(exc)),
            progress=lambda d, t: self._set_progress(dialog, d, t),
        )
        dialog.canceled.connect(handle.cancel)

    def _progress(self, text: str) -> QProgressDialog:
        dialog = QProgressDialog(text, "Cancel", 0, 1000, self._parent)
        dialog.setObjectName("profiles.progress")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # small zips finish before it would show
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.progress_dialog = dialog
        return dialog

    def _finish(self, dialog: QProgressDialog) -> None:
        dialog.close()
        dialog.deleteLater()
        if self.progress_dialog is dialog:
            self.progress_dialog = None

    @staticmethod
    def _set_progress(dialog: QProgressDialog, done: int, total: int) -> None:
        dialog.setValue(int(1000 * done / total) if total else 0)
