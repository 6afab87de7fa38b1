"""How long the fake ComfyUI takes for what tests do most (start, reset, runs).

Run: ``.venv/bin/python -m benchmarks.fake_comfy`` (prints a table, medians of N rounds).
"""

from __future__ import annotations

import copy
import statistics
import time

import requests

from tests.fake_comfy import FakeComfy, reference

ROUNDS = 20


def _median_ms(action, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    started = time.perf_counter()
    server = FakeComfy()
    first_start = (time.perf_counter() - started) * 1000
    body = reference.load("prompt_api.json")
    session = requests.Session()

    def run(seed: int | None = None) -> None:
        data = copy.deepcopy(body)
        if seed is not None:
            data["prompt"]["3"]["inputs"]["seed"] = seed
        prompt_id = session.post(server.url + "/prompt", json=data, timeout=10).json()[
            "prompt_id"]
        assert server.wait_history(prompt_id) is not None

    seeds = iter(range(10**6))
    rows = [
        ("first FakeComfy() (thread, app, bind)", first_start),
        ("reset() between tests", _median_ms(server.reset)),
        ("cold run, default durations (8 nodes, 2 steps)",
         _median_ms(lambda: (server.reset(), run()))),
        ("changed-seed run (3 nodes)", _median_ms(lambda: run(next(seeds)))),
        ("cached re-run (identical prompt)", _median_ms(lambda: run(1))),
        ("GET /object_info (833 KB)", _median_ms(
            lambda: session.get(server.url + "/object_info", timeout=10).content)),
        ("stop() + start() on the same port", _median_ms(
            lambda: (server.stop(), server.start()))),
    ]
    server.close()
    print(f"{'operation':<50} {'median ms':>10}")
    for name, value in rows:
        print(f"{name:<50} {value:>10.1f}")


if __name__ == "__main__":
    main()
