"""Where the machine's CPU went during a bench window, by role, read from Linux's /proc.

A process-level profile: the benches that run the production shape print it so that a figure that is
not held says which process the cores were spent in (py-spy then says which functions, see the README).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

TICKS = os.sysconf("SC_CLK_TCK")


def role_of(argv: list[str], *, bench_pid: int, pid: int) -> str | None:
    """The role a process plays in a run of the shape, or None for the rest of the machine."""
    if pid == bench_pid:
        return "bench (submitting, reading back)"
    if not argv:
        return None
    name = Path(argv[0].split(" ")[0]).name  # PostgreSQL's backends rewrite theirs: "postgres: 15/main: …"
    if name.startswith("postgres"):
        return "PostgreSQL"
    if name == "haproxy":
        return "HAProxy"
    if "anju.cli" in argv or name == "anju":
        rest = argv[argv.index("anju.cli") + 1 :] if "anju.cli" in argv else argv[1:]
        if rest[:1] in (["serve"], ["worker"]) and len(rest) > 1:
            kind = "replicas" if rest[0] == "serve" else "workers"
            return f"{rest[1]} {kind}"
        return "jobs (cron)"
    return None


def machine_busy_seconds() -> float:
    """CPU the whole machine has used since boot, all cores, all but idle and iowait (/proc/stat): counts
    the processes that end inside a window too (a bench's child runs, PostgreSQL's backends for them)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


def _snapshot(bench_pid: int) -> dict[int, tuple[str, float]]:
    seen: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        role = role_of(
            [a.decode(errors="replace") for a in argv if a], bench_pid=bench_pid, pid=int(entry.name)
        )
        if role is None:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seen[int(entry.name)] = (role, (int(fields[11]) + int(fields[12])) / TICKS)  # utime + stime
    return seen


@dataclass
class CpuWindow:
    """CPU seconds by role between ``start()`` and ``stop()``."""

    started: dict[int, tuple[str, float]] | None = None
    seconds: dict[str, float] | None = None
    wall: float = 0.0

    def start(self) -> None:
        self._t0 = os.times().elapsed
        self.started = _snapshot(os.getpid())

    def stop(self) -> dict[str, float]:
        ended = _snapshot(os.getpid())
        self.wall = os.times().elapsed - self._t0
        by_role: dict[str, float] = {}
        for pid, (role, cpu) in ended.items():
            before = (self.started or {}).get(pid, (role, 0.0))[1]
            by_role[role] = by_role.get(role, 0.0) + max(0.0, cpu - before)
        self.seconds = dict(sorted(by_role.items(), key=lambda kv: -kv[1]))
        return self.seconds

    def table(self, title: str) -> Table:
        """CPU seconds, cores used on average and share, by role."""
        table = Table(title=title)
        for column in ("role", "CPU s", "cores", "share"):
            table.add_column(column, justify="left" if column == "role" else "right")
        total = sum((self.seconds or {}).values()) or 1.0
        for role, cpu in (self.seconds or {}).items():
            table.add_row(role, f"{cpu:.1f}", f"{cpu / max(self.wall, 1e-9):.2f}", f"{cpu / total:.0%}")
        table.add_row(
            "all", f"{total:.1f}", f"{total / max(self.wall, 1e-9):.2f} of {os.cpu_count()}", "100%"
        )
        return table
