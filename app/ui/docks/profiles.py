"""Profiles dock: named Image Pool profiles (ComfyUI-Dataset-Gates) and their images.

Every operation runs through ``ctx.tasks`` on a worker; the dock only paints and reacts. The
selected profile is what runs use ("Use in runs"): it is saved in ``settings.section("profiles")``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from app.profiles.backend import open_profiles
from app.profiles.errors import ComfyFolderMissing, ProfileError
from app.ui.context import AppContext
from app.ui.models.profiles import (
    ProfileIdRole,
    ProfilesTableModel,
    SortRole,
    UnnamedPoolsModel,
)
from app.ui.widgets.profile_actions import build_actions, table_menu, update_actions
from app.ui.widgets.profile_commands import SECTION, ProfileCommands
from app.ui.widgets.profile_panel import UNNAMED_REMOTE, UNNAMED_TITLE, setup_ui
from app.ui.widgets.profile_zip import ZipTransfers

log = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> str:
    """One clear sentence for the user."""
    if isinstance(exc, ProfileError):
        return str(exc)
    if isinstance(exc, OSError):
        # os.replace names the temp file first and the real target second: show the target.
        target = exc.filename2 or exc.filename
        where = f" ({target})" if target else ""
        return f"{exc.strerror or exc}{where}; nothing was changed."
    return f"Unexpected error ({type(exc).__name__}): {exc}"


class ProfilesDock(ProfileCommands, QDockWidget):
    """Profiles table, unnamed pools, the selected pool's images; zip import/export."""

    profile_selected = Signal(str)  # profile id, "" for none
    profiles_loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Profiles", parent)
        self.setObjectName("dock.profiles")
        self.ctx = ctx
        self.service: Any = None
        self._services: dict[tuple, Any] = {}
        self._handles: list[Any] = []
        self._restoring = False
        self._loaded_key: tuple | None = None
        self.last_message = ""
        self.confirm_box: QMessageBox | None = None
        self.table_model = ProfilesTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.unnamed_model = UnnamedPoolsModel(self)
        setup_ui(self)
        build_actions(self)
        self.zips = ZipTransfers(
            self, self._run, self.show_message, self._show_error, self._then_select
        )
        self.table_model.rename_requested.connect(self.rename_profile)
        self.table.selectionModel().selectionChanged.connect(self._on_profile_selection)
        self.unnamed_view.selectionModel().selectionChanged.connect(self._on_unnamed_selection)
        ctx.backends.active_backend_changed.connect(self._on_backend_changed)
        ctx.signals.settings_changed.connect(self._settings_changed)
        self.reload()

    @Slot(object)
    def _table_menu(self, pos) -> None:
        table_menu(self, pos)

    # -- background work ------------------------------------------------------------------------
    def _run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        handle = None

        def on_done(result: Any) -> None:
            self._forget(handle)
            if done is not None:
                done(result)
            self._show_notices()

        def on_error(exc: BaseException) -> None:
            self._forget(handle)
            (failed or self._show_error)(exc)

        handle = self.ctx.tasks.run(
            fn,
            *args,
            on_done=on_done,
            on_error=on_error,
            on_progress=progress,
            name=getattr(fn, "__name__", "task"),
            owner=self,  # a result that arrives after the dock is gone is dropped
        )
        self._handles.append(handle)
        return handle

    def _forget(self, handle: Any) -> None:
        if handle in self._handles:
            self._handles.remove(handle)

    @property
    def busy(self) -> bool:
        return bool(self._handles)

    def _show_notices(self) -> None:
        if self.service is not None:
            notices = self.service.take_notices()
            if notices:
                self.show_message(" ".join(notices), error=True)

    def show_message(self, text: str, error: bool = False) -> None:
        self.last_message = text
        self.message_label.setText(text)
        self.message_label.setStyleSheet("color: #c0392b;" if error else "")

    @Slot(object)
    def _show_error(self, exc: BaseException) -> None:
        self.show_message(describe_error(exc), error=True)

    def _confirm(self, title: str, text: str, on_yes: Callable[[], None]) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("profiles.confirm")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button) -> None:
            if button is box.button(QMessageBox.StandardButton.Yes):
                on_yes()

        box.buttonClicked.connect(clicked)
        self.confirm_box = box
        box.open()
        return box

    @Slot()
    def _settings_changed(self) -> None:
        """Reload when the ComfyUI folder or the active backend changed in Settings."""
        if self._loaded_key is not None and self._service_key() != self._loaded_key:
            self.reload()

    # -- loading --------------------------------------------------------------------------------
    def _service_key(self) -> tuple:
        comfy = self.ctx.settings.comfyui_dir
        return (comfy, None) if comfy else (None, self.ctx.backends.active_url)

    @Slot()
    def reload(self) -> None:
        key = self._loaded_key = self._service_key()
        cached = self._services.get(key)
        trash = self.ctx.paths.trash_dir / "profiles"

        def load() -> tuple:
            service = cached or open_profiles(key[0], trash, key[1])
            # can_undo reads the trash folder (a delete from the CLI counts too).
            return service, service.list_profiles(), service.list_unnamed(), service.can_undo

        def done(result: tuple) -> None:
            service, rows, unnamed, can_undo = result
            self._services[key] = self.service = service
            self._apply_rows(rows, unnamed, can_undo)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ComfyFolderMissing):
                self.service = None
                self._apply_rows([], [], False)
                self.status_label.setText(str(exc))
                self.set_folder_button.show()
            else:
                self._show_error(exc)
                update_actions(self)

        self._run(load, done=done, failed=failed)

    def _apply_rows(self, rows: list, unnamed: list, can_undo: bool) -> None:
        self._restoring = True
        try:
            self.table_model.set_rows(rows)
            self.unnamed_model.set_rows(unnamed)
            self._select_id(self.images.pool_id or self.used_profile_id())
        finally:
            self._restoring = False
        if self.service is not None:
            self.set_folder_button.hide()
            self.status_label.setText(f"{len(rows)} profiles in {self.service.describe()}")
        self.adopt_button.setEnabled(bool(unnamed))
        listable = self.service is None or self.service.can_list_unnamed
        self.unnamed_label.setText(UNNAMED_TITLE if listable else UNNAMED_REMOTE)
        self.unnamed_view.setVisible(listable)
        self.undo_button.setVisible(self.service is not None and can_undo)
        self.table_hint.setVisible(self.service is not None and not rows)
        self._update_runs_label()
        update_actions(self)
        if not self.current_profile_id() and self.images.pool_id not in {u.id for u in unnamed} | {
            r.id for r in rows
        }:
            self.images.show_pool(None, None)
        self.profiles_loaded.emit()

    def _select_id(self, profile_id: str | None) -> None:
        row = self.table_model.row_of(profile_id) if profile_id else -1
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.table_model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    # -- selection = "Use in runs" -------------------------------------------------------------
    def used_profile_id(self) -> str | None:
        value = self.ctx.settings.section(SECTION).get("selected_id")
        return str(value) if value else None

    def current_profile_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(ProfileIdRole)) if rows else None

    def current_profile_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(Qt.ItemDataRole.DisplayRole)) if rows else None

    @Slot()
    def _on_profile_selection(self) -> None:
        update_actions(self)
        profile_id = self.current_profile_id()
        if profile_id is None:
            return
        if profile_id != self.used_profile_id():
            self.ctx.select_profile(profile_id)
            self.profile_selected.emit(profile_id)
        self.unnamed_view.clearSelection()
        self._update_runs_label()
        if profile_id != self.images.pool_id or not self._restoring:
            self.images.show_pool(self.service, profile_id)

    @Slot()
    def _on_unnamed_selection(self) -> None:
        rows = self.unnamed_view.selectionModel().selectedRows()
        if rows:
            self.table.clearSelection()
            self.images.show_pool(self.service, str(rows[0].data(ProfileIdRole)))

    @Slot()
    def clear_selection(self) -> None:
        self.table.clearSelection()
        self.ctx.select_profile(None)
        self.profile_selected.emit("")
        self._update_runs_label()
        update_actions(self)

    def _update_runs_label(self) -> None:
        used = self.used_profile_id()
        row = self.table_model.row_of(used) if used else -1
        name = self.table_model.info(row).name if row >= 0 else None
        self.runs_label.setText(
            f"Runs use the profile “{name}”." if name else "Runs use no profile."
        )

    @Slot()
    def _on_pool_changed(self) -> None:
        self.reload()  # counts and sizes in the table

    @Slot(str)
    def _on_backend_changed(self, _url: str) -> None:
        if not self.ctx.settings.comfyui_dir:
            self.reload()

    # -- zips -----------------------------------------------------------------------------------
    @property
    def progress_dialog(self) -> QProgressDialog | None:
        return self.zips.progress_dialog

    @Slot()
    def ask_export(self) -> None:
        profile_id, name = self.current_profile_id(), self.current_profile_name()
        if profile_id and self.service is not None:
            self.zips.ask_export(self.service, profile_id, name or "profile")

    def export_profile(self, profile_id: str, dest: Path) -> None:
        if self.service is not None:
            self.zips.export(self.service, profile_id, dest)

    @Slot()
    def ask_import(self) -> None:
        self.zips.ask_import(self.import_zip_files)

    def import_zip_files(self, paths: list[Path]) -> None:
        """Import zips as new profiles (the main window calls this for dropped .zip files)."""
        if self.service is None:
            self.show_message("Cannot import: " + self.status_label.text(), error=True)
            return
        self.zips.import_files(self.service, list(paths))

    # -- settings and shutdown --------------------------------------------------------------------
    @Slot()
    def ask_comfyui_folder(self) -> None:
        dialog = QFileDialog(self, "ComfyUI folder", str(Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.use_comfyui_folder(Path(path)))
        dialog.open()

    def use_comfyui_folder(self, folder: Path) -> None:
        """Save ``folder`` as the ComfyUI folder and load its profiles."""
        self.ctx.settings.comfyui_dir = str(folder)
        self.ctx.save_settings()
        self.reload()

    def shutdown(self) -> None:
        """Cancel running work and empty the trash (Undo ends when the app quits)."""
        for handle in list(self._handles):
            handle.cancel()
        self.images.shutdown()
        self.ctx.tasks.shutdown()
        for service in self._services.values():
            try:
                service.purge_trash()
            except OSError as exc:  # a leftover in the data folder is harmless, but say so
                log.warning("could not empty the profiles trash: %s", exc)

    def selected_index(self) -> QModelIndex:
        rows = self.table.selectionModel().selectedRows()
        return rows[0] if rows else QModelIndex()
