"""A fake ComfyUI v0.3.64 server for tests: real HTTP + websocket on 127.0.0.1.

It behaves as the captured reference data in ``tests/data/comfyui-reference`` shows
(validation bodies, queue, history, websocket message order and fields, previews, userdata,
upload, ComfyUI-Manager V3.41 routes). It is a test double for a network peer; nothing ships.

Use the pytest fixtures (``tests/conftest.py`` imports them):

- ``fake_comfy``: the session's server, reset before each test.
- ``fake_comfy_factory()``: another independent server (closed at test end).

``FakeComfy`` (``tests/fake_comfy/server.py``):

- ``url``, ``port``, ``requests`` (RecordedRequest(method, path, query, json, headers,
  raw_path, body)), ``history`` / ``queue`` / ``manager_installs`` (copies),
  ``output_dir`` / ``input_dir`` / ``temp_dir`` / ``user_dir``.
- ``wait_idle(timeout)``, ``wait_history(prompt_id, timeout)``.
- ``stop()`` / ``start()``: an outage on the SAME port (the run continues server-side);
  ``restart(clear_history=True)``: a ComfyUI restart; ``crash()``: stop and lose
  everything but files; ``reset()``; ``close()``.
- ``scenario`` (``Scenario``, mutable at any time): ``node_durations`` (node id or
  class_type -> s), ``default_node_duration``, ``step_duration`` (per sampler step),
  ``fail_node`` (id or class_type) + ``fail_message`` / ``fail_exception_type``,
  ``disconnect_at_node``, ``http_delay``, ``preview_frames``, ``preview_size``,
  ``gpu`` (``GpuSpec`` for /system_stats), ``models`` (folder -> names; checkpoints and
  loras also feed /object_info), ``manager`` (``ManagerScenario``: ``mode`` "v1"/"v2"/None,
  ``accepting``, ``install_duration``, ``fail_ids``, ``installed``).

More routes: add a module with ``register(app, state)`` to ``ROUTE_MODULES`` in server.py;
``request.app[STATE]`` gives the ``ServerState`` (folders, scenario, sockets, history).
Run one by hand: ``python -m tests.fake_comfy --port 8188``.
"""

from tests.fake_comfy.scenario import GpuSpec, ManagerScenario, Scenario
from tests.fake_comfy.server import FakeComfy, RecordedRequest

__all__ = ["FakeComfy", "GpuSpec", "ManagerScenario", "RecordedRequest", "Scenario"]
