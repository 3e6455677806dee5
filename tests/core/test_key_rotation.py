"""Rolling a system's signing key with an overlap (issue 23, docs/operations.md): the next key is staged and
accepted beside the current one; once promoted it signs; the old key is accepted until the end of the
overlap its peers were given, then refused as retired — never silently."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anju.cli import app
from anju.core import signing
from anju.core.signing import KeyRegistry, MemoryNonceStore, SignatureError

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC).timestamp()


def signed(key: signing.Sm2PrivateKey, *, at: float = NOW) -> dict[str, str]:
    return signing.sign_request(
        method="POST",
        path="/v1/cases",
        body=b"{}",
        caller="housing",
        key_id=key.public_key.key_id,
        private_key=key,
        message_id=f"m-{time.time_ns()}",
        now=at,
    )


def verify(registry: KeyRegistry, headers: dict[str, str], *, at: float = NOW) -> signing.VerifiedRequest:
    return signing.verify_request(
        method="POST",
        path="/v1/cases",
        headers=headers,
        body=b"{}",
        registry=registry,
        nonces=MemoryNonceStore(),
        now=at,
    )


def test_the_old_key_is_accepted_until_the_overlap_ends_then_refused_as_retired(tmp_path: Path) -> None:
    old, new = signing.generate_keypair(), signing.generate_keypair()
    end = datetime.fromtimestamp(NOW, UTC) + timedelta(hours=24)
    peers = tmp_path / "peers.json"
    peers.write_text(
        json.dumps(
            {
                "housing": {
                    new.public_key.key_id: new.public_key.to_hex(),
                    old.public_key.key_id: {
                        "public_key": old.public_key.to_hex(),
                        "not_after": end.isoformat(),
                    },
                }
            }
        ),
        encoding="utf-8",
    )
    registry = KeyRegistry.from_json(peers)
    assert verify(registry, signed(old)).key_id == old.public_key.key_id  # in the overlap: both accepted
    assert verify(registry, signed(new)).key_id == new.public_key.key_id
    later = NOW + 25 * 3600
    with pytest.raises(SignatureError) as refused:
        verify(registry, signed(old, at=later), at=later)
    assert refused.value.code == "key_retired" and "停用" in str(refused.value)
    assert verify(registry, signed(new, at=later), at=later).key_id == new.public_key.key_id


def test_a_peer_file_with_a_bad_end_of_overlap_is_refused_at_start(tmp_path: Path) -> None:
    key = signing.generate_keypair().public_key
    for entry in (
        {"public_key": key.to_hex(), "not_after": "2027-01-01T00:00:00"},  # no zone: whose midnight?
        {"public_key": key.to_hex(), "not_after": "next week"},
        {"not_after": "2027-01-01T00:00:00+08:00"},
    ):
        peers = tmp_path / "peers.json"
        peers.write_text(json.dumps({"housing": {key.key_id: entry}}), encoding="utf-8")
        with pytest.raises(ValueError):
            KeyRegistry.from_json(peers)


def test_stage_then_promote_in_a_key_directory(tmp_path: Path) -> None:
    """The embedded shape's registry reads the key directory: a staged key is accepted as soon as it is
    there; after promotion the system signs with it and the old one is no longer registered."""
    current = signing.load_or_create_keypair(directory=tmp_path, system="housing")
    staged = signing.stage_next_keypair(directory=tmp_path, system="housing")
    assert staged != current.public_key
    assert signing.stage_next_keypair(directory=tmp_path, system="housing") == staged  # again: the same
    assert (tmp_path / "housing.next.sm2.key").stat().st_mode & 0o777 == 0o600
    registry = KeyRegistry.from_directory(tmp_path)
    assert {("housing", current.public_key.key_id), ("housing", staged.key_id)} <= set(registry)
    old, new = signing.promote_next_keypair(directory=tmp_path, system="housing")
    assert (old, new) == (current.public_key, staged)
    assert signing.load_or_create_keypair(directory=tmp_path, system="housing").public_key == staged
    assert not (tmp_path / "housing.next.sm2.key").exists()
    assert (tmp_path / f"housing.retired-{old.key_id}.pub").read_text().strip() == old.to_hex()
    after = KeyRegistry.from_directory(tmp_path)
    assert ("housing", staged.key_id) in set(after) and ("housing", old.key_id) not in set(after)
    with pytest.raises(FileNotFoundError):
        signing.promote_next_keypair(directory=tmp_path, system="housing")  # nothing staged now


def test_the_commands_print_what_peers_add(tmp_path: Path) -> None:
    env = {"ANJU_KEYS_DIR": str(tmp_path), "ANJU_VAR_DIR": str(tmp_path)}
    runner = CliRunner()
    before = signing.load_or_create_keypair(directory=tmp_path, system="platform").public_key
    staged = runner.invoke(app, ["keys", "stage", "platform"], env=env)
    assert staged.exit_code == 0, staged.output
    fragment = json.loads(staged.output[staged.output.index("{") :])
    (new_id,) = fragment["platform"]
    promoted = runner.invoke(app, ["keys", "promote", "platform", "--overlap-hours", "48"], env=env)
    assert promoted.exit_code == 0, promoted.output
    entry = json.loads(promoted.output[promoted.output.index("{") :])["platform"]
    assert entry[new_id] == fragment["platform"][new_id]
    retiring = entry[before.key_id]
    assert retiring["public_key"] == before.to_hex()
    ends = datetime.fromisoformat(retiring["not_after"])
    assert timedelta(hours=47) < ends - datetime.now(UTC) < timedelta(hours=49)
    again = runner.invoke(app, ["keys", "promote", "platform"], env=env)
    assert again.exit_code == 1 and "anju keys stage platform" in again.output
