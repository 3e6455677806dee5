"""The benches' CPU accounting by role: a figure that is not held must say where the cores went."""

import io
import os
import time

from bench.cpu import CpuWindow, machine_busy_seconds, role_of
from rich.console import Console


def test_each_process_of_the_shape_has_its_role() -> None:
    assert role_of(
        ["/usr/bin/python3", "-m", "anju.cli", "serve", "housing", "--port", "9"], bench_pid=1, pid=2
    ) == ("housing replicas")
    assert (
        role_of(["python", "-m", "anju.cli", "worker", "platform"], bench_pid=1, pid=2) == "platform workers"
    )
    assert role_of(["python", "-m", "anju.cli", "review-jobs"], bench_pid=1, pid=2) == "jobs (cron)"
    assert role_of(["/usr/sbin/haproxy", "-f", "x.cfg"], bench_pid=1, pid=2) == "HAProxy"
    # PostgreSQL's backends rewrite their argv into one string with slashes in it
    assert role_of(["postgres: 15/main: anju_bench 127.0.0.1(5) idle"], bench_pid=1, pid=2) == "PostgreSQL"
    assert role_of(["/usr/lib/postgresql/15/bin/postgres", "-D", "/var"], bench_pid=1, pid=2) == "PostgreSQL"
    assert role_of(["/usr/bin/vim"], bench_pid=1, pid=2) is None
    assert role_of([], bench_pid=2, pid=2).startswith("bench")


def test_the_window_counts_the_cpu_spent_inside_it() -> None:
    window = CpuWindow()
    window.start()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    seconds = window.stop()
    assert seconds["bench (submitting, reading back)"] >= 0.25
    out = io.StringIO()
    Console(file=out, width=120).print(window.table("where the CPU went"))
    assert f"of {os.cpu_count()}" in out.getvalue()


def test_the_machine_total_grows_by_at_least_what_this_process_spent() -> None:
    before, mine = machine_busy_seconds(), time.process_time()
    deadline = mine + 0.3
    while time.process_time() < deadline:
        pass
    assert machine_busy_seconds() - before >= 0.25
