"""The Generate dock's actions on stored requests: regenerate, retry, copy, open the folder,
delete (after confirmation). Kept apart from the dock so each module stays small; the dock
mixes it in and supplies ``ctx``, ``service``, ``store``, ``history``, ``viewer``."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.models.generation import RequestIdRole


class RequestActions:
    """Mixin of GenerateDock (see the module docstring)."""

    ctx: Any
    service: Any
    store: Any
    history: Any
    viewer: Any
    viewer_request: str | None
    _on_submitted: Any
    _on_error: Any

    _say: Any  # the dock's methods
    _live: Any
    open_request: Any

    def _selected(self) -> list[str]:
        return [i.data(RequestIdRole) for i in self.history.gallery.selectedIndexes()]

    @Slot(bool)
    def regenerate_shown(self, new_seed: bool) -> None:
        if self.viewer_request:
            self.ctx.tasks.run(partial(self.service.regenerate, self.viewer_request,
                                       new_seed=new_seed),
                               name="regenerate", on_done=self._on_submitted,
                               on_error=self._on_error)

    @Slot(str)
    def _history_action(self, key: str) -> None:
        """The gallery's menu and keys: open, regenerate (new seed), copy, open folder."""
        for request_id in self._selected():
            record = self.store.find(request_id)
            if record is None:
                continue
            if key == "open":
                self.open_request(request_id)
            elif key in ("regenerate", "regenerate_new_seed"):
                self.ctx.tasks.run(partial(self.service.regenerate, request_id,
                                           new_seed=key == "regenerate_new_seed"),
                                   name="regenerate", on_done=self._on_submitted,
                                   on_error=self._on_error)
            elif key == "copy":
                QApplication.clipboard().setText(record.parameters_text())
                self._say("Parameters copied.")
            elif key == "open_folder" and record.output_paths:
                folder = (self.ctx.paths.data_dir / record.output_paths[0]).parent
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    @Slot()
    def _retry_selected(self) -> None:
        for request_id in self._selected():
            self.ctx.tasks.run(self.service.retry, request_id, name="retry",
                               on_done=self._on_submitted, on_error=self._on_error)

    @Slot()
    def _delete_selected(self) -> None:
        for request_id in self._selected():
            self.delete(request_id)

    def confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Delete generation", text)
        return answer == QMessageBox.StandardButton.Yes

    def delete(self, request_id: str | None) -> None:
        if not request_id:
            return
        if not self.confirm("Delete this generation and its image files? This cannot be undone."):
            return
        self.ctx.tasks.run(self.service.delete, request_id, name="delete",
                           on_done=self._live(lambda failed: self._deleted(request_id, failed)),
                           on_error=self._on_error)

    def _deleted(self, request_id: str, failed: list[str]) -> None:
        if failed:
            self._say("Deleted, but these files could not be removed: " + ", ".join(failed))
        if request_id == self.viewer_request:
            self.viewer_request = None
            self.viewer.show_image(None, {})

    @Slot()
    def _open_folder(self) -> None:
        path = self.viewer.view.path
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
