"""Approval and invoicing of hours and expenses (SPEC §1, §4): status changes by an admin or the project's leader.

Each company sets the status of its own rows: approving or invoicing a mirror in the main company leaves its
source in the partner company as it was, and the other way round (which then locks the pair for edits, see
domain.hours.mirrors). The transitions:

    NOT_APPROVED -> APPROVED -> INVOICED     (approve, invoice)
    APPROVED -> NOT_APPROVED                 (un-approve, to allow edits again)
    INVOICED -> APPROVED                     (admins only: the invoice was credited)

Invoicing needs approved rows; invoiced ones never go straight back to NOT_APPROVED. timeRecordsApprove is the
older, narrower door to the same change: APPROVED, with invoiced hours LOCKED even for admins.
"""
from collections.abc import Callable, Iterable, Sized

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform.db import Database
from domain.platform.errors import DomainError, DomainErrors, Forbidden, InvalidInput, Locked, NotFound
from domain.model import Expense, HourStatus, InternalInvoiceItem, Project, Role, TimeRecord
from domain.access.policy import require_approver, visible
from domain.access.viewer import Viewer

MAX_IDS = 100

# Why a row's current status may not change (a DomainError naming `field`), or None.
Refusal = Callable[..., DomainError | None]

EVENT_ACTIONS = {
    HourStatus.NOT_APPROVED: "UNAPPROVED",
    HourStatus.APPROVED: "APPROVED",
    HourStatus.INVOICED: "INVOICED",
}


def status_change_refusal(current: HourStatus, new: HourStatus, *, is_admin: bool, noun: str = "time record",
                          field: str) -> DomainError | None:
    """Why `current` may not become `new` (pure); None when it may (also when nothing changes)."""
    if current == new:
        return None
    if current == HourStatus.INVOICED:
        if new == HourStatus.NOT_APPROVED:
            return Locked(f"Invoiced {noun}s go back to APPROVED first (a credited invoice), not straight to "
                          "NOT_APPROVED.", field=field)
        if not is_admin:
            return Forbidden(f"Only an admin can take invoiced {noun}s back to APPROVED.", field=field)
        return None
    if current == HourStatus.NOT_APPROVED and new == HourStatus.INVOICED:
        return InvalidInput(f"Only approved {noun}s can be invoiced: approve them first.", field=field)
    return None


def approval_refusal(current: HourStatus, *, field: str) -> DomainError | None:
    """timeRecordsApprove's rule (pure): not approved and approved hours can be approved (again); invoiced ones
    are past it, also for admins (taking an invoice back is timeRecordsSetStatus's explicit INVOICED -> APPROVED)."""
    if current == HourStatus.INVOICED:
        return Locked("Invoiced hours cannot be approved again.", field=field)
    return None


# Which rows are copies of another company's row, and of which one (a mirror of hours, a clone of an expense).
COPY_OF = {TimeRecord: TimeRecord.source_record_id, Expense: Expense.source_expense_id}
# A partner's hours and expenses on a live internal invoice (domain.invoicing) by the invoice's item.
ON_INTERNAL_INVOICE = {TimeRecord: InternalInvoiceItem.time_record_id, Expense: InternalInvoiceItem.expense_id}


async def _on_internal_invoices(session: AsyncSession, model: type, ids: Iterable[int]) -> set[int]:
    column = ON_INTERNAL_INVOICE[model]
    return set(await session.scalars(select(column).where(column.in_(list(ids)))))


async def _lock_rows(session: AsyncSession, viewer: Viewer, model: type, ids: list[int], *, lock_sources: bool) -> dict:
    """The rows the viewer may see among `ids`, locked FOR UPDATE in the hour services' order: first every source
    (the rows that are no copy, and the sources of the copies among `ids`), then the copies, each group in id order.

    A source's edit locks the source, checks that its copy is not approved, then writes the copy
    (domain.hours.records, .expenses). A status change that took only the copy could approve it between that
    check and that write, and one of the two would then meet a stale version (CONFLICT). Taking the source
    first makes the status change wait for the edit and see the copy as the edit left it, or makes the edit
    wait and find the pair LOCKED; the single order (sources by id, then copies by id) is the edits' and the
    resync's own, so no cycle, no deadlock. Only PostgreSQL needs it (`lock_sources`): SQLite serialises
    writers at BEGIN IMMEDIATE and ignores FOR UPDATE.
    """
    if lock_sources:
        source_of = COPY_OF[model]
        pairs = (await session.execute(
            select(model.id, source_of).where(model.id.in_(ids), visible(viewer, model)))).all()
        sources = sorted({source if source is not None else pk for pk, source in pairs})
        if sources:
            await session.execute(select(model.id).where(model.id.in_(sources)).order_by(model.id).with_for_update())
    rows = await session.scalars(
        select(model).where(model.id.in_(ids), visible(viewer, model)).order_by(model.id).with_for_update(of=model)
    )
    return {row.id: row for row in rows}


