"""All tables. Importing this package registers every model on ``Base.metadata``."""

from app.db.models.app_state import AppState

__all__ = ["AppState"]
