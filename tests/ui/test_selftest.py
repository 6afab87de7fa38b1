"""`comfydesk --self-test` is what a packaged build is smoke-tested with."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_self_test_builds_every_dock_and_exits_zero(tmp_path):
    env = dict(os.environ, COMFYDESK_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "app", "--self-test"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    for title in ("Profiles", "Generate", "Versions", "Trials", "Profiler"):
        assert f"ok   dock built: {title}" in result.stdout
    assert "ok   database opened and migrated" in result.stdout
    assert "self-test passed" in result.stdout
    assert (tmp_path / "home" / "comfydesk.db").exists()


def test_self_test_fails_naming_a_damaged_database(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "comfydesk.db").write_bytes(b"garbage, not sqlite")
    env = dict(os.environ, COMFYDESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "app", "--self-test"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "FAIL database opened and migrated" in result.stdout
    assert "comfydesk.db" in result.stdout
    assert (home / "comfydesk.db").read_bytes() == b"garbage, not sqlite"
