"""Client figures: event parsing, UI->API conversion, and stream latencies (fake server).

Run: .venv/bin/python -m benchmarks.comfy_client
"""

from __future__ import annotations

import copy
import json
import statistics
import threading
import time
import uuid

from app.comfy import events as ev
from app.comfy.client import ComfyClient
from app.comfy.stream import EventStream
from app.comfy.workflow import ui_to_api
from tests.comfy.refdata import REF, load, object_info, trace, trace_names
from tests.fake_comfy.server import FakeComfy


def _time(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def parsing() -> list[tuple[str, str]]:
    frames = [
        json.dumps(r["msg"]) for name in trace_names() for r in trace(name) if r["kind"] == "text"
    ]
    per_pass = _time(lambda: [ev.parse_text(f, 0.0) for f in frames], 50)
    return [("parse text frames", f"{len(frames) / per_pass:,.0f} frames/s")]


def conversion() -> list[tuple[str, str]]:
    info = object_info()
    rows = []
    for name in ("workflow_ui_example.json", "template_lora_ui.json"):
        ui = load(name)
        rows.append(
            (f"ui_to_api {name}", f"{_time(lambda ui=ui: ui_to_api(ui, info), 200) * 1e3:.3f} ms")
        )
    raw = (REF / "object_info.json").read_bytes()
    rows.append(
        ("json.loads object_info (0.8 MB)", f"{_time(lambda: json.loads(raw), 10) * 1e3:.1f} ms")
    )
    return rows


class _Waiter:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.events: list[ev.Event] = []

    def __call__(self, event: ev.Event) -> None:
        with self.cond:
            self.events.append((time.monotonic(), event))
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = 20.0):
        with self.cond:
            self.cond.wait_for(lambda: any(predicate(e) for _, e in self.events), timeout)
            return next(t for t, e in self.events if predicate(e))


def latencies() -> list[tuple[str, str]]:
    server = FakeComfy()
    prompt = load("prompt_api.json")["prompt"]
    client = ComfyClient(server.url)
    rows = []
    try:
        ends, gaps = [], []
        for round_ in range(10):
            waiter = _Waiter()
            stream = EventStream(server.url, uuid.uuid4().hex, waiter)
            stream.start()
            stream.wait_connected(5)
            pid = str(uuid.uuid4())
            stream.watch(pid, posted=False)
            client.queue_prompt(copy.deepcopy(prompt), stream.client_id, prompt_id=pid)
            done = waiter.wait(lambda e, pid=pid: isinstance(e, ev.PromptFinished))
            end = waiter.wait(lambda e: isinstance(e, ev.ExecutionSuccess))
            ends.append(done - end)
            server.wait_idle(5)
            server.scenario.disconnect_at_node = "8"
            pid2 = str(uuid.uuid4())
            stream.watch(pid2, posted=False)
            changed = copy.deepcopy(prompt)
            changed["3"]["inputs"]["seed"] = 1000 + round_  # not cached: node 8 really runs
            client.queue_prompt(changed, stream.client_id, prompt_id=pid2)
            lost = waiter.wait(lambda e: isinstance(e, ev.ConnectionChanged) and not e.connected)
            found = waiter.wait(
                lambda e, p=pid2: isinstance(e, ev.PromptFinished) and e.prompt_id == p
            )
            gaps.append(found - lost)
            server.scenario.disconnect_at_node = None
            stream.stop()
            server.wait_idle(5)
        rows.append(
            (
                "execution_success -> PromptFinished (ws)",
                f"median {statistics.median(ends) * 1e3:.2f} ms",
            )
        )
        rows.append(
            (
                "socket dropped -> PromptFinished (reconcile)",
                f"median {statistics.median(gaps) * 1e3:.0f} ms (backoff 0.5 s first)",
            )
        )
    finally:
        server.close()
    return rows


def main() -> None:
    rows = parsing() + conversion() + latencies()
    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-+-{'-' * 30}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
