"""The event log: what changed, in commit order, for integrators that follow changes (SPEC §7)."""
import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, UtcDateTime, str_enum


class EventKind(enum.StrEnum):
    PROJECT = "PROJECT"
    TIME_RECORD = "TIME_RECORD"
    FILE = "FILE"
    CUSTOMER = "CUSTOMER"
    EXPENSE = "EXPENSE"
    INTERNAL_INVOICE = "INTERNAL_INVOICE"


class Event(Base):
    """One change, written in the same transaction as the change itself (domain.events.log.record).

    The id is the cursor: taken from EventLog.last_event_id when the transaction commits, so ids
    are dense and in commit order (see domain.events.log). No foreign keys: the log is history, it
    outlives what it describes, and an insert must take no lock on the rows it mentions.
    """

    __tablename__ = "events"
    __table_args__ = (
        # Replays filtered by company read this index in cursor order; the purge finds old events by time.
        Index("ix_events_company_id_id", "company_id", "id"),
        Index("ix_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    action: Mapped[str] = mapped_column(String(32))
    company_id: Mapped[int] = mapped_column(Integer)
    # The project the change belongs to (the project itself, a time record's or a file's project), for filters.
    project_id: Mapped[int | None] = mapped_column(Integer)
    # The changed node: a project, time record or file, by primary key.
    node_id: Mapped[int] = mapped_column(Integer)
    # What a project change was about: an activity, milestone or co-worker (member), when it was not the project.
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # The node's columns as the change left them: who may see a deleted node is decided from these.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventLog(Base):
    """The log's single bookkeeping row: the last id handed out, and how far the purge has deleted."""

    __tablename__ = "event_log"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    purged_through: Mapped[int] = mapped_column(BigInteger)
