"""The Profiler's Qt models and charts, fed directly (no server)."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, Qt

from app.profiler.engine import Step
from app.profiler.samples import Sample
from app.ui.models.profiler import (
    COMMENT_COLUMN,
    RUNNING_BRUSH,
    STEP_COLUMNS,
    NodeIdRole,
    SortRole,
    StepTableModel,
)

GIB = 1024 ** 3


def _step(node_id, start, end, vram=1):
    return Step(node_id, f"title {node_id}", "KSampler", exec_time=None if end is None else
                end - start, t_start=start, t_end=end, vram_max=vram * GIB)


def test_live_growth_inserts_rows_and_keeps_typed_comments(qtmodeltester, qtbot):
    model = StepTableModel()
    qtmodeltester.check(model)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_steps([_step("4", 0.0, None)], running="4")
    model.setData(model.index(0, COMMENT_COLUMN), "slow load")
    model.set_steps([_step("4", 0.0, 1.0), _step("3", 1.0, None)], running="3")
    assert resets == [] and model.rowCount() == 2
    assert model.index(0, COMMENT_COLUMN).data() == "slow load"
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) == RUNNING_BRUSH
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(0, 3).data(SortRole) == 1.0  # time sorts as a number
    model.set_steps([_step("9", 0.0, 1.0)])  # another run: a reset
    assert resets == [1] and model.rowCount() == 1


def test_hovering_a_node_interval_in_the_chart_names_that_node(qtbot):
    from app.ui.widgets.profiler_charts import ProfilerCharts

    charts = ProfilerCharts()
    qtbot.addWidget(charts)
    charts.resize(800, 600)
    charts.show()
    qtbot.waitExposed(charts)
    charts.set_steps([_step("4", 0.0, 2.0), _step("3", 2.0, 5.0, vram=8)])
    charts.add_samples([Sample(t=i * 0.1, vram=GIB, cpu=10.0, gpu_load=50.0)
                        for i in range(50)], 0.0)
    charts.redraw_now()
    qtbot.waitUntil(lambda: charts.load_plot.vb.viewRange()[0][1] > 4.0)
    with qtbot.waitSignal(charts.node_hovered) as hovered:
        charts._mouse_moved(charts.load_plot.vb.mapViewToScene(QPointF(3.0, 50.0)))
    assert hovered.args == ["3"]
    charts.stop()


def test_gpu_load_of_a_node_shorter_than_the_driver_window_is_shown_as_approximate(qtbot):
    model = StepTableModel()
    short = Step("6", "Encode", "CLIPTextEncode", exec_time=0.2, gpu_load_max=40.0,
                 gpu_load_avg=30.0)
    long = Step("3", "KSampler", "KSampler", exec_time=4.0, gpu_load_max=99.0, gpu_load_avg=97.0)
    model.set_steps([short, long])
    gpu_max = next(c for c, (_h, attr, _f) in enumerate(STEP_COLUMNS) if attr == "gpu_load_max")
    assert model.index(0, gpu_max).data() == "≈40 %"
    assert model.index(1, gpu_max).data() == "99 %"
    assert "ran 0.20 s" in model.index(0, gpu_max).data(Qt.ItemDataRole.ToolTipRole)
    assert "1/6 s to 1 s" in model.headerData(gpu_max, Qt.Orientation.Horizontal,
                                              Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, gpu_max).data(SortRole) == 40.0  # still sorts as a number


def test_chart_labels_do_not_overlap_and_the_longest_nodes_are_named(qtbot):
    from app.ui.widgets.profiler_charts import EMPTY_NOTE, GPU_NOT_MEASURED, ProfilerCharts

    charts = ProfilerCharts()
    qtbot.addWidget(charts)
    charts.resize(800, 600)
    charts.show()
    qtbot.waitExposed(charts)
    assert charts.note.text() == EMPTY_NOTE  # empty plots say how to fill them
    # Five short loaders in a row, then a long sampler, as a real SD run looks.
    steps = [_step(str(k), k * 0.01, (k + 1) * 0.01) for k in range(5)]
    steps.append(_step("3", 0.05, 8.0))
    charts.set_steps(steps)
    charts.add_samples([Sample(t=i * 0.1, vram=GIB, cpu=10.0) for i in range(80)], 0.0)
    charts.redraw_now()
    qtbot.waitUntil(lambda: charts.load_plot.vb.viewRange()[0][1] >= 8.0)
    charts._place_labels()
    visible = charts.visible_labels()
    assert "title 3" in visible and len(visible) < len(steps)
    spans = [(label.pos().x(), label.mapRectToView(label.boundingRect()).right())
             for label in charts._labels if label.isVisible()]
    for (a0, a1), (b0, b1) in itertools.combinations(spans, 2):
        assert a1 <= b0 or b1 <= a0  # no two visible labels overlap
    for label, step in zip(charts._labels, charts._timed, strict=True):
        if label.isVisible():  # a name never spills into the next node's interval
            assert label.mapRectToView(label.boundingRect()).right() <= step.t_end
    assert charts.note.text() == GPU_NOT_MEASURED  # no GPU load in these samples: said so
    charts.add_samples([Sample(t=8.1, gpu_load=50.0)], 0.0)
    charts.redraw_now()
    assert "driver's average" in charts.note.text()
    charts.add_samples([Sample(t=8.2, cpu=250.0)], 0.0)  # ComfyUI busy on 2.5 cores
    charts.redraw_now()
    assert charts.load_plot.vb.viewRange()[1][1] >= 250.0  # the reading is not cut off
    assert all(label.pos().y() == 300.0 for label in charts._labels)  # labels along the top
    charts.clear()
    charts.redraw_now()
    assert charts.note.text() == EMPTY_NOTE
    charts.stop()


def test_step_table_filters_sorts_numerically_and_hides_columns(qtbot):
    from app.ui.widgets.profiler_steps import StepsPanel

    panel = StepsPanel()
    qtbot.addWidget(panel)
    panel.show_run(None, [_step("10", 0.0, 3.0), _step("9", 3.0, 3.5), _step("100", 3.5, 4.0)])
    panel.filter_edit.setText("title 10")
    assert panel.proxy.rowCount() == 2  # "title 10" and "title 100"
    panel.filter_edit.clear()
    panel.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [panel.proxy.index(r, 0).data() for r in range(3)] == ["9", "10", "100"]
    panel.view.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # slowest first
    assert panel.proxy.index(0, 0).data() == "10"
    panel.set_column_visible(2, False)
    state = panel.save_state()
    again = StepsPanel()
    qtbot.addWidget(again)
    again.restore_state(state)
    assert again.view.horizontalHeader().isSectionHidden(2)


def test_charts_page_keeps_live_samples_until_built_and_ignores_stale_series(qtbot):
    import numpy as np

    from app.profiler.records import SampleSeries
    from app.ui.widgets.profiler_chart_page import ChartsPage

    page = ChartsPage()
    qtbot.addWidget(page)
    page.set_steps([_step("4", 0.0, 1.0)])
    page.add_samples([Sample(t=10.0 + i * 0.05, vram=GIB) for i in range(7)], 10.0)
    assert page.charts is None  # nothing built (pyqtgraph not needed) until shown
    charts = page.ensure_built()
    assert charts.buffer.n == 7 and charts.shaded_nodes() == ["4"]
    with qtbot.waitSignal(page.series_wanted) as wanted:
        page.show_run(12, [_step("3", 0.0, 2.0)])
    assert wanted.args == [12]
    series = SampleSeries(*(np.arange(3.0) for _ in range(6)))
    page.set_series(11, series)  # an older request answering late: ignored
    assert charts.buffer.n == 7
    page.set_series(12, series)
    assert charts.buffer.n == 3
    page.stop()


def test_title_tooltip_lists_the_inputs_as_run(qtbot):
    model = StepTableModel()
    step = Step("3", "KSampler", "KSampler",
                inputs_json='{"seed": 42, "model": ["4", 0], "text": "caf\\u00e9"}')
    model.set_steps([step, Step("9", "odd", "X", inputs_json="not json")])
    tip = model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines() == ["Inputs as run:", "seed: 42", 'model: ["4", 0]',
                                'text: "café"']
    assert "not json" in model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole)


def test_comparison_sorts_by_the_numbers_and_marks_regressions(qtmodeltester):
    from datetime import datetime

    from PySide6.QtCore import QSortFilterProxyModel

    from app.profiler.compare import compare_runs
    from app.profiler.records import RunRecord, RunSummary
    from app.ui.models.profiler import REGRESSION_BRUSH, ComparisonModel

    def run(run_id, times):
        summary = RunSummary(run_id, datetime(2026, 11, 21), f"r{run_id}", "completed", 9.0)
        return RunRecord(summary, [Step(n, n, "T", exec_time=t, vram_max=GIB)
                                   for n, t in times.items()])

    model = ComparisonModel()
    model.set_comparison(compare_runs(run(1, {"3": 2.0, "8": 0.4, "10": 9.0}),
                                      run(2, {"3": 1.0, "8": 1.4, "10": 9.05, "20": 0.1})))
    qtmodeltester.check(model)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    proxy.sort(4, Qt.SortOrder.DescendingOrder)  # Δ time, biggest first
    order = [proxy.index(r, 0).data(NodeIdRole) for r in range(proxy.rowCount())]
    assert order[:3] == ["8", "10", "3"]  # +1.0 s, +0.05 s, -1.0 s (not text order)
    assert model.regressed_nodes() == ["8"]
    row_8 = proxy.index(0, 4)
    assert row_8.data() == "+1.000 s" and row_8.data(Qt.ItemDataRole.ForegroundRole) == \
        REGRESSION_BRUSH
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data(NodeIdRole) for r in range(4)] == ["3", "8", "10", "20"]
