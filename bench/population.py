"""How fast the sandbox's synthetic population is generated into SQLite, and at what memory cost.

Usage: python bench/population.py [--people 1000000] [--seed 20261127] [--serial]
Generates into a temporary SQLite file (demo households plus N random persons), prints a table of
rows per register, then exactly these lines last:
    population_people: N
    population_seconds: X.X
    population_peak_rss_mb: X        (this process: resource.getrusage(RUSAGE_SELF).ru_maxrss)
Target: ≤ 120 s and ≤ 2 GB for 1,000,000 people on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from anju.core.db import Database
from anju.sandbox.models import metadata
from anju.sandbox.population import models as _models  # noqa: F401 - registers the tables
from anju.sandbox.population.generator import TABLE_NAMES, population_generate, population_summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--serial", action="store_true", help="generate and write in this process only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="anju-population-") as directory:
        path = Path(directory) / "sandbox.db"
        db = Database(f"sqlite:///{path}")
        metadata.create_all(db.engine)
        started = time.perf_counter()
        stats = population_generate(
            db=db, people=args.people, seed=args.seed, parallel=False if args.serial else None
        )
        seconds = time.perf_counter() - started
        summary = population_summary(db=db)
        db.dispose()
        size_mb = sum(p.stat().st_size for p in Path(directory).iterdir()) / 2**20

    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    table = Table(title=f"Synthetic population: {args.people:,} random persons + {stats.demo_people} demo")
    for column in ("register", "rows", "rows per second"):
        table.add_column(column, justify="right" if column != "register" else "left")
    for name in TABLE_NAMES:
        table.add_row(name, f"{summary[name]:,}", f"{summary[name] / seconds:,.0f}")
    table.add_row("all", f"{sum(summary.values()):,}", f"{sum(summary.values()) / seconds:,.0f}")
    Console().print(table)
    Console().print(
        f"households {stats.households:,} · database {size_mb:,.0f} MB · "
        f"peak RSS writer {self_mb:,.0f} MB, generator child {child_mb:,.0f} MB"
    )
    print(f"population_people: {stats.people}")
    print(f"population_seconds: {seconds:.1f}")
    print(f"population_peak_rss_mb: {self_mb:.0f}")


if __name__ == "__main__":
    main()
