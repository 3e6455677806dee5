"""What every system needs at run time, built the same way for each: database, keys, peers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import MetaData, Table

from anju.core import crypto, signing
from anju.core.audit import AuditChain, anchor_table, chain_table
from anju.core.db import Database
from anju.core.httpapi import DbNonceStore, SignedApi, SystemIdentity, nonce_table
from anju.core.httpclient import SignedClient
from anju.core.outbox import (
    DeliveryResult,
    OutboxMessage,
    OutboxWorker,
    RetryPolicy,
    inbox_table,
    outbox_protect,
    outbox_table,
)
from anju.core.ratelimit import RateLimiter, rate_table
from anju.core.settings import SYSTEMS, Settings, SystemName
from anju.core.websession import SessionStore, session_table


@dataclass(frozen=True)
class PlumbingTables:
    """The tables every system keeps in its own database for the shared mechanisms."""

    outbox: Table
    inbox: Table
    nonces: Table
    sessions: Table
    rates: Table
    audit_chain: Table
    audit_anchor: Table

    @classmethod
    def on(cls, metadata: MetaData) -> PlumbingTables:
        """Declare the shared tables on a system's metadata."""
        return cls(
            outbox=outbox_table(metadata),
            inbox=inbox_table(metadata),
            nonces=nonce_table(metadata),
            sessions=session_table(metadata),
            rates=rate_table(metadata),
            audit_chain=chain_table(metadata),
            audit_anchor=anchor_table(metadata),
        )


@dataclass
class Runtime:
    """One system's live resources."""

    system: SystemName
    settings: Settings
    db: Database
    tables: PlumbingTables
    identity: SystemIdentity
    registry: signing.KeyRegistry
    data_keys: crypto.DataKeys
    api: SignedApi
    client: SignedClient
    sessions: SessionStore
    rates: RateLimiter
    audit: AuditChain
    # Adapters for destinations that do not speak our signed JSON (the provincial 好差评 system's SOAP):
    # the outbox hands each message to its destination's sender, else to the signed client (decision 0032).
    senders: dict[str, Callable[[OutboxMessage], DeliveryResult]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def cipher(self) -> crypto.FieldCipher:
        """SM4-GCM field encryption with this system's data keys."""
        return self.data_keys.field_cipher()

    @property
    def blind_index(self) -> crypto.BlindIndex:
        """HMAC-SM3 blind index for lookups of encrypted values."""
        return self.data_keys.blind_index()

    def deliver(self, message: OutboxMessage) -> DeliveryResult:
        """Send one outbox message by its destination's adapter, or signed JSON to a peer system."""
        return self.senders.get(message.destination, self.client.deliver)(message)

    @property
    def retry_policy(self) -> RetryPolicy:
        """The configured retry rule for work that reaches another system (outbox messages, case files)."""
        s = self.settings
        return RetryPolicy(
            max_attempts=s.outbox_max_attempts,
            base_delay_seconds=s.outbox_base_delay_seconds,
            max_delay_seconds=s.outbox_max_delay_seconds,
        )

    def outbox_worker(self, *, owner: str | None = None) -> OutboxWorker:
        """A worker that delivers this system's outbox with the configured retry rule."""
        s = self.settings
        return OutboxWorker(
            db=self.db,
            table=self.tables.outbox,
            sender=self.deliver,
            policy=self.retry_policy,
            lease_seconds=s.outbox_lease_seconds,
            batch_size=s.outbox_batch_size,
            owner=owner,
        )

    @property
    def stop_event(self) -> threading.Event:
        """Set when the runtime stops: background loops end on it."""
        return self._stop

    def start_worker_thread(self) -> threading.Thread:
        """Run the outbox worker in a background thread of this process."""
        worker = self.outbox_worker()
        thread = threading.Thread(
            target=worker.run_forever,
            kwargs={"stop": self._stop, "poll_seconds": self.settings.outbox_poll_seconds},
            name=f"{self.system}-outbox",
            daemon=True,
        )
        thread.start()
        return thread

    def stop(self) -> None:
        """Stop background workers and close connections."""
        self._stop.set()
        self.client.close()
        self.db.dispose()


def load_registry(settings: Settings) -> signing.KeyRegistry:
    """Peer public keys: the configured JSON registry, or every key in the local key directory."""
    if settings.peer_keys_file is not None:
        return signing.KeyRegistry.from_json(settings.peer_keys_file)
    return signing.KeyRegistry.from_directory(settings.key_directory)


def ensure_keys(settings: Settings) -> None:
    """Create the signing and data keys of every system on first run (embedded default only), and the
    joint-test seal root unless the roots are configured, so the verification page can publish it from the
    start (the offices' seals are made on first use)."""
    from anju.core import seal  # pyHanko and asn1crypto: only when keys are made

    for system in SYSTEMS:
        signing.load_or_create_keypair(directory=settings.key_directory, system=system)
        crypto.load_or_create_data_keys(directory=settings.key_directory, system=system)
    if settings.seal_ca_file is None:
        seal.seal_ca(seal.seal_directory(settings.key_directory))


def build_runtime(*, system: SystemName, settings: Settings, tables: PlumbingTables) -> Runtime:
    """Assemble a system's database, keys, signed API and peer client from settings."""
    keypair = signing.load_or_create_keypair(directory=settings.key_directory, system=system)
    data_keys = crypto.load_or_create_data_keys(directory=settings.key_directory, system=system)
    registry = load_registry(settings)
    db = Database(
        settings.db_url(system), pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    identity = SystemIdentity(name=system, private_key=keypair)
    nonces = DbNonceStore(db=db, table=tables.nonces, window_seconds=settings.signature_window_seconds)
    api = SignedApi(
        identity=identity, registry=registry, nonces=nonces, window_seconds=settings.signature_window_seconds
    )
    client = SignedClient(
        identity=identity,
        registry=registry,
        base_urls={name: settings.base_url(name) for name in SYSTEMS},
        timeout_seconds=settings.http_timeout_seconds,
    )
    sessions = SessionStore(db=db, table=tables.sessions, idle_minutes=settings.session_idle_minutes)
    outbox_protect(tables.outbox, data_keys.field_cipher())
    return Runtime(
        system=system,
        settings=settings,
        db=db,
        tables=tables,
        identity=identity,
        registry=registry,
        data_keys=data_keys,
        api=api,
        client=client,
        sessions=sessions,
        rates=RateLimiter(table=tables.rates, index=data_keys.blind_index()),
        audit=AuditChain(table=tables.audit_chain, index=data_keys.blind_index()),
    )
