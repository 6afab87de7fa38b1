"""All tables. Importing this package registers every model on ``Base.metadata``."""

from app.db.models.app_state import AppState
from app.db.models.generation import GenerationRequest as GenerationRequest
from app.db.models.profiler import ProfilerRun as ProfilerRun

__all__ = ["AppState"]
