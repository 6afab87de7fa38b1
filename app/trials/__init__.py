"""Trial installs of custom node packs through ComfyUI-Manager. Its issue is not open yet."""
