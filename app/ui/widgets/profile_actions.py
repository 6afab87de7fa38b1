"""The Profiles dock's actions: toolbar, shortcuts (F2, Del, Ctrl+D, Ctrl+E, Ctrl+I, Ctrl+Z, F5),
the table's context menu, and which of them can act right now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget


def _action(
    dock: Any,
    text: str,
    slot: Callable[[], None],
    tip: str,
    shortcut: str | None = None,
    widget: QWidget | None = None,
) -> QAction:
    action = QAction(text, dock)
    action.triggered.connect(slot)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        # F2 and Del belong to the table: in the image grid they edit a label and remove images.
        # The rest work anywhere in the dock.
        action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
            if widget is None
            else Qt.ShortcutContext.WidgetShortcut
        )
        shown = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        tip = f"{tip} ({shown})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    (widget or dock.widget()).addAction(action)
    return action


def build_actions(dock: Any) -> None:
    """Create the dock's actions as attributes and put the main ones on its toolbar."""
    dock.new_action = _action(dock, "New…", dock.ask_create, "Create an empty profile")
    dock.rename_action = _action(
        dock, "Rename", dock.start_rename, "Rename the selected profile", "F2", dock.table
    )
    dock.duplicate_action = _action(
        dock, "Duplicate", dock.duplicate_selected, "Copy the profile with all its files", "Ctrl+D"
    )
    dock.delete_action = _action(
        dock, "Delete…", dock.confirm_delete, "Delete the selected profile", "Del", dock.table
    )
    dock.export_action = _action(
        dock, "Export…", dock.ask_export, "Write the profile to a zip file", "Ctrl+E"
    )
    dock.import_action = _action(
        dock, "Import…", dock.ask_import, "Add a profile from a zip (or drop the zip)", "Ctrl+I"
    )
    dock.undo_action = _action(
        dock, "Undo delete", dock.undo_delete, "Bring back the last deleted profile", "Ctrl+Z"
    )
    dock.clear_use_action = _action(
        dock, "Use no profile in runs", dock.clear_selection, "Runs keep their own pool ids"
    )
    dock.reload_action = _action(
        dock, "Reload", dock.reload, "Read the profiles from disk again", "F5"
    )
    for action in (
        dock.new_action,
        dock.rename_action,
        dock.duplicate_action,
        dock.delete_action,
        dock.import_action,
        dock.export_action,
        dock.reload_action,
    ):
        dock.toolbar.addAction(action)


def update_actions(dock: Any) -> None:
    """Enable what can act: a store for all of them, a selected profile for the per-profile ones."""
    ready = dock.service is not None
    selected = ready and dock.current_profile_id() is not None
    for action in (dock.new_action, dock.import_action):
        action.setEnabled(ready)
    for action in (
        dock.rename_action,
        dock.duplicate_action,
        dock.delete_action,
        dock.export_action,
    ):
        action.setEnabled(selected)
    dock.undo_action.setEnabled(ready and dock.undo_button.isVisible())
    dock.clear_use_action.setEnabled(dock.used_profile_id() is not None)


def table_menu(dock: Any, pos: Any) -> QMenu:
    """The profiles table's context menu at ``pos`` (viewport coordinates)."""
    menu = QMenu(dock)
    for action in (
        dock.rename_action,
        dock.duplicate_action,
        dock.export_action,
        dock.delete_action,
        None,
        dock.clear_use_action,
        dock.new_action,
        dock.import_action,
        dock.undo_action,
    ):
        menu.addSeparator() if action is None else menu.addAction(action)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    menu.popup(dock.table.viewport().mapToGlobal(pos))
    return menu
