"""The Generate form on its own: searchable model lists, LoRA rows, presets, seeds, limits."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from app.generation.params import SIZE_PRESETS, LoraSpec, validate
from app.ui.widgets.generate_form import GenerateForm
from tests.generation.test_params import options


def make_form(qtbot) -> GenerateForm:
    form = GenerateForm()
    qtbot.addWidget(form)
    opts = replace(options(), checkpoints=("random_sd15.safetensors", "sub/other.safetensors"),
                   loras=("random_lora.safetensors", "styles/ink.safetensors"))
    form.set_options(opts)
    return form


def test_model_lists_match_anywhere_and_keep_nested_names(qtbot):
    form = make_form(qtbot)
    items = [form.checkpoint.itemText(i) for i in range(form.checkpoint.count())]
    assert items == ["random_sd15.safetensors", "sub/other.safetensors"]
    completer = form.checkpoint.completer()
    completer.setCompletionPrefix("OTHER")  # case-insensitive, in the middle of the name
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "sub/other.safetensors"
    sampler_items = {form.sampler_name.itemText(i) for i in range(form.sampler_name.count())}
    assert {"euler", "dpmpp_2m"} <= sampler_items  # straight from object_info
    assert form.steps.maximum() == options().steps.maximum
    width = options().width  # EmptyLatentImage's limits in object_info: 16..16384, step 8
    assert (form.width_spin.minimum(), form.width_spin.maximum()) == (width.minimum, width.maximum)
    assert form.width_spin.singleStep() == width.step == 8


def test_lora_rows_add_reorder_remove_and_strengths_stay_in_step(qtbot):
    form = make_form(qtbot)
    form.checkpoint.setEditText("sub/other.safetensors")
    loras = form.loras
    for name in ("random_lora.safetensors", "styles/ink.safetensors", "third.safetensors"):
        loras.add(LoraSpec(name, 0.5, 0.25))
    qtbot.mouseClick(loras.rows[2].up, Qt.MouseButton.LeftButton)
    assert [s.name for s in loras.specs()] == [
        "random_lora.safetensors", "third.safetensors", "styles/ink.safetensors"]
    qtbot.mouseClick(loras.rows[0].remove, Qt.MouseButton.LeftButton)
    assert [s.name for s in loras.specs()] == ["third.safetensors", "styles/ink.safetensors"]
    assert loras.rows[0].name.objectName() == "lora.0.name"  # errors land on the right row
    row = loras.rows[1]
    row.model_strength.slider.setValue(-150)
    assert row.model_strength.value() == -1.5
    row.clip_strength.spin.setValue(2.25)
    assert row.clip_strength.slider.value() == 225
    assert form.params().loras[1] == LoraSpec("styles/ink.safetensors", -1.5, 2.25)
    problems = validate(form.params(), form.options)
    assert problems == {"lora.0": "this backend has no LoRA named 'third.safetensors'"}
    form.show_errors(problems)
    assert form.visible_errors() == {"lora.0": problems["lora.0"]}


def test_presets_and_a_random_seed_each_run(qtbot):
    form = make_form(qtbot)
    index = form.preset.findText("2:3")
    form.preset.activated.emit(index)
    assert (form.width_spin.value(), form.height_spin.value()) == SIZE_PRESETS["2:3"]
    assert form.preset.currentIndex() == 0  # ready to pick again
    form.random_seed.setChecked(True)
    assert not form.seed.isEnabled()
    first, second = form.params().sampler.seed, form.params().sampler.seed
    assert first != second and form.seed.text() == str(second)  # the seed used is shown
    assert form.params(fresh_seed=False).sampler.seed == second


def test_the_form_scrolls_down_but_is_never_cut_at_the_right(qtbot):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from app.ui.widgets.generate_form import FormScroller

    window = QWidget()
    qtbot.addWidget(window)
    form = make_form(qtbot)
    scroller = FormScroller(form)
    QVBoxLayout(window).addWidget(scroller)
    window.resize(150, 300)  # narrower than the form: the layout widens the window
    window.show()
    qtbot.waitExposed(window)
    form.advanced_toggle.setChecked(True)
    for _ in range(3):
        form.loras.add(LoraSpec("styles/ink.safetensors"))
    qtbot.waitUntil(lambda: form.width() >= form.minimumSizeHint().width(), timeout=2_000)
    assert scroller.viewport().width() >= form.minimumSizeHint().width()
    qtbot.waitUntil(lambda: scroller.verticalScrollBar().maximum() > 0, timeout=2_000)  # it scrolls
