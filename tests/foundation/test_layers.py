"""The layer rule is checked by a tool: only app.ui may import Qt or app.ui."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Qt lives only in app.ui KEPT" in result.stdout


def test_contract_lists_every_feature_package():
    """A new package under app/ must be added to the contract, or Qt could creep into it."""
    text = (ROOT / "pyproject.toml").read_text()
    packages = {p.name for p in (ROOT / "app").iterdir()
                if (p / "__init__.py").exists() and p.name != "ui"}
    modules = {p.stem for p in (ROOT / "app").glob("*.py")
               if p.stem not in ("__init__", "__main__")}
    for name in packages | modules:
        assert f'"app.{name}"' in text, f"app.{name} is missing from the import-linter contract"
