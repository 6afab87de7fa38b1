"""Run the fake ComfyUI by hand: ``python -m tests.fake_comfy --port 8188``."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from tests.fake_comfy.server import FakeComfy


def main() -> int:
    parser = argparse.ArgumentParser(description="A fake ComfyUI v0.3.64 for trying ComfyDesk.")
    parser.add_argument("--port", type=int, default=8188)
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for output/input/temp/user (default: a temporary one)")
    parser.add_argument("--node-duration", type=float, default=0.2,
                        help="seconds each node takes (default 0.2)")
    parser.add_argument("--step-duration", type=float, default=0.3,
                        help="seconds per sampler step (default 0.3)")
    args = parser.parse_args()
    server = FakeComfy(args.dir, port=args.port)
    server.scenario.default_node_duration = args.node_duration
    server.scenario.step_duration = args.step_duration
    print(f"fake ComfyUI listening on {server.url} (files in {server.base_dir})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
