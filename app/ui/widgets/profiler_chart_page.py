"""The Profiler dock's Charts tab: builds the pyqtgraph charts the first time it is needed.

pyqtgraph and numpy stay off the startup path: until the tab is shown, live sample batches are
kept here and replayed into the charts when they are built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.profiler.engine import Step
from app.profiler.records import SampleSeries
from app.profiler.samples import Sample

if TYPE_CHECKING:
    from app.ui.widgets.profiler_charts import ProfilerCharts

SPLITTER_KEY = "profiler/charts_splitter"


class ChartsPage(QWidget):
    node_hovered = Signal(str)
    series_wanted = Signal(int)  # run id: the charts are built and need its stored samples

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        self.charts: ProfilerCharts | None = None
        self._steps: list[Step] = []
        self._pending: list[tuple[Sequence[Sample], float]] = []
        self._run_id: int | None = None  # the stored run shown, None while live or empty

    def ensure_built(self) -> ProfilerCharts:
        """Create the charts (first show of the tab) and give them what is shown so far."""
        if self.charts is not None:
            return self.charts
        from app.ui.widgets.profiler_charts import ProfilerCharts  # pyqtgraph: lazily

        charts = self.charts = ProfilerCharts(self)
        self.layout().addWidget(charts)
        state = QSettings().value(SPLITTER_KEY)
        if state is not None:
            charts.splitter.restoreState(state)
        charts.node_hovered.connect(self.node_hovered)
        charts.set_steps(self._steps)
        for batch, origin in self._pending:
            charts.add_samples(batch, origin)
        self._pending = []
        if self._run_id is not None:
            self.series_wanted.emit(self._run_id)
        return charts

    def clear(self) -> None:
        """Empty charts (a run starts, or the workflow's bare nodes are listed)."""
        self._steps, self._pending, self._run_id = [], [], None
        if self.charts is not None:
            self.charts.clear()

    def set_steps(self, steps: Sequence[Step]) -> None:
        self._steps = list(steps)
        if self.charts is not None:
            self.charts.set_steps(self._steps)

    def add_samples(self, batch: Sequence[Sample], origin: float) -> None:
        if self.charts is not None:
            self.charts.add_samples(batch, origin)
        else:
            self._pending.append((batch, origin))

    def show_run(self, run_id: int, steps: Sequence[Step]) -> None:
        """A stored run: its steps now, its samples once asked for (``series_wanted``)."""
        self._pending, self._run_id = [], run_id
        self.set_steps(steps)
        if self.charts is not None:
            self.series_wanted.emit(run_id)

    def set_series(self, run_id: int, series: SampleSeries) -> None:
        if self.charts is not None and run_id == self._run_id:  # not a stale answer
            self.charts.set_series(series)

    @Slot(str)
    def select_node(self, node_id: str) -> None:
        if self.charts is not None:
            self.charts.select_node(node_id)

    def save_state(self) -> None:
        if self.charts is not None:
            QSettings().setValue(SPLITTER_KEY, self.charts.splitter.saveState())

    def stop(self) -> None:
        if self.charts is not None:
            self.charts.stop()
