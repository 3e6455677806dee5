"""A circuit breaker per source: after repeated failures, stop asking for a while.

With ``db`` the state is the ``circuit_state`` table, so every replica of the platform opens and closes a
source's circuit together (decision 0033): a register that failed three times behind one replica is left
alone behind the others too, and a success anywhere closes it everywhere. Time is wall-clock epoch
seconds, the one clock replicas on different hosts share. Without ``db`` (unit tests) it is this process's.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from anju.core.db import Database, rowcount
from anju.core.timeutil import utcnow
from anju.platform.models import CircuitState


@dataclass
class _State:
    failures: int = 0
    opened_until: float = 0.0


@dataclass
class CircuitBreakers:
    """Closed → open after ``threshold`` consecutive failures → half-open after ``cooldown`` seconds."""

    threshold: int = 3
    cooldown_seconds: float = 30.0
    db: Database | None = None
    _states: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _states_of(self, sources: list[str]) -> dict[str, _State]:
        """The sources' states, read at once (one short transaction for the lot on the database)."""
        if self.db is None:
            with self._lock:
                return {s: _State(**vars(self._states.setdefault(s, _State()))) for s in sources}
        with self.db.transaction() as session:
            rows = session.scalars(select(CircuitState).where(CircuitState.source.in_(sources)))
            found = {row.source: _State(row.failures, row.opened_until) for row in rows}
        return {s: found.get(s, _State()) for s in sources}

    def allowed(self, sources: list[str], *, now: float | None = None) -> set[str]:
        """Which of the sources a call may go out to now (trial calls once the cooldown is over)."""
        now = time.time() if now is None else now
        states = self._states_of(sources)
        return {s for s, st in states.items() if st.failures < self.threshold or now >= st.opened_until}

    def allow(self, source: str, *, now: float | None = None) -> bool:
        """Whether a call to the source may go out now."""
        return source in self.allowed([source], now=now)

    def record(self, source: str, *, ok: bool, now: float | None = None) -> None:
        """Count a success (closes the circuit) or a failure (may open it)."""
        now = time.time() if now is None else now
        until = now + self.cooldown_seconds
        if self.db is None:
            with self._lock:
                state = self._states.setdefault(source, _State())
                if ok:
                    state.failures, state.opened_until = 0, 0.0
                else:
                    state.failures += 1
                    if state.failures >= self.threshold:
                        state.opened_until = until
            return
        self._record_shared(source, ok=ok, until=until)

    def _record_shared(self, source: str, *, ok: bool, until: float) -> None:
        """One atomic statement, so two replicas counting at once both count."""
        assert self.db is not None
        row = CircuitState.__table__.c
        if ok:
            change = update(CircuitState).where(row.source == source, row.failures > 0)
            values = {"failures": 0, "opened_until": 0.0, "changed_at": utcnow()}
        else:
            change = update(CircuitState).where(row.source == source)
            opened = row.failures + 1 >= self.threshold
            values = {
                "failures": row.failures + 1,
                "opened_until": case((opened, until), else_=row.opened_until),
                "changed_at": utcnow(),
            }
        with self.db.transaction() as session:
            counted = rowcount(session.execute(change.values(**values)))
        if not counted and not ok:  # the source's first failure anywhere
            self._first_failure(source, until=until)

    def _first_failure(self, source: str, *, until: float) -> None:
        assert self.db is not None
        try:
            with self.db.transaction() as session:
                first = self.threshold <= 1
                session.add(CircuitState(source=source, failures=1, opened_until=until if first else 0.0))
        except IntegrityError:  # another replica wrote the row first: count this failure on it
            self._record_shared(source, ok=False, until=until)

    def is_open(self, source: str, *, now: float | None = None) -> bool:
        """Whether the source is currently being left alone."""
        return not self.allow(source, now=now)
