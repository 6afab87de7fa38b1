"""Plain, immutable views of stored requests and the updates the service announces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.generation.params import GenerationParams, LoraSpec, SamplerParams


@dataclass(frozen=True)
class GenerationRecord:
    """One row of the history, detached from the database session."""

    id: str
    user_id: str
    prompt: str
    negative_prompt: str
    checkpoint_model: str
    lora_models: tuple[dict[str, Any], ...]
    width: int
    height: int
    batch_size: int
    sampler_params: dict[str, Any]
    status: str
    comfyui_prompt_id: str | None
    backend: str
    output_paths: tuple[str, ...]
    thumbnail_paths: tuple[str, ...]
    remote_outputs: tuple[dict[str, Any], ...]
    error: str | None
    profile_id: str | None
    external: bool
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def params(self) -> GenerationParams:
        return GenerationParams(
            checkpoint=self.checkpoint_model,
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            loras=tuple(LoraSpec.from_json(x) for x in self.lora_models),
            width=self.width,
            height=self.height,
            batch_size=self.batch_size,
            sampler=SamplerParams.from_json(self.sampler_params),
        )

    @property
    def not_sent(self) -> bool:
        """Pending but never accepted by ComfyUI (e.g. the app quit before sending)."""
        return self.status == "pending" and not self.comfyui_prompt_id

    @property
    def images_missing(self) -> bool:
        """ComfyUI made images that are not in the data folder (download or disk failed)."""
        return bool(self.remote_outputs) and not self.output_paths \
            and self.status in ("failed", "completed")

    def parameters(self) -> dict[str, str]:
        """Every parameter, labelled for people (viewer panel, "Copy parameters")."""
        sampler = self.sampler_params
        values = {
            "Prompt": self.prompt,
            "Negative prompt": self.negative_prompt,
            "Checkpoint": self.checkpoint_model,
        }
        for index, lora in enumerate(self.lora_models, start=1):
            values[f"LoRA {index}"] = (f"{lora.get('name')} (model {lora.get('strength_model')}, "
                                       f"clip {lora.get('strength_clip')})")
        values.update({
            "Size": f"{self.width}x{self.height}", "Batch": str(self.batch_size),
            "Seed": str(sampler.get("seed")), "Steps": str(sampler.get("steps")),
            "CFG": str(sampler.get("cfg")), "Sampler": str(sampler.get("sampler_name")),
            "Scheduler": str(sampler.get("scheduler")), "Denoise": str(sampler.get("denoise")),
            "Status": self.status + (f" ({self.error})" if self.error else ""),
            "Backend": self.backend + (" (external job)" if self.external else ""),
            "Created": f"{self.created_at:%Y-%m-%d %H:%M:%S} UTC",
            "Request": self.id,
        })
        if self.profile_id:
            values["Image Pool profile"] = self.profile_id
        return values

    def parameters_text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.parameters().items())


@dataclass(frozen=True)
class HistoryFilter:
    """What the gallery shows: text in prompts, a checkpoint, a status, a creation date range."""

    text: str = ""
    checkpoint: str = ""
    status: str = ""
    since: datetime | None = None
    until: datetime | None = None


# --- what listeners receive (from any thread; a Qt bridge hops to the GUI thread) ---------

@dataclass(frozen=True)
class RequestChanged:
    """A stored request was added or changed (status, outputs, error...)."""

    request_id: str
    status: str


@dataclass(frozen=True)
class RequestRemoved:
    request_id: str


@dataclass(frozen=True)
class ProgressUpdate:
    """Live progress of a running request; ``elapsed`` is seconds since it started."""

    request_id: str
    step: int
    steps: int
    nodes_done: int
    nodes_total: int
    elapsed: float


@dataclass(frozen=True)
class PreviewUpdate:
    """A preview frame ComfyUI sent while sampling (JPEG or PNG bytes)."""

    request_id: str
    image: bytes
    format: str


Update = RequestChanged | RequestRemoved | ProgressUpdate | PreviewUpdate
