"""The Qt bridge: websocket events reach the GUI thread as signals, results exactly once."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThread, Slot

from app.comfy import events as ev
from app.config import Backend, Settings
from app.ui.backends import BackendHub

pytestmark = pytest.mark.integration

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"


class Collector(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[object] = []
        self.threads: set[bool] = set()

    @Slot(object)
    def take(self, event: object) -> None:
        self.threads.add(QThread.currentThread() is self.thread())
        self.events.append(event)

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def _reference_prompt() -> dict:
    return copy.deepcopy(json.loads((REFERENCE / "prompt_api.json").read_text())["prompt"])


def test_events_arrive_on_the_gui_thread_and_a_result_once(qtbot, fake_comfy):
    fake_comfy.scenario.preview_frames = True
    hub = BackendHub(Settings(backends=[Backend(fake_comfy.url)], active_backend=fake_comfy.url),
                     poll=False)
    collector = Collector()
    hub.event_received.connect(collector.take)
    hub.start()
    try:
        qtbot.waitUntil(lambda: bool(collector.of(ev.ConnectionChanged)), timeout=5000)
        prompt_id = uuid.uuid4().hex
        hub.watch(prompt_id, posted=False)
        hub.client().queue_prompt(_reference_prompt(), hub.client_id, prompt_id=prompt_id)
        hub.watch(prompt_id)
        qtbot.waitUntil(lambda: bool(collector.of(ev.PromptFinished)), timeout=10000)
        finished = collector.of(ev.PromptFinished)
        assert [(f.prompt_id, f.outcome) for f in finished] == [(prompt_id, "success")]
        assert finished[0].outputs  # SaveImage's images
        assert collector.of(ev.ExecutionStart) and collector.of(ev.Executing)
        assert collector.of(ev.PreviewImage) and collector.of(ev.Progress)
        assert collector.threads == {True}, "every event is delivered on the GUI thread"
        received = [e.received for e in collector.events if hasattr(e, "received")]
        assert received == sorted(received)  # monotonic receive stamps, in order
    finally:
        hub.stop()