async def set_statuses(db: Database, viewer: Viewer, model: type, ids: Iterable[int], status: HourStatus, *,
                       noun: str, refusal: Refusal | None = None) -> list:
    """Sets the status of all the rows or none (TimeRecord or Expense rows); each refused id is reported by its
    index (`ids.3`). Rows already in that status are left as they are. `refusal` says why a row's status may
    not change (default: status_change_refusal towards `status`)."""
    async with db.transaction() as session:
        return await set_statuses_in(session, viewer, model, ids, status, noun=noun, refusal=refusal)


def check_id_count(ids: Sized) -> None:
    """A status change takes at most MAX_IDS rows (gql checks it too, before decoding the ids)."""
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"At most {MAX_IDS} ids at a time.", field="ids")


async def set_statuses_in(session: AsyncSession, viewer: Viewer, model: type, ids: Iterable[int], status: HourStatus,
                          *, noun: str, refusal: Refusal | None = None) -> list:
    """set_statuses inside the caller's transaction (the demo loads everything in one)."""
    ids = list(ids)
    check_id_count(ids)
    status = HourStatus(status)

    def rule(current: HourStatus, *, is_admin: bool, field: str) -> DomainError | None:
        if refusal is not None:
            return refusal(current, is_admin=is_admin, field=field)
        return status_change_refusal(current, status, is_admin=is_admin, noun=noun, field=field)

    sqlite = session.get_bind().dialect.name == "sqlite"
    found = await _lock_rows(session, viewer, model, sorted(set(ids)), lock_sources=not sqlite)
    project_ids = {row.project_id for row in found.values()}
    projects = {p.id: p for p in await session.scalars(select(Project).where(Project.id.in_(project_ids)))}
    # Hours on a live internal invoice stay INVOICED until the invoice's draft is cancelled (internalInvoiceCancel).
    invoiced_internally = set() if status == HourStatus.INVOICED else await _on_internal_invoices(session, model, found)
    errors: list[DomainError] = []
    for index, pk in enumerate(ids):
        field = f"ids.{index}"
        row = found.get(pk)
        if row is None:
            errors.append(NotFound(f"No such {noun}.", field=field))
            continue
        try:
            require_approver(viewer, projects[row.project_id], field=field)
        except Forbidden as refused:
            errors.append(refused)
            continue
        is_admin = viewer.role_in(row.company_id) == Role.ADMIN
        if pk in invoiced_internally and row.status == HourStatus.INVOICED:
            errors.append(Locked(f"The {noun} is on an internal invoice: cancel that invoice's draft instead.",
                                 field=field))
        elif (why := rule(row.status, is_admin=is_admin, field=field)) is not None:
            errors.append(why)
    if errors:
        raise DomainErrors(errors)
    for row in found.values():
        if row.status != status:
            row.status = status
            actions = events.TimeRecordAction if isinstance(row, TimeRecord) else events.ExpenseAction
            events.record(session, actions(EVENT_ACTIONS[status]), row)
    return [found[pk] for pk in dict.fromkeys(ids)]


async def approve_time_records(db: Database, viewer: Viewer, ids: Iterable[int]) -> list[TimeRecord]:
    """timeRecordsApprove: as setting APPROVED, except that invoiced hours are LOCKED for everyone."""
    return await set_statuses(db, viewer, TimeRecord, ids, HourStatus.APPROVED, noun="time record",
                              refusal=lambda current, *, is_admin, field: approval_refusal(current, field=field))


async def set_time_record_statuses(db: Database, viewer: Viewer, ids: Iterable[int],
                                   status: HourStatus) -> list[TimeRecord]:
    return await set_statuses(db, viewer, TimeRecord, ids, status, noun="time record")


async def set_expense_statuses(db: Database, viewer: Viewer, ids: Iterable[int], status: HourStatus) -> list[Expense]:
    return await set_statuses(db, viewer, Expense, ids, status, noun="expense")
