"""The housing system's tables (its own metadata and Alembic history: migrations/housing)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from anju.core.audit import Chained
from anju.core.db import UTCDateTime, system_metadata
from anju.core.runtime import PlumbingTables
from anju.core.staffauth import StaffAccount
from anju.core.timeutil import utcnow

metadata = system_metadata()
TABLES = PlumbingTables.on(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Case(Base):
    """A case (办件) received from the platform; its number is the platform's application number."""

    __tablename__ = "case_file"

    # The staff queue (issue 23): region, then status, in the queue's order, so a page of a city's million
    # cases is read from the index rather than sorted from the table; a full name is searched too.
    __table_args__ = (
        Index("ix_case_queue_city", "city_code", "status", "due_on", "submitted_at", "id"),
        Index("ix_case_queue_district", "district_code", "status", "due_on", "submitted_at", "id"),
        Index("ix_case_applicant_name", "applicant_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(50), unique=True)
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(16))
    applicant_name: Mapped[str] = mapped_column(String(64))
    applicant_id_enc: Mapped[str] = mapped_column(Text)
    applicant_id_bidx: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    applicant_group: Mapped[str] = mapped_column(String(32))
    household_size: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200))
    household_enc: Mapped[str] = mapped_column(Text, default="")  # SM4-GCM JSON of the household as submitted
    evidence_enc: Mapped[str] = mapped_column(
        Text, default=""
    )  # SM4-GCM JSON of register results with provenance
    signed_documents_enc: Mapped[str] = mapped_column(
        Text, default=""
    )  # SM4-GCM JSON: what the applicant signed
    status: Mapped[str] = mapped_column(String(32))
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The last step whose national 办件 records are queued for the 一体化政务服务平台 (banjian/records.py).
    banjian_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The current step's deadline (review/deadlines.py); None when none runs. Provisional while a year it
    # reaches has no holiday arrangement entered: counted Monday to Friday from due_from, due_days due_unit,
    # and counted again from the same basis when the year is entered (review/calendar.py).
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    due_note: Mapped[str] = mapped_column(String(200), default="")
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    due_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_unit: Mapped[str] = mapped_column(String(16), default="")
    office_days_left: Mapped[int | None] = mapped_column(Integer, nullable=True)  # paused during 补正
    notice_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    waitlist_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The oldest member's birth date, for the waiting list's age group (allocation/waitlist.py): the age is
    # counted on the day the list is read, so a household moves up the day a member turns the age.
    eldest_born_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # When the household went to the back of its group on the waiting list (a city's refusal rule,
    # allocation/offers.yaml); until then it waits from its approval (decided_at).
    waitlist_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Files the platform has declared and housing has not fetched yet (decision 0035): while any is on its
    # way, no staff member acts on the case. Changed only by SQL increments, so workers never race.
    proofs_pending: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CaseEvent(Chained, Base):
    """Append-only history of a case: every status change, who made it, why, through which channel.
    Hash-chained (core/audit): a changed or deleted step of a review shows."""

    __tablename__ = "case_event"
    CHAINED_FIELDS = (
        "case_id",
        "seq",
        "event",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "reason",
        "channel",
        "occurred_at",
    )
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffUser(StaffAccount, Base):
    """A housing staff account, bound to one role and one region (sign-in columns: core/staffauth)."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseAttachment(Base):
    """A file that came with the case: a register item's proof, the applicant's other proofs, or an answer
    to a 补正 notice. The platform declares it (name, type, size, SM3) and housing fetches it by reference
    (decision 0035); a file sent inline by an older platform is stored as it arrives."""

    __tablename__ = "case_attachment"
    __table_args__ = (Index("ix_case_attachment_fetch", "fetched_at", "fetch_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # register | other | correction
    correction_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # SM3, checked on receipt
    # SM4-GCM of the base64 content; "" until fetched. Deferred: a list of a case's files reads no content.
    content_enc: Mapped[str] = mapped_column(Text, default="", deferred=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When a worker may try (again); None once fetched, or once the tries are spent (an operator requeues).
    fetch_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fetch_error: Mapped[str] = mapped_column(String(300), default="", server_default="")


class CaseCorrection(Base):
    """One 补正 notice (every item at once, with its deadline) and the applicant's answer to it."""

    __tablename__ = "case_correction"
    __table_args__ = (UniqueConstraint("case_id", "round", name="uq_case_correction_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    items_json: Mapped[str] = mapped_column(Text)  # ["what is missing and what would settle it", ...]
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reply_enc: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RevealLog(Chained, Base):
    """A staff member saw a full ID or phone number: who, which case, which field, why, when.
    Hash-chained (core/audit): a changed or deleted row shows."""

    __tablename__ = "reveal_log"
    CHAINED_FIELDS = ("staff_id", "username", "case_id", "field", "reason", "revealed_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    revealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Objection(Base):
    """An objection to a case on public notice (异议): must be resolved before approval."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    objector_name_enc: Mapped[str] = mapped_column(Text)
    objector_phone_enc: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseDocument(Base):
    """A written decision (受理通知书, 补正通知书 …) for one status event; sealed when issued."""

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("case_id", "event_seq", name="uq_case_document_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(64))
    pdf_enc: Mapped[str] = mapped_column(
        Text, default=""
    )  # SM4-GCM of the base64 sealed PDF; "" until issued
    digest: Mapped[str] = mapped_column(String(64), default="")  # SM3 of the sealed PDF
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ParameterValue(Base):
    """A dated value of an eligibility parameter added by a city administrator (added, never overwritten)."""

    __tablename__ = "parameter_value"
    __table_args__ = (
        UniqueConstraint("city_code", "name", "effective_from", name="uq_parameter_value_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(32))  # exact decimal text
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FollowUpTask(Base):
    """A 差评 the office must follow up: call back, find out, rectify or explain, report (by the due date)."""

    __tablename__ = "follow_up_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # the platform's evaluation reference
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    overall: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    finding: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(16), default="")
    done_by: Mapped[str] = mapped_column(String(64), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 申诉复核: the office may appeal a rating it thinks mistaken or malicious; another person decides.
    appeal_reason: Mapped[str] = mapped_column(Text, default="")
    appealed_by: Mapped[str] = mapped_column(String(64), default="")
    appeal_decision: Mapped[str] = mapped_column(String(16), default="")  # upheld | rejected
    appeal_decided_by: Mapped[str] = mapped_column(String(64), default="")
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


AUDITED: tuple[type[Chained], ...] = (RevealLog, CaseEvent)  # the hash-chained tables (`anju audit verify`)


class HolidayCalendar(Base):
    """A year's statutory holidays and make-up working days as an administrator entered them from the State
    Council notice (国务院办公厅关于某年部分节假日安排的通知). Append-only: a correction is a new row, and
    the newest row of a year is in force (review/calendar.py)."""

    __tablename__ = "holiday_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(200))  # the notice's title and 文号
    holidays_json: Mapped[str] = mapped_column(Text)  # ["2027-01-01", ...]
    workdays_json: Mapped[str] = mapped_column(Text)  # the weekend days that are working days
    entered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseDeferralReceived(Base):
    """容缺受理: a material the applicant promised at a window, recorded as brought (issue 16). ``item`` is
    its place in the signed application's ``deferred_proofs``; one record per item."""

    __tablename__ = "case_deferral_received"
    __table_args__ = (UniqueConstraint("case_id", "item", name="uq_case_deferral_received_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    item: Mapped[int] = mapped_column(Integer)
    received_by: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
