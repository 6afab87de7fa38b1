"""The gallery and queue models: qtmodeltester, lazy rows, live inserts and removals."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

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
from app.ui.models.generation_rows import RecordLoader
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
    assert model.data(model.index(29), Qt.ItemDataRole.DisplayRole) == "failed · prompt number 0"


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


def test_rows_are_read_off_the_gui_thread_and_the_model_stays_valid(
        qtmodeltester, qtbot, database):
    store = GenerationStore(database)
    fill(store, 300)
    gui = threading.get_ident()
    reads: list[tuple[int, int]] = []

    def fetch(ids):
        reads.append((threading.get_ident(), len(ids)))
        return store.records(ids)

    loader = RecordLoader(fetch)
    model = GalleryModel(store, rows=loader)
    loader.loaded.connect(model.records_loaded)
    model.set_ids(store.ids())
    index = model.index(150)
    assert model.data(index, RecordRole) is None  # not read yet: a neutral tile meanwhile
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == ""
    assert model.data(index, RequestIdRole) == "r0149"  # ids are always known
    with qtbot.waitSignal(model.dataChanged, timeout=5_000):
        pass
    assert model.data(index, RecordRole).prompt == "prompt number 149"
    assert reads and all(thread != gui for thread, _ in reads)
    asked = len(reads)
    model.data(model.index(151), Qt.ItemDataRole.DisplayRole)  # same batch: no new read
    assert len(reads) == asked
    store.update("r0149", error="changed meanwhile")
    model.request_changed("r0149")
    model.records_loaded(["r0149"], store.records(["r0149"]) | {})  # a late, older batch
    assert model.data(index, RecordRole).error == "changed meanwhile"
    qtmodeltester.check(model, force_py=True)
    loader.shutdown()


def test_thumbnail_requests_are_newest_first_and_old_ones_are_dropped(qtbot, tmp_path):
    from PIL import Image

    from app.ui.widgets.generate_thumbs import ThumbnailLoader

    (tmp_path / "thumbnails").mkdir()
    records = []
    for n in range(10):
        Image.new("RGB", (200, 100), (n * 20, 0, 0)).save(tmp_path / f"thumbnails/t{n}.jpg")
        records.append(SimpleNamespace(id=f"t{n}", thumbnail_paths=(f"thumbnails/t{n}.jpg",)))
    records.append(SimpleNamespace(id="bad", thumbnail_paths=("thumbnails/missing.jpg",)))
    got: list = []
    loader = ThumbnailLoader(tmp_path, on_loaded=got.extend, max_threads=1, max_pending=4)
    go = threading.Event()
    loader._pool.start(lambda: go.wait(5))  # the only decoder is busy: requests pile up
    for record in [*records, records[-2]]:  # asking twice is free
        loader.request(record)
    go.set()
    qtbot.waitUntil(lambda: len(got) >= 3 and "bad" in loader._unreadable, timeout=5_000)
    assert loader.dropped == 7  # scrolled past before a decoder was free
    assert [rid for rid, _ in got] == ["t9", "t8", "t7"]  # newest first; "bad" decoded to nothing
    assert got[0][1].size().width() == 128
    loader.request(records[-1])  # an unreadable thumbnail is not retried on every paint
    assert not loader._stack
    loader.shutdown()
