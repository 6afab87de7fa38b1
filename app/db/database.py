"""Opening the database: engine, pragmas, integrity check and migrations to the newest schema."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The database cannot be used; ``str()`` names the file and what is wrong with it."""


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url[len(prefix):])
    return None


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.close()


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not SQLite or is damaged, before anything writes to it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise DatabaseError(
            f"{path} is not a ComfyDesk database (not an SQLite file). It was left untouched; "
            "move it away or set COMFYDESK_DB_URL to use another database."
        )
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=2)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower():
            raise DatabaseError(
                f"{path} is locked by another program (is ComfyDesk already running?)."
            ) from exc
        raise DatabaseError(f"{path} cannot be read: {exc}. It was left untouched.") from exc
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is damaged: {exc}. It was left untouched.") from exc
    if not result or result[0] != "ok":
        raise DatabaseError(f"{path} is damaged ({result[0] if result else 'no answer'}). "
                            "It was left untouched.")


def alembic_config(url: str):  # -> alembic.config.Config, imported lazily (slow import)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine, url: str, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (Alembic), inside one connection."""
    from alembic import command

    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*=\s*["\']?([\w-]+|None)["\']?', re.M)


def script_head() -> str | None:
    """The newest migration's id, read from the version files without importing Alembic.

    Returns None when the chain is not a single line (Alembic then decides).
    """
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((k, v) for k, v in _REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            down = found.get("down_revision")
            revisions[found["revision"]] = None if down in (None, "None") else down
    referenced = {down for down in revisions.values() if down}
    heads = [rev for rev in revisions if rev not in referenced]
    return heads[0] if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except (OperationalError, SADatabaseError):
            return None
    return row[0] if row else None


class Database:
    """An engine plus a session factory; ``session()`` is a commit-or-rollback context."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def current_revision(self) -> str | None:
        return _stored_revision(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, revision: str = "head") -> Database:
    """Open (creating if needed) and migrate the database at ``url``.

    Raises:
        DatabaseError: the file is damaged, not a database, locked, or a migration failed.
    """
    sqlite_path = _sqlite_file(url)
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        _check_sqlite_file(sqlite_path)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    where = sqlite_path or url
    try:
        # Alembic's import costs a noticeable slice of start-up; skip it when already current.
        if revision != "head" or _stored_revision(engine) != script_head():
            migrate(engine, url, revision)
    except OperationalError as exc:
        engine.dispose()
        reason = "it is locked by another program" if "locked" in str(exc) else str(exc.orig)
        raise DatabaseError(f"Database {where} could not be opened: {reason}.") from exc
    except SADatabaseError as exc:
        engine.dispose()
        raise DatabaseError(f"Database {where} could not be opened: {exc.orig}.") from exc
    log.info("database ready at %s", where)
    return Database(engine, url)
