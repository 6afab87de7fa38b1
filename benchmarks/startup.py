"""Cold start of ComfyDesk to "main window shown and event loop idle", beside a bare window.

Each run is a fresh Python process (a cold start) against a temporary data folder, with no
ComfyUI running. The child prints wall-clock stamps; the parent subtracts its own stamp taken
just before starting the child, so both columns include interpreter start-up the same way.

Columns: "shown+idle" is the figure the issue's target is about (window painted, event loop
idle); "panels ready" is when the database is open and every dock is built (ComfyDesk only).
Target (issue 2): shown+idle <= 1.5 x the bare PySide6 QMainWindow and <= 1.0 s.

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1400, 900)
window.show()
def idle():
    print("IDLE", time.time(), flush=True)
    app.quit()
QTimer.singleShot(0, idle)
app.exec()
"""

COMFYDESK = """
import time
from PySide6.QtCore import QTimer
from app.config import resolve_paths
from app.ui.application import make_application, start_window
app = make_application()
window = start_window(resolve_paths().ensure())
QTimer.singleShot(0, lambda: print("IDLE", time.time(), flush=True))
def ready():
    print("READY", time.time(), flush=True)
    QTimer.singleShot(0, app.quit)
window.ready.connect(ready)
app.exec()
window.close()
window.ctx.shutdown()
"""


def run_child(code: str, home: str) -> dict[str, float]:
    env = dict(os.environ, COMFYDESK_HOME=home,
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    stamps = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key in ("IDLE", "READY"):
            stamps[key] = float(value) - start
    return stamps


def row(name: str, values: list[float]) -> str:
    return (f"{name:<40}{statistics.median(values):>10.3f}{min(values):>8.3f}"
            f"{max(values):>8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bare, shown, ready = [], [], []
    with tempfile.TemporaryDirectory() as home:
        run_child(COMFYDESK, home)  # the first start creates and migrates the database
        for _ in range(args.runs):
            bare.append(run_child(BARE, home)["IDLE"])
            stamps = run_child(COMFYDESK, home)
            shown.append(stamps["IDLE"])
            ready.append(stamps["READY"])
    print(f"{'what (seconds from process start)':<40}{'median':>10}{'min':>8}{'max':>8}")
    print(row("bare PySide6 QMainWindow: shown+idle", bare))
    print(row("ComfyDesk: shown+idle", shown))
    print(row("ComfyDesk: panels ready", ready))
    ratio = statistics.median(shown) / statistics.median(bare)
    print(f"{'ratio shown+idle (target <= 1.5)':<40}{ratio:>10.2f}")
    verdict = 'yes' if statistics.median(shown) <= 1.0 else 'no'
    print(f"{'ComfyDesk shown+idle <= 1.0 s':<40}{verdict:>10}")


if __name__ == "__main__":
    main()
