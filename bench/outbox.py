"""Cases delivered per second from the platform's outbox to housing's intake over loopback HTTP.

Usage: python bench/outbox.py [--cases 300] [--db-url-platform URL --db-url-housing URL]
Both systems run for real (signed requests, inbox, case storage) on temporary SQLite files by default.
Prints a table, then one `metric: value` line each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from rich.console import Console
from rich.table import Table

from anju.core.runtime import ensure_keys
from anju.core.settings import Settings
from anju.embedded import app_for, migrate_all, runtime_for
from tests.support.env import LiveServer, free_port
from tests.support.factories import submit_application
from tests.support.trail import case_trails


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--db-url-platform", default=None)
    parser.add_argument("--db-url-housing", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        settings = Settings(
            var_dir=Path(tmp),
            keys_dir=Path(tmp) / "keys",
            housing_url=f"http://127.0.0.1:{port}",
            platform_db_url=args.db_url_platform,
            housing_db_url=args.db_url_housing,
        )
        ensure_keys(settings)
        migrate_all(settings)
        platform, housing = runtime_for("platform", settings), runtime_for("housing", settings)
        server = LiveServer(app_for("housing", settings, housing), port).start()  # housing serves; not read
        try:
            numbers = [submit_application(platform) for _ in range(args.cases)]
            worker = platform.outbox_worker()
            passes: list[float] = []
            started = time.perf_counter()
            while True:
                t = time.perf_counter()
                if not worker.run_once():
                    break
                passes.append(time.perf_counter() - t)
            elapsed = time.perf_counter() - started
            stored = len(case_trails(platform, numbers))  # asked of housing as the platform may ask
        finally:
            server.stop()
            platform.stop()
            housing.stop()
    per_case_ms = 1000 * elapsed / max(stored, 1)
    table = Table(title=f"Outbox delivery, {args.cases} cases, platform → housing over loopback HTTP")
    for column in ("cases stored", "seconds", "cases/s", "ms per case", "batch p50 ms"):
        table.add_column(column)
    table.add_row(
        str(stored),
        f"{elapsed:.2f}",
        f"{stored / elapsed:.1f}",
        f"{per_case_ms:.1f}",
        f"{1000 * statistics.median(passes):.0f}",
    )
    Console().print(table)
    print(f"outbox_cases_stored: {stored}")
    print(f"outbox_cases_per_second: {stored / elapsed:.1f}")
    print(f"outbox_ms_per_case: {per_case_ms:.1f}")


if __name__ == "__main__":
    main()
