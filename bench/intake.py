"""Housing's memory while cases with large proofs arrive: the peak resident set of housing's processes.

Usage: PYTHONPATH=. python bench/intake.py [--cases 20] [--megabytes 20] [--concurrency 4]
                                          [--mode reference|inline] [--housing-workers 2]
                                          [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]

Housing runs as its own processes (`anju serve housing` and, by reference, ``--housing-workers`` ×
`anju worker housing`, as in production); this process plays the platform's outbox workers, sending
``--cases`` signed cases, ``--concurrency`` at a time, each with ``--megabytes`` of proofs (5 MB files: the
intake's limit per file).

- ``reference`` (decision 0035, the default): each case declares its files; the applications and their
  files are in the platform's database and `anju serve platform` serves them; the bench waits until
  housing's workers have fetched every file.
- ``inline``: the files travel as base64 in the case's JSON, as before decision 0035 (still accepted for
  one release): what that costs.

Peak RSS is the kernel's high-water mark of each process (VmHWM). Prints a table, then `intake_cases`,
`intake_accepted`, `intake_fetched_files`, `intake_peak_rss_mb` (the largest of housing's processes) and
`intake_mode`.
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
from sqlalchemy import func, select

from anju.core import idcard
from anju.core.crypto import sm3_hex
from anju.core.settings import Settings
from anju.embedded import runtime_for
from anju.housing.models import CaseAttachment
from anju.platform.backfill.service import proof_store
from anju.platform.models import Application
from tests.support.factories import case_submission, submit_application

FILE_BYTES = 5 * 1024 * 1024


def files(megabytes: int, seed: int) -> list[tuple[str, bytes]]:
    """Files of 5 MB (the last smaller) adding up to ``megabytes``: PDFs of random bytes, distinct per case
    (the platform's upload check wants the header and the end marker)."""
    remaining, out, n = megabytes * 1024 * 1024, [], 0
    while remaining > 0:
        size = min(FILE_BYTES, remaining)
        body = os.urandom(max(size - 16, 0))  # a PDF's header and end marker around random bytes
        out.append((f"证明材料-{seed}-{n}.pdf", b"%PDF-1.7\n" + body + b"\n%%EOF\n"))
        remaining -= size
        n += 1
    return out


def declared(name: str, data: bytes, *, inline: bool) -> dict[str, Any]:
    """A file as the case declares it (and, inline, carries it)."""
    proof = {"filename": name, "content_type": "application/pdf", "size": len(data), "sm3": sm3_hex(data)}
    return proof | ({"content_b64": base64.b64encode(data).decode("ascii")} if inline else {})


def on_the_platform(platform: Any, n: int, data: list[tuple[str, bytes]]) -> str:
    """A submitted application on the platform holding these files; returns its number."""
    first17 = f"35010219900101{n % 1000:03d}"
    number = submit_application(
        platform, subject=f"bench-{n}", id_number=first17 + idcard.check_digit(first17), name="林晓峰"
    )
    with platform.db.transaction() as session:
        application = session.scalars(select(Application).where(Application.application_no == number)).one()
        for name, content in data:
            proof_store(
                session=session,
                application_id=application.id,
                filename=name,
                data=content,
                cipher=platform.cipher,
                purpose="other",
            )
    return number


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
    parser.add_argument("--mode", choices=("reference", "inline"), default="reference")
    parser.add_argument("--housing-workers", type=int, default=2)
    parser.add_argument("--postgres", default=None, help="server URL without database name")
    args = parser.parse_args()
    inline = args.mode == "inline"
    console = Console()
    workers = 0 if inline else args.housing_workers
    with housing_apart(postgres=args.postgres, platform_server=not inline, housing_workers=workers) as apart:
        processes = {"anju serve housing": apart.housing} | {
            f"anju worker housing #{i + 1}": p for i, p in enumerate(apart.housing_workers)
        }
        idle = {role: rss_mb(p.pid, "VmRSS") for role, p in processes.items()}
        console.print(f"preparing {args.cases} cases of {args.megabytes} MB ({args.mode}) …")
        cases: list[tuple[str, list[dict[str, Any]]]] = []  # inline: the files are made as they are sent
        for n in range(1, args.cases + 1):
            if inline:
                cases.append((f"GZF-350100-20261207-{n:06d}", []))
                continue
            data = files(args.megabytes, n)
            number = on_the_platform(apart.platform, n, data)
            cases.append((number, [declared(*f, inline=False) for f in data]))
        console.print(f"sending {args.cases} cases, {args.concurrency} at a time …")

        def send(case: tuple[str, list[dict[str, Any]]]) -> int:
            number, proofs = case
            n = int(number[-6:])
            proofs = proofs or [declared(*f, inline=True) for f in files(args.megabytes, n)]
            response = apart.platform.client.request(
                method="POST",
                destination="housing",
                path="/v1/cases",
                payload=case_submission(case_no=number, other_proofs=proofs),
                purpose="性能测试",
            )
            return int(response.status_code)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            statuses = list(pool.map(send, cases))
        received = time.perf_counter() - started
        expected = sum(len(proofs) for _, proofs in cases)
        fetched = fetched_files(wait_for=0 if inline else expected, console=console)
        seconds = time.perf_counter() - started
        peaks = {role: rss_mb(p.pid, "VmHWM") for role, p in processes.items()}
    accepted = sum(1 for s in statuses if s == 201)
    table = Table(
        title=f"Intake: {args.cases} cases × {args.megabytes} MB of proofs, {args.mode}, {args.concurrency} at a time"
    )
    for column in ("process", "idle MB", "peak MB"):
        table.add_column(column, justify="right")
    for role in processes:
        table.add_row(role, f"{idle[role]:.0f}", f"{peaks[role]:.0f}")
    console.print(table)
    console.print(
        f"{accepted}/{args.cases} cases received in {received:.1f} s; "
        f"{fetched}/{expected} files fetched; all done in {seconds:.1f} s"
    )
    print(f"intake_cases: {args.cases}")
    print(f"intake_accepted: {accepted}")
    print(f"intake_fetched_files: {fetched}")
    print(f"intake_peak_rss_mb: {max(peaks.values()):.0f}")
    print(f"intake_mode: {args.mode}")


def fetched_files(*, wait_for: int, console: Console, timeout: float = 600) -> int:
    """Files housing holds, after waiting (up to ``timeout``) until ``wait_for`` of them have arrived."""
    housing = runtime_for("housing", Settings())
    try:
        deadline = time.monotonic() + timeout
        while True:
            with housing.db.transaction() as session:
                done = int(
                    session.scalar(
                        select(func.count())
                        .select_from(CaseAttachment)
                        .where(CaseAttachment.fetched_at.is_not(None))
                    )
                    or 0
                )
            if done >= wait_for or time.monotonic() > deadline:
                return done
            console.print(f"  {done}/{wait_for} files fetched …")
            time.sleep(2)
    finally:
        housing.stop()


if __name__ == "__main__":
    main()
