"""File → Settings: backends, ComfyUI folder validation, one readable settings file."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QDialogButtonBox

from app.ui.settings_dialog import SettingsDialog


def _dialog(window, qtbot) -> SettingsDialog:
    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog, "settings_dialog")
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _save(dialog) -> None:
    dialog.findChild(QDialogButtonBox, "settings.buttons").button(
        QDialogButtonBox.StandardButton.Save).click()


def test_settings_add_backend_set_active_and_persist(make_window, qtbot):
    window, ctx = make_window()
    dialog = _dialog(window, qtbot)
    assert dialog.add_backend("127.0.0.1:8190", name="")
    assert not dialog.add_backend("127.0.0.1:8190"), "duplicates are refused"
    assert not dialog.add_backend("ftp://example")
    assert "not an http" in dialog.test_result.text()
    dialog.backend_list.setCurrentRow(1)
    dialog.active_button.click()
    assert "(active)" in dialog.backend_list.item(1).text()
    _save(dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    saved = json.loads(ctx.paths.settings_file.read_text())
    assert saved["active_backend"] == "http://127.0.0.1:8190"
    assert ctx.backends.active_url == "http://127.0.0.1:8190"
    assert "127.0.0.1:8190" in window.statusBar().connection_label.text()


def test_test_connection_shows_the_exact_error(make_window, qtbot):
    window, ctx = make_window()
    dialog = _dialog(window, qtbot)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("✘"), timeout=10000)
    assert ctx.backends.active_url.split("//")[1] in dialog.test_result.text()
    dialog.reject()


def test_comfyui_folder_is_validated_before_saving(make_window, qtbot, tmp_path, monkeypatch):
    window, ctx = make_window()
    dialog = _dialog(window, qtbot)
    not_comfy = tmp_path / "Downloads"
    not_comfy.mkdir()
    dialog.comfyui_edit.setText(str(not_comfy))
    assert "main.py" in dialog.comfyui_status.text()
    monkeypatch.setattr("app.ui.settings_dialog.QMessageBox.warning", lambda *a: None)
    _save(dialog)
    assert dialog.isVisible(), "an invalid folder is not saved"
    comfy = tmp_path / "ComfyUI"
    for folder in ("models", "input", "user"):
        (comfy / folder).mkdir(parents=True)
    (comfy / "main.py").write_text("")
    dialog.comfyui_edit.setText(str(comfy))
    assert dialog.comfyui_status.text().startswith("✔")
    _save(dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert ctx.settings.comfyui_dir == str(comfy)
    assert json.loads(ctx.paths.settings_file.read_text())["comfyui_dir"] == str(comfy)


def test_data_folder_is_shown_read_only(make_window, qtbot):
    window, ctx = make_window()
    dialog = _dialog(window, qtbot)
    data = dialog.findChild(type(dialog.comfyui_edit), "settings.data_dir")
    assert data.isReadOnly() and data.text() == str(ctx.paths.data_dir)
    dialog.reject()


def test_profiles_panel_follows_a_new_comfyui_folder(make_window, qtbot, tmp_path):
    comfy = tmp_path / "ComfyUI"
    for folder in ("models", "user", "input/grid_pool/0123456789abcdef0123456789abcdef"):
        (comfy / folder).mkdir(parents=True)
    (comfy / "main.py").write_text("")
    pool = comfy / "input/grid_pool"
    (pool / "profiles.json").write_text(json.dumps({"profiles": [
        {"id": "0123456789abcdef0123456789abcdef", "name": "characters_A", "created": 1}]}))
    (pool / "0123456789abcdef0123456789abcdef/manifest.json").write_text(
        json.dumps({"active": 0, "slots": [], "next_seq": 1}))
    window, _ctx = make_window()
    model = window.profiles_dock.table_model
    dialog = _dialog(window, qtbot)
    dialog.comfyui_edit.setText(str(comfy))
    _save(dialog)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.info(0).name == "characters_A"


def test_test_connection_shows_the_comfyui_version(make_window, qtbot, fake_comfy):
    window, _ctx = make_window(fake_comfy.url)
    dialog = _dialog(window, qtbot)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("✔"), timeout=5000)
    assert f"ComfyUI 0.3.64 at {fake_comfy.url}" in dialog.test_result.text()
    dialog.reject()


def test_choosing_a_profile_is_announced_to_the_profiler(make_window, qtbot, tmp_path):
    """"Use in runs": picking a profile in Profiles shows at once in the Profiler's run line."""
    window, ctx = make_window()
    label = window.profiler_dock.controls.profile_label
    assert "none" in label.text()
    with qtbot.waitSignal(ctx.signals.profile_selected) as announced:
        ctx.select_profile("0123456789abcdef0123456789abcdef")
    assert announced.args == ["0123456789abcdef0123456789abcdef"]
    assert "0123456789abcdef0123456789abcdef" in label.text()
    assert json.loads(ctx.paths.settings_file.read_text())["sections"]["profiles"] == {
        "selected_id": "0123456789abcdef0123456789abcdef"}
    ctx.select_profile(None)
    assert "none" in label.text()
