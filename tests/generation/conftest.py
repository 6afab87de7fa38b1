"""Fixtures of the generation tests: a database, data paths and a service with its own stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.config import Paths, database_url, resolve_paths
from app.db.database import Database, open_database
from app.generation.params import GenerationParams, LoraSpec, SamplerParams
from app.generation.standalone import StandaloneGeneration


@pytest.fixture
def paths() -> Paths:
    return resolve_paths().ensure()


@pytest.fixture
def database(paths: Paths) -> Iterator[Database]:
    db = open_database(database_url(paths))
    yield db
    db.dispose()


@pytest.fixture
def make_runner(database: Database, paths: Paths
                ) -> Iterator[Callable[..., StandaloneGeneration]]:
    """Builds StandaloneGeneration objects for backend URLs (closed at test end)."""
    made: list[StandaloneGeneration] = []

    def make(*urls: str, connect: bool = True, **kwargs) -> StandaloneGeneration:
        runner = StandaloneGeneration(database, paths, list(urls), **kwargs)
        made.append(runner)
        if connect:
            assert all(runner.connect(timeout=5.0).values())
        return runner

    yield make
    for runner in made:
        runner.close()


def params(loras: int = 1, seed: int = 42, width: int = 64, **changes) -> GenerationParams:
    """The reference request (seed 42, 64x64, 2 steps euler/normal, cfg 7)."""
    base = GenerationParams(
        checkpoint="random_sd15.safetensors", prompt="a photo of a cat sitting on a window sill",
        negative_prompt="blurry, watermark",
        loras=tuple(LoraSpec("random_lora.safetensors", 0.8, 0.8) for _ in range(loras)),
        width=width, height=64, batch_size=1,
        sampler=SamplerParams(seed=seed, steps=2, cfg=7.0, sampler_name="euler",
                              scheduler="normal", denoise=1.0))
    return GenerationParams(**{**base.__dict__, **changes})


class Recorder:
    """A service listener that keeps every update and lets a test wait for a condition."""

    def __init__(self) -> None:
        import threading

        self.updates: list[object] = []
        self._cond = threading.Condition()

    def __call__(self, update: object) -> None:
        with self._cond:
            self.updates.append(update)
            self._cond.notify_all()

    def of(self, kind: type) -> list:
        with self._cond:
            return [u for u in self.updates if isinstance(u, kind)]

    def wait_for(self, predicate: Callable[[], object], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` is truthy, re-checking after every update."""
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
