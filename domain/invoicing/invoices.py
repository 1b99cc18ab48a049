"""Internal invoices (SPEC §4): the partner company's admin invoices a secondary project's approved, uninvoiced
hours (and cloned shared expenses) up to a date; a draft can be cancelled until it is final.

Creating one is one transaction: the hours and expenses are taken FOR UPDATE in the hour services' order (the
sources by id, then their mirrors or clones by id, as domain.hours.statuses and the edits lock them), and only
those still APPROVED once locked; they become INVOICED on both sides (which locks each pair for edits), the
invoice is numbered from the company's INVOICE series (OWN or GROUP, domain.partners.numbering) and holds its
lines as priced then. Each taken row is an item of the invoice, unique over all live invoices: two admins
invoicing at once wait for each other's locks and the second takes only what is left, and the unique item is
the database's own guard besides. SQLite serialises writers at BEGIN IMMEDIATE.
"""
import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.lookup import load_visible
from domain.access.policy import require_member, visible
from domain.access.viewer import Viewer
from domain.events import log as events
from domain.invoicing import basis as invoicing_basis
from domain.invoicing import rates
from domain.model import (
    Company, Expense, HourStatus, InternalInvoice, InternalInvoiceItem, InternalInvoiceLine, InternalInvoiceStatus,
    Project, Role, SeriesKind, TimeRecord, utcnow,
)
from domain.partners.numbering import allocate_number
from domain.platform.db import Database
from domain.platform.errors import InvalidInput, Locked, NothingToInvoice

NOUN = "internal invoice"


@dataclass
class Invoice:
    invoice: InternalInvoice
    lines: list[InternalInvoiceLine]


