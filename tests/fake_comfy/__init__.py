"""A fake ComfyUI v0.3.64 server for tests: real HTTP + websocket on 127.0.0.1.

It behaves as the captured reference data in ``tests/data/comfyui-reference`` shows
(validation bodies, queue, history, websocket message order, previews, userdata, upload,
ComfyUI-Manager V3.41 routes). It is a test double for a network peer; nothing ships.
"""

from tests.fake_comfy.scenario import GpuSpec, ManagerScenario, Scenario
from tests.fake_comfy.server import FakeComfy, RecordedRequest

__all__ = ["FakeComfy", "GpuSpec", "ManagerScenario", "RecordedRequest", "Scenario"]
