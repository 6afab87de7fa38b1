"""Image generation with ComfyUI: workflow builder, request service, backend dispatch (no Qt)."""
