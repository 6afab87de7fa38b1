from __future__ import annotations

import pytest

from app.profiles.service import LocalProfiles


@pytest.fixture
def base(tmp_path):
    folder = tmp_path / "ComfyUI" / "input" / "grid_pool"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def profiles(base, tmp_path):
    clock = iter(range(1_700_000_000, 1_800_000_000))
    return LocalProfiles(base, tmp_path / "trash" / "profiles", clock=lambda: next(clock))
