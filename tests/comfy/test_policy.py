"""Reconnect backoff and the silence watchdog (pure timing rules)."""

from __future__ import annotations

import pytest

from app.comfy.policy import Backoff, Watchdog


def test_backoff_doubles_from_half_a_second_up_to_ten():
    backoff = Backoff(rng=lambda: 0.0)  # no jitter drawn: the full exponential delay
    delays = [backoff.next_delay() for _ in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_backoff_jitter_stays_inside_the_bounds():
    backoff = Backoff(rng=lambda: 1.0)  # largest jitter: half the delay, never below 0.5
    assert [backoff.next_delay() for _ in range(7)] == [0.5, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    import random

    rng = random.Random(7)
    backoff = Backoff(rng=rng.random)
    for _ in range(50):
        assert 0.5 <= backoff.next_delay() <= 10.0


def test_backoff_rejects_nonsense():
    with pytest.raises(ValueError):
        Backoff(initial=0)


def test_watchdog_pings_on_schedule_and_declares_silence_dead_after_ten_seconds():
    dog = Watchdog(ping_interval=3.0, silence_timeout=10.0)
    dog.start(0.0)
    assert not dog.ping_due(1.0)
    assert dog.ping_due(3.0)
    assert not dog.ping_due(4.0)
    assert dog.ping_due(6.0)
    dog.traffic(6.1)  # a pong came back
    assert not dog.dead(16.0)
    assert dog.dead(16.1)
    assert 0.05 <= dog.wait_budget(7.0) <= 0.5


def test_watchdog_needs_a_ping_interval_shorter_than_the_timeout():
    with pytest.raises(ValueError):
        Watchdog(ping_interval=10.0, silence_timeout=10.0)
