"""The prompt worker: takes queued prompts and runs them node by node, talking on the
websocket in the order and with the fields the captured traces show."""

from __future__ import annotations

import asyncio
import heapq
import json
import struct
import time
from typing import Any

from tests.fake_comfy import graph, images, nodes_sim
from tests.fake_comfy.nodes_sim import NodeFailure, SimContext
from tests.fake_comfy.state import CacheEntry, ServerState, now_ms, strip_sensitive

_TRACEBACK_HEAD = [
    '  File "/opt/comfy/ComfyUI/execution.py", line 496, in execute\n'
    "    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data("
    "prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, "
    "pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)\n",
    '  File "/opt/comfy/ComfyUI/execution.py", line 315, in get_output_data\n'
    "    return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, "
    "input_data_all, obj.FUNCTION, allow_interrupt=True)\n",
    '  File "/opt/comfy/ComfyUI/execution.py", line 277, in process_inputs\n'
    "    result = f(**inputs)\n             ^^^^^^^^^^^\n",
]


class Interrupted(Exception):
    """/interrupt was noticed at a step or node boundary."""


class Aborted(Exception):
    """The fake server is being reset or restarted: drop the run silently."""


class Progress:
    """ComfyUI's per-prompt progress registry: every change sends ``progress_state``."""

    def __init__(self, run: PromptRun) -> None:
        self.run = run
        self.nodes: dict[str, dict[str, Any]] = {}

    def _entry(self, node_id: str) -> dict[str, Any]:
        return self.nodes.setdefault(node_id, {"state": "pending", "value": 0, "max": 1})

    async def start(self, node_id: str) -> None:
        self._entry(node_id).update(state="running", value=0.0, max=1.0)
        await self._send()

    async def update(self, node_id: str, value: int, maximum: int) -> None:
        self._entry(node_id).update(state="running", value=value, max=maximum)
        await self._send()

    async def finish(self, node_id: str) -> None:
        entry = self._entry(node_id)
        entry.update(state="finished", value=entry["max"])
        await self._send()

    async def _send(self) -> None:
        pid = self.run.prompt_id
        nodes = {
            nid: {"value": e["value"], "max": e["max"], "state": e["state"], "node_id": nid,
                  "prompt_id": pid, "display_node_id": nid, "parent_node_id": None,
                  "real_node_id": nid}
            for nid, e in self.nodes.items() if e["state"] != "pending"
        }
        await self.run.state.send("progress_state", {"prompt_id": pid, "nodes": nodes},
                                  self.run.client_id)


