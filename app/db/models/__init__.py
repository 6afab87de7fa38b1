"""All tables. Importing this package registers every model on ``Base.metadata``."""

from app.db.models.app_state import AppState
from app.db.models.generation import GenerationRequest as GenerationRequest

__all__ = ["AppState"]
