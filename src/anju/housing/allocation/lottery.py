"""The draw (摇号) that anyone can re-run: pure functions of the published inputs, nothing else
(docs/interfaces/lottery.md has the algorithm and a worked example).

1. The candidate list is frozen and published as text, one line a household; its SM3 is published with it,
   and so is the SM3 of a random value housing keeps sealed until step 2 (a commitment).
2. Before the draw, the seed is published — drawn by a third party after the list was frozen (a notary, or a
   public lottery's numbers on a stated date) — and housing reveals its sealed value. Neither side alone
   could choose the order: the list was fixed before either value was known.
3. The order is a Fisher–Yates shuffle of the list, driven by HMAC-SM3 in counter mode under a key made from
   the revealed value, the seed and the list's digest.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from anju.core.crypto import hmac_sm3, sm3_hex

ALGORITHM = "ANJU-LOTTERY-V1"  # HMAC-SM3 counter-mode stream, rejection sampling, Fisher–Yates from the end


@dataclass(frozen=True)
class Candidate:
    """One household as the published list shows it: never a full name, never an ID number."""

    waitlist_no: int
    name: str  # masked
    district: str
    household_size: int

    def line(self, index: int) -> str:
        return f"{index}\t{self.waitlist_no}\t{self.name}\t{self.district}\t{self.household_size}"


def list_text(candidates: Sequence[Candidate]) -> str:
    """The published list: a header naming the algorithm, then one line a household, numbered from 1."""
    lines = [f"# {ALGORITHM}", *(c.line(i) for i, c in enumerate(candidates, start=1))]
    return "\n".join(lines) + "\n"


def list_count(text: str) -> int:
    """How many households a published list names (raises ValueError on a list that is not one)."""
    lines = text.splitlines()
    if not lines or lines[0] != f"# {ALGORITHM}":
        raise ValueError(f"not a list of {ALGORITHM}: the first line must be '# {ALGORITHM}'")
    rows = lines[1:]
    for n, row in enumerate(rows, start=1):
        if row.split("\t", 1)[0] != str(n):
            raise ValueError(f"line {n + 1}: households must be numbered 1, 2, 3 … in order")
    return len(rows)


def list_digest(text: str) -> str:
    """The SM3 of the published list as UTF-8 (lowercase hex)."""
    return sm3_hex(text.encode("utf-8"))


def sealed_value() -> str:
    """Housing's random value for a draw, kept sealed until the seed is published (64 hex digits)."""
    return secrets.token_hex(32)


def commitment(value: str) -> str:
    """What is published of the sealed value before it is revealed."""
    return sm3_hex(value.encode("ascii"))


def draw_key(*, sealed: str, seed: str, digest: str) -> bytes:
    """The key of the draw: HMAC-SM3 under the revealed value of the seed and the list's digest."""
    return hmac_sm3(key=bytes.fromhex(sealed), data=f"{seed}\n{digest}".encode())


def _stream(key: bytes) -> Iterator[int]:
    """Unsigned 64-bit integers: HMAC-SM3(key, counter as 8 bytes big-endian), each block cut in four."""
    counter = 0
    while True:
        block = hmac_sm3(key=key, data=counter.to_bytes(8, "big"))
        for i in range(0, 32, 8):
            yield int.from_bytes(block[i : i + 8], "big")
        counter += 1


def _below(stream: Iterator[int], n: int) -> int:
    """A uniform integer in [0, n): a draw at or past the largest multiple of n is discarded."""
    limit = (1 << 64) - (1 << 64) % n
    while True:
        x = next(stream)
        if x < limit:
            return x % n


def draw_order(*, count: int, key: bytes) -> list[int]:
    """The households' numbers (from 1) in the order drawn: Fisher–Yates, i from the last down to the
    second, each swapped with a uniform j in [0, i]."""
    order = list(range(1, count + 1))
    stream = _stream(key)
    for i in range(count - 1, 0, -1):
        j = _below(stream, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def rerun(*, text: str, seed: str, sealed: str, digest: str = "", committed: str = "") -> list[int]:
    """The order again from the published inputs alone, checking each against what was published
    (raises ValueError naming the first that does not match)."""
    count = list_count(text)
    actual = list_digest(text)
    if digest and digest != actual:
        raise ValueError(f"the list's SM3 is {actual}, not the published {digest}")
    if committed and commitment(sealed) != committed:
        raise ValueError("the revealed value does not match the published commitment")
    return draw_order(count=count, key=draw_key(sealed=sealed, seed=seed, digest=actual))
