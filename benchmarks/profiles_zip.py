"""Profile zip export/import against ``zip -0 -r`` / ``unzip`` on the same folder, same run.

Target (issue 5): a 500-image, ~500 MB profile exports and imports within 1.3x the time of the
command-line tools, with peak memory under 150 MB. Each measurement runs in its own process so its
peak resident memory (``ru_maxrss`` from ``wait4``) is its own. Prints a table.

    .venv/bin/python benchmarks/profiles_zip.py [--images 500] [--size-kb 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

EXPORT = """
import sys; from pathlib import Path
from app.profiles.service import LocalProfiles
LocalProfiles(Path(sys.argv[1]), Path(sys.argv[2])).export("bench", Path(sys.argv[3]))
"""
IMPORT = """
import sys; from pathlib import Path
from app.profiles.service import LocalProfiles
LocalProfiles(Path(sys.argv[1]), Path(sys.argv[2])).import_zip(Path(sys.argv[3]))
"""


def make_pool(base: Path, images: int, size: int) -> Path:
    """A pool as the pack lays it out; image bytes are incompressible like real PNG data."""
    folder = base / "bench"
    folder.mkdir(parents=True)
    slots = []
    for i in range(1, images + 1):
        name = f"img_{i:04d}.png"
        (folder / name).write_bytes(PNG_MAGIC + os.urandom(size - len(PNG_MAGIC)))
        slots.append({"image": name, "mask": None, "label": f"image {i}", "added": 0})
    (folder / "manifest.json").write_text(json.dumps(
        {"active": 0, "slots": slots, "next_seq": images + 1}, indent=2))
    (base / "profiles.json").write_text(json.dumps(
        {"profiles": [{"id": "bench", "name": "bench", "created": 0}]}, indent=2))
    return folder


def measure(argv: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def fresh_base(work: Path, name: str) -> Path:
    base = work / name
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    (base / "profiles.json").write_text('{"profiles": []}')
    return base


def run(images: int, size_kb: int, repeat: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="profiles-bench-"))
    try:
        base = work / "grid_pool"
        folder = make_pool(base, images, size_kb * 1024)
        total_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        py = sys.executable
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in
                                                         ("zip -0 -r", "export", "unzip", "import")}
        for _ in range(repeat):
            for path in (work / "ref.zip", work / "ours.zip"):
                path.unlink(missing_ok=True)
            results["zip -0 -r"].append(measure(["zip", "-0", "-r", "-q", str(work / "ref.zip"),
                                                 "bench"], cwd=base))
            results["export"].append(measure([py, "-c", EXPORT, str(base), str(work / "trash"),
                                              str(work / "ours.zip")], cwd=ROOT))
            shutil.rmtree(work / "unzipped", ignore_errors=True)
            results["unzip"].append(measure(["unzip", "-q", str(work / "ref.zip"), "-d",
                                             str(work / "unzipped")]))
            target = fresh_base(work, "import_base")
            results["import"].append(measure([py, "-c", IMPORT, str(target), str(work / "trash"),
                                              str(work / "ours.zip")], cwd=ROOT))
        best = {k: min(v) for k, v in results.items()}
        print(f"profile: {images} images, {total_mb:.0f} MB; best of {repeat} runs")
        print(f"{'operation':<12} {'seconds':>8} {'peak MB':>8} {'vs tool':>8}")
        for ours, tool in (("export", "zip -0 -r"), ("import", "unzip")):
            print(f"{tool:<12} {best[tool][0]:8.2f} {best[tool][1]:8.0f} {'':>8}")
            ratio = best[ours][0] / best[tool][0]
            print(f"{ours:<12} {best[ours][0]:8.2f} {best[ours][1]:8.0f} {ratio:7.2f}x")
        ok = all(best[o][0] <= 1.3 * best[t][0] and best[o][1] < 150
                 for o, t in (("export", "zip -0 -r"), ("import", "unzip")))
        print(f"target (<= 1.3x the tool, < 150 MB peak): {'met' if ok else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--size-kb", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run(args.images, args.size_kb, args.repeat)


if __name__ == "__main__":
    main()
