"""AppContext: the small application object that owns the services and hands them to docks.

Docks receive it in their constructor (no globals). It is built once in ``main()`` (or by a test)
with :func:`build_context`; the database is opened and migrated before any dock exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.config import Paths, Settings, SettingsStore, database_url, resolve_paths
from app.ui.central import CentralArea

if TYPE_CHECKING:
    from app.db import Database
    from app.ui.backends import BackendHub
    from app.ui.signals import AppSignals
    from app.ui.workers import TaskRunner


@dataclass
class AppContext:
    paths: Paths
    settings_store: SettingsStore
    settings: Settings
    database: Database
    backends: BackendHub
    tasks: TaskRunner
    signals: AppSignals
    central: CentralArea = field(default_factory=CentralArea)
    warnings: list[str] = field(default_factory=list)

    def selected_profile_id(self) -> str | None:
        """The Image Pool profile chosen for runs ("Use in runs"), or None."""
        value = self.settings.section("profiles").get("selected_id")
        return str(value) if value else None

    def select_profile(self, profile_id: str | None) -> None:
        """Choose the Image Pool profile used in runs (None: none), save it and announce it."""
        section = self.settings.section("profiles")
        if (section.get("selected_id") or None) == (profile_id or None):
            return
        if profile_id:
            section["selected_id"] = profile_id
        else:
            section.pop("selected_id", None)
        self.save_settings()
        self.signals.profile_selected.emit(profile_id or "")

    def save_settings(self) -> None:
        self.settings_store.save(self.settings)

    def shutdown(self) -> None:
        self.backends.stop()
        self.tasks.shutdown()
        self.database.dispose()


@dataclass
class Foundation:
    """What can be prepared off the GUI thread: settings read, database open and migrated."""

    paths: Paths
    settings_store: SettingsStore
    settings: Settings
    database: Database
    warnings: list[str]


def prepare_foundation(paths: Paths | None = None) -> Foundation:
    """Read settings and open the database; safe to run on a worker thread (no QObjects).

    Also imports the modules the docks need, so the GUI thread finds them loaded.

    Raises:
        app.db.DatabaseError: the database cannot be opened (the message names the file).
    """
    from app.db import open_database

    paths = (paths or resolve_paths()).ensure()
    store = SettingsStore(paths.settings_file)
    settings = store.load()
    warnings = [store.problem] if store.problem else []
    database = open_database(database_url(paths))
    import app.ui.backends
    import app.ui.status_bar  # noqa: F401

    return Foundation(paths, store, settings, database, warnings)


def context_from(foundation: Foundation, tasks: TaskRunner | None = None,
                 start_backends: bool = True, poll: bool = True) -> AppContext:
    """Create the GUI-thread services (backend hub, task runner) around a prepared foundation."""
    from app.ui.backends import BackendHub
    from app.ui.signals import AppSignals
    from app.ui.workers import TaskRunner

    hub = BackendHub(foundation.settings, poll=poll)
    context = AppContext(paths=foundation.paths, settings_store=foundation.settings_store,
                         settings=foundation.settings, database=foundation.database,
                         backends=hub, tasks=tasks or TaskRunner(), signals=AppSignals(),
                         warnings=foundation.warnings)
    if start_backends:
        hub.start()
    return context


def build_context(paths: Paths | None = None, start_backends: bool = True,
                  poll: bool = True) -> AppContext:
    """Open settings and database and create the services, all on the calling thread.

    Raises:
        app.db.DatabaseError: the database cannot be opened (the message names the file).
    """
    return context_from(prepare_foundation(paths), start_backends=start_backends, poll=poll)