async def _take(session: AsyncSession, model: type, ids: list[int]) -> list:
    """The rows with these ids, locked FOR UPDATE in id order, still APPROVED once locked."""
    if not ids:
        return []
    query = select(model).where(model.id.in_(ids), model.status == HourStatus.APPROVED).order_by(model.id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return list(await session.scalars(query))


async def _copies(session: AsyncSession, model: type, source_ids: list[int]) -> dict[int, object]:
    """The mirrors (or clones) of these sources, locked after them, in id order: source id -> copy."""
    if not source_ids:
        return {}
    link = model.source_record_id if model is TimeRecord else model.source_expense_id
    query = select(model).where(link.in_(source_ids)).order_by(model.id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return {getattr(row, link.key): row for row in await session.scalars(query)}


def _mark(session: AsyncSession, row, status: HourStatus) -> None:
    if row.status != status:
        row.status = status
        # Expenses have events too (the same actions), for subscribers' and webhooks' sake.
        actions = events.TimeRecordAction if isinstance(row, TimeRecord) else events.ExpenseAction
        action = actions.INVOICED if status == HourStatus.INVOICED else (
            actions.APPROVED if status == HourStatus.APPROVED else actions.UNAPPROVED)
        events.record(session, action, row)


async def _secondary_to_invoice(session: AsyncSession, viewer: Viewer, project_id: int) -> Project:
    project = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
    require_member(viewer, project.company_id, [Role.ADMIN], field="projectId")
    if project.main_project_id is None:
        raise InvalidInput("Internal invoices are made on a secondary project, by the partner company.",
                           field="projectId")
    return project


async def create_internal_invoice(db: Database, viewer: Viewer, project_id: int, up_to: dt.date) -> Invoice:
    async with db.transaction() as session:
        return await create_internal_invoice_in(session, viewer, project_id, up_to)


async def create_internal_invoice_in(session: AsyncSession, viewer: Viewer, project_id: int, up_to: dt.date) -> Invoice:
    """create_internal_invoice inside the caller's transaction (the demo loads everything in one)."""
    secondary = await _secondary_to_invoice(session, viewer, project_id)
    main = await session.get(Project, secondary.main_project_id)
    approved = [HourStatus.APPROVED]
    # Which rows: the basis' own queries; then locked, sources first, and checked again once locked.
    hour_rows = (await session.execute(invoicing_basis.hour_query(
        secondary.id, date_from=None, date_to=up_to, statuses=approved))).all()
    expense_rows = (await session.execute(invoicing_basis.expense_query(
        secondary.id, date_from=None, date_to=up_to, statuses=approved))).all()
    records = {r.id: r for r in await _take(session, TimeRecord, [r.id for r in hour_rows])}
    mirrors = await _copies(session, TimeRecord, sorted(records))
    expenses = {e.id: e for e in await _take(session, Expense, [r.id for r in expense_rows])}
    clones = await _copies(session, Expense, sorted(expenses))
    hour_rows = [r for r in hour_rows if r.id in records]
    expense_rows = [r for r in expense_rows if r.id in expenses]

    pricing = await invoicing_basis.pricing_of(session, secondary)
    lines = (rates.hour_lines(invoicing_basis.hour_entries(hour_rows, pricing), pricing.card)
             + rates.expense_lines(invoicing_basis.expense_entries(expense_rows)))
    fixed = rates.fixed_price_line(pricing.card)
    if fixed is not None and not await invoicing_basis.fixed_price_taken(session, secondary.id):
        lines.append(fixed)
    if not lines:
        raise NothingToInvoice(f"The project has no approved, uninvoiced hours or shared expenses up to "
                               f"{up_to.isoformat()}.", field="upTo")

    invoice = InternalInvoice(
        company_id=secondary.company_id, buyer_company_id=main.company_id, secondary_project_id=secondary.id,
        main_project_id=main.id, number=await allocate_number(session, secondary.company_id, SeriesKind.INVOICE),
        status=InternalInvoiceStatus.DRAFT, up_to=up_to, currency=rates.CURRENCY,
        total=rates.grand_total(lines), created_by_id=viewer.membership(secondary.company_id).co_worker_id,
    )
    session.add(invoice)
    await session.flush()
    rows = [InternalInvoiceLine(invoice_id=invoice.id, position=n, kind=line.kind,
                                co_worker_name=line.co_worker_name, activity_name=line.activity_name,
                                month=line.month, hours=line.hours, rate=line.rate, amount=line.amount,
                                entry_count=line.entry_count)
            for n, line in enumerate(lines, start=1)]
    session.add_all(rows)
    for source_id, record in records.items():
        mirror = mirrors.get(source_id)
        session.add(InternalInvoiceItem(invoice_id=invoice.id, time_record_id=source_id,
                                        copy_id=None if mirror is None else mirror.id,
                                        copy_status=None if mirror is None else mirror.status))
        _mark(session, record, HourStatus.INVOICED)
        if mirror is not None:
            _mark(session, mirror, HourStatus.INVOICED)
    for source_id, expense in expenses.items():
        clone = clones.get(source_id)
        session.add(InternalInvoiceItem(invoice_id=invoice.id, expense_id=source_id,
                                        copy_id=None if clone is None else clone.id,
                                        copy_status=None if clone is None else clone.status))
        _mark(session, expense, HourStatus.INVOICED)
        if clone is not None:
            _mark(session, clone, HourStatus.INVOICED)
    await session.flush()
    # In both companies (the seller's and the buyer's), as both sides' admins read it.
    events.record(session, events.InternalInvoiceAction.CREATED, invoice)
    return Invoice(invoice, rows)


async def _invoice_to_change(session: AsyncSession, viewer: Viewer, invoice_id: int) -> InternalInvoice:
    """The invoice, locked, for an admin of the company that issued it; a final or cancelled one is LOCKED."""
    query = select(InternalInvoice).where(InternalInvoice.id == invoice_id, visible(viewer, InternalInvoice))
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    invoice = await session.scalar(query)
    if invoice is None:
        await load_visible(session, viewer, InternalInvoice, invoice_id, field="id", noun=NOUN)
    require_member(viewer, invoice.company_id, [Role.ADMIN], field="id")
    if invoice.status != InternalInvoiceStatus.DRAFT:
        raise Locked(f"The internal invoice is {invoice.status.value.lower()}: only a draft can change.", field="id")
    return invoice


async def finalise_internal_invoice(db: Database, viewer: Viewer, invoice_id: int) -> Invoice:
    async with db.transaction() as session:
        return await finalise_internal_invoice_in(session, viewer, invoice_id)


async def finalise_internal_invoice_in(session: AsyncSession, viewer: Viewer, invoice_id: int) -> Invoice:
    invoice = await _invoice_to_change(session, viewer, invoice_id)
    invoice.status = InternalInvoiceStatus.FINAL
    invoice.finalised_at = utcnow()
    await session.flush()
    events.record(session, events.InternalInvoiceAction.FINALIZED, invoice)
    return Invoice(invoice, await _lines(session, invoice.id))


async def cancel_internal_invoice(db: Database, viewer: Viewer, invoice_id: int) -> Invoice:
    """A draft's hours and expenses go back to APPROVED (their mirrors and clones to what they held before, while
    they are still INVOICED), and can be invoiced again; the cancelled draft keeps its number and lines."""
    async with db.transaction() as session:
        invoice = await _invoice_to_change(session, viewer, invoice_id)
        items = list(await session.scalars(select(InternalInvoiceItem).where(InternalInvoiceItem.invoice_id == invoice.id)))
        for model, key in ((TimeRecord, "time_record_id"), (Expense, "expense_id")):
            mine = [i for i in items if getattr(i, key) is not None]
            sources = await _locked(session, model, sorted(getattr(i, key) for i in mine))
            copies = await _locked(session, model, sorted(i.copy_id for i in mine if i.copy_id is not None))
            for item in mine:
                if (source := sources.get(getattr(item, key))) is not None and source.status == HourStatus.INVOICED:
                    _mark(session, source, HourStatus.APPROVED)
                copy = copies.get(item.copy_id)
                if copy is not None and copy.status == HourStatus.INVOICED and item.copy_status is not None:
                    _mark(session, copy, item.copy_status)
        await session.execute(delete(InternalInvoiceItem).where(InternalInvoiceItem.invoice_id == invoice.id))
        invoice.status = InternalInvoiceStatus.CANCELLED
        invoice.cancelled_at = utcnow()
        await session.flush()
        events.record(session, events.InternalInvoiceAction.CANCELLED, invoice)
        return Invoice(invoice, await _lines(session, invoice.id))


async def _locked(session: AsyncSession, model: type, ids: list[int]) -> dict[int, object]:
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids)).order_by(model.id)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return {row.id: row for row in await session.scalars(query)}