class PromptRun:
    """One execution of one queue item."""

    def __init__(self, state: ServerState, item: list[Any]) -> None:
        self.state = state
        self.scenario = state.scenario
        _, self.prompt_id, self.prompt, self.extra_data, self.outputs = item
        self.client_id: str | None = self.extra_data.get("client_id")
        self.messages: list[list[Any]] = []
        self.executed: list[str] = []
        self.values: dict[str, list[Any]] = {}
        self.progress = Progress(self)
        self.info = state.object_info()
        self.sigs: dict[str, str] = {}
        self.success = False
        self.ctx = SimContext(state.output_dir, state.temp_dir, state.input_dir,
                              self.prompt, self.extra_data, state.preview_prefixes)

    async def add_message(self, event: str, data: dict[str, Any], broadcast: bool) -> None:
        data = {**data, "timestamp": now_ms()}
        self.messages.append([event, data])
        if self.client_id is not None or broadcast:
            await self.state.send(event, data, self.client_id)

    async def execute(self) -> None:
        self.state.interrupt_flag = False
        self.state.client_id = self.client_id
        await self.add_message("execution_start", {"prompt_id": self.prompt_id}, False)
        self.sigs = graph.signatures(self.prompt, self._change_marker)
        keep = set(self.sigs.values())
        self.state.cache = {k: v for k, v in self.state.cache.items() if k in keep}
        cached = [n for n in self.prompt if self.sigs[n] in self.state.cache]
        for node_id in cached:
            self.values[node_id] = self.state.cache[self.sigs[node_id]].outputs
        await self.add_message("execution_cached",
                               {"nodes": cached, "prompt_id": self.prompt_id}, False)
        order = graph.execution_order(self.prompt, self.outputs, set(cached), self._is_output)
        for node_id in order:
            try:
                await self.run_node(node_id, node_id in cached)
            except Interrupted:
                await self._interrupted(node_id)
                return
            except NodeFailure as failure:
                await self._failed(node_id, failure)
                return
            except (Aborted, asyncio.CancelledError):
                raise
            except Exception as exc:  # a bug in the fake must not hang the queue
                await self._failed(node_id, NodeFailure(f"fake server error: {exc!r}",
                                                        type(exc).__name__))
                return
        self.success = True
        await self.add_message("execution_success", {"prompt_id": self.prompt_id}, False)

    def _is_output(self, node_id: str) -> bool:
        return bool(self.info[self.prompt[node_id]["class_type"]].get("output_node"))

    def _change_marker(self, node_id: str) -> Any:
        """Like LoadImage.IS_CHANGED: a changed input file invalidates the cache."""
        node = self.prompt[node_id]
        if node.get("class_type") not in ("LoadImage", "LoadImageMask"):
            return None
        target = self.state.input_dir / str(node.get("inputs", {}).get("image", ""))
        try:
            stat = target.stat()
        except OSError:
            return "missing"
        return [stat.st_size, stat.st_mtime_ns]

    async def run_node(self, node_id: str, cached: bool) -> None:
        if cached:
            await self._replay_cached(node_id)
            return
        class_type = self.prompt[node_id]["class_type"]
        if self.scenario.disconnect_at_node in (node_id, class_type):
            await self.state.drop_sockets()
        await self.progress.start(node_id)
        self.state.last_node_id = node_id
        if self.client_id is not None:
            await self.state.send("executing", {"node": node_id, "display_node": node_id,
                                                "prompt_id": self.prompt_id}, self.client_id)
        self._check_interrupt()
        values = self._resolve(self.prompt[node_id])
        await self._pause(self.scenario.duration_for(node_id, class_type), interruptible=False)
        if self.scenario.fails(node_id, class_type):
            raise NodeFailure(self.scenario.fail_message, self.scenario.fail_exception_type)
        steps = nodes_sim.sampler_steps(class_type, values)
        if steps:
            await self._sample(node_id, steps, nodes_sim.latent_of(values))
        outputs, ui = nodes_sim.simulate(node_id, class_type, self.info[class_type], values,
                                         self.ctx)
        ui_entry = await self._emit_ui(node_id, ui) if ui else None
        self.state.cache[self.sigs[node_id]] = CacheEntry(outputs, ui_entry)
        self.values[node_id] = outputs
        await self.progress.finish(node_id)
        self.executed.append(node_id)

    async def _replay_cached(self, node_id: str) -> None:
        """A cached output node: its old UI output is sent again, nothing runs."""
        entry = self.state.cache[self.sigs[node_id]]
        if self.client_id is not None:
            await self.state.send("executed", {
                "node": node_id, "display_node": node_id,
                "output": (entry.ui or {}).get("output"), "prompt_id": self.prompt_id,
            }, self.client_id)
        await self.progress.finish(node_id)

    async def _emit_ui(self, node_id: str, ui: dict[str, Any]) -> dict[str, Any]:
        if self.client_id is not None:
            await self.state.send("executed", {"node": node_id, "display_node": node_id,
                                               "output": ui, "prompt_id": self.prompt_id},
                                  self.client_id)
        return {"meta": {"node_id": node_id, "display_node": node_id, "parent_node": None,
                         "real_node_id": node_id},
                "output": ui}

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in node.get("inputs", {}).items():
            if graph.is_link(value):
                produced = self.values.get(value[0], [])
                values[name] = produced[value[1]] if value[1] < len(produced) else None
            else:
                values[name] = value
        return values

    async def _sample(self, node_id: str, steps: int, latent: dict[str, Any]) -> None:
        client = self.state.sockets.get(self.client_id) if self.client_id else None
        metadata_previews = bool(client and client.features.get("supports_preview_metadata"))
        for step in range(1, steps + 1):
            self._check_interrupt()
            await self._pause(self.scenario.step_duration, interruptible=True)
            await self.progress.update(node_id, step, steps)
            frame = None
            if self.scenario.preview_frames:
                frame = images.preview_jpeg(int(latent.get("width", 64)),
                                            int(latent.get("height", 64)),
                                            self.scenario.preview_size, step % 4)
            if frame is not None and metadata_previews:
                await self.state.send_binary(self._preview_with_metadata(node_id, frame),
                                             self.client_id)
            await self.state.send("progress", {"value": step, "max": steps,
                                               "prompt_id": self.prompt_id, "node": node_id},
                                  self.client_id)
            if frame is not None and not metadata_previews:
                await self.state.send_binary(struct.pack(">II", 1, 1) + frame, self.client_id)

    def _preview_with_metadata(self, node_id: str, frame: bytes) -> bytes:
        meta = json.dumps({"node_id": node_id, "prompt_id": self.prompt_id,
                           "display_node_id": node_id, "parent_node_id": None,
                           "real_node_id": node_id, "image_type": "image/jpeg"}).encode()
        return struct.pack(">II", 4, len(meta)) + meta + frame

    def _check_interrupt(self) -> None:
        if self.state.abort:
            raise Aborted
        if self.state.interrupt_flag:
            raise Interrupted

    async def _pause(self, seconds: float, interruptible: bool) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        wake = self.state.wake
        assert wake is not None
        while (remaining := deadline - loop.time()) > 0:
            if self.state.abort:
                raise Aborted
            if interruptible and self.state.interrupt_flag:
                raise Interrupted
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), remaining)
            except TimeoutError:
                break
        if self.state.abort:
            raise Aborted

    async def _interrupted(self, node_id: str) -> None:
        await self.add_message("execution_interrupted", {
            "prompt_id": self.prompt_id, "node_id": node_id,
            "node_type": self.prompt[node_id]["class_type"],
            "executed": list(self.executed)}, True)

    async def _failed(self, node_id: str, failure: NodeFailure) -> None:
        node = self.prompt[node_id]
        current_inputs = {name: [nodes_sim.format_value(v)]
                          for name, v in self._resolve(node).items()}
        everything = graph.discovery_order(self.prompt, list(self.outputs) + list(self.prompt))
        await self.add_message("execution_error", {
            "prompt_id": self.prompt_id, "node_id": node_id, "node_type": node["class_type"],
            "executed": list(self.executed),
            "exception_message": f"{failure}\n",
            "exception_type": failure.exception_type,
            "traceback": [*_TRACEBACK_HEAD,
                          f'  File "/opt/comfy/ComfyUI/nodes.py", line 1, in {node_id}\n'
                          f"    raise {failure.exception_type}({str(failure)!r})\n"],
            "current_inputs": current_inputs,
            "current_outputs": everything,
        }, False)

    def history_entry(self, item: list[Any]) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        if self.success:
            for node_id in self.prompt:
                entry = self.state.cache.get(self.sigs.get(node_id, ""))
                if entry is not None and entry.ui:
                    outputs[node_id] = entry.ui["output"]
                    meta[node_id] = entry.ui["meta"]
        number, prompt_id, prompt, extra_data, targets = item
        return {
            "prompt": [number, prompt_id, prompt, strip_sensitive(extra_data), targets],
            "outputs": outputs,
            "status": {"status_str": "success" if self.success else "error",
                       "completed": self.success, "messages": self.messages},
            "meta": meta,
        }


async def worker(state: ServerState) -> None:
    """Run queued prompts forever (one at a time, lowest number first)."""
    assert state.work is not None
    while True:
        while not state.pending:
            state.work.clear()
            await state.work.wait()
        item = heapq.heappop(state.pending)
        index = state.task_counter
        state.task_counter += 1
        state.running[index] = item
        state.running_prompt_id = item[1]
        await state.queue_updated()
        await _run_one(state, index, item)


async def _run_one(state: ServerState, index: int, item: list[Any]) -> None:
    run = PromptRun(state, item)
    started = time.perf_counter()
    try:
        await run.execute()
    except Aborted:
        state.running.pop(index, None)
        state.running_prompt_id = state.client_id = state.last_node_id = None
        state.maybe_idle()
        return
    state.running.pop(index, None)
    state.running_prompt_id = state.last_node_id = None
    state.record_history(item[1], run.history_entry(item))
    await state.queue_updated()
    if run.client_id is not None:
        await state.send("executing", {"node": None, "prompt_id": item[1]}, run.client_id)
    state.client_id = None
    await state.log(f"Prompt executed in {time.perf_counter() - started:.2f} seconds\n")
    state.maybe_idle()
