"""The Profiles dock's profile commands: the dialogs behind New, Rename, Duplicate, Delete, Undo
and Adopt, and the background calls to the profile store they make.

A mixin of :class:`app.ui.docks.profiles.ProfilesDock` (it uses the dock's ``service``, ``_run``,
``show_message``, ``_confirm``, table and settings). The methods are public because buttons,
shortcuts and tests call them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QInputDialog

from app.ui.models.profiles import ProfileIdRole

SECTION = "profiles"


class ProfileCommands:
    """Profile operations of the dock (mixed into ProfilesDock)."""

    def _then_select(self, entry: Any, message: str) -> None:
        self.show_message(message)
        self.ctx.select_profile(entry.id)
        self.images.forget()
        self.reload()

    @Slot()
    def ask_create(self) -> None:
        self._ask_text("New profile", "Name of the new profile:", "", self.create_profile)

    def create_profile(self, name: str) -> None:
        if self.service is not None:
            self._run(
                self.service.create,
                name,
                done=lambda e: self._then_select(e, f"Created “{e.name}”."),
            )

    @Slot()
    def start_rename(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.table.setCurrentIndex(rows[0])
            self.table.edit(rows[0])

    @Slot(str, str)
    def rename_profile(self, profile_id: str, new_name: str) -> None:
        if self.service is not None:
            self._run(
                self.service.rename,
                profile_id,
                new_name,
                done=lambda e: (self.show_message(f"Renamed to “{e.name}”."), self.reload()),
            )

    @Slot()
    def duplicate_selected(self) -> None:
        profile_id = self.current_profile_id()
        if profile_id and self.service is not None:
            self._run(
                self.service.duplicate,
                profile_id,
                done=lambda e: self._then_select(e, f"Created the copy “{e.name}”."),
            )

    @Slot()
    def confirm_delete(self) -> None:
        profile_id, name = self.current_profile_id(), self.current_profile_name()
        if profile_id and self.service is not None:
            self._confirm(
                "Delete profile",
                f"Delete the profile “{name}” and its images?\n"
                "You can undo this until ComfyDesk quits.",
                lambda: self.delete_profile(profile_id),
            )

    def delete_profile(self, profile_id: str) -> None:
        def done(deleted: Any) -> None:
            if self.used_profile_id() == profile_id:
                self.ctx.select_profile(None)
            self.images.forget()
            self.show_message(
                f"Deleted “{deleted.entry.name}”. “Undo delete” (Ctrl+Z) brings it back until "
                "ComfyDesk closes."
            )
            self.reload()

        self._run(self.service.delete, profile_id, done=done)

    @Slot()
    def undo_delete(self) -> None:
        # Whether there is something to restore is read from the trash in the worker: a
        # NothingToUndo comes back as a message.
        if self.service is not None:
            self._run(
                self.service.undo_delete,
                done=lambda e: self._then_select(e, f"Restored “{e.name}”."),
            )

    @Slot()
    def ask_adopt(self) -> None:
        rows = self.unnamed_view.selectionModel().selectedRows()
        if not rows:
            self.show_message("Select an unnamed pool to adopt.", error=True)
            return
        pool_id = str(rows[0].data(ProfileIdRole))
        self._ask_text(
            "Adopt pool",
            f"Profile name for pool {pool_id}:",
            "",
            lambda name: self.adopt_pool(pool_id, name),
        )

    def adopt_pool(self, pool_id: str, name: str) -> None:
        if self.service is not None:
            self._run(
                self.service.adopt,
                pool_id,
                name,
                done=lambda e: self._then_select(e, f"Adopted the pool as “{e.name}”."),
            )

    def _ask_text(self, title: str, label: str, text: str, then: Callable[[str], None]) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(then)
        dialog.open()
