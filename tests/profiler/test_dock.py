"""The Profiler dock driven like a person would, against the fake ComfyUI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt

from app.config import Backend, Settings, SettingsStore, resolve_paths
from app.profiler.sources import WorkflowSource
from app.ui.models.profiler import RUNNING_BRUSH

pytestmark = pytest.mark.integration
REF = Path(__file__).resolve().parents[1] / "data" / "comfyui-reference"
RUN_TIMEOUT = 20_000


@pytest.fixture
def ctx(fake_comfy):
    from app.ui.context import build_context

    paths = resolve_paths().ensure()
    SettingsStore(paths.settings_file).save(
        Settings(backends=[Backend(fake_comfy.url)], active_backend=fake_comfy.url))
    context = build_context(paths, start_backends=False, poll=False)
    yield context
    context.shutdown()


@pytest.fixture
def dock(ctx, qtbot):
    from app.ui.docks.profiler import ProfilerDock

    widget = ProfilerDock(ctx)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()
    ctx.tasks.shutdown()


def write_workflow(path: Path, extra_node: bool = False) -> Path:
    prompt = json.loads((REF / "prompt_api.json").read_text())["prompt"]
    if extra_node:
        prompt["20"] = {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]},
                        "_meta": {"title": "Preview"}}
    path.write_text(json.dumps(prompt), encoding="utf-8")
    return path


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_update_run_mismatch_force_and_compare(dock, fake_comfy, qtbot, tmp_path):
    fake_comfy.scenario.node_durations = {"8": 0.4}
    workflow = write_workflow(tmp_path / "flow.json")
    dock.set_source(WorkflowSource("file", str(workflow)))
    with qtbot.waitSignal(dock.snapshot_saved, timeout=5000):
        click(qtbot, dock.update_button)
    assert "8 nodes" in dock.snapshot_label.text()

    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT) as first:
        click(qtbot, dock.run_button)
        # live: the running node is highlighted while it runs
        model = dock.steps.step_model
        qtbot.waitUntil(lambda: model.row_of("8") >= 0 and model.data(
            model.index(model.row_of("8"), 0), Qt.ItemDataRole.BackgroundRole) == RUNNING_BRUSH,
            timeout=RUN_TIMEOUT)
        # a comment typed while the run goes on survives the live refreshes and the end
        model.setData(model.index(model.row_of("4"), model.columnCount() - 1), "cold cache")
    record_a = first.args[0]
    assert record_a.summary.status == "completed" and not record_a.summary.forced
    assert dock.steps.step_model.rowCount() == 8
    assert model.index(model.row_of("4"), model.columnCount() - 1).data() == "cold cache"
    qtbot.waitUntil(lambda: {s.node_id: s.step_comment for s in dock._store.get_run(
        record_a.id).steps}["4"] == "cold cache", timeout=5000)
    assert "completed" in dock.status_label.text()

    charts = dock.build_charts()
    assert charts.series_names() == ["VRAM (GiB)", "ComfyUI VRAM (GiB)", "RAM (GiB)",
                                     "GPU load (%)", "CPU (%)"]  # one series per metric
    qtbot.waitUntil(lambda: charts.buffer.n > 0, timeout=5000)
    charts.redraw_now()
    assert len(charts.curves["ram"].xData) == charts.buffer.n
    assert set(charts.shaded_nodes()) == {s.node_id for s in record_a.steps if s.t_end is not None}
    charts.node_hovered.emit("8")  # hovering the chart selects the node in the table
    assert dock.steps.selected_node_ids() == ["8"]
    dock.steps.select_node("3")  # and selecting in the table highlights it in the chart
    assert charts._selected == "3"

    write_workflow(workflow, extra_node=True)
    with qtbot.waitSignal(dock.mismatch_shown, timeout=5000):
        click(qtbot, dock.run_button)
    assert dock.warning.isVisible()
    assert "added: 20 PreviewImage 'Preview'" in dock.warning_label.text()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT) as second:
        click(qtbot, dock.force_button)
    record_b = second.args[0]
    assert record_b.summary.forced and not dock.warning.isVisible()

    dock.tabs.setCurrentWidget(dock.history)
    qtbot.waitUntil(lambda: dock.history.runs_model.rowCount() == 2, timeout=5000)
    dock.history.select_runs([record_a.id, record_b.id])
    with qtbot.waitSignal(dock.history.compared, timeout=5000) as compared:
        dock.history.compare_selected()
    comparison = compared.args[0]
    assert [s.node_id for s in comparison.only_b] == ["20"]
    assert dock.history.comparison_model.rowCount() == len(comparison.rows) + 1
    assert "against" in dock.history.comparison_label.text()


def test_groups_comments_export_and_column_layout(dock, ctx, fake_comfy, qtbot, tmp_path):
    workflow = write_workflow(tmp_path / "flow.json")
    dock.set_source(WorkflowSource("file", str(workflow)))
    with qtbot.waitSignal(dock.snapshot_saved, timeout=5000):
        dock.update_nodes()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT) as done:
        dock.run_profile()
    run_id = done.args[0].id

    groups = dock.groups
    groups.create_group("Decode")
    qtbot.waitUntil(lambda: groups.model.rowCount() == 1, timeout=5000)
    groups.view.selectionModel().select(
        groups.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    dock.steps.select_node("8")
    groups.add_selected_nodes()
    qtbot.waitUntil(lambda: groups.model.index(0, 1).data() == "1", timeout=5000)
    assert groups.model.index(0, 4).data() == "8"

    model = dock.steps.step_model
    model.setData(model.index(model.row_of("8"), model.columnCount() - 1), "decoder is slow")
    dock.steps.comment_edit.setText("baseline")
    dock.steps.comment_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: dock._store.get_run(run_id).summary.global_comment == "baseline",
                    timeout=5000)

    def comment_of_8() -> str:
        return next(s.step_comment for s in dock._store.get_run(run_id).steps
                    if s.node_id == "8")

    qtbot.waitUntil(lambda: comment_of_8() == "decoder is slow", timeout=5000)

    exported = []
    dock.history.export(run_id, tmp_path / "run.csv", on_done=exported.append)
    qtbot.waitUntil(lambda: bool(exported), timeout=5000)
    assert "decoder is slow" in (tmp_path / "run.csv").read_text(encoding="utf-8")

    dock.steps.set_column_visible(4, False)
    dock.save_layout()
    from app.ui.docks.profiler import ProfilerDock

    again = ProfilerDock(ctx)
    qtbot.addWidget(again)
    assert again.steps.view.horizontalHeader().isSectionHidden(4)
    assert again.current_source() == WorkflowSource("file", str(workflow))  # remembered
    qtbot.waitUntil(lambda: SettingsStore(ctx.paths.settings_file).load().section("profiler")
                    .get("recent_files") == [str(workflow)], timeout=5000)
    assert QSettings().value("profiler/steps_header") is not None
    again.shutdown()


def test_models_pass_the_model_tester(dock, qtmodeltester, qtbot, tmp_path):
    dock.set_source(WorkflowSource("file", str(write_workflow(tmp_path / "flow.json"))))
    with qtbot.waitSignal(dock.mismatch_shown, timeout=5000):
        dock.run_profile()  # no snapshot yet: the warning offers Update nodes / Force run
    assert "no reference snapshot" in dock.warning_label.text().lower()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT):
        dock.force_run()
    qtbot.waitUntil(lambda: dock.history.runs_model.rowCount() == 1, timeout=5000)
    for model in (dock.steps.step_model, dock.history.runs_model,
                  dock.history.comparison_model, dock.groups.model):
        qtmodeltester.check(model)


def test_the_dock_says_what_a_run_samples_with_and_which_pool_profile_it_uses(
        dock, ctx, fake_comfy, qtbot, tmp_path):
    # Before any run: the backends this machine offers. No NVIDIA driver here, so the REAL
    # pynvml is skipped with its reason and GPU load is said to be unmeasured.
    qtbot.waitUntil(lambda: "NVML skipped" in dock.sampling_label.text(), timeout=5000)
    assert "psutil" in dock.sampling_label.text()
    assert "GPU load is not measured" in dock.sampling_label.text()
    assert "none" in dock.controls.profile_label.text()

    fake_comfy.scenario.add_node_class(
        "GridImagePool", inputs={"required": {"index": ["INT", {}], "pool_id": ["STRING", {}]}},
        outputs=("IMAGE",))
    prompt = json.loads((REF / "prompt_api.json").read_text())["prompt"]
    prompt["30"] = {"class_type": "GridImagePool", "inputs": {"index": -1, "pool_id": "old"}}
    workflow = tmp_path / "pool flow.json"
    workflow.write_text(json.dumps(prompt), encoding="utf-8")
    ctx.settings.section("profiles")["selected_id"] = "pool-42"  # "Use in runs" in Profiles
    ctx.signals.settings_changed.emit()
    assert "pool-42" in dock.controls.profile_label.text()

    dock.set_source(WorkflowSource("file", str(workflow)))
    with qtbot.waitSignal(dock.mismatch_shown, timeout=5000):
        dock.run_profile()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT) as done:
        dock.force_run()
    summary = done.args[0].summary
    assert summary.profile_id == "pool-42" and summary.name == "pool flow.json"
    assert "Image Pool profile pool-42 was applied" in dock.status_label.text()
    (entry,) = fake_comfy.history.values()
    assert entry["prompt"][2]["30"]["inputs"]["pool_id"] == "pool-42"  # what ComfyUI ran


def test_export_says_where_it_wrote_and_a_full_disk_is_one_clear_message(
        dock, qtbot, tmp_path, monkeypatch):
    import errno
    import os

    from app.profiler.engine import Step

    run_id = dock._store.begin_run(name="stored «run»")
    dock._store.finish_run(run_id, status="completed", total_time=1.0,
                           steps=[Step("3", "KSampler", "KSampler", exec_time=1.0)])
    with qtbot.waitSignal(dock.history.exported, timeout=5000):
        dock.history.export(run_id, tmp_path / "ok.csv")
    assert f"Exported run #{run_id}" in dock.status_label.text()

    def full_disk(*_args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)
    with qtbot.waitSignal(dock.error_shown, timeout=5000) as shown:
        dock.history.export(run_id, tmp_path / "ok.csv")
    assert "No space left on device" in shown.args[0] and "nothing was lost" in shown.args[0]
    assert "KSampler" in (tmp_path / "ok.csv").read_text(encoding="utf-8")  # old file intact


def test_groups_can_be_set_up_before_any_run_and_runs_are_deleted_only_when_confirmed(
        dock, qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from app.profiler.engine import Step

    assert "No groups yet" in dock.groups.hint_label.text()
    dock.groups.add_selected_nodes()  # nothing chosen: the panel says what to do
    assert "Select a group" in dock.groups.hint_label.text()

    dock.set_source(WorkflowSource("file", str(write_workflow(tmp_path / "flow.json"))))
    with qtbot.waitSignal(dock.snapshot_saved, timeout=5000):
        qtbot.keyClick(dock.run_button, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    model = dock.steps.step_model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == [
        "3", "4", "5", "6", "7", "8", "9", "10"]  # the workflow's nodes, before any run
    assert "not run yet" in dock.steps.run_label.text()

    groups = dock.groups
    groups.create_group("Décodage «VAE»")
    qtbot.waitUntil(lambda: groups.model.rowCount() == 1, timeout=5000)
    groups.view.selectRow(0)
    groups.add_selected_nodes()
    assert "Select nodes in the Steps tab" in groups.hint_label.text()
    dock.steps.select_node("8")
    groups.add_selected_nodes()
    qtbot.waitUntil(lambda: groups.model.index(0, 4).data() == "8", timeout=5000)
    assert dock._store.list_groups()[0].node_ids == ["8"]
    row_8 = model.index(model.row_of("8"), 0)  # the node carries its group's colour
    assert row_8.data(Qt.ItemDataRole.DecorationRole).name() == dock._store.list_groups()[0].color
    assert row_8.data(Qt.ItemDataRole.ToolTipRole) == "Groups: Décodage «VAE»"
    assert groups.model.setData(groups.model.index(0, 0), "Decode")  # renamed in place (F2)
    qtbot.waitUntil(lambda: groups.model.index(0, 0).data() == "Decode", timeout=5000)
    groups.set_colour(groups.model.group_id(0), "#ff0000")
    qtbot.waitUntil(lambda: dock._store.list_groups()[0].color == "#ff0000", timeout=5000)
    groups.view.selectRow(0)
    groups.delete_selected()
    qtbot.waitUntil(lambda: groups.model.rowCount() == 0, timeout=5000)
    assert dock._store.list_groups() == [] and "No groups yet" in groups.hint_label.text()
    assert model.index(model.row_of("8"), 0).data(Qt.ItemDataRole.DecorationRole) is None

    history = dock.history
    qtbot.waitUntil(lambda: history.empty_label.isHidden() is False, timeout=5000)
    run_id = dock._store.begin_run(name="keep me?")
    dock._store.finish_run(run_id, status="completed", total_time=1.0,
                           steps=[Step("8", "VAE Decode", "VAEDecode", exec_time=1.0)])
    history.refresh()
    qtbot.waitUntil(lambda: history.runs_model.rowCount() == 1, timeout=5000)
    assert history.empty_label.isHidden()
    dock.tabs.setCurrentWidget(history)
    history.select_runs([])
    history._open_selected()  # nothing selected: told what to do, not silence
    assert "Select a run" in dock.status_label.text()
    history.select_runs([run_id])
    history._open_selected()
    qtbot.waitUntil(lambda: dock.tabs.currentWidget() is dock.steps, timeout=5000)
    assert dock.steps.run_label.text() == f"#{run_id} keep me? (completed)"
    assert "Showing #" in dock.status_label.text()
    dock.tabs.setCurrentWidget(history)
    history.runs_view.setFocus()
    qtbot.keyClick(history.runs_view, Qt.Key.Key_Delete)
    box = history.confirm_box
    assert box is not None and box.isVisible() and "cannot be undone" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert [r.id for r in dock._store.list_runs()] == [run_id]  # Cancel keeps it
    history.delete_selected()
    history.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: history.runs_model.rowCount() == 0, timeout=5000)
    assert dock._store.list_runs() == []


def test_bad_input_and_a_vanished_comfyui_are_one_clear_message_and_nothing_sticks(
        dock, fake_comfy, qtbot, tmp_path):
    bad = tmp_path / "broken «flow».json"
    bad.write_text('{"3": {"class_type": "KSampler", ', encoding="utf-8")
    dock.set_source(WorkflowSource("file", str(bad)))
    with qtbot.waitSignal(dock.error_shown, timeout=5000) as shown:
        click(qtbot, dock.run_button)
    assert "is not valid JSON" in shown.args[0] and dock.run_button.isEnabled()

    dock.set_source(WorkflowSource("file", str(write_workflow(tmp_path / "flow.json"))))
    with qtbot.waitSignal(dock.snapshot_saved, timeout=5000):
        dock.update_nodes()
    fake_comfy.stop()  # ComfyUI gone between Update nodes and Run profile
    dock.options.connect_timeout = 0.5
    with qtbot.waitSignal(dock.error_shown, timeout=RUN_TIMEOUT) as shown:
        click(qtbot, dock.run_button)
    assert "unreachable" in shown.args[0].lower()
    assert dock.run_button.isEnabled() and not dock.controls.interrupt_button.isEnabled()
    assert dock._store.list_runs() == []  # nothing half-stored


def test_workflows_saved_in_comfyui_are_listed_and_profiled(dock, fake_comfy, qtbot):
    from app.comfy.client import ComfyClient

    client = ComfyClient(fake_comfy.url)
    try:
        client.userdata_write("workflows/portraits/face «v2».json",
                              (REF / "workflow_ui_example.json").read_bytes())
    finally:
        client.close()
    click(qtbot, dock.controls.userdata_button)
    source = WorkflowSource("userdata", "portraits/face «v2».json")
    qtbot.waitUntil(lambda: dock.controls.index_of(source) >= 0, timeout=5000)
    assert "1 workflow(s) saved in ComfyUI" in dock.status_label.text()
    count = dock.source_combo.count()
    dock.status_label.clear()
    click(qtbot, dock.controls.userdata_button)  # listing again adds no duplicates
    qtbot.waitUntil(lambda: dock.status_label.text().startswith("1 workflow"), timeout=5000)
    dock.set_source(WorkflowSource("userdata", "portraits/face «v2».json"))  # an equal object
    assert dock.source_combo.count() == count and dock.current_source() == source
    with qtbot.waitSignal(dock.snapshot_saved, timeout=5000):
        dock.update_nodes()  # a UI-format workflow, converted with ComfyUI's node list
    assert dock.steps.step_model.rowCount() > 0
    assert "KSampler" in {s.node_type for s in dock.steps.step_model.steps()}


def test_interrupt_button_stops_the_run_and_it_is_stored_as_interrupted(dock, fake_comfy,
                                                                        qtbot, tmp_path):
    fake_comfy.scenario.step_duration = 0.2
    prompt = json.loads((REF / "prompt_api.json").read_text())["prompt"]
    prompt["3"]["inputs"]["steps"] = 50  # ten seconds of sampling unless interrupted
    workflow = tmp_path / "long.json"
    workflow.write_text(json.dumps(prompt), encoding="utf-8")
    dock.set_source(WorkflowSource("file", str(workflow)))
    with qtbot.waitSignal(dock.mismatch_shown, timeout=5000):
        dock.run_profile()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT) as done:
        click(qtbot, dock.force_button)
        qtbot.waitUntil(lambda: "Running node 3 KSampler" in dock.status_label.text(),
                        timeout=RUN_TIMEOUT)
        assert dock.controls.interrupt_button.isEnabled() and not dock.run_button.isEnabled()
        dock.history.open_requested.emit(1)  # the live view is not swapped for a stored run
        assert "A run is in progress" in dock.status_label.text()
        click(qtbot, dock.controls.interrupt_button)
    assert done.args[0].summary.status == "interrupted"
    assert "interrupted" in dock.status_label.text() and dock.run_button.isEnabled()


def test_update_nodes_from_the_warning_accepts_the_workflow_and_runs_it(dock, qtbot, tmp_path):
    workflow = write_workflow(tmp_path / "flow.json")
    dock.set_source(WorkflowSource("file", str(workflow)))
    with qtbot.waitSignal(dock.snapshot_saved, timeout=5000):
        dock.update_nodes()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT):
        dock.run_profile()
        dock.run_profile()  # a double click starts one run, not two
    assert len(dock._store.list_runs()) == 1 and dock.run_button.isEnabled()
    write_workflow(workflow, extra_node=True)
    with qtbot.waitSignal(dock.mismatch_shown, timeout=5000):
        dock.run_profile()
    assert "Update nodes to accept it and run" in dock.warning_label.text()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT) as done:
        click(qtbot, dock.controls.warning_update_button)
    assert not done.args[0].summary.forced and "9 nodes" in dock.snapshot_label.text()
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT):
        dock.run_profile()  # the changed workflow is the reference now: no warning
    assert not dock.warning.isVisible()
    assert "9 of 9 nodes were cached" in dock.status_label.text()  # why nothing is timed
