"""What a test can dial on the fake server: timings, failures, GPU, models, Manager."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fake_comfy import reference


def _reference_models() -> dict[str, list[str]]:
    return {
        "checkpoints": reference.load("models_checkpoints.json"),
        "loras": ["random_lora.safetensors"],
    }


@dataclass
class GpuSpec:
    """A GPU for /system_stats (replaces the captured CPU device)."""

    name: str = "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync"
    vram_total: int = 25_757_220_864
    vram_free: int = 24_000_000_000
    torch_vram_total: int = 0
    torch_vram_free: int = 0
    type: str = "cuda"
    index: int | None = 0


@dataclass
class ManagerScenario:
    """ComfyUI-Manager V3.41 as captured (``mode="v1"``), or absent (``mode=None``).

    ``installed`` maps a pack (getlist key or id) to ``{"state": "enabled"|"disabled", ...}``;
    enabled packs add their node classes (from getmappings) to /object_info. Packs
    installed or disabled through the queue change /object_info only after POST
    /manager/reboot (or ``FakeComfy.restart()``), like the real Manager.

    By default POST /manager/queue/install answers 403 like the captured server (security
    level "strong" on ComfyUI 0.3.64). With ``accepting=True`` installs are recorded,
    queued, and run when /manager/queue/start is posted, reporting progress on
    /manager/queue/status and through ``cm-queue-status`` websocket messages.
    """

    mode: str | None = "v1"
    accepting: bool = False
    install_duration: float = 0.01
    fail_ids: set[str] = field(default_factory=set)
    installed: dict[str, dict] = field(default_factory=dict)


@dataclass
class Scenario:
    """Mutable knobs; the server reads them at the moment it needs them."""

    node_durations: dict[str, float] = field(default_factory=dict)
    default_node_duration: float = 0.005
    step_duration: float = 0.002
    fail_node: str | None = None
    fail_message: str = "Fake failure injected by the test scenario"
    fail_exception_type: str = "RuntimeError"
    disconnect_at_node: str | None = None
    http_delay: float = 0.0
    preview_frames: bool = True
    preview_size: int = 512
    gpu: GpuSpec | None = None
    models: dict[str, list[str]] = field(default_factory=_reference_models)
    manager: ManagerScenario = field(default_factory=ManagerScenario)
    extra_nodes: dict[str, dict] = field(default_factory=dict)
    hidden_nodes: set[str] = field(default_factory=set)

    def add_node_class(self, name: str, *, inputs: dict | None = None,
                       outputs: tuple[str, ...] = (), output_node: bool = False,
                       module: str = "custom_nodes.fake_pack") -> None:
        """Make /object_info (and validation) know a custom node class.

        ``inputs`` is ComfyUI's ``{"required": {name: [TYPE, {...}]}, "optional": ...}``.
        """
        inputs = inputs or {"required": {}}
        self.extra_nodes[name] = {
            "input": inputs, "input_order": {k: list(v) for k, v in inputs.items()},
            "output": list(outputs), "output_is_list": [False] * len(outputs),
            "output_name": list(outputs), "name": name, "display_name": name,
            "description": "", "python_module": module, "category": "fake",
            "output_node": output_node,
        }

    def duration_for(self, node_id: str, class_type: str) -> float:
        """Seconds a node takes (node id wins over class_type, then the default)."""
        if node_id in self.node_durations:
            return self.node_durations[node_id]
        return self.node_durations.get(class_type, self.default_node_duration)

    def fails(self, node_id: str, class_type: str) -> bool:
        """True when this node should raise at run time."""
        return self.fail_node is not None and self.fail_node in (node_id, class_type)
