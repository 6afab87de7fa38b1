"""Profiler charts (pyqtgraph): VRAM/RAM and GPU/CPU load over time with node intervals
shaded and labelled, and per-node bars of time and peak VRAM.

Import this module lazily (pyqtgraph is slow to import and must not delay the first paint).
Samples go into preallocated numpy buffers; a 33 ms timer redraws only when data changed, so
sampling rate and redraw rate are independent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QGraphicsItem, QLabel, QSplitter, QVBoxLayout, QWidget

from app.profiler.engine import Step
from app.profiler.nvml import GPU_LOAD_NOTE
from app.profiler.records import SampleSeries
from app.profiler.samples import Sample
from app.ui.widgets.profiler_chart_items import GIB, NodeSpans, SeriesBuffer

REDRAW_MS = 33
EMPTY_NOTE = ("No run shown yet: run a profile (Ctrl+Return), or open a stored one in the "
              "History tab.")
GPU_NOT_MEASURED = ("GPU load was not measured in this run: it needs NVML (an NVIDIA driver) on "
                    "the machine running ComfyUI.")
_COLORS = {"vram": "#e15759", "process_vram": "#ff9da7", "ram": "#4e79a7", "gpu_load": "#59a14f",
           "cpu": "#f28e2b"}
# Readings that hold between refreshes (driver averages, 2 Hz per-process queries): steps.
HELD_READINGS = ("gpu_load", "process_vram")
_NAMES = {"vram": "VRAM (GiB)", "process_vram": "ComfyUI VRAM (GiB)", "ram": "RAM (GiB)",
          "gpu_load": "GPU load (%)", "cpu": "CPU (%)"}


def _title(title: str, names: Sequence[str]) -> str:
    keys = "&nbsp;&nbsp;".join(f'<span style="color:{_COLORS[n]}">&#9644; {_NAMES[n]}</span>'
                               for n in names)
    return f"{title}&nbsp;&nbsp;&nbsp;{keys}"


class ProfilerCharts(QWidget):
    """Time-series and per-node bar charts of one run."""

    node_hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buffer = SeriesBuffer()
        self._steps: list[Step] = []
        self._timed: list[Step] = []
        self._spans: list[NodeSpans] = []
        self._labels: list[pg.TextItem] = []
        self._selected: str | None = None
        self._hovered: str | None = None
        self._dirty = False
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()

    def _build(self) -> None:
        # Two views: live updates repaint the time series only, not the per-node bars.
        self.graphics = pg.GraphicsLayoutWidget()
        self.bars_graphics = pg.GraphicsLayoutWidget()
        self._build_series()
        self._build_bars()
        note = self.note = QLabel(EMPTY_NOTE)
        note.setWordWrap(True)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.graphics)
        self.splitter.addWidget(self.bars_graphics)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        layout.addWidget(note)
        for plot in (self.memory_plot, self.load_plot, self.time_bars_plot, self.vram_bars_plot):
            plot.scene().sigMouseMoved.connect(self._mouse_moved)

    def _build_series(self) -> None:
        self.memory_plot = self.graphics.addPlot(row=0, col=0)
        self.load_plot = self.graphics.addPlot(row=1, col=0)
        self.load_plot.setXLink(self.memory_plot)
        self._load_top = 100.0  # percent; a process's CPU can pass 100 % (several cores)
        self.load_plot.setYRange(0, self._load_top)
        self.load_plot.setLabel("bottom", "seconds since the run started")
        self.memory_plot.hideAxis("bottom")  # shared with the load plot below it
        # The time axis grows in steps instead of on every batch: axes (slow text painting)
        # are redrawn only when the range changes, and clipToView works without x autorange.
        self.memory_plot.enableAutoRange(x=False)
        self._x_max = 0.0
        self._follow = True
        self.memory_plot.vb.sigRangeChangedManually.connect(self._user_zoomed)
        self.load_plot.vb.sigXRangeChanged.connect(self._x_range_changed)
        self.load_plot.vb.sigResized.connect(self._view_resized)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for plot, title, names in ((self.memory_plot, "Memory", ("vram", "process_vram", "ram")),
                                   (self.load_plot, "Load", ("gpu_load", "cpu"))):
            spans = NodeSpans()
            plot.addItem(spans, ignoreBounds=True)
            self._spans.append(spans)
            for side in ("left", "bottom"):
                # Replaying an axis (tick text) costs milliseconds in software rendering;
                # a device-pixel cache makes an unchanged axis a blit.
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot.getAxis("left").setWidth(48)  # equal widths keep the linked time axes aligned
            # The title says which colour is which (a legend would sit on the node labels).
            plot.setTitle(_title(title, names))
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.showGrid(x=True, y=True, alpha=0.2)
            for name in names:
                # GPU load is an average over the past window and the process's VRAM is read
                # at 2 Hz: drawn as steps, not as lines suggesting detail between readings.
                # autoDownsampleFactor 1: one peak pair per pixel column is all a screen
                # shows (the default 5 draws 5x as much).
                # Width 1 (cosmetic) lines: wider pens are stroked as polygons, several
                # times slower in software rendering.
                self.curves[name] = plot.plot(
                    [], [], name=_NAMES[name], stepMode="right" if name in HELD_READINGS else None,
                    pen=pg.mkPen(_COLORS[name], width=1), autoDownsampleFactor=1.0)

    def _build_bars(self) -> None:
        self.time_bars_plot = self.bars_graphics.addPlot(row=0, col=0, title="Time per node (s)")
        self.vram_bars_plot = self.bars_graphics.addPlot(row=1, col=0,
                                                         title="Peak VRAM per node (GiB)")
        self.vram_bars_plot.setXLink(self.time_bars_plot)
        self.time_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush="#4e79a7")
        self.vram_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush="#e15759")
        self.time_bars_plot.addItem(self.time_bars)
        self.vram_bars_plot.addItem(self.vram_bars)
        self._bar_ticks: list = []
        for plot in (self.time_bars_plot, self.vram_bars_plot):
            for side in ("left", "bottom"):
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # -- data ------------------------------------------------------------------------------
    def clear(self) -> None:
        self.buffer.clear()
        self.set_steps([])
        self.follow_latest()

    def add_samples(self, samples: Sequence[Sample], origin: float) -> None:
        self.buffer.extend(samples, origin)
        self._dirty = True

    def set_series(self, series: SampleSeries) -> None:
        """Show a stored (finished) run: the time axis fits the whole run."""
        self.buffer.load(series)
        ends = [s.t_end for s in self._timed] + ([float(series.t[-1])] if len(series) else [])
        self._follow = False
        self._x_max = max(ends, default=0.0) or 1.0
        self.memory_plot.setXRange(0.0, self._x_max, padding=0.01)
        self._dirty = True

    def series_names(self) -> list[str]:
        return [_NAMES[name] for name in self.curves]

    def set_steps(self, steps: Sequence[Step]) -> None:
        """Shade and label each node's interval; bars of time and peak VRAM per node."""
        self._steps = list(steps)
        self._timed = [s for s in steps if s.t_start is not None and s.t_end is not None]
        self._sync_regions()
        x = np.arange(len(self._steps), dtype=float)
        self.time_bars.setOpts(x=x, height=[s.exec_time or 0.0 for s in self._steps], width=0.6)
        self.vram_bars.setOpts(x=x, height=[(s.vram_max or 0) / GIB for s in self._steps],
                               width=0.6)
        ticks = [[(i, s.node_id) for i, s in enumerate(self._steps)]]
        if ticks != self._bar_ticks:  # live updates mostly keep the nodes: keep the axis cache
            self._bar_ticks = ticks
            for plot in (self.time_bars_plot, self.vram_bars_plot):
                plot.getAxis("bottom").setTicks(ticks)

    def _sync_regions(self) -> None:
        spans = [(s.node_id, s.t_start, s.t_end) for s in self._timed]
        for item in self._spans:
            item.set_spans(spans)
        if len(self._labels) != len(self._timed):  # live updates mostly move the last end
            for label in self._labels:
                self.load_plot.removeItem(label)
            self._labels = []
            for _step in self._timed:
                # The load plot's y range is fixed (0-100 %): labels sit along its top edge.
                label = pg.TextItem("", color="#aaa", anchor=(0, 0))
                self.load_plot.addItem(label, ignoreBounds=True)
                self._labels.append(label)
        for label, step in zip(self._labels, self._timed, strict=True):
            text = step.node_title or step.node_id
            if label.toPlainText() != text:  # re-laying out unchanged text costs time
                label.setText(text)
            label.setPos(step.t_start, self._load_top)
        self._place_labels()
        self._paint_selection()

    @Slot(object, object)
    def _x_range_changed(self, _view, _range) -> None:
        self._place_labels()

    @Slot(object)
    def _view_resized(self, _view) -> None:
        self._place_labels()

    def _place_labels(self) -> None:
        """Label a node's interval only where the name fits inside it (and overlaps none).

        A name spilling over the next intervals would read as theirs, and short nodes in a row
        (loaders, text encoders) would print on top of each other; zooming in shows their
        names, and hovering any interval names its node in the table.
        """
        if not self._labels:
            return
        seconds_per_px = self.load_plot.vb.viewPixelSize()[0]
        if not np.isfinite(seconds_per_px) or seconds_per_px <= 0:
            return
        view_right = self.load_plot.vb.viewRange()[0][1]
        placed: list[tuple[float, float]] = []
        order = sorted(range(len(self._timed)),  # longest first (a node id that ran twice)
                       key=lambda i: self._timed[i].t_start - self._timed[i].t_end)
        for index in order:
            label, step = self._labels[index], self._timed[index]
            start = step.t_start
            end = start + (label.textItem.boundingRect().width() + 6) * seconds_per_px
            visible = (end <= min(step.t_end, view_right)
                       and all(end <= a or start >= b for a, b in placed))
            label.setVisible(visible)
            if visible:
                placed.append((start, end))

    def visible_labels(self) -> list[str]:
        return [label.toPlainText() for label in self._labels if label.isVisible()]

    def shaded_nodes(self) -> list[str]:
        return [node_id for node_id, _t0, _t1 in self._spans[0]._spans]

    def node_at(self, t: float) -> str | None:
        for step in self._timed:
            if step.t_start <= t <= step.t_end:
                return step.node_id
        return None

    # -- selection -------------------------------------------------------------------------
    def select_node(self, node_id: str | None) -> None:
        self._selected = node_id
        self._paint_selection()

    def _paint_selection(self) -> None:
        for item in self._spans:
            item.set_selected(self._selected)

    @Slot(object)
    def _mouse_moved(self, pos: QPointF) -> None:
        node_id = None
        for plot in (self.memory_plot, self.load_plot):
            if plot.sceneBoundingRect().contains(pos):
                node_id = self.node_at(plot.vb.mapSceneToView(pos).x())
        for plot in (self.time_bars_plot, self.vram_bars_plot):
            if plot.sceneBoundingRect().contains(pos):
                index = round(plot.vb.mapSceneToView(pos).x())
                if 0 <= index < len(self._steps):
                    node_id = self._steps[index].node_id
        if node_id is not None and node_id != self._hovered:
            self._hovered = node_id
            self.node_hovered.emit(node_id)

    # -- drawing ---------------------------------------------------------------------------
    @Slot()
    def _redraw(self) -> None:
        if self._dirty:
            self.redraw_now()

    @Slot(object)
    def _user_zoomed(self, _mask) -> None:
        self._follow = False  # the user looks at a part: stop moving the range under them

    def follow_latest(self) -> None:
        """Show the whole run again and keep following new samples."""
        self._follow = True
        self._x_max = 0.0
        self._dirty = True

    def _grow_x_range(self, t_last: float) -> None:
        if not self._follow or t_last <= self._x_max:
            return
        self._x_max = max(10.0, t_last * 1.25)
        self.memory_plot.setXRange(0.0, self._x_max, padding=0)

    def redraw_now(self) -> None:
        self._dirty = False
        t = self.buffer.t
        if len(t):
            self._grow_x_range(float(t[-1]))
            self._fit_load_range()
            note = GPU_LOAD_NOTE if self.buffer.has_values["gpu_load"] else GPU_NOT_MEASURED
        else:
            note = EMPTY_NOTE if not self._steps else self.note.text()
        if self.note.text() != note:
            self.note.setText(note)
        for name, curve in self.curves.items():
            y = self.buffer.column(name)
            if self.buffer.has_gaps[name]:
                curve.setData(t, y, connect="finite")
            else:
                curve.setData(t, y, skipFiniteCheck=True)

    def _fit_load_range(self) -> None:
        """Keep every CPU reading visible: the load axis grows in steps of 100 % (one core)."""
        cpu = self.buffer.column("cpu")
        peak = float(np.nanmax(cpu)) if self.buffer.has_values["cpu"] else 0.0
        top = max(100.0, 100.0 * np.ceil(peak / 100.0))
        if top != self._load_top:
            self._load_top = top
            self.load_plot.setYRange(0, top)
            for label, step in zip(self._labels, self._timed, strict=True):
                label.setPos(step.t_start, top)

    def stop(self) -> None:
        self._timer.stop()
