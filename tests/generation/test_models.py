"""The gallery and queue models: qtmodeltester, lazy rows, live inserts and removals."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from app.db.base import utcnow
from app.generation.records import HistoryFilter
from app.generation.store import GenerationStore
from app.ui.models.generation import (
    GalleryModel,
    QueueModel,
    RecordRole,
    RequestIdRole,
    StatusRole,
)
from tests.generation.conftest import params


def fill(store: GenerationStore, count: int) -> list[str]:
    start = utcnow() - timedelta(days=count)
    ids = []
    for n in range(count):
        rid = f"r{n:04d}"
        store.create(rid, params(seed=n, prompt=f"prompt number {n}"),
                     status="failed" if n % 3 == 0 else "completed",
                     created_at=start + timedelta(days=n))
        ids.append(rid)
    return ids


def test_gallery_model_passes_the_model_tester(qtmodeltester, qapp, database):
    store = GenerationStore(database)
    fill(store, 30)
    model = GalleryModel(store)
    model.reload()
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 30
    assert model.data(model.index(0), RequestIdRole) == "r0029"  # newest first
    assert model.data(model.index(0), Qt.ItemDataRole.DisplayRole) == "prompt number 29"
    assert model.data(model.index(29), StatusRole) == "failed"


def test_gallery_follows_changes_and_filters(qtmodeltester, qapp, database):
    store = GenerationStore(database)
    fill(store, 5)
    model = GalleryModel(store)
    model.set_ids(store.ids(HistoryFilter(status="failed")), HistoryFilter(status="failed"))
    assert [model.data(model.index(r), RequestIdRole) for r in range(2)] == ["r0003", "r0000"]
    store.create("new-failed", params(prompt="fresh"), status="failed")
    model.request_changed("new-failed")
    store.create("new-ok", params(prompt="fresh"), status="completed")
    model.request_changed("new-ok")  # does not match the filter: not shown
    assert model.rowCount() == 3 and model.data(model.index(0), RequestIdRole) == "new-failed"
    store.update("r0003", error="changed")
    model.request_changed("r0003")
    assert model.data(model.index(1), RecordRole).error == "changed"
    model.request_removed("r0000")
    assert model.rowCount() == 2
    qtmodeltester.check(model, force_py=True)
    text = store.ids(HistoryFilter(text="NUMBER 4"))
    assert text == ["r0004"]
    recent = store.ids(HistoryFilter(since=utcnow() - timedelta(days=2, hours=12)))
    assert set(recent) >= {"r0004", "r0003"} and "r0000" not in recent


def test_queue_model_passes_the_model_tester(qtmodeltester, qapp, database):
    store = GenerationStore(database)
    fill(store, 3)
    store.create("waiting", params(prompt="queued one"))
    model = QueueModel()
    model.set_records(store.active())
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 1
    assert "not sent" in model.data(model.index(0), Qt.ItemDataRole.DisplayRole)
