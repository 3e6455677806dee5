"""A circuit breaker per source: after repeated failures, stop asking for a while."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class _State:
    failures: int = 0
    opened_until: float = 0.0


@dataclass
class CircuitBreakers:
    """Closed → open after ``threshold`` consecutive failures → half-open after ``cooldown`` seconds."""

    threshold: int = 3
    cooldown_seconds: float = 30.0
    _states: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, source: str, *, now: float | None = None) -> bool:
        """Whether a call to the source may go out now (one trial call once the cooldown is over)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            state = self._states.setdefault(source, _State())
            return state.failures < self.threshold or now >= state.opened_until

    def record(self, source: str, *, ok: bool, now: float | None = None) -> None:
        """Count a success (closes the circuit) or a failure (may open it)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            state = self._states.setdefault(source, _State())
            if ok:
                state.failures = 0
                state.opened_until = 0.0
                return
            state.failures += 1
            if state.failures >= self.threshold:
                state.opened_until = now + self.cooldown_seconds

    def is_open(self, source: str, *, now: float | None = None) -> bool:
        """Whether the source is currently being left alone."""
        return not self.allow(source, now=now)
