"""Comparing two runs node by node, and per-group totals of a run."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.profiler.engine import Step
from app.profiler.records import Group, RunRecord

# A node counts as a regression when it got slower / hungrier by both a relative and an
# absolute margin (a 2 ms node that takes 3 ms is noise, not a regression).
TIME_REGRESSION = (0.10, 0.05)            # +10 % and +50 ms
VRAM_REGRESSION = (0.10, 64 * 1024 ** 2)  # +10 % and +64 MiB


@dataclass
class NodeDelta:
    node_id: str
    node_title: str
    node_type: str
    time_a: float | None
    time_b: float | None
    vram_a: int | None
    vram_b: int | None
    cached_a: bool = False
    cached_b: bool = False

    @property
    def d_time(self) -> float | None:
        if self.time_a is None or self.time_b is None:
            return None
        return self.time_b - self.time_a

    @property
    def d_vram(self) -> int | None:
        if self.vram_a is None or self.vram_b is None:
            return None
        return self.vram_b - self.vram_a

    @property
    def time_regressed(self) -> bool:
        return _regressed(self.time_a, self.time_b, *TIME_REGRESSION)

    @property
    def vram_regressed(self) -> bool:
        return _regressed(self.vram_a, self.vram_b, *VRAM_REGRESSION)

    @property
    def regressed(self) -> bool:
        return self.time_regressed or self.vram_regressed

    @property
    def improved(self) -> bool:
        """Faster or leaner by the same margins that make a regression (and not regressed)."""
        return not self.regressed and (_regressed(self.time_b, self.time_a, *TIME_REGRESSION)
                                       or _regressed(self.vram_b, self.vram_a, *VRAM_REGRESSION))


def _regressed(a: float | None, b: float | None, rel: float, absolute: float) -> bool:
    if a is None or b is None:
        return False
    return b - a > absolute and b > a * (1 + rel)


@dataclass
class Comparison:
    run_a: RunRecord
    run_b: RunRecord
    rows: list[NodeDelta] = field(default_factory=list)
    only_a: list[Step] = field(default_factory=list)
    only_b: list[Step] = field(default_factory=list)

    @property
    def d_total(self) -> float | None:
        a, b = self.run_a.summary.total_time, self.run_b.summary.total_time
        return None if a is None or b is None else b - a

    @property
    def regressions(self) -> list[NodeDelta]:
        return [row for row in self.rows if row.regressed]


def compare_runs(run_a: RunRecord, run_b: RunRecord) -> Comparison:
    """Per node present in both: Δtime and ΔVRAM max (B minus A); nodes only in one run."""
    steps_a = {s.node_id: s for s in run_a.steps}
    steps_b = {s.node_id: s for s in run_b.steps}
    result = Comparison(run_a, run_b)
    for node_id, b in steps_b.items():
        a = steps_a.get(node_id)
        if a is None:
            result.only_b.append(b)
            continue
        result.rows.append(NodeDelta(node_id, b.node_title, b.node_type, a.exec_time, b.exec_time,
                                     a.vram_max, b.vram_max, a.cached, b.cached))
    result.only_a = [a for node_id, a in steps_a.items() if node_id not in steps_b]
    return result


@dataclass
class GroupTotal:
    group: Group
    nodes: int
    exec_time: float
    vram_max: int | None


def group_totals(steps: list[Step], groups: list[Group]) -> list[GroupTotal]:
    """Time summed and VRAM peak over the run's steps whose node id belongs to each group."""
    totals = []
    by_node = {s.node_id: s for s in steps}
    for group in groups:
        members = [by_node[n] for n in group.node_ids if n in by_node]
        vrams = [s.vram_max for s in members if s.vram_max is not None]
        totals.append(GroupTotal(group, len(members), sum(s.exec_time or 0.0 for s in members),
                                 max(vrams) if vrams else None))
    return totals
