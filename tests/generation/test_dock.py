"""The Generate dock driven like a person would, against the fake ComfyUI."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QDesktopServices, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from app.comfy.client import ComfyClient
from app.generation.builder import WorkflowBuilder
from app.generation.store import GenerationStore
from app.ui.context import build_context
from app.ui.docks.generate import GenerateDock
from app.ui.models.generation import RecordRole
from app.ui.widgets.generate_form import GenerateForm
from tests.generation.conftest import params
from tests.ui.conftest import make_window  # noqa: F401  (the real main window fixture)

pytestmark = pytest.mark.integration


def fill_form(dock, qtbot, width: int = 128) -> None:
    form = dock.form
    qtbot.waitUntil(lambda: form.checkpoint.findText("random_sd15.safetensors") >= 0,
                    timeout=10_000)
    form.checkpoint.setEditText("random_sd15.safetensors")
    qtbot.mouseClick(form.loras.add_button, Qt.MouseButton.LeftButton)
    row = form.loras.rows[0]
    row.name.setEditText("random_lora.safetensors")
    row.model_strength.set_value(0.8)
    qtbot.keyClicks(form.prompt, "a cat on a window sill")
    qtbot.keyClicks(form.negative, "blurry")
    form.width_spin.setValue(width)
    form.height_spin.setValue(64)
    qtbot.mouseClick(form.advanced_toggle, Qt.MouseButton.LeftButton)
    form.seed.setText("42")
    form.steps.setValue(2)
    form.cfg.setValue(7.0)


def test_each_pending_request_can_be_cancelled_from_the_queue(
        make_window, fake_comfy, qtbot):  # noqa: F811
    fake_comfy.scenario.step_duration = 0.05
    window, _ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    fill_form(dock, qtbot)
    dock.form.steps.setValue(200)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dock.queue_model.rowCount() == 1, timeout=5_000)
    dock.form.seed.setText("43")
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    queue = dock.run_panel.queue
    qtbot.waitUntil(lambda: dock.queue_model.rowCount() == 2 and all(
        dock.queue_model.record(r).comfyui_prompt_id for r in range(2)), timeout=5_000)
    second = dock.queue_model.record(1)
    queue.setCurrentIndex(dock.queue_model.index(1))
    dock._refresh_queue()  # a status change elsewhere rebuilds the queue: the pick stays
    assert [i.row() for i in queue.selectionModel().selectedIndexes()] == [1]
    qtbot.mouseClick(dock.run_panel.cancel_selected, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dock.queue_model.rowCount() == 1, timeout=5_000)
    assert GenerationStore(_ctx.database).get(second.id).status == "cancelled"
    qtbot.mouseClick(dock.cancel_button, Qt.MouseButton.LeftButton)  # the running one
    qtbot.waitUntil(lambda: dock.queue_model.rowCount() == 0, timeout=10_000)
    assert "cancelled" in dock.run_panel.nodes_label.text()


def status_at(model, row: int = 0) -> str | None:
    """The status a gallery tile shows (None while its row is still being read)."""
    record = model.data(model.index(row), RecordRole)
    return None if record is None else record.status


def record_at(qtbot, model, row: int = 0):
    """The record behind a gallery tile, once the row loader has read it."""
    qtbot.waitUntil(lambda: model.data(model.index(row), RecordRole) is not None, timeout=5_000)
    return model.data(model.index(row), RecordRole)


def posts(fake_comfy) -> int:
    return len([r for r in fake_comfy.requests if r.method == "POST" and r.path == "/prompt"])


def test_generate_progress_gallery_viewer_regenerate_delete(
        make_window, fake_comfy, qtbot, monkeypatch):  # noqa: F811
    window, ctx = make_window(fake_comfy.url)
    ctx.settings.section("profiles")["selected_id"] = "pool-7"  # "Use in runs"
    dock = window.generate_dock
    fill_form(dock, qtbot, width=100)
    dock.form.checkpoint.setEditText("missing.safetensors")
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    assert dock.form.visible_errors() == {
        "width": "must be a multiple of 8 (is 100)",
        "checkpoint": "this backend has no checkpoint named 'missing.safetensors'"}
    assert posts(fake_comfy) == 0

    dock.form.width_spin.setValue(128)
    dock.form.checkpoint.setEditText("random_sd15.safetensors")
    window.activateWindow()  # Ctrl+Return works where the person types: in the form
    dock.form.prompt.setFocus()
    qtbot.waitUntil(dock.form.prompt.hasFocus)
    qtbot.keyClick(dock.form.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and status_at(model) == "completed",
                    timeout=10_000)
    assert dock.form.visible_errors() == {}
    assert dock.run_panel.step_bar.value() == 2 and dock.run_panel.step_bar.maximum() == 2
    assert dock.run_panel.nodes_label.text() == "completed"
    assert dock.run_panel.elapsed_label.text().endswith(" s")
    assert dock.run_panel.preview_count >= 1 and not dock.run_panel.preview.pixmap().isNull()

    index = model.index(0)
    qtbot.waitUntil(lambda: model.data(index, Qt.ItemDataRole.DecorationRole)
                    .availableSizes() == [QSize(128, 64)], timeout=5_000)  # the real thumbnail
    done = record_at(qtbot, model)
    assert dock.run_panel.result_shown == done.id  # the finished image replaces the preview
    assert dock.run_panel.preview.pixmap().size() == QSize(256, 128)
    qtbot.mouseClick(dock.run_panel.preview, Qt.MouseButton.LeftButton)
    assert ctx.central.currentWidget() is dock.viewer and dock.viewer_request == done.id

    dock.tabs.setCurrentWidget(dock.history)
    rect = dock.history.gallery.visualRect(index)
    qtbot.mouseClick(dock.history.gallery.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert ctx.central.currentWidget() is dock.viewer
    qtbot.waitUntil(lambda: dock.viewer.has_image, timeout=5_000)  # decoded in the pool
    shown = dock.viewer.parameters.toPlainText()
    assert "Seed: 42" in shown and "Checkpoint: random_sd15.safetensors" in shown
    assert "LoRA 1: random_lora.safetensors (model 0.8" in shown
    assert dock.viewer.view.path.is_file()
    qtbot.mouseClick(dock.viewer.buttons["one"], Qt.MouseButton.LeftButton)
    assert dock.viewer.view.zoom == 1.0
    qtbot.mouseClick(dock.viewer.buttons["zoom_in"], Qt.MouseButton.LeftButton)
    assert dock.viewer.view.zoom == 1.25
    qtbot.mouseClick(dock.viewer.buttons["copy"], Qt.MouseButton.LeftButton)
    assert "Seed: 42" in QApplication.clipboard().text()
    assert dock.viewer.view.drag_mime().urls()[0].toLocalFile() == str(dock.viewer.view.path)

    first = record_at(qtbot, model)
    assert first.profile_id == "pool-7" and "Image Pool profile: pool-7" in shown
    qtbot.mouseClick(dock.viewer.buttons["regenerate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 2 and status_at(model) == "completed",
                    timeout=10_000)
    again = record_at(qtbot, model)
    assert again.id != first.id and again.params == first.params
    dock.viewer.new_seed.setChecked(True)
    qtbot.mouseClick(dock.viewer.buttons["regenerate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 3 and status_at(model) == "completed",
                    timeout=10_000)
    reseeded = record_at(qtbot, model)
    assert reseeded.params.sampler.seed != 42
    assert reseeded.params.with_seed(42) == first.params

    opened: list = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(dock.viewer.buttons["open"], Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(ctx.paths.images_dir)]

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    files = [ctx.paths.data_dir / p for p in (*first.output_paths, *first.thumbnail_paths)]
    qtbot.mouseClick(dock.viewer.buttons["delete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5_000)
    assert record_at(qtbot, model).id == reseeded.id
    assert not any(Path(f).exists() for f in files)
    assert GenerationStore(ctx.database).find(first.id) is None


def test_form_values_survive_a_restart_and_a_failure_is_kept(
        make_window, fake_comfy, qtbot):  # noqa: F811
    window, ctx = make_window(fake_comfy.url)
    fill_form(window.generate_dock, qtbot)
    window.generate_dock.form.random_seed.setChecked(True)
    fake_comfy.stop()
    qtbot.mouseClick(window.generate_dock.generate_button, Qt.MouseButton.LeftButton)
    message = window.generate_dock.message
    qtbot.waitUntil(lambda: "unreachable" in message.text(), timeout=10_000)
    window.close()  # quitting saves the form with the settings
    fake_comfy.start()

    restarted = build_context(ctx.paths)
    dock = GenerateDock(restarted)
    qtbot.addWidget(dock)
    try:
        form = dock.form
        assert form.prompt.toPlainText() == "a cat on a window sill"
        assert form.loras.rows[0].spec().name == "random_lora.safetensors"
        assert form.random_seed.isChecked() and form.steps.value() == 2
        assert form.checkpoint.count() == 2  # last known models, while offline
        gallery = dock.gallery_model
        qtbot.waitUntil(lambda: gallery.rowCount() == 1, timeout=5_000)
        failed = record_at(qtbot, gallery)
        assert failed.status == "failed" and "unreachable" in failed.error

        history = dock.history
        history.gallery.setCurrentIndex(gallery.index(0))
        qtbot.waitUntil(lambda: restarted.backends.state(fake_comfy.url).reachable is True,
                        timeout=5_000)
        qtbot.mouseClick(history.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: status_at(gallery) == "completed", timeout=10_000)
        assert gallery.rowCount() == 1  # the same request, sent again

        qtbot.keyClicks(history.search, "no such prompt")
        qtbot.waitUntil(lambda: gallery.rowCount() == 0, timeout=5_000)
        history.search.clear()
        history.status_filter.setCurrentIndex(history.status_filter.findData("completed"))
        qtbot.waitUntil(lambda: gallery.rowCount() == 1, timeout=5_000)
    finally:
        dock.shutdown()
        restarted.shutdown()


def test_history_hints_batch_viewer_and_keys(make_window, fake_comfy, qtbot, monkeypatch):  # noqa: F811
    window, ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    history = dock.history
    dock.tabs.setCurrentWidget(history)
    assert history.empty_hint.isVisible() and "No generations yet" in history.empty_hint.text()
    assert not history.delete_button.isEnabled() and not history.retry_button.isEnabled()
    assert not dock.cancel_button.isEnabled()  # nothing runs: nothing to cancel

    fill_form(dock, qtbot)
    dock.form.batch.setValue(2)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and status_at(model) == "completed",
                    timeout=10_000)
    assert not history.empty_hint.isVisible()

    gallery = history.gallery
    window.activateWindow()
    gallery.setFocus()
    qtbot.waitUntil(gallery.hasFocus)
    gallery.setCurrentIndex(model.index(0))
    assert history.delete_button.isEnabled()
    assert not history.retry_button.isEnabled()  # a completed request is regenerated, not retried
    qtbot.keyClick(gallery, Qt.Key.Key_Return)  # Enter opens the viewer
    viewer = dock.viewer
    assert ctx.central.currentWidget() is viewer
    qtbot.waitUntil(lambda: viewer.has_image, timeout=5_000)
    record = record_at(qtbot, model)
    assert len(record.output_paths) == 2
    assert viewer.position_label.text() == "image 1 of 2"
    qtbot.mouseClick(viewer.buttons["next"], Qt.MouseButton.LeftButton)
    assert viewer.view.path == ctx.paths.data_dir / record.output_paths[1]

    gallery.setFocus()
    qtbot.waitUntil(gallery.hasFocus)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or
                        QMessageBox.StandardButton.No)
    qtbot.keyClick(gallery, Qt.Key.Key_Delete)
    assert asked and model.rowCount() == 1  # declined: nothing is lost
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.keyClick(gallery, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=5_000)
    assert not any((ctx.paths.data_dir / p).exists() for p in record.output_paths)
    assert viewer.view.path is None and not viewer.has_image

    qtbot.keyClicks(history.search, "zebra")
    qtbot.waitUntil(lambda: history.empty_hint.text() == "Nothing matches these filters.",
                    timeout=5_000)


def test_a_full_disk_when_saving_the_form_is_said_and_generating_still_works(
        make_window, fake_comfy, qtbot, monkeypatch):  # noqa: F811
    window, ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    fill_form(dock, qtbot)

    def full_disk() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ctx, "save_settings", full_disk)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: status_at(model) == "completed", timeout=10_000)
    text = dock.message.text()
    assert text.startswith("Done") and "could not be saved" in text and "No space left" in text
    monkeypatch.undo()  # room again: the next save works and the warning goes
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
    assert "could not be saved" not in dock.message.text()


@pytest.mark.parametrize("state", [
    {"params": {"width": "wide", "loras": "zzz"}},
    {"params": []},
    {"params": {"sampler": "fast", "checkpoint": "x"}},
    {"params": {"loras": [{"name": "a", "strength_model": "strong"}]}},
    "not even a dict",
])
def test_a_damaged_saved_form_leaves_the_defaults(qtbot, state):
    form = GenerateForm()
    qtbot.addWidget(form)
    before = form.state()
    form.restore(state if isinstance(state, dict) else {"params": state})
    assert form.state() == before


def test_jobs_from_the_browser_join_the_gallery_and_filters_narrow_it(
        make_window, fake_comfy, qtbot):  # noqa: F811
    browser = ComfyClient(fake_comfy.url)
    browser.queue_prompt(WorkflowBuilder().build(
        params(seed=5, checkpoint="sub/other.safetensors"), "web"), "browser-tab")
    assert fake_comfy.wait_idle(10)
    window, ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    qtbot.waitUntil(lambda: ctx.backends.state(fake_comfy.url).reachable is True,
                    timeout=5_000)
    dock.poll_external()  # what the dock's timer does every few seconds
    model = dock.gallery_model
    qtbot.waitUntil(lambda: status_at(model) == "completed", timeout=10_000)
    external = record_at(qtbot, model)
    assert external.external and external.sampler_params["seed"] == 5
    assert "completed (external)" in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0), Qt.ItemDataRole.DisplayRole).startswith("external · ")
    qtbot.waitUntil(lambda: model.data(model.index(0), Qt.ItemDataRole.DecorationRole)
                    .availableSizes() == [QSize(64, 64)], timeout=5_000)

    fill_form(dock, qtbot)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.rowCount() == 2 and status_at(model) == "completed",
                    timeout=10_000)
    history = dock.history
    models = [history.model_filter.itemData(i) for i in range(history.model_filter.count())]
    assert models == ["", "random_sd15.safetensors", "sub/other.safetensors"]
    history.model_filter.setCurrentIndex(history.model_filter.findData("sub/other.safetensors"))
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5_000)
    assert record_at(qtbot, model).id == external.id
    history.model_filter.setCurrentIndex(0)
    history.date_filter.setCurrentText("Today")
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5_000)


def test_an_error_inside_comfyui_is_said_in_words_and_kept(
        make_window, fake_comfy, qtbot):  # noqa: F811
    window, _ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    fake_comfy.scenario.fail_node = "3"  # the KSampler raises while running
    fill_form(dock, qtbot)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: status_at(model) == "failed", timeout=10_000)
    failed = record_at(qtbot, model)
    assert "KSampler (node 3)" in failed.error
    assert dock.message.text() == f"Failed: {failed.error}"
    assert dock.run_panel.nodes_label.text() == f"failed: {failed.error}"
    assert not dock.cancel_button.isEnabled()


def test_ctrl_return_generates_from_the_form_and_leaves_other_panels_alone(
        make_window, fake_comfy, qtbot):  # noqa: F811
    window, _ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    profiler_dock = window.profiler_dock
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    outside = profiler_dock.widget()
    profiler_dock.show()
    profiler_dock.raise_()
    target = next(w for w in outside.findChildren(QLineEdit) if w.isVisible())
    target.setFocus()
    qtbot.waitUntil(target.hasFocus)
    ambiguous: list[str] = []  # two live shortcuts on one key: Qt fires neither
    for shortcut in window.findChildren(QShortcut):
        shortcut.activatedAmbiguously.connect(
            lambda s=shortcut: ambiguous.append(s.key().toString()))
    with qtbot.assertNotEmitted(dock.form.generate_requested):
        qtbot.keyClick(target, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert ambiguous == []
    dock.raise_()
    dock.form.prompt.setFocus()
    qtbot.waitUntil(dock.form.prompt.hasFocus)
    with qtbot.waitSignal(dock.form.generate_requested, timeout=1_000):
        qtbot.keyClick(dock.form.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_images_that_could_not_be_saved_are_fetched_again_by_retry(
        make_window, fake_comfy, qtbot, monkeypatch):  # noqa: F811
    window, ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    real_replace = os.replace
    disk = {"full": True}

    def replace(src, dst, *args, **kwargs):
        if disk["full"] and Path(dst).parent == ctx.paths.images_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    fill_form(dock, qtbot)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: status_at(model) == "failed", timeout=10_000)
    assert "No space left on device" in dock.message.text()
    assert "Retry fetches them again" in dock.message.text()

    disk["full"] = False
    history = dock.history
    history.gallery.setCurrentIndex(model.index(0))
    assert history.retry_button.isEnabled()
    sent = posts(fake_comfy)
    qtbot.mouseClick(history.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_at(model) == "completed", timeout=10_000)
    assert posts(fake_comfy) == sent  # ComfyUI is not asked to run it again
    assert dock.message.text().startswith("The images were fetched again")
    qtbot.waitUntil(lambda: model.data(model.index(0), Qt.ItemDataRole.DecorationRole)
                    .availableSizes() == [QSize(128, 64)], timeout=5_000)


def test_the_gallery_menu_regenerates_copies_and_opens_the_folder(
        make_window, fake_comfy, qtbot, monkeypatch):  # noqa: F811
    window, ctx = make_window(fake_comfy.url)
    dock = window.generate_dock
    fill_form(dock, qtbot)
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: status_at(model) == "completed", timeout=10_000)
    first = record_at(qtbot, model)
    history = dock.history
    dock.tabs.setCurrentWidget(history)
    gallery = history.gallery
    gallery.setCurrentIndex(model.index(0))
    menu = [a.text() for a in gallery.actions()]
    assert menu == ["Open in the viewer", "Regenerate", "Regenerate with a new seed",
                    "Copy parameters", "Retry", "Open containing folder", "Delete…"]
    assert not history.actions_by_key["retry"].isEnabled()  # completed: Regenerate instead

    window.activateWindow()
    gallery.setFocus()
    qtbot.waitUntil(gallery.hasFocus)
    qtbot.keyClick(gallery, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == first.parameters_text()
    opened: list = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    history.actions_by_key["open_folder"].trigger()
    assert [u.toLocalFile() for u in opened] == [str(ctx.paths.images_dir)]
    qtbot.keyClick(gallery, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: model.rowCount() == 2 and status_at(model) == "completed",
                    timeout=10_000)
    again = record_at(qtbot, model)
    assert again.params.sampler.seed != first.params.sampler.seed
    assert again.params.with_seed(first.params.sampler.seed) == first.params


def test_a_model_only_the_second_backend_has_can_be_chosen_and_goes_there(
        make_window, fake_comfy, fake_comfy_factory, qtbot):  # noqa: F811
    other = fake_comfy_factory()
    other.scenario.models["checkpoints"] = ["only_here.safetensors"]
    window, _ctx = make_window(fake_comfy.url, other.url)
    dock = window.generate_dock
    form = dock.form
    qtbot.waitUntil(lambda: form.checkpoint.findText("only_here.safetensors") >= 0
                    and form.checkpoint.findText("sub/other.safetensors") >= 0, timeout=10_000)
    fill_form(dock, qtbot)  # random_sd15 on the first backend only
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    model = dock.gallery_model
    qtbot.waitUntil(lambda: status_at(model) == "completed", timeout=10_000)
    assert record_at(qtbot, model).backend == fake_comfy.url
    form.loras.set_specs([])  # the second backend has no LoRA
    form.checkpoint.setEditText("only_here.safetensors")
    qtbot.mouseClick(dock.generate_button, Qt.MouseButton.LeftButton)
    assert form.visible_errors() == {}
    qtbot.waitUntil(lambda: model.rowCount() == 2 and status_at(model) == "completed",
                    timeout=10_000)
    assert record_at(qtbot, model).backend == other.url


def test_removing_a_backend_in_the_settings_drops_its_models_from_the_form(
        make_window, fake_comfy, fake_comfy_factory, qtbot):  # noqa: F811
    other = fake_comfy_factory()
    other.scenario.models["checkpoints"] = ["only_here.safetensors"]
    window, ctx = make_window(fake_comfy.url, other.url)
    form = window.generate_dock.form
    qtbot.waitUntil(lambda: form.checkpoint.findText("only_here.safetensors") >= 0,
                    timeout=10_000)
    ctx.settings.backends = [b for b in ctx.settings.backends if b.url != other.url]
    ctx.backends.reconfigure(ctx.settings)  # what the Settings dialog does after saving
    ctx.signals.settings_changed.emit()
    qtbot.waitUntil(lambda: form.checkpoint.findText("only_here.safetensors") < 0,
                    timeout=5_000)
    assert form.checkpoint.findText("random_sd15.safetensors") >= 0
