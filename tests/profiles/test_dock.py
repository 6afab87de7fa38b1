"""The Profiles dock in the real main window, driven as a person would."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QPushButton

from app.profiles import commands
from app.profiles.pool import PoolSlot
from app.ui.models.profiles import (
    MAX_THUMBNAILS,
    ImageNameRole,
    PoolImagesModel,
    ProfilesTableModel,
    ThumbnailReadyRole,
    UnnamedPoolsModel,
)
from app.ui.widgets.profile_actions import table_menu
from tests.profiles.helpers import (
    png_bytes,
    tree_bytes,
    write_pack_pool,
    write_pack_registry,
    write_pack_zip,
)
from tests.ui.conftest import make_window  # noqa: F401  (the lead's real-window fixture)


@pytest.fixture
def comfy(tmp_path):
    folder = tmp_path / "ComfyUI"
    (folder / "input").mkdir(parents=True)
    return folder


@pytest.fixture
def dock_window(make_window, comfy, qtbot):  # noqa: F811
    window, ctx = make_window()
    dock = window.profiles_dock
    dock.show()
    dock.raise_()
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.use_comfyui_folder(comfy)
    return window, ctx, dock


def drop_files(target, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = target.rect().center()
    enter = QDragEnterEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(point),  # QDropEvent takes a QPointF, QDragEnterEvent a QPoint
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, drop)


def names(dock) -> list[str]:
    model = dock.table_model
    return sorted(model.info(r).name for r in range(model.rowCount()))


def thumbnails_shown(dock) -> bool:
    model = dock.images.model
    return model.rowCount() > 0 and all(
        model.data(model.index(r), ThumbnailReadyRole) for r in range(model.rowCount())
    )


def focus(qtbot, window, widget) -> None:
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def test_drop_zip_rename_duplicate_delete_and_undo(dock_window, comfy, tmp_path, qtbot):
    window, ctx, dock = dock_window
    source = write_pack_pool(tmp_path / "other", "p", count=3, masks=(1,))
    zip_path = write_pack_zip(source, "travel", tmp_path / "travel.zip")

    drop_files(window, [zip_path])  # a real zip file dropped on the main window
    qtbot.waitUntil(lambda: names(dock) == ["travel"], timeout=5000)
    qtbot.waitUntil(lambda: thumbnails_shown(dock), timeout=5000)
    assert dock.images.model.rowCount() == 3
    assert ctx.selected_profile_id() == dock.current_profile_id()  # used in runs
    assert "travel" in dock.runs_label.text()
    profile_id = dock.current_profile_id()
    base = comfy / "input" / "grid_pool"
    assert tree_bytes(base / profile_id) == tree_bytes(source)

    focus(qtbot, window, dock.table)
    qtbot.keyClick(dock.table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: dock.table.viewport().findChild(QLineEdit) is not None)
    editor = dock.table.viewport().findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "holiday")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: names(dock) == ["holiday"], timeout=5000)

    focus(qtbot, window, dock.table)
    qtbot.keyClick(dock.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: names(dock) == ["holiday", "holiday (2)"], timeout=5000)
    copy_id = dock.current_profile_id()
    assert tree_bytes(base / copy_id) == tree_bytes(source)

    dock._select_id(profile_id)
    focus(qtbot, window, dock.table)
    qtbot.keyClick(dock.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: dock.confirm_box is not None and dock.confirm_box.isVisible())
    dock.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: names(dock) == ["holiday (2)"], timeout=5000)
    assert "Ctrl+Z" in dock.last_message  # the person is told how to take it back
    assert not (base / profile_id).exists()
    qtbot.waitUntil(dock.undo_button.isVisible)
    qtbot.mouseClick(dock.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(dock) == ["holiday", "holiday (2)"], timeout=5000)
    assert tree_bytes(base / profile_id) == tree_bytes(source)


def test_images_drop_label_and_remove(dock_window, tmp_path, qtbot):
    window, _ctx, dock = dock_window
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.create_profile("faces")
    qtbot.waitUntil(lambda: dock.current_profile_id() is not None and dock.images.isEnabled())
    files = []
    for i in range(2):
        files.append(tmp_path / f"pic{i}.png")
        files[-1].write_bytes(png_bytes((i * 90, 10, 10)))
    qtbot.waitUntil(lambda: dock.images.grid.isEnabled())
    drop_files(dock.images.grid.viewport(), files)
    qtbot.waitUntil(
        lambda: dock.images.model.rowCount() == 2 and thumbnails_shown(dock), timeout=5000
    )
    model = dock.images.model
    assert model.setData(model.index(1), "left profile")
    profile_id = dock.current_profile_id()
    qtbot.waitUntil(
        lambda: dock.service.pool(profile_id).slots[1].label == "left profile", timeout=5000
    )
    dock.images.grid.selectionModel().select(
        model.index(0), dock.images.grid.selectionModel().SelectionFlag.Select
    )
    focus(qtbot, window, dock.images.grid)
    qtbot.keyClick(dock.images.grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: dock.confirm_box is not None and dock.confirm_box.isVisible())
    dock.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.data(model.index(0), Qt.ItemDataRole.EditRole) == "left profile"


def test_without_a_folder_or_the_pack_the_dock_says_what_it_needs(make_window, qtbot):  # noqa: F811
    window, _ctx = make_window()
    dock = window.profiles_dock
    qtbot.waitUntil(lambda: "ComfyUI folder" in dock.status_label.text(), timeout=5000)
    assert not dock.set_folder_button.isHidden()


def test_models_pass_the_model_tester(dock_window, qtmodeltester, tmp_path, comfy, qtbot):
    _window, _ctx, dock = dock_window
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "unnamed-1", count=2, masks=(0,))
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.create_profile("one")
    assert dock.unnamed_model.rowCount() == 1
    for model in (dock.table_model, dock.unnamed_model):
        qtmodeltester.check(model)
    dock.unnamed_view.selectRow(0)
    qtbot.waitUntil(lambda: thumbnails_shown(dock), timeout=5000)
    qtmodeltester.check(dock.images.model)
    assert isinstance(dock.images.model, PoolImagesModel)
    assert isinstance(dock.table_model, ProfilesTableModel)
    assert isinstance(dock.unnamed_model, UnnamedPoolsModel)


def test_mask_overlay_toggle_and_cancelled_import(dock_window, comfy, tmp_path, qtbot):
    _window, _ctx, dock = dock_window
    source = write_pack_pool(tmp_path / "other", "p", count=2, masks=(1,))
    dock.import_zip_files([write_pack_zip(source, "masked", tmp_path / "masked.zip")])
    qtbot.waitUntil(lambda: names(dock) == ["masked"] and thumbnails_shown(dock), timeout=5000)
    model = dock.images.model
    plain = [model.data(model.index(r), Qt.ItemDataRole.DecorationRole) for r in range(2)]
    dock.images.masks_box.setChecked(True)
    shown = [model.data(model.index(r), Qt.ItemDataRole.DecorationRole) for r in range(2)]
    assert shown[0] == plain[0]  # no mask: unchanged
    assert shown[1] != plain[1]  # the mask is drawn over the image

    out = tmp_path / "exported.zip"
    dock.export_profile(dock.current_profile_id(), out)
    qtbot.waitUntil(lambda: "Exported to" in dock.last_message, timeout=5000)
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist()[0] == "profile_meta.json"

    big = tmp_path / "big"
    big.mkdir()
    for i in range(40):
        (big / f"img_{i + 1:04d}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(1_000_000))
    big_zip = write_pack_zip(big, "big", tmp_path / "big.zip")
    dock.import_zip_files([big_zip])
    dock.progress_dialog.findChild(QPushButton).click()  # the person presses Cancel
    qtbot.waitUntil(lambda: "cancelled" in dock.last_message, timeout=10000)
    assert names(dock) == ["masked"]
    base = comfy / "input" / "grid_pool"
    assert sorted(p.name for p in base.iterdir() if p.is_dir()) == [dock.current_profile_id()]


@pytest.mark.integration
def test_works_through_the_packs_routes_without_a_folder(make_window, fake_comfy, qtbot):  # noqa: F811
    window, _ctx = make_window(fake_comfy.url)
    dock = window.profiles_dock
    qtbot.waitUntil(lambda: "Dataset-Gates routes" in dock.status_label.text(), timeout=5000)
    assert "needs the ComfyUI folder" in dock.unnamed_label.text()  # no route lists folders
    assert not dock.unnamed_view.isVisible()
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.create_profile("remote one")
    qtbot.waitUntil(lambda: names(dock) == ["remote one"], timeout=5000)
    registry = (fake_comfy.input_dir / "grid_pool" / "profiles.json").read_text()
    assert "remote one" in registry


def test_filter_adopt_active_mark_and_recovery_notice(make_window, comfy, qtbot):  # noqa: F811
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "aaa", count=2)
    write_pack_pool(base, "bbb", count=1)
    write_pack_pool(base, "node-pool", count=2)
    (base / "profiles.json").write_text(
        '{"profiles": [{"id": "aaa", "name": "alpha"}, {"id": "bbb", "name": "beta"}, {"id": "x'
    )
    window, _ctx = make_window()
    dock = window.profiles_dock
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.use_comfyui_folder(comfy)
    qtbot.waitUntil(lambda: "kept as profiles.json.corrupt-" in dock.last_message, timeout=5000)
    assert names(dock) == ["alpha", "beta"]

    dock.filter_edit.setText("BET")
    assert dock.proxy.rowCount() == 1
    dock.filter_edit.clear()
    assert dock.proxy.rowCount() == 2

    assert dock.unnamed_model.rowCount() == 1
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.adopt_pool("node-pool", "adopted")
    qtbot.waitUntil(lambda: names(dock) == ["adopted", "alpha", "beta"], timeout=5000)
    assert dock.unnamed_model.rowCount() == 0
    assert dock.current_profile_id() == "node-pool"  # keeps its id: workflows still find it

    qtbot.waitUntil(lambda: dock.images.model.rowCount() == 2, timeout=5000)
    grid = dock.images.grid
    grid.setCurrentIndex(dock.images.model.index(1))
    qtbot.mouseClick(dock.images.active_button, Qt.MouseButton.LeftButton)
    model = dock.images.model
    qtbot.waitUntil(lambda: str(model.data(model.index(1))).startswith("★"), timeout=5000)
    assert dock.service.pool("node-pool").active == 1
    assert model.data(model.index(1), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0), Qt.ItemDataRole.BackgroundRole) is None


def test_a_big_pool_makes_thumbnails_only_for_what_is_on_screen(dock_window, comfy, qtbot):
    _window, _ctx, dock = dock_window
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "big", count=400)
    write_pack_registry(base, [("big", "big pool")])
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.reload()
    model, grid = dock.images.model, dock.images.grid
    with qtbot.waitSignal(dock.images.thumbnails_loaded, timeout=5000):
        dock._select_id("big")
    assert model.rowCount() == 400
    visible = grid.visible_rows()
    assert 0 in visible and len(visible) < 400
    assert model.data(model.index(0), ThumbnailReadyRole)
    assert not model.data(model.index(399), ThumbnailReadyRole)
    assert model.thumbnail_count() < 400
    # Until its thumbnail is made a tile shows a placeholder, so the grid never jumps.
    assert model.data(model.index(399), Qt.ItemDataRole.DecorationRole) is not None

    grid.scrollToBottom()
    qtbot.waitUntil(lambda: model.data(model.index(399), ThumbnailReadyRole), timeout=5000)
    assert model.thumbnail_count() < 400


def test_thumbnail_memory_is_bounded_and_a_new_mask_gets_a_new_overlay(qtbot):
    model = PoolImagesModel()
    slots = tuple(PoolSlot(f"img_{i + 1:04d}.png", None, "", 0) for i in range(MAX_THUMBNAILS + 5))
    model.set_pool(slots, 0)
    tile = QImage(4, 4, QImage.Format.Format_ARGB32)
    model.set_thumbnails([(s.image, tile, None) for s in slots])
    assert model.thumbnail_count() == MAX_THUMBNAILS
    assert not model.data(model.index(0), ThumbnailReadyRole)  # the oldest made went first
    last = len(slots) - 1
    assert model.data(model.index(last), ThumbnailReadyRole)

    masked = PoolSlot(slots[last].image, "img_mask.png", "", 0)
    model.set_pool((*slots[:last], masked), 0)
    assert not model.data(model.index(last), ThumbnailReadyRole)  # remade with the overlay
    assert model.data(model.index(last - 1), ThumbnailReadyRole)


def test_controls_that_cannot_act_are_disabled(make_window, comfy, qtbot):  # noqa: F811
    window, _ctx = make_window()
    dock = window.profiles_dock
    qtbot.waitUntil(lambda: "ComfyUI folder" in dock.status_label.text(), timeout=5000)
    for action in (dock.new_action, dock.import_action, dock.rename_action, dock.delete_action):
        assert not action.isEnabled()
    assert "F2" in dock.rename_action.toolTip()  # the shortcut is told where the action is

    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.use_comfyui_folder(comfy)
    assert dock.new_action.isEnabled() and dock.import_action.isEnabled()
    assert dock.table_hint.isVisible()  # an empty table says how to get a profile
    assert not dock.rename_action.isEnabled()  # nothing selected yet
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.create_profile("first")
    qtbot.waitUntil(lambda: dock.current_profile_id() is not None, timeout=5000)
    assert dock.rename_action.isEnabled() and dock.export_action.isEnabled()
    assert not dock.table_hint.isVisible()


def test_undo_in_the_window_restores_a_profile_deleted_on_the_command_line(
    dock_window, comfy, qtbot
):
    _window, _ctx, dock = dock_window
    cli_side = commands.open_local(str(comfy))
    entry = cli_side.create("from the shell")
    cli_side.delete(entry.id)
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.reload()
    assert dock.undo_button.isVisible()
    qtbot.mouseClick(dock.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(dock) == ["from the shell"], timeout=5000)


def test_a_full_disk_gives_one_clear_message_and_no_half_profile(
    dock_window, comfy, qtbot, monkeypatch
):
    _window, _ctx, dock = dock_window
    registry = comfy / "input" / "grid_pool" / "profiles.json"

    def no_space(source, target):
        # The way os.replace reports it: the temp file, then the file it replaces.
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(source), None, str(target))

    monkeypatch.setattr(os, "replace", no_space)
    dock.create_profile("will not fit")
    qtbot.waitUntil(lambda: "No space left" in dock.last_message, timeout=5000)
    monkeypatch.undo()
    assert str(registry) in dock.last_message  # the file it was writing, not a temp name
    assert "nothing was changed" in dock.last_message
    assert names(dock) == []
    assert [p for p in registry.parent.iterdir() if p.is_dir()] == []


def test_f2_edits_the_label_in_the_grid_and_renames_in_the_table(dock_window, comfy, qtbot):
    window, _ctx, dock = dock_window
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "p", count=2)
    write_pack_registry(base, [("p", "pool")])
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.reload()
    dock._select_id("p")
    grid, model = dock.images.grid, dock.images.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    grid.setCurrentIndex(model.index(1))
    focus(qtbot, window, grid)
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: grid.viewport().findChild(QLineEdit) is not None)
    assert dock.table.viewport().findChild(QLineEdit) is None  # not the profile's name
    editor = grid.viewport().findChild(QLineEdit)
    qtbot.keyClicks(editor, "three quarter")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dock.service.pool("p").slots[1].label == "three quarter", timeout=5000)


def test_export_and_import_shortcuts_ask_for_files_and_the_menu_lists_the_actions(
    dock_window, comfy, qtbot
):
    window, _ctx, dock = dock_window
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.create_profile("zip me")
    qtbot.waitUntil(lambda: dock.current_profile_id() is not None, timeout=5000)
    focus(qtbot, window, dock.table)
    qtbot.keyClick(dock.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _file_dialog(dock) is not None)
    dialog = _file_dialog(dock)
    assert dialog.windowTitle() == "Export profile"
    assert dialog.selectedFiles()[0].endswith("zip me.zip")  # the name is offered
    dialog.reject()
    qtbot.waitUntil(lambda: _file_dialog(dock) is None)
    focus(qtbot, window, dock.table)
    qtbot.keyClick(dock.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _file_dialog(dock) is not None)
    assert _file_dialog(dock).windowTitle() == "Import profile zip"
    _file_dialog(dock).reject()

    menu = table_menu(dock, dock.table.visualRect(dock.selected_index()).center())
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:4] == ["Rename", "Duplicate", "Export…", "Delete…"]
    assert all(a.isEnabled() for a in menu.actions()[:4])
    menu.close()


def _file_dialog(dock):
    return next((d for d in dock.findChildren(QFileDialog) if d.isVisible()), None)


def test_alt_arrows_move_an_image_and_the_table_sorts_by_column(dock_window, comfy, qtbot):
    window, _ctx, dock = dock_window
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "three", count=3)
    write_pack_pool(base, "one", count=1)
    write_pack_registry(base, [("three", "a three"), ("one", "b one")])
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.reload()

    dock.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # a click on "Images"
    assert dock.proxy.index(0, 0).data() == "b one"
    dock.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert dock.proxy.index(0, 0).data() == "a three"

    dock._select_id("three")
    grid, model = dock.images.grid, dock.images.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    grid.setCurrentIndex(model.index(0))
    for _ in range(2):
        focus(qtbot, window, grid)
        qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: dock.images.selected_rows() != [0] and not dock.busy, timeout=5000)
    qtbot.waitUntil(lambda: dock.images.selected_rows() == [2], timeout=5000)
    assert [s.image for s in dock.service.pool("three").slots] == [
        "img_0002.png",
        "img_0003.png",
        "img_0001.png",
    ]
    assert dock.service.pool("three").active == 2  # the active image moved with its slot


def test_closing_the_window_empties_the_trash(dock_window, comfy, qtbot):
    window, ctx, dock = dock_window
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.create_profile("short lived")
    qtbot.waitUntil(lambda: dock.current_profile_id() is not None, timeout=5000)
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.delete_profile(dock.current_profile_id())
    qtbot.waitUntil(dock.undo_button.isVisible, timeout=5000)
    trash = ctx.paths.trash_dir / "profiles"
    assert any(trash.iterdir())
    window.close()
    assert not trash.exists()
    assert not commands.open_local(str(comfy)).can_undo  # the CLI cannot restore it either


def test_a_hidden_dock_makes_thumbnails_when_brought_forward(dock_window, comfy, qtbot):
    _window, _ctx, dock = dock_window
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "p", count=3)
    write_pack_registry(base, [("p", "pool")])
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.reload()
    dock.hide()  # behind another dock's tab
    with qtbot.waitSignal(dock.images.thumbnails_loaded, timeout=5000):
        dock._select_id("p")
    model = dock.images.model
    assert model.rowCount() == 3 and model.thumbnail_count() == 0
    dock.show()
    qtbot.waitUntil(lambda: thumbnails_shown(dock), timeout=5000)


def test_dragging_a_tile_onto_another_moves_it_there(dock_window, comfy, qtbot):
    _window, _ctx, dock = dock_window
    base = comfy / "input" / "grid_pool"
    write_pack_pool(base, "p", count=4)
    write_pack_registry(base, [("p", "pool")])
    with qtbot.waitSignal(dock.profiles_loaded, timeout=5000):
        dock.reload()
    dock._select_id("p")
    grid, model = dock.images.grid, dock.images.model
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=5000)
    mime = model.mimeData([model.index(0)])  # what Qt puts in the drag of tile #0
    point = grid.visualRect(model.index(3)).center()
    enter = QDragEnterEvent(
        point,
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(grid.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(point),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(grid.viewport(), drop)
    assert drop.isAccepted()
    # After a move Qt asks the model to remove the dragged rows; the model must refuse that.
    assert not model.removeRows(0, 1)
    expected = ["img_0002.png", "img_0003.png", "img_0001.png", "img_0004.png"]
    qtbot.waitUntil(
        lambda: [s.image for s in dock.service.pool("p").slots] == expected, timeout=5000
    )
    qtbot.waitUntil(lambda: dock.images.selected_rows() == [2], timeout=5000)
    assert model.data(model.index(2), ImageNameRole) == "img_0001.png"
