"""Housing's memory while cases with large proofs arrive: the peak resident set of `anju serve housing`.

Usage: PYTHONPATH=. python bench/intake.py [--cases 20] [--megabytes 20] [--concurrency 4]
                                          [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]

Housing runs as its own process (uvicorn, as in production); this process plays the platform's outbox
workers, sending ``--cases`` signed cases, ``--concurrency`` at a time, each with ``--megabytes`` of proofs
(5 MB files: the intake's limit per file). Today the proofs travel inline as base64 in the case's JSON
(decision 0035 proposes references, fetched and streamed); this measures what that costs. Peak RSS is the
kernel's high-water mark for the process (VmHWM). Prints a table, then `intake_cases`, `intake_accepted`,
`intake_peak_rss_mb` and `intake_mode`.
"""

from __future__ import annotations

import argparse
import base64
import os
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.apart import housing_apart
from rich.console import Console
from rich.table import Table

from anju.core.crypto import sm3_hex
from tests.support.factories import case_submission

FILE_BYTES = 5 * 1024 * 1024


def proofs(megabytes: int, seed: int) -> list[dict[str, Any]]:
    """Files of 5 MB (the last smaller) adding up to ``megabytes``: PDFs of random bytes, distinct per case."""
    remaining, files, n = megabytes * 1024 * 1024, [], 0
    while remaining > 0:
        size = min(FILE_BYTES, remaining)
        data = b"%PDF-1.7\n" + os.urandom(size - 9) if size > 9 else b"%PDF-1.7\n"[:size]
        files.append(
            {
                "filename": f"证明材料-{seed}-{n}.pdf",
                "content_type": "application/pdf",
                "size": len(data),
                "sm3": sm3_hex(data),
                "content_b64": base64.b64encode(data).decode("ascii"),
            }
        )
        remaining -= size
        n += 1
    return files


def rss_mb(pid: int, field: str) -> float:
    """VmRSS or VmHWM of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--postgres", default=None, help="server URL without database name")
    args = parser.parse_args()
    console = Console()
    with housing_apart(postgres=args.postgres) as apart:
        idle = rss_mb(apart.housing.pid, "VmRSS")
        console.print(f"sending {args.cases} cases of {args.megabytes} MB, {args.concurrency} at a time …")

        def send(n: int) -> int:
            payload = case_submission(
                case_no=f"GZF-350100-20261207-{n:06d}", other_proofs=proofs(args.megabytes, n)
            )
            response = apart.platform.client.request(
                method="POST", destination="housing", path="/v1/cases", payload=payload, purpose="性能测试"
            )
            return int(response.status_code)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            statuses = list(pool.map(send, range(1, args.cases + 1)))
        seconds = time.perf_counter() - started
        peak = rss_mb(apart.housing.pid, "VmHWM")
    accepted = sum(1 for s in statuses if s == 201)
    table = Table(
        title=f"Intake: {args.cases} cases × {args.megabytes} MB of proofs, inline, {args.concurrency} at a time"
    )
    for column in ("cases", "accepted", "seconds", "housing idle MB", "housing peak MB"):
        table.add_column(column, justify="right")
    table.add_row(str(args.cases), str(accepted), f"{seconds:.1f}", f"{idle:.0f}", f"{peak:.0f}")
    console.print(table)
    print(f"intake_cases: {args.cases}")
    print(f"intake_accepted: {accepted}")
    print(f"intake_peak_rss_mb: {peak:.0f}")
    print("intake_mode: inline")


if __name__ == "__main__":
    main()
