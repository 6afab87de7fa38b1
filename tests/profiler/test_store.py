"""Storage of runs, samples, groups, comments and snapshots; comparison and export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import event

from app.profiler.compare import compare_runs, group_totals
from app.profiler.engine import Step
from app.profiler.errors import RunNotFound
from app.profiler.export import export_run, run_to_csv
from app.profiler.samples import Sample
from app.profiler.store import GroupNameTaken

MIB = 1024 ** 2


def _steps(load_time=1.0, sampler_time=2.0, extra=False):
    steps = [Step("4", "Load", "CheckpointLoaderSimple", exec_time=load_time, vram_max=100 * MIB,
                  t_start=0.0, t_end=load_time),
             Step("3", "KSampler", "KSampler", exec_time=sampler_time, vram_max=500 * MIB,
                  t_start=load_time, t_end=load_time + sampler_time,
                  inputs_json='{"seed": 42, "text": "caf\\u00e9 \\"quoted\\", comma"}'),
             Step("9", "Save", "SaveImage", cached=True)]
    if extra:
        steps.append(Step("12", "Upscale", "ImageScale", exec_time=0.3, vram_max=10 * MIB))
    return steps


def _store_run(store, name="run", **kwargs):
    run_id = store.begin_run(name=name, workflow_hash="abc", backend="http://x")
    store.finish_run(run_id, status="completed", total_time=3.0, steps=_steps(**kwargs))
    return run_id


def test_samples_are_written_one_transaction_per_batch(store, database):
    run_id = store.begin_run(name="batched")
    commits = []
    event.listen(database.engine, "commit", lambda conn: commits.append(1))
    batch = [Sample(t=10.0 + i * 0.05, vram=i, ram=2 * i, cpu=1.0, gpu_load=None,
                    process_vram=3 * i) for i in range(200)]
    store.append_samples(run_id, batch, origin=10.0)
    assert len(commits) == 1
    series = store.samples(run_id)
    assert len(series) == 200 and series.t[0] == 0.0 and series.vram[199] == 199
    assert series.process_vram[199] == 597
    assert series.gpu_load[0] != series.gpu_load[0]  # NaN where unknown


def test_run_round_trip_comments_and_delete(store):
    run_id = _store_run(store, name="first")
    store.set_run_comment(run_id, "after the driver update")
    store.set_step_comment(run_id, "3", "slow sampler")
    record = store.get_run(run_id)
    assert record.summary.global_comment == "after the driver update"
    assert [s.node_id for s in record.steps] == ["4", "3", "9"]
    assert record.steps[1].step_comment == "slow sampler" and record.steps[2].cached
    assert [r.id for r in store.list_runs()] == [run_id]
    store.delete_run(run_id)
    with pytest.raises(RunNotFound):
        store.get_run(run_id)


def test_groups_crud_and_totals(store):
    gid = store.create_group("Sampling", "#ff0000")
    with pytest.raises(GroupNameTaken):
        store.create_group("Sampling")
    store.add_members(gid, ["3", "9", "3"])
    store.update_group(gid, name="Sampler nodes", color="#00ff00")
    (group,) = store.list_groups()
    assert (group.name, group.color, group.node_ids) == ("Sampler nodes", "#00ff00", ["3", "9"])
    (total,) = group_totals(_steps(), store.list_groups())
    assert total.nodes == 2 and total.exec_time == 2.0 and total.vram_max == 500 * MIB
    store.remove_members(gid, ["9"])
    assert store.list_groups()[0].node_ids == ["3"]
    store.delete_group(gid)
    assert store.list_groups() == []


def test_compare_flags_regressions_and_nodes_in_one_run(store):
    a = store.get_run(_store_run(store, sampler_time=2.0))
    b = store.get_run(_store_run(store, sampler_time=3.0, load_time=1.01, extra=True))
    comparison = compare_runs(a, b)
    by_node = {row.node_id: row for row in comparison.rows}
    assert by_node["3"].d_time == pytest.approx(1.0) and by_node["3"].regressed
    assert not by_node["4"].regressed  # +10 ms is noise
    assert [s.node_id for s in comparison.only_b] == ["12"] and comparison.only_a == []
    assert [r.node_id for r in comparison.regressions] == ["3"]
    assert not any(row.improved for row in comparison.rows)
    backwards = {row.node_id: row for row in compare_runs(b, a).rows}
    assert backwards["3"].improved and not backwards["3"].regressed
    assert not backwards["4"].improved  # -10 ms is noise, not an improvement


def test_export_csv_and_json(store, tmp_path):
    run_id = _store_run(store)
    store.append_samples(run_id, [Sample(t=1.0, vram=5), Sample(t=1.05, vram=6)], origin=1.0)
    record = store.get_run(run_id)
    rows = list(csv.DictReader(io.StringIO(run_to_csv(record))))
    assert rows[1]["inputs_json"] == '{"seed": 42, "text": "caf\\u00e9 \\"quoted\\", comma"}'
    assert rows[2]["exec_time"] == "" and rows[2]["cached"] == "True"
    path = export_run(record, tmp_path / "run.json", store.samples(run_id))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["run"]["id"] == run_id and len(data["steps"]) == 3
    assert data["run"]["timestamp"].endswith("+00:00")  # unambiguous: UTC
    assert data["samples"]["vram"] == [5.0, 6.0] and data["samples"]["gpu_load"] == [None, None]
    assert export_run(record, tmp_path / "run.csv").read_text().startswith("run_id,node_id")


def test_snapshot_store_and_long_keys(store):
    assert store.load_snapshot("file:/a.json") is None
    nodes = {"1": {"type": "A", "title": "A", "links": {}}}
    digest = store.save_snapshot("file:/a.json", nodes)
    assert store.load_snapshot("file:/a.json") == (nodes, digest)
    long_key = "file:/" + "x" * 400
    store.save_snapshot(long_key, nodes)
    assert store.load_snapshot(long_key) == (nodes, digest)


def test_runs_abandoned_mid_run_are_marked_failed(store, database):
    from datetime import timedelta

    from sqlalchemy import update

    from app.db.base import utcnow
    from app.db.models.profiler import ProfilerRun

    old = store.begin_run(name="app died here")
    live = store.begin_run(name="still sampling")
    store.append_samples(live, [Sample(t=1.0, vram=1)], origin=0.0)
    with database.session() as session:
        session.execute(update(ProfilerRun).where(ProfilerRun.id == old)
                        .values(updated_at=utcnow() - timedelta(minutes=10)))
    assert store.fail_abandoned_runs() == 1
    assert store.get_run(old).summary.status == "failed"
    assert "stopped during this run" in store.get_run(old).summary.error
    assert store.get_run(live).summary.status == "running"


def test_export_on_a_full_disk_is_one_clear_error_and_keeps_the_old_file(store, tmp_path,
                                                                        monkeypatch):
    import errno
    import os

    from app.profiler.errors import ExportFailed

    record = store.get_run(_store_run(store))
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "run.json"
    target.write_text("previous export", encoding="utf-8")

    def full_disk(*_args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ExportFailed, match=r"No space left on device.*still stored"):
        export_run(record, target)
    assert target.read_text(encoding="utf-8") == "previous export"
    assert [p.name for p in folder.iterdir()] == ["run.json"]  # no temp file left behind


def test_a_database_from_before_process_vram_upgrades_without_losing_runs(tmp_path):
    from sqlalchemy import inspect, text

    from app.db.database import open_database
    from app.profiler.store import ProfilerStore

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = open_database(url, revision="0003")
    with old.engine.begin() as conn:
        conn.execute(text("INSERT INTO profiler_runs (id, timestamp, name) "
                          "VALUES (1, '2026-11-01 10:00:00', 'before')"))
        conn.execute(text("INSERT INTO profiler_samples (run_id, t, vram) VALUES (1, 0.5, 7)"))
    old.dispose()
    new = open_database(url)
    try:
        columns = {c["name"] for c in inspect(new.engine).get_columns("profiler_samples")}
        assert "process_vram" in columns
        store = ProfilerStore(new)
        assert store.get_run(1).summary.name == "before"
        series = store.samples(1)
        assert series.vram[0] == 7 and series.process_vram[0] != series.process_vram[0]  # NaN
    finally:
        new.dispose()


def test_run_dates_are_shown_in_local_time(monkeypatch):
    import time
    from datetime import datetime

    from app.profiler.records import RunSummary

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        summary = RunSummary(1, datetime(2026, 11, 21, 10, 0, 0), "r", "completed", 1.0)
        assert summary.local_time == "2026-11-21 11:00:00"  # stored as UTC, shown as CET
    finally:
        monkeypatch.undo()  # the test process's own zone again
        time.tzset()


def test_very_long_names_are_cut_to_what_the_columns_hold(store):
    run_id = store.begin_run(name="n" * 1000, backend="http://" + "h" * 900)
    store.finish_run(run_id, status="completed", total_time=1.0,
                     steps=[Step("3", "T" * 2000, "K" * 700, exec_time=1.0)])
    record = store.get_run(run_id)
    assert len(record.summary.name) == 300 and len(record.summary.backend) == 500
    assert (len(record.steps[0].node_title), len(record.steps[0].node_type)) == (500, 300)
    store.rename_run(run_id, "r" * 400)
    assert store.get_run(run_id).summary.name == "r" * 300
