"""The platform's tables (its own metadata and Alembic history: migrations/platform)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from anju.core.audit import Chained
from anju.core.db import UTCDateTime, system_metadata
from anju.core.runtime import PlumbingTables
from anju.core.staffauth import StaffAccount
from anju.core.timeutil import utcnow

metadata = system_metadata()
TABLES = PlumbingTables.on(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Applicant(Base):
    """A resident who signed in through 统一身份认证; ID and phone encrypted, ID blind-indexed."""

    __tablename__ = "applicant"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text, default="")
    real_name_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


APPLICATION_PHONE_CONTEXT = "platform.application.phone"  # encryption context of Application.phone_enc


class Application(Base):
    """One application for public rental housing; its number is the case number across systems."""

    __tablename__ = "application"
    # The dashboard's rollup reads a city's month of submissions (decision 0034).
    __table_args__ = (Index("ix_application_city_submitted", "city_code", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Numbered on submission; a draft has none yet.
    application_no: Mapped[str | None] = mapped_column(String(50), unique=True, nullable=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(6), default="")
    district_code: Mapped[str] = mapped_column(String(6), default="")
    applicant_group: Mapped[str] = mapped_column(String(32), default="")
    household_size: Mapped[int] = mapped_column(Integer, default=1)
    phone_enc: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    status: Mapped[str] = mapped_column(String(32), default="draft")
    status_seq: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The applicant's burden, recorded at submission (the one-thing service's yardstick).
    typed_fields: Mapped[int] = mapped_column(Integer, default=0)
    backfilled_fields: Mapped[int] = mapped_column(Integer, default=0)
    overridden_fields: Mapped[int] = mapped_column(Integer, default=0)
    uploads: Mapped[int] = mapped_column(Integer, default=0)
    page_views: Mapped[int] = mapped_column(Integer, default=0)
    # Submitted at a counter window: the clerk who served ("clerk:<id>"), and the seconds from identifying
    # the person at the window to submitting (the counter's own figures).
    served_by: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    served_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # When its personal content was erased (deleted draft, or the retention period ran out).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.occurred_at"
    )


class ApplicationEvent(Base):
    """The applicant's timeline: one row per status, never updated or deleted."""

    __tablename__ = "application_event"
    __table_args__ = (UniqueConstraint("application_id", "source", "seq", name="uq_application_event_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    office: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # The deadline of the step the case is now in, and the title of housing's sealed decision, if any.
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_note: Mapped[str] = mapped_column(String(200), default="")  # e.g. provisional: holidays unknown
    document: Mapped[str] = mapped_column(String(64), default="")
    event: Mapped[str] = mapped_column(
        String(64), default=""
    )  # housing's step (lease_signed, reverify_kept …)
    message_id: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")


class ApplicationCounter(Base):
    """Per-city, per-day sequence behind readable application numbers."""

    __tablename__ = "application_counter"

    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# A member taken off the household: kept, not deleted, so their consents and the queries made stay on record.
MEMBER_REMOVED = "removed"


class ApplicationMember(Base):
    """A person of the application's household: the applicant and the co-applicants they chose."""

    __tablename__ = "application_member"
    __table_args__ = (
        UniqueConstraint("application_id", "id_number_bidx", name="uq_application_member_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # applicant / co_applicant / MEMBER_REMOVED
    relation: Mapped[str] = mapped_column(String(16))  # 本人 配偶 子女 父母 其他 (relation to the applicant)
    name: Mapped[str] = mapped_column(String(64))
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last SMS inviting this co-applicant to authorise: when, and to which number (masked; the number
    # itself is not kept: it travels encrypted in the outbox and is emptied once delivered).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    invited_phone_masked: Mapped[str] = mapped_column(String(16), default="")


class Consent(Base):
    """One person's authorisation for one source, for one application's purpose (PIPL arts. 14, 23, 29)."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("application_member.id"), index=True)
    subject_bidx: Mapped[str] = mapped_column(String(64), index=True)  # whose data (blind index of the ID)
    granted_by: Mapped[str] = mapped_column(String(128))  # IdP subject of who consented (self or guardian)
    source: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(default=False)
    text_version: Mapped[str] = mapped_column(
        String(64)
    )  # SM3 of the notice shown, so the wording can be proven
    channel: Mapped[str] = mapped_column(String(16))
    # At a counter window: the clerk ("clerk:<id>") before whom the person confirmed it in person, and the
    # 帮办代办 through which an agent conveyed it (the consent is still the applicant's).
    witnessed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Agency(Base):
    """帮办代办 at a counter window (issue 16): who acted for whom, on what basis, before which clerk. The
    agent is identified like any walk-in (card and face, or the clerk's check); the applicant by their
    original ID card on the window's reader; the basis is a scanned 委托书 or 监护 proof, kept as a proof
    of the draft (purpose "agency") so the reviewer sees it."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    agent_applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    basis: Mapped[str] = mapped_column(String(16))  # "entrusted" (委托) or "guardian" (监护)
    # The scanned basis; None once the application's content is erased (retention), the record staying.
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("proof_upload.id"), nullable=True)
    clerk: Mapped[str] = mapped_column(String(64))  # "clerk:<id>", before whom
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsentEvent(Base):
    """Append-only history of consents: granted, revoked."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BackfillResult(Base):
    """What one source said about one household member, with its provenance."""

    __tablename__ = "backfill_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("application_member.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))  # found / no_record / failed / no_consent / circuit_open
    payload_enc: Mapped[str] = mapped_column(Text, default="")  # SM4-GCM JSON of the fields returned
    error: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    response_signature: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review: Mapped[str] = mapped_column(String(16), default="")  # "" / confirmed / disputed
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DataAccessLog(Chained, Base):
    """Every query of a person's data: when, which source, which fields, why, for which application, by whom.
    Hash-chained (core/audit): a changed or deleted row shows."""

    __tablename__ = "data_access_log"
    CHAINED_FIELDS = (
        "subject_bidx",
        "source",
        "fields",
        "purpose",
        "application_id",
        "actor",
        "outcome",
        "request_id",
        "occurred_at",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_bidx: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32))
    fields: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(24))
    request_id: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProofUpload(Base):
    """A proof the applicant uploaded where a register could not answer, or to support a dispute."""

    __tablename__ = "proof_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    # register: for a register item (result, member and source set); other: the form's 其他证明材料;
    # correction: part of the applicant's answer to a 补正 notice (its round set).
    purpose: Mapped[str] = mapped_column(String(16), default="register")
    result_id: Mapped[int | None] = mapped_column(ForeignKey("backfill_result.id"), index=True, nullable=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("application_member.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="")
    correction_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # SM3 of the file as uploaded
    content_enc: Mapped[str] = mapped_column(Text)  # SM4-GCM of the base64 content
    # Collected on paper at a counter window and scanned there (the 高拍仪), not uploaded by the applicant.
    on_paper: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProofPromise(Base):
    """容缺受理 at a counter window (issue 16): a register could not give one member's item, the proof is not
    at hand, and the city allows it to be brought later — the applicant promises it within ``limit`` working
    (or calendar) days of housing receiving the case. The promise is part of what the applicant signs."""

    __tablename__ = "proof_promise"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("backfill_result.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("application_member.id"))
    source: Mapped[str] = mapped_column(String(32))
    limit: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))  # workdays / calendar_days, as the city's rule said
    clerk: Mapped[str] = mapped_column(String(64))  # "clerk:<id>", before whom it was promised
    promised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DraftAnswer(Base):
    """An answer on the unified form; append-only, the newest row per (member, field) is current."""

    __tablename__ = "draft_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("application_member.id"), nullable=True)
    field_code: Mapped[str] = mapped_column(String(64))
    value_enc: Mapped[str] = mapped_column(Text)  # SM4-GCM of the JSON value
    origin: Mapped[str] = mapped_column(String(16))  # typed / backfilled / overridden / suggested
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApplicationSignature(Base):
    """The applicant's e-signature over a document of the submission (the application, the pledge)."""

    __tablename__ = "application_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    document_enc: Mapped[str] = mapped_column(Text)  # SM4-GCM of the exact bytes signed
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    signature_json: Mapped[str] = mapped_column(Text)  # anju.core.esign.ESignature, as returned and verified
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CorrectionReply(Base):
    """The applicant's answer to one 补正 notice (its files are ProofUpload rows of that round)."""

    __tablename__ = "correction_reply"
    __table_args__ = (UniqueConstraint("application_id", "round", name="uq_correction_reply_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    reply_enc: Mapped[str] = mapped_column(Text)
    files: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Evaluation(Base):
    """One 好差评 rating of a case through one channel (一事一评), and the follow-up of a bad one."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("application_id", "channel", name="uq_evaluation_case_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))  # the case status when rated
    overall: Mapped[int] = mapped_column(Integer)
    indicators_json: Mapped[str] = mapped_column(Text)  # {"efficiency": 4, ...}
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # At a counter window: the clerk who served ("clerk:<id>") and the window's terminal whose evaluator
    # (评价器) the person pressed, so the rating counts under that centre, window and clerk.
    clerk: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    terminal_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A bad rating (差评) is followed up by the office: due date, what it found and did, and the rater's view.
    follow_up_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    follow_up_finding: Mapped[str] = mapped_column(Text, default="")
    follow_up_action: Mapped[str] = mapped_column(String(16), default="")  # rectified | explained
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    follow_up_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    appeal_upheld: Mapped[bool] = mapped_column(default=False)  # 申诉复核 found it mistaken: not counted


class CircuitState(Base):
    """A source's circuit breaker, shared by every replica of the platform (decision 0033): consecutive
    failures, and until when (epoch seconds) the source is left alone once they reach the threshold."""

    __tablename__ = "circuit_state"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    opened_until: Mapped[float] = mapped_column(Float, default=0.0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MetricsStale(Base):
    """A city and month whose dashboard figures something changed since they were rolled up (appended by
    every transaction that touches a submitted application, consumed by the rollup: decision 0034)."""

    __tablename__ = "metrics_stale"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))  # of submission, in Shanghai: "2026-11"


class MetricsRollup(Base):
    """The dashboard's figures of one city: by month ("channel" and "evaluation" rows) and the windows'."""

    __tablename__ = "metrics_rollup"
    __table_args__ = (UniqueConstraint("city_code", "month", "kind", name="uq_metrics_rollup"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))  # "" for the windows' figures (over every month)
    kind: Mapped[str] = mapped_column(String(16))  # channel | evaluation | windows
    rows_json: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MetricsRollupRun(Base):
    """One run of the rollup: what the dashboard's "统计截至" says is the start of the last finished one."""

    __tablename__ = "metrics_rollup_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    groups: Mapped[int] = mapped_column(Integer, default=0)  # city-months computed
    full: Mapped[bool] = mapped_column(Boolean, default=False)


class HcpTask(Base):
    """A 差评整改 task the provincial 好差评 system set for one of our ratings, and when our rectification
    was queued back to it (decision 0032)."""

    __tablename__ = "hcp_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    project_no: Mapped[str] = mapped_column(String(50), index=True)
    evaluate_unid: Mapped[str] = mapped_column(String(64), default="")
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id"), nullable=True, index=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


AUDITED: tuple[type[Chained], ...] = (DataAccessLog,)  # the hash-chained tables (`anju audit verify`)


class Clerk(StaffAccount, Base):
    """A clerk at a window of a 政务服务中心 (综合窗口, 无差别受理) who serves walk-ins (decision 0018);
    sign-in columns: core/staffauth."""

    __tablename__ = "clerk"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    centre: Mapped[str] = mapped_column(String(100))
    window: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ACTOR_PREFIX = "clerk:"

    @classmethod
    def actor(cls, clerk_id: int) -> str:
        """How a clerk is named as the actor or witness of a check, a query, a consent or a rating."""
        return f"{cls.ACTOR_PREFIX}{clerk_id}"

    @classmethod
    def of_actor(cls, session: Session, actor: str | None) -> Clerk | None:
        """The clerk an actor string names, if it names one that still exists."""
        number = (actor or "").removeprefix(cls.ACTOR_PREFIX)
        if not actor or not actor.startswith(cls.ACTOR_PREFIX) or not number.isdigit():
            return None
        return session.get(cls, int(number))


class KioskTerminal(Base):
    """A terminal the platform knows (a self-service kiosk, or a counter window's devices): its id, where it
    stands, and the public half of the SM2 key its device agent holds. Only a browser bound to a registered
    terminal may sign in by ID card and face (identity/terminals.py, decision 0022)."""

    __tablename__ = "kiosk_terminal"

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))  # 鼓楼区政务服务中心 1 号自助机
    # "kiosk" (a self-service terminal) or "window" (a counter window's card reader and camera)
    kind: Mapped[str] = mapped_column(String(16), default="kiosk", server_default="kiosk")
    public_key: Mapped[str] = mapped_column(String(130))  # 04 ‖ X ‖ Y, hex
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class KioskBinding(Base):
    """A browser bound to a terminal for a working day: the hash of the cookie it holds."""

    __tablename__ = "kiosk_binding"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    terminal_id: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
