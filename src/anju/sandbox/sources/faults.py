"""Fault knobs per source, settable at run time, to reproduce partner failures on purpose."""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from anju.core.httpapi import ApiError


@dataclass(frozen=True)
class Fault:
    """How a source misbehaves; the default is a healthy source."""

    latency_ms: int = 0
    error_rate: float = 0.0  # share of calls answered 503
    hang: bool = False  # answer only after hang_seconds (longer than any sane client timeout)
    hang_seconds: float = 30.0
    malformed: bool = False  # a signed answer that is not the documented JSON
    no_record: bool = False  # the department has nobody on record
    mismatch: bool = False  # a comparison (face verification) answers "not the same person"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


class FaultBoard:
    """The current fault of every source (process memory; reset on restart)."""

    def __init__(self, *, seed: int | None = None) -> None:
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def get(self, source: str) -> Fault:
        """The fault in force for a source."""
        with self._lock:
            return self._faults.get(source, Fault())

    def set(self, source: str, **changes: Any) -> Fault:
        """Change some knobs of a source; unknown knobs raise TypeError."""
        with self._lock:
            fault = replace(self._faults.get(source, Fault()), **changes)
            if not 0.0 <= fault.error_rate <= 1.0 or fault.latency_ms < 0 or fault.hang_seconds < 0:
                raise ValueError("error_rate must be 0–1; latency and hang must not be negative")
            self._faults[source] = fault
            return fault

    def reset(self, source: str | None = None) -> None:
        """Heal one source, or all."""
        with self._lock:
            if source is None:
                self._faults.clear()
            else:
                self._faults.pop(source, None)

    def all(self) -> dict[str, Fault]:
        """Every source with a fault set."""
        with self._lock:
            return dict(self._faults)

    async def delay_or_fail(self, source: str, *, code: str, message: str) -> Fault:
        """Before a service answers: its latency, its hang, then its error rate (ApiError 503 with
        ``code`` and ``message``). Returns the fault for the knobs only the service can act on."""
        fault = self.get(source)
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.hang:
            await asyncio.sleep(fault.hang_seconds)
        if self.roll_error(fault):
            raise ApiError(code=code, message=message, status_code=503)
        return fault

    def roll_error(self, fault: Fault) -> bool:
        """Whether this call fails, given the source's error rate."""
        with self._lock:
            return fault.error_rate > 0 and self._random.random() < fault.error_rate