async def _lines(session: AsyncSession, invoice_id: int) -> list[InternalInvoiceLine]:
    return list(await session.scalars(select(InternalInvoiceLine).where(
        InternalInvoiceLine.invoice_id == invoice_id).order_by(InternalInvoiceLine.position)))


# --- reads ---------------------------------------------------------------------------------


async def internal_invoice(db: Database, viewer: Viewer, invoice_id: int) -> Invoice | None:
    """The invoice and its lines, for the admins of both companies; None for anyone else (as a missing one)."""
    async with db.read() as session:
        invoice = await session.scalar(select(InternalInvoice).where(
            InternalInvoice.id == invoice_id, visible(viewer, InternalInvoice)))
        return None if invoice is None else Invoice(invoice, await _lines(session, invoice.id))


MAX_INVOICES = 100


async def internal_invoices_of_project(db: Database, viewer: Viewer, project_id: int) -> list[Invoice]:
    """The newest MAX_INVOICES internal invoices of a secondary project, or of a main project (all partners), as
    the viewer may see them (admins of either company)."""
    async with db.read() as session:
        project = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
        column = (InternalInvoice.secondary_project_id if project.main_project_id is not None
                  else InternalInvoice.main_project_id)
        invoices = list(await session.scalars(
            select(InternalInvoice).where(column == project.id, visible(viewer, InternalInvoice))
            .order_by(InternalInvoice.id.desc()).limit(MAX_INVOICES)))
        lines = list(await session.scalars(select(InternalInvoiceLine).where(
            InternalInvoiceLine.invoice_id.in_([i.id for i in invoices])).order_by(InternalInvoiceLine.position)))
    return [Invoice(i, [line for line in lines if line.invoice_id == i.id]) for i in invoices]


CSV_HEADER = ("invoice_number", "seller_company", "buyer_company", "status", "line", "kind", "co_worker", "activity",
              "month", "hours", "rate", "amount", "currency")


def csv_rows(invoice: Invoice, *, seller: str, buyer: str) -> list[tuple]:
    """The invoice's lines for accounting, one row each, decimals as written (never floats)."""
    i = invoice.invoice
    return [CSV_HEADER] + [
        (i.number, seller, buyer, i.status.value, line.position, line.kind.value, line.co_worker_name or "",
         line.activity_name or "", line.month.strftime("%Y-%m") if line.month else "",
         "" if line.hours is None else str(line.hours), "" if line.rate is None else str(line.rate),
         str(line.amount), i.currency)
        for line in invoice.lines
    ]




async def invoice_lines_csv(db: Database, viewer: Viewer, invoice_id: int) -> tuple[int, str] | None:
    """The invoice's number and its lines as CSV, for whoever may read the invoice; None for anyone else."""
    found = await internal_invoice(db, viewer, invoice_id)
    if found is None:
        return None
    async with db.read() as session:
        names = dict((await session.execute(select(Company.id, Company.name).where(
            Company.id.in_([found.invoice.company_id, found.invoice.buyer_company_id])))).all())
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(
        found, seller=names[found.invoice.company_id], buyer=names[found.invoice.buyer_company_id]))
    return found.invoice.number, out.getvalue()
