"""The database opens, migrates an old schema without loss, and refuses damaged files."""

import sqlite3

import pytest
from sqlalchemy import inspect, select

from app.db import DatabaseError, open_database
from app.db.database import script_head
from app.db.models import AppState


def test_fresh_database_is_at_newest_revision_in_wal_mode(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'comfydesk.db'}")
    assert db.current_revision() == script_head()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    db.dispose()


def test_database_from_first_revision_upgrades_without_loss(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = open_database(url, revision="0001")
    assert old.current_revision() == "0001"
    with old.session() as session:
        session.add(AppState(key="history_cursor", value="abc"))
    old.dispose()

    new = open_database(url)
    assert new.current_revision() == script_head() != "0001"
    with new.session() as session:
        stored = select(AppState.value).where(AppState.key == "history_cursor")
        assert session.scalar(stored) == "abc"
    tables = set(inspect(new.engine).get_table_names())
    assert {"app_state", "alembic_version"} <= tables
    new.dispose()


def test_a_file_that_is_not_a_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "comfydesk.db"
    path.write_bytes(b"this is my holiday photo, not a database")
    with pytest.raises(DatabaseError) as caught:
        open_database(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert path.read_bytes() == b"this is my holiday photo, not a database"


def test_a_damaged_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "comfydesk.db"
    open_database(f"sqlite:///{path}").dispose()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * 3996  # wreck the schema page, keep the file header
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(DatabaseError) as caught:
        open_database(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_a_locked_database_gives_a_clear_message(tmp_path):
    path = tmp_path / "comfydesk.db"
    # Another program holds an exclusive lock while the schema is still to be created.
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("CREATE TABLE other_program (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseError) as caught:
            open_database(f"sqlite:///{path}")
        assert "locked" in str(caught.value) and str(path) in str(caught.value)
    finally:
        holder.rollback()
        holder.close()


def test_migrations_form_one_line():
    """Two migrations on the same parent would leave two heads and no database would open."""
    assert script_head() is not None
