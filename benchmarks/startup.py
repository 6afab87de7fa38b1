"""Cold start of ComfyDesk to "main window shown and event loop idle", beside a bare window.

Each run is a fresh Python process (a cold start), against a temporary data folder, with no
ComfyUI running. Prints the median of N runs of both as a table. Target (issue 2): ComfyDesk
<= 1.5 x the bare PySide6 QMainWindow and <= 1.0 s.

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
QTimer.singleShot(0, app.quit)
app.exec()
"""

COMFYDESK = """
import time
from PySide6.QtCore import QTimer
from app.ui.application import make_application
from app.config import resolve_paths
from app.ui.context import build_context
from app.ui.main_window import MainWindow
app = make_application()
ctx = build_context(resolve_paths())
window = MainWindow(ctx)
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
window.close()
ctx.shutdown()
"""


def time_process(code: str, home: str) -> float:
    env = dict(os.environ, COMFYDESK_HOME=home, QT_QPA_PLATFORM=os.environ.get(
        "QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        time_process(COMFYDESK, home)  # first run creates and migrates the database
        bare, desk = [], []
        for _ in range(args.runs):
            bare.append(time_process(BARE, home))
            desk.append(time_process(COMFYDESK, home))
    bare_median, desk_median = statistics.median(bare), statistics.median(desk)
    print(f"{'what':<34}{'median s':>10}{'min s':>8}{'max s':>8}")
    print(f"{'bare PySide6 QMainWindow':<34}{bare_median:>10.3f}{min(bare):>8.3f}{max(bare):>8.3f}")
    print(f"{'ComfyDesk main window':<34}{desk_median:>10.3f}{min(desk):>8.3f}{max(desk):>8.3f}")
    ratio = desk_median / bare_median
    print(f"{'ratio (target <= 1.5)':<34}{ratio:>10.2f}")
    print(f"{'ComfyDesk <= 1.0 s':<34}{'yes' if desk_median <= 1.0 else 'no':>10}")


if __name__ == "__main__":
    main()
