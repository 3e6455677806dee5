"""Seeding the sandbox with its demo residents."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import idcard
from anju.core.crypto import sm3_hex
from anju.sandbox.models import Resident

PERSONAS_FILE = Path(__file__).with_name("personas.yaml")
DEMO_PASSWORD = "anju-demo"  # noqa: S105 - the published sandbox password of synthetic personas


def personas_load() -> list[dict[str, Any]]:
    """The demo personas as data."""
    return list(yaml.safe_load(PERSONAS_FILE.read_text(encoding="utf-8"))["personas"])


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    # Personas share one published sandbox password, so one (salted) hash serves them all.
    return PasswordHasher().hash(DEMO_PASSWORD)


def personas_seed(*, session: Session) -> int:
    """Insert the demo residents that are not there yet; returns how many were added."""
    added = 0
    for persona in personas_load():
        number = idcard.parse(persona["id_number"]).number
        if session.scalar(select(Resident.id).where(Resident.id_number == number)) is not None:
            continue
        session.add(
            Resident(
                key=persona["key"],
                subject="fj" + sm3_hex(f"sandbox-subject:{number}".encode())[:30],
                name=persona["name"],
                id_number=number,
                phone=persona["phone"],
                real_name_level=int(persona["real_name_level"]),
                password_hash=_demo_hash(),
                note=persona.get("note", ""),
            )
        )
        added += 1
    return added
