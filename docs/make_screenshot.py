"""Make docs/screenshot.png: the real window against the test ComfyUI, after one generation.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py

Uses the fake ComfyUI from tests/ (a checkout has it) and a temporary data folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["COMFYDESK_HOME"] = tempfile.mkdtemp(prefix="comfydesk-shot-")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.config import Backend, Settings, SettingsStore, resolve_paths  # noqa: E402
from app.ui.application import make_application  # noqa: E402
from app.ui.context import build_context  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from tests.fake_comfy.scenario import GpuSpec  # noqa: E402
from tests.fake_comfy.server import FakeComfy  # noqa: E402


def wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def main() -> None:
    server = FakeComfy(Path(tempfile.mkdtemp(prefix="fake-comfy-")))
    server.scenario.gpu = GpuSpec()
    server.scenario.step_duration = 0.05
    app = make_application()
    # Keep the person's own window layout out of this: QSettings go to the temporary home.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      os.environ["COMFYDESK_HOME"])
    paths = resolve_paths().ensure()
    SettingsStore(paths.settings_file).save(
        Settings(backends=[Backend(server.url, "local")], active_backend=server.url))
    ctx = build_context(paths)
    window = MainWindow(ctx)
    window.resize(1400, 860)
    window.show()
    dock = window.generate_dock
    form = dock.form
    wait(lambda: form.checkpoint.count() >= 1)
    form.checkpoint.setEditText("random_sd15.safetensors")
    form.prompt.setPlainText("a lighthouse on a cliff at dusk, volumetric light")
    form.negative.setPlainText("blurry, low quality")
    form.width_spin.setValue(512)
    form.height_spin.setValue(512)
    form.steps.setValue(12)
    dock.generate()
    wait(lambda: dock.gallery_model.rowCount() >= 1 and dock.queue_model.rowCount() == 0, 60)
    dock.open_request(dock.gallery_model.record(0).id)
    wait(lambda: window.statusBar().version_label.text() != "")
    for _ in range(50):
        QApplication.processEvents()
        time.sleep(0.01)
    out = ROOT / "docs" / "screenshot.png"
    window.grab().save(str(out))
    print(f"wrote {out}")
    window.close()
    ctx.shutdown()
    server.close()
    app.quit()


if __name__ == "__main__":
    main()
