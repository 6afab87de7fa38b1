"""The Profiler's Qt models and charts, fed directly (no server)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from app.profiler.engine import Step
from app.profiler.samples import Sample
from app.ui.models.profiler import COMMENT_COLUMN, RUNNING_BRUSH, SortRole, StepTableModel

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
