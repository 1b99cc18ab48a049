"""Internal invoices between partner companies (SPEC §4): the partner company invoices the main company for its
co-workers' hours (and shared expenses) on a secondary project."""
import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Hours, Money, UtcDateTime, Versioned, str_enum
from domain.model.enums import HourStatus


class InternalInvoiceStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    FINAL = "FINAL"
    CANCELLED = "CANCELLED"


class InvoiceLineKind(enum.StrEnum):
    HOURS = "HOURS"
    EXPENSES = "EXPENSES"
    FIXED_PRICE = "FIXED_PRICE"


class InternalInvoice(Versioned, Base):
    """What the partner company (`company_id`, the seller) invoices the main company (`buyer_company_id`)."""

    __tablename__ = "internal_invoices"
    __table_args__ = (UniqueConstraint("company_id", "number"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    buyer_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    secondary_project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    main_project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    number: Mapped[int]
    status: Mapped[InternalInvoiceStatus] = mapped_column(
        str_enum(InternalInvoiceStatus), default=InternalInvoiceStatus.DRAFT)
    up_to: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="NOK")
    total: Mapped[Money]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"))
    created_at: Mapped[Created]
    finalised_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class InternalInvoiceLine(Base):
    """One line as invoiced: per co-worker, activity and month (hours), per co-worker and month (expenses), or
    the fixed price. Names are kept as they were, so a later rename does not change an issued invoice."""

    __tablename__ = "internal_invoice_lines"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("internal_invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[InvoiceLineKind] = mapped_column(str_enum(InvoiceLineKind))
    co_worker_name: Mapped[str | None] = mapped_column(String(200))
    activity_name: Mapped[str | None] = mapped_column(String(200))
    month: Mapped[dt.date | None] = mapped_column(Date)
    hours: Mapped[Hours | None]
    rate: Mapped[Money | None]
    amount: Mapped[Money]
    entry_count: Mapped[int] = mapped_column(Integer, default=0)


class InternalInvoiceItem(Base):
    """A time record or expense (the partner's source row) on a live invoice: unique, so no hour or expense is
    ever on two invoices at once; removed when the draft is cancelled. `copy_status` is what its mirror (or
    clone) in the main company held before, given back on cancellation."""

    __tablename__ = "internal_invoice_items"
    __table_args__ = (
        CheckConstraint("(time_record_id IS NULL) <> (expense_id IS NULL)", name="one_entry"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("internal_invoices.id", ondelete="CASCADE"), index=True)
    time_record_id: Mapped[int | None] = mapped_column(ForeignKey("time_records.id"), unique=True)
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id"), unique=True)
    copy_id: Mapped[int | None] = mapped_column(Integer)
    copy_status: Mapped[HourStatus | None] = mapped_column(str_enum(HourStatus))


