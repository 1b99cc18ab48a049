"""Time records and expenses, with the link from a mirror to its source in a partner company."""
import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Hours, Money, UtcDateTime, Versioned, str_enum, utcnow
from domain.model.enums import HourStatus


class TimeRecord(Versioned, Base):
    __tablename__ = "time_records"
    __table_args__ = (
        CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_day"),
        Index("ix_time_records_co_worker_date", "co_worker_id", "date"),
        Index("ix_time_records_project_date", "project_id", "date"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    co_worker_id: Mapped[int] = mapped_column(ForeignKey("co_workers.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Hours]
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[HourStatus] = mapped_column(str_enum(HourStatus), default=HourStatus.NOT_APPROVED)
    # A mirror in the main project points at its source on the secondary project; one mirror per source.
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("time_records.id"), unique=True)
    created_at: Mapped[Created]
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Expense(Versioned, Base):
    __tablename__ = "expenses"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    co_worker_id: Mapped[int] = mapped_column(ForeignKey("co_workers.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Money]
    currency: Mapped[str] = mapped_column(String(3), default="NOK")
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[HourStatus] = mapped_column(str_enum(HourStatus), default=HourStatus.NOT_APPROVED)
    source_expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id"), unique=True)
    created_at: Mapped[Created]
