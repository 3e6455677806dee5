"""The sandbox's own tables (built from metadata; the sandbox has no migration history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.runtime import PlumbingTables
from anju.core.timeutil import utcnow

metadata = MetaData()
TABLES = PlumbingTables.on(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Resident(Base):
    """A synthetic person known to the identity provider."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    real_name_level: Mapped[int]
    password_hash: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdpAuthorizationCode(Base):
    """A one-time authorisation code issued to a relying party."""

    __tablename__ = "idp_authorization_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int]
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str] = mapped_column(String(200), default="")
    code_challenge: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdpAccessToken(Base):
    """An access token for the userinfo endpoint."""

    __tablename__ = "idp_access_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
