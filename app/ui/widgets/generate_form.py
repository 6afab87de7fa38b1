"""The Generate form: model, LoRAs, prompts, size, batch and (collapsible) sampler settings.

It shows problems on the field they belong to (``show_errors``) and remembers its values as
a plain dict (``state`` / ``restore``) that the dock keeps in the settings file.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QRegularExpression, QSize, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.generation.params import (
    SIZE_PRESETS,
    GenerationParams,
    ModelOptions,
    SamplerParams,
    new_seed,
)
from app.ui.widgets.generate_loras import LoraList, searchable_combo, set_combo_items

FIELDS = ("checkpoint", "prompt", "width", "height", "batch_size", "seed", "steps", "cfg",
          "sampler_name", "scheduler", "denoise")


def _error_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel("", parent)
    label.setObjectName(f"error.{name}")
    label.setStyleSheet("color: #c0392b")
    label.setWordWrap(True)
    label.hide()
    return label


class GenerateForm(QWidget):
    """Everything a request needs; ``params()`` reads it, ``generate_requested`` on Ctrl+Enter."""

    generate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = ModelOptions()
        self.errors: dict[str, QLabel] = {}
        self._build_widgets()
        self._build_layout()
        # Scoped to the form: a window-wide Ctrl+Return would be ambiguous with the Profiler
        # dock's own, and Qt then fires neither.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.generate_requested)

    def _build_widgets(self) -> None:
        self.checkpoint = searchable_combo(self, "checkpoint")
        self.loras = LoraList(self)
        self.prompt = QPlainTextEdit(self)
        self.prompt.setObjectName("prompt")
        self.prompt.setPlaceholderText("What the image shows")
        self.negative = QPlainTextEdit(self)
        self.negative.setObjectName("negative_prompt")
        self.negative.setPlaceholderText("What it must not show")
        # A few lines each (they scroll inside): the form stays short enough to keep the
        # progress and preview below it in sight.
        for editor, lines in ((self.prompt, 5), (self.negative, 3)):
            editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * 2 + 12)
            editor.setMaximumHeight(editor.fontMetrics().lineSpacing() * lines + 12)
        self.width_spin = self._spin("width", 1, 16384, 512, 8)
        self.height_spin = self._spin("height", 1, 16384, 512, 8)
        self.preset = QComboBox(self)
        self.preset.setObjectName("size_preset")
        self.preset.addItem("Preset…")
        self.preset.addItems(list(SIZE_PRESETS))
        self.preset.activated.connect(self._apply_preset)
        self.batch = self._spin("batch_size", 1, 4096, 1)
        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setObjectName("advanced_toggle")
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced = QWidget(self)
        self.advanced.setObjectName("advanced")
        self.advanced.setVisible(False)
        self.advanced_toggle.toggled.connect(self.advanced.setVisible)
        self.seed = QLineEdit("0", self.advanced)
        self.seed.setObjectName("seed")
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,20}"), self))
        self.random_seed = QCheckBox("Random each run", self.advanced)
        self.random_seed.setObjectName("random_seed")
        self.random_seed.toggled.connect(lambda on: self.seed.setEnabled(not on))
        self.steps = self._spin("steps", 1, 10000, 20)
        self.cfg = QDoubleSpinBox(self.advanced)
        self.cfg.setObjectName("cfg")
        self.cfg.setRange(0.0, 100.0)
        self.cfg.setSingleStep(0.5)
        self.cfg.setValue(8.0)
        self.sampler_name = QComboBox(self.advanced)
        self.sampler_name.setObjectName("sampler_name")
        self.scheduler = QComboBox(self.advanced)
        self.scheduler.setObjectName("scheduler")
        self.denoise = QDoubleSpinBox(self.advanced)
        self.denoise.setObjectName("denoise")
        self.denoise.setRange(0.0, 1.0)
        self.denoise.setSingleStep(0.05)
        self.denoise.setValue(1.0)
        for name in FIELDS:
            self.errors[name] = _error_label(self, name)
        self.set_options(self.options)

    def _spin(self, name: str, low: int, high: int, value: int, step: int = 1) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setValue(value)
        return spin

    def _row(self, form: QFormLayout, label: str, widget: QWidget, field: str) -> None:
        box = QVBoxLayout()
        box.setSpacing(0)
        box.addWidget(widget)
        box.addWidget(self.errors[field])
        form.addRow(label, box)

    def _build_layout(self) -> None:
        form = QFormLayout()
        self._row(form, "Checkpoint", self.checkpoint, "checkpoint")
        form.addRow("LoRAs", self.loras)
        self._row(form, "Prompt", self.prompt, "prompt")
        form.addRow("Negative", self.negative)
        size = QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(QLabel("x", self))
        size.addWidget(self.height_spin)
        size.addWidget(self.preset)
        size_box = QVBoxLayout()
        size_box.addLayout(size)
        size_box.addWidget(self.errors["width"])
        size_box.addWidget(self.errors["height"])
        form.addRow("Size", size_box)
        self._row(form, "Batch", self.batch, "batch_size")
        advanced = QFormLayout(self.advanced)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.random_seed)
        seed_box = QVBoxLayout()
        seed_box.addLayout(seed_row)
        seed_box.addWidget(self.errors["seed"])
        advanced.addRow("Seed", seed_box)
        for label, widget, field in (("Steps", self.steps, "steps"), ("CFG", self.cfg, "cfg"),
                                     ("Sampler", self.sampler_name, "sampler_name"),
                                     ("Scheduler", self.scheduler, "scheduler"),
                                     ("Denoise", self.denoise, "denoise")):
            self._row(advanced, label, widget, field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.advanced_toggle)
        layout.addWidget(self.advanced)

    # -- options -------------------------------------------------------------------------
    def set_options(self, options: ModelOptions) -> None:
        """Choices and limits of the backend (live, or last known while offline)."""
        self.options = options
        set_combo_items(self.checkpoint, options.checkpoints)
        self.loras.set_names(options.loras, options.strength)
        for combo, items in ((self.sampler_name, options.samplers),
                             (self.scheduler, options.schedulers)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(items))
            combo.setCurrentText(current if current in items else items[0] if items else "")
            combo.blockSignals(False)
        self.cfg.setRange(options.cfg.minimum, options.cfg.maximum)
        self.denoise.setRange(options.denoise.minimum, options.denoise.maximum)
        self.steps.setRange(options.steps.minimum, options.steps.maximum)
        # The spin boxes follow the backend's limits and step; a value off the step (typed
        # by hand) is still shown on its field by validation before anything is sent.
        for spin, limits in ((self.width_spin, options.width), (self.height_spin, options.height),
                             (self.batch, options.batch_size)):
            spin.setRange(limits.minimum, min(limits.maximum, 2**31 - 1))
            spin.setSingleStep(limits.step)

    @Slot(int)
    def _apply_preset(self, index: int) -> None:
        name = self.preset.itemText(index)
        if name in SIZE_PRESETS:
            width, height = SIZE_PRESETS[name]
            self.width_spin.setValue(width)
            self.height_spin.setValue(height)
        self.preset.setCurrentIndex(0)

    # -- values --------------------------------------------------------------------------
    def params(self, fresh_seed: bool = True) -> GenerationParams:
        """The request as filled in; a random seed is drawn when "random each run" is on."""
        if self.random_seed.isChecked() and fresh_seed:
            self.seed.setText(str(new_seed()))
        return GenerationParams(
            checkpoint=self.checkpoint.currentText().strip(),
            prompt=self.prompt.toPlainText(),
            negative_prompt=self.negative.toPlainText(),
            loras=self.loras.specs(),
            width=self.width_spin.value(), height=self.height_spin.value(),
            batch_size=self.batch.value(),
            sampler=SamplerParams(seed=int(self.seed.text() or 0), steps=self.steps.value(),
                                  cfg=round(self.cfg.value(), 4),
                                  sampler_name=self.sampler_name.currentText(),
                                  scheduler=self.scheduler.currentText(),
                                  denoise=round(self.denoise.value(), 4)))

    def set_params(self, params: GenerationParams) -> None:
        self.checkpoint.setEditText(params.checkpoint)
        self.loras.set_specs(params.loras)
        self.prompt.setPlainText(params.prompt)
        self.negative.setPlainText(params.negative_prompt)
        self.width_spin.setValue(params.width)
        self.height_spin.setValue(params.height)
        self.batch.setValue(params.batch_size)
        sampler = params.sampler
        self.seed.setText(str(sampler.seed))
        self.steps.setValue(sampler.steps)
        self.cfg.setValue(sampler.cfg)
        for combo, value in ((self.sampler_name, sampler.sampler_name),
                             (self.scheduler, sampler.scheduler)):
            if combo.findText(value) < 0:
                combo.addItem(value)
            combo.setCurrentText(value)
        self.denoise.setValue(sampler.denoise)

    def state(self) -> dict[str, Any]:
        return {"params": self.params(fresh_seed=False).to_json(),
                "random_seed": self.random_seed.isChecked(),
                "advanced_open": self.advanced_toggle.isChecked()}

    def restore(self, state: dict[str, Any]) -> None:
        """Back to saved values; a damaged saved state leaves the defaults."""
        try:
            params = GenerationParams.from_json(state.get("params") or {})
        except (TypeError, ValueError, AttributeError):
            return
        self.set_params(params)
        self.random_seed.setChecked(bool(state.get("random_seed")))
        self.advanced_toggle.setChecked(bool(state.get("advanced_open")))

    # -- problems ------------------------------------------------------------------------
    def show_errors(self, problems: dict[str, str]) -> None:
        self.clear_errors()
        for name, text in problems.items():
            label = self.errors.get(name)
            if label is None and name.startswith("lora."):
                index = int(name.split(".")[1]) if name.split(".")[1].isdigit() else -1
                if 0 <= index < len(self.loras.rows):
                    label = self.loras.rows[index].error
            if label is None:
                label = self.errors["checkpoint"] if name == "lora" else None
            if label is not None:
                label.setText(text)
                label.show()
            if name in ("seed", "steps", "cfg", "sampler_name", "scheduler", "denoise"):
                self.advanced_toggle.setChecked(True)

    def clear_errors(self) -> None:
        for label in [*self.errors.values(), *(row.error for row in self.loras.rows)]:
            label.clear()
            label.hide()

    def visible_errors(self) -> dict[str, str]:
        labels = [*self.errors.values(), *(row.error for row in self.loras.rows)]
        return {label.objectName().removeprefix("error."): label.text()
                for label in labels if not label.isHidden() and label.text()}


class FormScroller(QScrollArea):
    """Scrolls the form vertically only, and is always as wide as the form needs (LoRA rows
    widen it), so nothing is cut off at the right edge of a narrow dock."""

    def __init__(self, form: GenerateForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generate.form_scroller")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(form)
        form.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the form's minimum width may have changed
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:
        form = self.widget()
        width = form.minimumSizeHint().width() if form is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width(), 160)

    def sizeHint(self) -> QSize:
        form = self.widget()
        height = form.sizeHint().height() if form is not None else 160
        return QSize(self.minimumSizeHint().width(), height)
