"""Approval and invoicing of hours and expenses (SPEC §1, §4): status changes by an admin or the project's leader.

Each company sets the status of its own rows: approving or invoicing a mirror in the main company leaves its
source in the partner company as it was, and the other way round (which then locks the pair for edits, see
domain.hour_mirrors). The transitions:

    NOT_APPROVED -> APPROVED -> INVOICED     (approve, invoice)
    APPROVED -> NOT_APPROVED                 (un-approve, to allow edits again)
    INVOICED -> APPROVED                     (admins only: the invoice was credited)

Invoicing needs approved rows; invoiced ones never go straight back to NOT_APPROVED.
"""
from collections.abc import Iterable

from sqlalchemy import select

from domain import events
from domain.db import Database
from domain.errors import DomainError, DomainErrors, Forbidden, InvalidInput, Locked, NotFound
from domain.model import Expense, HourStatus, Project, Role, TimeRecord
from domain.policy import Viewer, require_approver, visible

MAX_IDS = 100

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


async def set_statuses(db: Database, viewer: Viewer, model: type, ids: Iterable[int], status: HourStatus, *,
                       noun: str) -> list:
    """Sets the status of all the rows or none (TimeRecord or Expense rows); each refused id is reported by its
    index (`ids.3`). Rows already in that status are left as they are."""
    ids = list(ids)
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"At most {MAX_IDS} ids at a time.", field="ids")
    status = HourStatus(status)
    async with db.transaction() as session:
        found = {
            row.id: row
            for row in await session.scalars(
                select(model).where(model.id.in_(set(ids)), visible(viewer, model)).with_for_update()
            )
        }
        projects = {
            p.id: p
            for p in await session.scalars(select(Project).where(Project.id.in_({r.project_id for r in found.values()})))
        }
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
            if (refusal := status_change_refusal(row.status, status, is_admin=is_admin, noun=noun, field=field)):
                errors.append(refusal)
        if errors:
            raise DomainErrors(errors)
        for row in found.values():
            if row.status != status:
                row.status = status
                if isinstance(row, TimeRecord):
                    events.record(session, events.TimeRecordAction(EVENT_ACTIONS[status]), row)
    return [found[pk] for pk in dict.fromkeys(ids)]


async def set_time_record_statuses(db: Database, viewer: Viewer, ids: Iterable[int], status: HourStatus) -> list[TimeRecord]:
    return await set_statuses(db, viewer, TimeRecord, ids, status, noun="time record")


async def set_expense_statuses(db: Database, viewer: Viewer, ids: Iterable[int], status: HourStatus) -> list[Expense]:
    return await set_statuses(db, viewer, Expense, ids, status, noun="expense")
