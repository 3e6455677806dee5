"""How fast we sign and verify (SM2 over SM3, GB/T 35276) — requests per second per core.

Usage: python bench/signing.py [--n 500]
Prints a table, then one `metric: value` line each.
"""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Console
from rich.table import Table

from anju.core import signing
from anju.core.signing import KeyRegistry, MemoryNonceStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    n = parser.parse_args().n
    key = signing.generate_keypair()
    registry = KeyRegistry()
    registry.add(caller="platform", key_id=key.key_id, public_key=key.public_key)
    body = json.dumps(
        {"case_no": "GZF-350100-20261127-000001", "address": "鼓楼区五四路 123 号" * 10}, ensure_ascii=False
    ).encode()

    started = time.perf_counter()
    signed = [
        signing.sign_request(
            method="POST",
            path="/housing/v1/cases",
            body=body,
            caller="platform",
            key_id=key.key_id,
            private_key=key,
            message_id=f"m{i}",
            purpose="申请公租房",
        )
        for i in range(n)
    ]
    sign_seconds = time.perf_counter() - started

    nonces = MemoryNonceStore()
    started = time.perf_counter()
    for headers in signed:
        signing.verify_request(
            method="POST",
            path="/housing/v1/cases",
            headers=headers,
            body=body,
            registry=registry,
            nonces=nonces,
        )
    verify_seconds = time.perf_counter() - started

    table = Table(title=f"SM2 request signing, {n} requests, body {len(body)} bytes")
    for column in ("operation", "per second", "ms each"):
        table.add_column(column)
    table.add_row("sign_request", f"{n / sign_seconds:,.0f}", f"{1000 * sign_seconds / n:.3f}")
    table.add_row("verify_request", f"{n / verify_seconds:,.0f}", f"{1000 * verify_seconds / n:.3f}")
    Console().print(table)
    print(f"sign_per_second: {n / sign_seconds:.0f}")
    print(f"verify_per_second: {n / verify_seconds:.0f}")


if __name__ == "__main__":
    main()
