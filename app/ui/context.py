"""AppContext: the small application object that owns the services and hands them to docks.

Docks receive it in their constructor (no globals). It is built once in ``main()`` (or by a test)
with :func:`build_context`; the database is opened and migrated before any dock exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.config import Paths, Settings, SettingsStore, database_url, resolve_paths
from app.db import Database, open_database

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.ui.backends import BackendHub
    from app.ui.workers import TaskRunner


class CentralArea:
    """What docks may show in the window's centre (image viewer, run view).

    The main window provides the real one; docks call ``show(key, widget)`` to put a widget there
    (added once per key, raised on later calls).
    """

    def show(self, key: str, widget: QWidget) -> None:  # pragma: no cover - replaced by the window
        raise NotImplementedError


@dataclass
class AppContext:
    paths: Paths
    settings_store: SettingsStore
    settings: Settings
    database: Database
    backends: BackendHub
    tasks: TaskRunner
    central: CentralArea = field(default_factory=CentralArea)
    warnings: list[str] = field(default_factory=list)

    def selected_profile_id(self) -> str | None:
        """The Image Pool profile chosen for runs ("Use in runs"), or None."""
        value = self.settings.section("profiles").get("selected_id")
        return str(value) if value else None

    def save_settings(self) -> None:
        self.settings_store.save(self.settings)

    def shutdown(self) -> None:
        self.backends.stop()
        self.tasks.shutdown()
        self.database.dispose()


def build_context(paths: Paths | None = None, start_backends: bool = True,
                  poll: bool = True) -> AppContext:
    """Open settings and database and create the services.

    Raises:
        app.db.DatabaseError: the database cannot be opened (the message names the file).
    """
    from app.ui.backends import BackendHub
    from app.ui.workers import TaskRunner

    paths = (paths or resolve_paths()).ensure()
    store = SettingsStore(paths.settings_file)
    settings = store.load()
    warnings = [store.problem] if store.problem else []
    database = open_database(database_url(paths))
    hub = BackendHub(settings, poll=poll)
    context = AppContext(paths=paths, settings_store=store, settings=settings, database=database,
                         backends=hub, tasks=TaskRunner(), warnings=warnings)
    if start_backends:
        hub.start()
    return context
