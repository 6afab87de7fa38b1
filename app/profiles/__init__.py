"""Image Pool profiles, on-disk compatible with the ComfyUI-Dataset-Gates pack (no Qt here)."""

from app.profiles.inject import apply_profile

__all__ = ["apply_profile"]
