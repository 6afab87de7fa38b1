"""Chart items of the Profiler charts: the sample buffer and the shaded node intervals.

Import lazily with profiler_charts (pyqtgraph).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsItem

from app.profiler.records import SampleSeries
from app.profiler.samples import Sample

GIB = 1024 ** 3
METRICS = ("vram", "process_vram", "ram", "gpu_load", "cpu")
_SCALE = {"vram": 1 / GIB, "process_vram": 1 / GIB, "ram": 1 / GIB, "gpu_load": 1.0, "cpu": 1.0}


def _over_background(r: int, g: int, b: int, alpha: float) -> QBrush:
    """An OPAQUE brush that looks like (r, g, b, alpha) over the plots' background.

    Spans are painted under the curves on every redraw; alpha-blending the whole plot area
    cost a third of each update in software rendering, a solid fill is a fraction of that.
    """
    bg = pg.mkColor(pg.getConfigOption("background"))
    mix = [round(alpha * c + (1 - alpha) * base)
           for c, base in zip((r, g, b), (bg.red(), bg.green(), bg.blue()), strict=True)]
    return QBrush(QColor(*mix))


# Consecutive nodes alternate two tones so that back-to-back intervals stay distinct.
_REGIONS = (_over_background(120, 120, 200, 0.2), _over_background(200, 160, 80, 0.16))
_REGION_SELECTED = _over_background(255, 200, 0, 0.35)


class SeriesBuffer:
    """Growable, preallocated float64 columns (t + one per metric); NaN = unknown."""

    def __init__(self, capacity: int = 4096) -> None:
        self._data = np.full((1 + len(METRICS), capacity), np.nan)
        self.n = 0
        self.has_gaps = dict.fromkeys(METRICS, False)
        self.has_values = dict.fromkeys(METRICS, False)  # any reading at all (else: unmeasured)

    def clear(self) -> None:
        self.n = 0
        self.has_gaps = dict.fromkeys(METRICS, False)
        self.has_values = dict.fromkeys(METRICS, False)

    def _reserve(self, extra: int) -> None:
        if self.n + extra > self._data.shape[1]:
            grown = np.full((self._data.shape[0], max(2 * self._data.shape[1], self.n + extra)),
                            np.nan)
            grown[:, :self.n] = self._data[:, :self.n]
            self._data = grown

    def extend(self, samples: Sequence[Sample], origin: float) -> None:
        self._reserve(len(samples))
        for i, sample in enumerate(samples, start=self.n):
            self._data[0, i] = sample.t - origin
            for row, name in enumerate(METRICS, start=1):
                value = getattr(sample, name)
                self._data[row, i] = np.nan if value is None else value * _SCALE[name]
        self._mark_gaps(self.n, self.n + len(samples))
        self.n += len(samples)

    def load(self, series: SampleSeries) -> None:
        self.clear()
        self._reserve(len(series))
        n = len(series)
        self._data[0, :n] = series.t
        for row, name in enumerate(METRICS, start=1):
            self._data[row, :n] = getattr(series, name) * _SCALE[name]
        self._mark_gaps(0, n)
        self.n = n

    def _mark_gaps(self, lo: int, hi: int) -> None:
        for row, name in enumerate(METRICS, start=1):
            missing = np.isnan(self._data[row, lo:hi])
            if not self.has_gaps[name] and missing.any():
                self.has_gaps[name] = True
            if not self.has_values[name] and not missing.all():
                self.has_values[name] = True

    @property
    def t(self) -> np.ndarray:
        return self._data[0, :self.n]

    def column(self, name: str) -> np.ndarray:
        return self._data[1 + METRICS.index(name), :self.n]


class NodeSpans(pg.GraphicsObject):
    """Every node's interval shaded in one item (one paint per frame, not one per node)."""

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[str, float, float]] = []
        self._selected: str | None = None
        self.setZValue(-10)
        # Paint only what Qt asks for (option.exposedRect), not the whole view each time.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def set_spans(self, spans: list[tuple[str, float, float]]) -> None:
        self._spans = spans
        self.update()

    def set_selected(self, node_id: str | None) -> None:
        self._selected = node_id
        self.update()

    def viewTransformChanged(self) -> None:  # pyqtgraph hook
        super().viewTransformChanged()  # drops pyqtgraph's cached view rectangle
        self.prepareGeometryChange()  # the bounds follow the visible range

    def boundingRect(self) -> QRectF:  # Qt override
        view = self.viewRect()
        return QRectF(view) if view is not None else QRectF()

    def paint(self, painter, option, *_args) -> None:
        view = self.viewRect()
        if view is None:
            return
        exposed = option.exposedRect if option is not None else view
        left, right = max(view.left(), exposed.left()), min(view.right(), exposed.right())
        for index, (node_id, t0, t1) in enumerate(self._spans):
            if t1 < left or t0 > right:
                continue
            brush = _REGION_SELECTED if node_id == self._selected else _REGIONS[index % 2]
            t0, t1 = max(t0, left), min(t1, right)
            painter.fillRect(QRectF(t0, view.top(), t1 - t0, view.height()), brush)


