"""Paths and user settings: the one place that knows where ComfyDesk keeps its data.

``COMFYDESK_HOME`` overrides the data folder (tests always set it). Settings live in one
human-readable JSON file in the data folder, with a schema version and migrations.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.atomic import atomic_write_json

APP_NAME = "ComfyDesk"
ENV_HOME = "COMFYDESK_HOME"
ENV_DB_URL = "COMFYDESK_DB_URL"
DEFAULT_BACKEND_URL = "http://127.0.0.1:8188"
SETTINGS_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Paths:
    """Every file and folder ComfyDesk writes, derived from one data folder."""

    data_dir: Path

    @property
    def db_file(self) -> Path:
        return self.data_dir / "comfydesk.db"

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def thumbnails_dir(self) -> Path:
        return self.data_dir / "thumbnails"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs_dir / "comfydesk.log"

    @property
    def trash_dir(self) -> Path:
        return self.data_dir / "trash"

    def ensure(self) -> Paths:
        for folder in (self.data_dir, self.images_dir, self.thumbnails_dir, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths() -> Paths:
    """The data folder: ``$COMFYDESK_HOME`` when set, else the platform's user data folder."""
    override = os.environ.get(ENV_HOME)
    if override:
        return Paths(Path(override).expanduser().resolve())
    import platformdirs  # deferred: only needed without the override

    return Paths(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def database_url(paths: Paths) -> str:
    """``$COMFYDESK_DB_URL`` when set (e.g. PostgreSQL for a team), else SQLite in the data dir."""
    return os.environ.get(ENV_DB_URL) or f"sqlite:///{paths.db_file.as_posix()}"


@dataclass
class Backend:
    """One ComfyUI server ComfyDesk can talk to."""

    url: str
    name: str = ""

    def label(self) -> str:
        return self.name or self.url


@dataclass
class Settings:
    """What a user sets. Feature packages keep their own values under ``sections[name]``."""

    backends: list[Backend] = field(
        default_factory=lambda: [Backend(DEFAULT_BACKEND_URL, "local")]
    )
    active_backend: str = DEFAULT_BACKEND_URL
    comfyui_dir: str | None = None
    environment_dir: str | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def active(self) -> Backend:
        for backend in self.backends:
            if backend.url == self.active_backend:
                return backend
        return self.backends[0] if self.backends else Backend(DEFAULT_BACKEND_URL, "local")

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.setdefault(name, {})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema_version"] = SETTINGS_SCHEMA_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        data = migrate_settings(dict(data))
        backends = [
            Backend(url=str(b["url"]), name=str(b.get("name", "")))
            for b in data.get("backends", [])
            if isinstance(b, dict) and b.get("url")
        ]
        defaults = cls()
        return cls(
            backends=backends or defaults.backends,
            active_backend=str(data.get("active_backend") or defaults.active_backend),
            comfyui_dir=data.get("comfyui_dir") or None,
            environment_dir=data.get("environment_dir") or None,
            sections={k: v for k, v in (data.get("sections") or {}).items() if isinstance(v, dict)},
        )


def migrate_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older settings file up to ``SETTINGS_SCHEMA_VERSION``; unknown keys survive."""
    version = int(data.get("schema_version", 1) or 1)
    # Version 1 is the first schema; later versions add their steps here, in order.
    data["schema_version"] = max(version, SETTINGS_SCHEMA_VERSION)
    return data


class SettingsStore:
    """Loads and saves ``settings.json``; a corrupt file is kept aside, never overwritten."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.problem: str | None = None

    def load(self) -> Settings:
        self.problem = None
        if not self.path.exists():
            return Settings()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("the top level is not a JSON object")
            return Settings.from_json(data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            kept = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                self.path.replace(kept)
                where = f"kept as {kept.name}"
            except OSError:
                where = "left in place"
            self.problem = (f"Settings file {self.path} could not be read ({exc}); {where}. "
                            "Defaults are in use.")
            return Settings()

    def save(self, settings: Settings) -> None:
        atomic_write_json(self.path, settings.to_json())


COMFYUI_DIR_MARKERS = ("main.py", "models", "input", "user")


def comfyui_dir_problems(folder: str | Path) -> list[str]:
    """What a folder lacks to be a ComfyUI install; empty when it is one."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        return [f"{root} is not a folder"]
    problems = []
    for marker in COMFYUI_DIR_MARKERS:
        candidate = root / marker
        exists = candidate.is_file() if marker == "main.py" else candidate.is_dir()
        if not exists:
            problems.append(f"{root} has no {marker}{'' if marker == 'main.py' else '/'}")
    return problems


def detect_comfyui_dir(extra_candidates: list[Path] | None = None) -> Path | None:
    """A likely ComfyUI folder on this machine, or None: checks the usual install places."""
    home = Path.home()
    candidates = [*(extra_candidates or [])]
    candidates += [home / "ComfyUI", home / "comfyui", home / "Documents" / "ComfyUI",
                   home / "src" / "ComfyUI", Path.cwd() / "ComfyUI"]
    for candidate in candidates:
        if not comfyui_dir_problems(candidate):
            return candidate
    return None
