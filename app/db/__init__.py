"""Storage: SQLAlchemy 2.0 models, the engine factory and Alembic migrations."""

from app.db.database import Database, DatabaseError, open_database

__all__ = ["Database", "DatabaseError", "open_database"]
