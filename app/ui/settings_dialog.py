"""Settings: ComfyUI backends, ComfyUI folder, environment folder; data folder shown read-only."""

from __future__ import annotations

import copy
import logging

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.comfy.client import ComfyClient
from app.config import Backend, Settings, comfyui_dir_problems, detect_comfyui_dir
from app.ui.context import AppContext

log = logging.getLogger(__name__)


def normalise_url(text: str) -> str:
    url = text.strip().rstrip("/")
    if url and "://" not in url:
        url = f"http://{url}"
    return url


def check_connection(url: str) -> str:
    """One line for "Test connection": the ComfyUI version, or raises with the exact error."""
    stats = ComfyClient(url, timeout=3.0).system_stats()
    devices = ", ".join(d.name for d in stats.devices) or "no device reported"
    return f"ComfyUI {stats.comfyui_version} at {url} ({devices})"


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setWindowTitle("ComfyDesk settings")
        self._ctx = ctx
        self.draft: Settings = copy.deepcopy(ctx.settings)
        layout = QVBoxLayout(self)
        layout.addWidget(self._backends_box())
        layout.addWidget(self._folders_box())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("settings.buttons")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self._refresh_backends()
        self._validate_comfyui_dir()

    # -- backends --------------------------------------------------------------------------
    def _backends_box(self) -> QGroupBox:
        box = QGroupBox("ComfyUI backends")
        self.backend_list = QListWidget()
        self.backend_list.setObjectName("settings.backends")
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.active_button = QPushButton("Set active")
        self.test_button = QPushButton("Test connection")
        self.test_result = QLabel()
        self.test_result.setObjectName("settings.test_result")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_button.clicked.connect(self.ask_add_backend)
        self.remove_button.clicked.connect(self.remove_backend)
        self.active_button.clicked.connect(self.set_active_backend)
        self.test_button.clicked.connect(self.test_connection)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.active_button, self.test_button):
            buttons.addWidget(button)
        column = QVBoxLayout(box)
        column.addWidget(self.backend_list)
        column.addLayout(buttons)
        column.addWidget(self.test_result)
        return box

    def _refresh_backends(self) -> None:
        self.backend_list.clear()
        for backend in self.draft.backends:
            active = backend.url == self.draft.active_backend
            text = f"{backend.label()} — {backend.url}" if backend.name else backend.url
            item = QListWidgetItem(f"{text}{'   (active)' if active else ''}")
            item.setData(Qt.ItemDataRole.UserRole, backend.url)
            self.backend_list.addItem(item)
            if active:
                self.backend_list.setCurrentItem(item)
        self.remove_button.setEnabled(len(self.draft.backends) > 1)

    def _selected_url(self) -> str | None:
        item = self.backend_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    @Slot()
    def ask_add_backend(self) -> None:
        text, ok = QInputDialog.getText(self, "Add backend", "ComfyUI address:",
                                        text="http://127.0.0.1:8188")
        if ok:
            self.add_backend(text)

    def add_backend(self, text: str, name: str = "") -> bool:
        url = normalise_url(text)
        if not url.startswith(("http://", "https://")):
            self.test_result.setText(f"“{text}” is not an http:// or https:// address.")
            return False
        if any(b.url == url for b in self.draft.backends):
            self.test_result.setText(f"{url} is already in the list.")
            return False
        self.draft.backends.append(Backend(url=url, name=name))
        self._refresh_backends()
        return True

    @Slot()
    def remove_backend(self) -> None:
        url = self._selected_url()
        if url is None or len(self.draft.backends) <= 1:
            return
        self.draft.backends = [b for b in self.draft.backends if b.url != url]
        if self.draft.active_backend == url:
            self.draft.active_backend = self.draft.backends[0].url
        self._refresh_backends()

    @Slot()
    def set_active_backend(self) -> None:
        url = self._selected_url()
        if url:
            self.draft.active_backend = url
            self._refresh_backends()

    @Slot()
    def test_connection(self) -> None:
        url = self._selected_url()
        if not url:
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(f"Testing {url}…")

        def done(text: str) -> None:
            self.test_button.setEnabled(True)
            self.test_result.setText(f"✔ {text}")

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self.test_result.setText(f"✘ {exc}")

        self._ctx.tasks.run(check_connection, url, on_done=done, on_error=failed,
                            name="test-connection")

    # -- folders ---------------------------------------------------------------------------
    def _folders_box(self) -> QGroupBox:
        box = QGroupBox("Folders")
        form = QFormLayout(box)
        self.comfyui_edit = QLineEdit(self.draft.comfyui_dir or "")
        self.comfyui_edit.setObjectName("settings.comfyui_dir")
        self.comfyui_edit.setPlaceholderText("The folder that holds ComfyUI's main.py")
        self.comfyui_edit.textChanged.connect(self._validate_comfyui_dir)
        self.comfyui_status = QLabel()
        self.comfyui_status.setObjectName("settings.comfyui_status")
        self.comfyui_status.setWordWrap(True)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(self.comfyui_edit))
        detect = QPushButton("Detect")
        detect.clicked.connect(self.detect_comfyui)
        row = QHBoxLayout()
        row.addWidget(self.comfyui_edit)
        row.addWidget(browse)
        row.addWidget(detect)
        form.addRow("ComfyUI folder", row)
        form.addRow("", self.comfyui_status)
        self.environment_edit = QLineEdit(self.draft.environment_dir or "")
        self.environment_edit.setObjectName("settings.environment_dir")
        env_browse = QPushButton("Browse…")
        env_browse.clicked.connect(lambda: self._browse(self.environment_edit))
        env_row = QHBoxLayout()
        env_row.addWidget(self.environment_edit)
        env_row.addWidget(env_browse)
        form.addRow("Environment folder", env_row)
        data = QLineEdit(str(self._ctx.paths.data_dir))
        data.setObjectName("settings.data_dir")
        data.setReadOnly(True)
        form.addRow("Data folder", data)
        return box

    def _browse(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if folder:
            edit.setText(folder)

    @Slot()
    def detect_comfyui(self) -> None:
        found = detect_comfyui_dir()
        if found is None:
            self.comfyui_status.setText("No ComfyUI folder found in the usual places; "
                                        "choose it with Browse….")
        else:
            self.comfyui_edit.setText(str(found))

    @Slot()
    def _validate_comfyui_dir(self) -> bool:
        text = self.comfyui_edit.text().strip()
        if not text:
            self.comfyui_status.setText("Not set: features that need ComfyUI's files "
                                        "(profiles, model hashing) will say so.")
            return True
        problems = comfyui_dir_problems(text)
        self.comfyui_status.setText("✘ " + "; ".join(problems) if problems
                                    else "✔ Looks like a ComfyUI folder.")
        return not problems

    # -- save ------------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        if not self._validate_comfyui_dir():
            QMessageBox.warning(self, "ComfyUI folder", self.comfyui_status.text())
            return
        self.draft.comfyui_dir = self.comfyui_edit.text().strip() or None
        self.draft.environment_dir = self.environment_edit.text().strip() or None
        try:
            self._ctx.settings_store.save(self.draft)
        except OSError as exc:
            QMessageBox.critical(self, "Settings not saved",
                                 f"Could not write {self._ctx.settings_store.path}: {exc}")
            return
        backends_changed = (self.draft.backends != self._ctx.settings.backends
                            or self.draft.active_backend != self._ctx.settings.active_backend)
        self._apply(self.draft)
        if backends_changed:
            self._ctx.backends.reconfigure(self._ctx.settings)
        self._ctx.signals.settings_changed.emit()
        log.info("settings saved to %s", self._ctx.settings_store.path)
        self.accept()

    def _apply(self, draft: Settings) -> None:
        # Docks hold the same Settings object, so update it in place rather than replace it.
        current = self._ctx.settings
        current.backends = draft.backends
        current.active_backend = draft.active_backend
        current.comfyui_dir = draft.comfyui_dir
        current.environment_dir = draft.environment_dir
