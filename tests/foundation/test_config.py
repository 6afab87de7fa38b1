"""Settings survive a restart, a corrupt file is kept aside, paths follow COMFYDESK_HOME."""

import json

from app.config import (
    Backend,
    Settings,
    SettingsStore,
    comfyui_dir_problems,
    detect_comfyui_dir,
    resolve_paths,
)


def test_data_folder_follows_comfydesk_home(comfydesk_home):
    paths = resolve_paths().ensure()
    assert paths.data_dir == comfydesk_home.resolve()
    assert paths.db_file.parent == paths.data_dir
    for folder in (paths.images_dir, paths.thumbnails_dir, paths.logs_dir):
        assert folder.is_dir()


def test_settings_round_trip_is_human_readable(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    settings = Settings(backends=[Backend("http://127.0.0.1:8188", "local"),
                                  Backend("http://10.0.0.5:8188", "render box")],
                        active_backend="http://10.0.0.5:8188", comfyui_dir="/opt/ComfyUI")
    settings.section("generate")["steps"] = 20
    store.save(settings)
    text = (tmp_path / "settings.json").read_text()
    assert '"render box"' in text and "\n  " in text  # indented JSON a person can edit
    loaded = SettingsStore(tmp_path / "settings.json").load()
    assert loaded.active().name == "render box"
    assert loaded.comfyui_dir == "/opt/ComfyUI"
    assert loaded.section("generate") == {"steps": 20}
    assert json.loads(text)["schema_version"] == 1


def test_corrupt_settings_are_kept_and_defaults_used(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"backends": [ broken')
    store = SettingsStore(path)
    settings = store.load()
    assert settings.active().url == "http://127.0.0.1:8188"
    kept = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"backends": [ broken'
    assert store.problem and "settings.json" in store.problem and kept[0].name in store.problem


def test_save_does_not_leave_half_written_file_on_failure(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    path = folder / "settings.json"
    store = SettingsStore(path)
    store.save(Settings(comfyui_dir="/first"))

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    try:
        store.save(Settings(comfyui_dir="/second"))
    except OSError:
        pass
    assert SettingsStore(path).load().comfyui_dir == "/first"
    assert [p.name for p in folder.iterdir()] == ["settings.json"]


def test_comfyui_folder_validation_names_what_is_missing(tmp_path):
    root = tmp_path / "ComfyUI"
    root.mkdir()
    (root / "main.py").write_text("")
    (root / "models").mkdir()
    problems = comfyui_dir_problems(root)
    assert any("input/" in p for p in problems) and any("user/" in p for p in problems)
    (root / "input").mkdir()
    (root / "user").mkdir()
    assert comfyui_dir_problems(root) == []
    assert detect_comfyui_dir([tmp_path / "nope", root]) == root
