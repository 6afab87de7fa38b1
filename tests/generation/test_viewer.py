"""The central image viewer on its own: a batch steps image by image, keys, unreadable files."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from app.ui.widgets.image_viewer import ImageViewer, read_image


def images(tmp_path: Path, *sizes: tuple[int, int]) -> list[Path]:
    paths = []
    for index, size in enumerate(sizes):
        path = tmp_path / f"img_{index}.png"
        Image.new("RGB", size, (40 * index, 90, 200)).save(path)
        paths.append(path)
    return paths


def test_a_batch_is_shown_one_image_at_a_time_with_keys(qtbot, tmp_path):
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.activateWindow()  # shortcuts only fire in the active window
    qtbot.waitUntil(viewer.isActiveWindow)
    first, second = images(tmp_path, (64, 32), (48, 48))
    viewer.show_images([first, second], {"Seed": 42})
    assert viewer.position_label.text() == "image 1 of 2"
    assert viewer.view.path == first and viewer.has_image
    assert not viewer.buttons["previous"].isEnabled()
    viewer.view.setFocus()
    qtbot.waitUntil(viewer.view.hasFocus)
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    assert viewer.view.path == second and viewer.position_label.text() == "image 2 of 2"
    assert not viewer.buttons["next"].isEnabled()
    qtbot.keyClick(viewer.view, Qt.Key.Key_1)
    assert viewer.view.zoom == 1.0
    qtbot.keyClick(viewer.view, Qt.Key.Key_Plus)
    assert viewer.view.zoom == 1.25
    qtbot.mouseClick(viewer.buttons["previous"], Qt.MouseButton.LeftButton)
    assert viewer.view.path == first

    assert viewer.view.press_action(Qt.KeyboardModifier.NoModifier) == "export"  # it fits
    viewer.resize(200, 200)
    viewer.view.set_zoom(8.0)  # larger than the view: a drag moves around in it
    qtbot.waitUntil(lambda: viewer.view.horizontalScrollBar().maximum() > 0, timeout=2_000)
    assert viewer.view.press_action(Qt.KeyboardModifier.NoModifier) == "pan"
    assert viewer.view.press_action(Qt.KeyboardModifier.ControlModifier) == "export"

    viewer.show_image(first, {"Seed": 1})  # a single image: no batch controls
    assert viewer.buttons["next"].isHidden() and viewer.position_label.isHidden()


def test_a_missing_or_damaged_file_says_so_and_keeps_the_parameters(qtbot, tmp_path):
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    viewer.show_images([broken], {"Prompt": "a cat"})
    assert not viewer.has_image and "broken.png could not be read" in viewer.zoom_label.text()
    assert not viewer.buttons["one"].isEnabled() and not viewer.buttons["open"].isEnabled()
    assert viewer.view.drag_mime() is None  # no broken file dragged into a file manager
    assert viewer.parameters.toPlainText() == "Prompt: a cat"
    viewer.show_images([], {"Status": "failed (ComfyUI went away)"})
    assert "no image" in viewer.zoom_label.text()
    viewer.resize(500, 400)  # shown in the centre: a resize re-fits and must keep the reason
    viewer.show()
    qtbot.waitExposed(viewer)
    assert "no image" in viewer.zoom_label.text()


def test_a_slow_load_answer_for_an_image_left_behind_is_ignored(qtbot, tmp_path):
    pending: list = []
    viewer = ImageViewer(loader=lambda path, done: pending.append((path, done)))
    qtbot.addWidget(viewer)
    first, second = images(tmp_path, (64, 32), (48, 48))
    viewer.show_images([first, second], {})
    viewer.show_index(1)  # the user steps on before the first image arrived
    (_, late), (path, current) = pending
    current(read_image(path))
    late(read_image(first))
    assert viewer.view.path == second
    assert viewer.view._item.pixmap().size() == QImage(str(second)).size()


def test_a_drag_pans_when_zoomed_in_and_exports_the_file_otherwise(qtbot, tmp_path):
    (path,) = images(tmp_path, (64, 64))
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.resize(200, 200)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.show_image(path, {})
    exported: list[int] = []
    viewer.view.start_drag = lambda: exported.append(1)  # the OS drag loop is the far side

    def drag() -> None:
        port = viewer.view.viewport()
        qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
        for x in (50, 40, 30, 20):
            qtbot.mouseMove(port, QPoint(x, 60))
        qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=QPoint(20, 60))

    drag()  # fitted: the file goes to the file manager
    assert exported == [1]
    viewer.view.set_zoom(8.0)
    bar = viewer.view.horizontalScrollBar()
    before = bar.value()
    drag()  # zoomed in: the same gesture moves around in the image
    assert bar.value() > before and exported == [1]
