"""Pytest fixtures: ``fake_comfy`` (one server per session, reset per test) and
``fake_comfy_factory`` (extra independent servers, stopped at test end)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fake_comfy.server import FakeComfy


@pytest.fixture(scope="session")
def _fake_comfy_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeComfy]:
    server = FakeComfy(tmp_path_factory.mktemp("fake-comfy"))
    yield server
    server.close()


@pytest.fixture
def fake_comfy(_fake_comfy_session: FakeComfy) -> FakeComfy:
    """The session's fake ComfyUI, reset: empty queue, history, cache, request log and
    folders, a default Scenario, the port open."""
    _fake_comfy_session.reset()
    return _fake_comfy_session


@pytest.fixture
def fake_comfy_factory(tmp_path_factory: pytest.TempPathFactory
                       ) -> Iterator[Callable[[], FakeComfy]]:
    """Call it to get another independent running server (closed after the test)."""
    made: list[FakeComfy] = []

    def make() -> FakeComfy:
        server = FakeComfy(tmp_path_factory.mktemp("fake-comfy-extra"))
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()
