"""ComfyDesk: a desktop control room for ComfyUI."""

__version__ = "0.1.0"
