"""Reconnect and liveness policy of the event stream, as small pure classes.

Kept apart from the socket thread so the timing rules are unit-tested without sockets.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Jittered exponential reconnect delays between ``initial`` and ``maximum`` seconds.

    The n-th consecutive failure waits ``min(maximum, initial * factor**n)`` scaled by a
    random factor in ``[1 - jitter, 1]`` (never below ``initial``), so many clients that
    lost the same server do not knock on it in lockstep. ``reset()`` after a success.
    """

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 10.0,
        factor: float = 2.0,
        jitter: float = 0.5,
        rng: Callable[[], float] | None = None,
    ) -> None:
        if not 0 < initial <= maximum:
            raise ValueError("need 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = min(max(jitter, 0.0), 1.0)
        self._rng = rng or random.random
        self._attempt = 0

    @property
    def attempt(self) -> int:
        return self._attempt

    def next_delay(self) -> float:
        base = min(self.maximum, self.initial * self.factor**self._attempt)
        self._attempt += 1
        scale = 1.0 - self.jitter * self._rng()
        return min(self.maximum, max(self.initial, base * scale))

    def reset(self) -> None:
        self._attempt = 0


class Watchdog:
    """Decides when to ping and when a silent socket must be considered dead.

    ComfyUI may stay silent for minutes while a checkpoint loads, so silence alone is not
    death: we ping every ``ping_interval`` and only give up when not even a pong came back
    within ``silence_timeout``.
    """

    def __init__(self, ping_interval: float = 3.0, silence_timeout: float = 10.0) -> None:
        if ping_interval >= silence_timeout:
            raise ValueError("ping_interval must be shorter than silence_timeout")
        self.ping_interval = ping_interval
        self.silence_timeout = silence_timeout
        self._last_traffic = 0.0
        self._last_ping = 0.0

    def start(self, now: float) -> None:
        self._last_traffic = now
        self._last_ping = now

    def traffic(self, now: float) -> None:
        """Any frame (data, ping or pong) arrived."""
        self._last_traffic = now

    def ping_due(self, now: float) -> bool:
        if now - self._last_ping >= self.ping_interval:
            self._last_ping = now
            return True
        return False

    def dead(self, now: float) -> bool:
        return now - self._last_traffic >= self.silence_timeout

    def wait_budget(self, now: float) -> float:
        """How long the socket may block before the watchdog must look again."""
        until_ping = self.ping_interval - (now - self._last_ping)
        until_dead = self.silence_timeout - (now - self._last_traffic)
        return max(0.05, min(until_ping, until_dead, 0.5))
