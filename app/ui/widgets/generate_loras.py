"""The LoRA rows of the Generate form: 0..n rows, each a searchable name and two strengths."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.generation.params import FloatRange, LoraSpec

SLIDER_SCALE = 100  # slider ticks per unit of strength
SLIDER_LIMIT = 3.0  # the slider spans -3..3; the spin box takes the backend's full range


def searchable_combo(parent: QWidget, name: str) -> QComboBox:
    """An editable combo whose completer matches anywhere in the name (``sub/x`` stays as is)."""
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = QCompleter(combo.model(), combo)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    return combo


def set_combo_items(combo: QComboBox, items: Sequence[str]) -> None:
    """Replace the choices but keep what is typed (a name the backend lacks stays visible)."""
    current = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(list(items))
    combo.setCurrentIndex(-1)
    combo.setEditText(current)
    combo.blockSignals(False)


class StrengthEditor(QWidget):
    """Slider plus spin box kept in step."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName(f"{name}.slider")
        self.slider.setRange(int(-SLIDER_LIMIT * SLIDER_SCALE), int(SLIDER_LIMIT * SLIDER_SCALE))
        self.spin = QDoubleSpinBox(self)
        self.spin.setObjectName(f"{name}.spin")
        self.spin.setDecimals(2)
        self.spin.setSingleStep(0.05)
        self.set_range(FloatRange(-100.0, 100.0, 0.01))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self.set_value(1.0)

    def set_range(self, limits: FloatRange) -> None:
        self.spin.setRange(limits.minimum, limits.maximum)

    def value(self) -> float:
        return round(self.spin.value(), 4)

    def set_value(self, value: float) -> None:
        self.spin.setValue(value)

    @Slot(int)
    def _from_slider(self, ticks: int) -> None:
        if round(self.spin.value() * SLIDER_SCALE) != ticks:
            self.spin.setValue(ticks / SLIDER_SCALE)

    @Slot(float)
    def _from_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(max(-SLIDER_LIMIT, min(SLIDER_LIMIT, value)) * SLIDER_SCALE))
        self.slider.blockSignals(False)


class LoraRow(QWidget):
    """One LoRA: name, strength_model, strength_clip, and up/down/remove buttons."""

    remove_requested = Signal(object)
    move_requested = Signal(object, int)

    def __init__(self, index: int, names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = searchable_combo(self, f"lora.{index}.name")
        set_combo_items(self.name, names)
        self.model_strength = StrengthEditor(f"lora.{index}.model", self)
        self.clip_strength = StrengthEditor(f"lora.{index}.clip", self)
        self.error = QLabel("", self)
        self.error.setObjectName(f"error.lora.{index}")
        self.error.setStyleSheet("color: #c0392b")
        self.error.hide()
        buttons = []
        for text, tip, handler in (("↑", "Move up", lambda: self.move_requested.emit(self, -1)),
                                   ("↓", "Move down", lambda: self.move_requested.emit(self, 1)),
                                   ("✕", "Remove this LoRA",
                                    lambda: self.remove_requested.emit(self))):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(handler)
            buttons.append(button)
        self.up, self.down, self.remove = buttons
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.addWidget(self.name, 0, 0, 1, 2)
        for column, button in enumerate(buttons, start=2):
            grid.addWidget(button, 0, column)
        grid.addWidget(QLabel("Model", self), 1, 0)
        grid.addWidget(self.model_strength, 1, 1, 1, 4)
        grid.addWidget(QLabel("CLIP", self), 2, 0)
        grid.addWidget(self.clip_strength, 2, 1, 1, 4)
        grid.addWidget(self.error, 3, 0, 1, 5)

    def spec(self) -> LoraSpec:
        return LoraSpec(self.name.currentText().strip(), self.model_strength.value(),
                        self.clip_strength.value())

    def set_spec(self, spec: LoraSpec) -> None:
        self.name.setEditText(spec.name)
        self.model_strength.set_value(spec.strength_model)
        self.clip_strength.set_value(spec.strength_clip)


class LoraList(QWidget):
    """The ordered LoRA rows plus an "Add LoRA" button."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._strength = FloatRange(-100.0, 100.0, 0.01)
        self.rows: list[LoraRow] = []
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("Add LoRA", self)
        self.add_button.setObjectName("lora.add")
        self.add_button.clicked.connect(lambda: self.add())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._rows_layout)
        layout.addWidget(self.add_button)

    def set_names(self, names: Sequence[str], strength: FloatRange) -> None:
        self._names, self._strength = list(names), strength
        for row in self.rows:
            set_combo_items(row.name, names)
            row.model_strength.set_range(strength)
            row.clip_strength.set_range(strength)

    def add(self, spec: LoraSpec | None = None) -> LoraRow:
        row = LoraRow(len(self.rows), self._names, self)
        row.model_strength.set_range(self._strength)
        row.clip_strength.set_range(self._strength)
        if spec is not None:
            row.set_spec(spec)
        row.remove_requested.connect(self._remove)
        row.move_requested.connect(self._move)
        self.rows.append(row)
        self._relayout()
        return row

    def specs(self) -> tuple[LoraSpec, ...]:
        return tuple(row.spec() for row in self.rows)

    def set_specs(self, specs: Sequence[LoraSpec]) -> None:
        for row in list(self.rows):
            self._remove(row)
        for spec in specs:
            self.add(spec)

    @Slot(object)
    def _remove(self, row: LoraRow) -> None:
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._relayout()

    @Slot(object, int)
    def _move(self, row: LoraRow, delta: int) -> None:
        index = self.rows.index(row)
        target = index + delta
        if 0 <= target < len(self.rows):
            self.rows[index], self.rows[target] = self.rows[target], self.rows[index]
            self._relayout()

    def _relayout(self) -> None:
        for index, row in enumerate(self.rows):
            self._rows_layout.removeWidget(row)
            row.name.setObjectName(f"lora.{index}.name")
            row.error.setObjectName(f"error.lora.{index}")
        for row in self.rows:
            self._rows_layout.addWidget(row)
        self.changed.emit()
