"""The sampler: polls its backends every interval on its own thread and hands out batches.

Ticks are scheduled on absolute deadlines (no drift), each sample is stamped with
``time.monotonic()`` (the websocket events' clock), and samples leave in batches (a tuple every
``batch_interval`` seconds) so that consumers (a Qt bridge, the DB writer) are not called 20
times a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from app.profiler.samples import Sample, SamplerBackend

log = logging.getLogger(__name__)

MIN_INTERVAL_MS = 20
MAX_INTERVAL_MS = 1000
DEFAULT_INTERVAL_MS = 50


def clamp_interval_ms(value: int | float) -> int:
    """The sampling interval the profiler accepts (20-1000 ms)."""
    return int(min(MAX_INTERVAL_MS, max(MIN_INTERVAL_MS, int(value))))


def take_sample(backends: Sequence[SamplerBackend], now: float) -> Sample:
    """One reading from every backend (a failing backend leaves its fields empty)."""
    values: dict[str, float | int | None] = {}
    for backend in backends:
        try:
            backend.poll(now, values)
        except Exception:  # one bad backend must not stop the others
            log.exception("sampler backend %s failed", getattr(backend, "name", backend))
    return Sample(t=now, **values)


class Sampler:
    """Background sampling thread. ``on_batch`` runs on the sampler thread; keep it quick."""

    def __init__(self, backends: Sequence[SamplerBackend], interval_ms: int = DEFAULT_INTERVAL_MS,
                 on_batch: Callable[[tuple[Sample, ...]], None] | None = None,
                 batch_interval: float = 0.25, clock: Callable[[], float] = time.monotonic,
                 keep: bool = True) -> None:
        self.backends = list(backends)
        self.interval = clamp_interval_ms(interval_ms) / 1000.0
        self._on_batch = on_batch
        self._batch_interval = batch_interval
        self._clock = clock
        self._keep = keep
        self._samples: list[Sample] = []
        self._pending: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks_late = 0

    def start(self) -> Sampler:
        if self._thread is not None:
            raise RuntimeError("a Sampler runs once; make a new one")
        self._thread = threading.Thread(target=self._run, name="profiler-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (joins) and deliver what is still pending. Backends stay open."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._flush()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def samples(self) -> list[Sample]:
        """Every sample taken so far (a copy), oldest first."""
        with self._lock:
            return list(self._samples)

    def _run(self) -> None:
        next_tick = self._clock()
        last_flush = next_tick
        while not self._stop.is_set():
            now = self._clock()
            sample = take_sample(self.backends, now)
            with self._lock:
                if self._keep:
                    self._samples.append(sample)
                self._pending.append(sample)
            if now - last_flush >= self._batch_interval:
                last_flush = now
                self._flush()
            next_tick += self.interval
            delay = next_tick - self._clock()
            if delay < 0:
                # Fell behind (slow backend, stalled machine): skip missed ticks, do not burst.
                self.ticks_late += 1
                missed = int(-delay // self.interval) + 1
                next_tick += missed * self.interval
                delay = next_tick - self._clock()
            self._stop.wait(max(0.0, delay))

    def _flush(self) -> None:
        with self._lock:
            batch, self._pending = tuple(self._pending), []
        if batch and self._on_batch is not None:
            try:
                self._on_batch(batch)
            except Exception:  # a consumer bug must not kill sampling
                log.exception("sampler batch consumer failed")
