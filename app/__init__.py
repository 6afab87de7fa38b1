"""ComfyDesk."""
