"""Registering, changing and deleting project expenses (SPEC §4), cloned to the main project when it shares them.

Expenses follow the rules of hours: a project member's own (or a member's, by an admin or the project's
leader), on an open project; approved or invoiced ones are LOCKED; a partner's co-worker registers them at
home, on the secondary project, and the main project gets a clone while it shares expenses
(domain.hours.mirrors). Status changes are in domain.hours.statuses.
"""
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.hours import mirrors as hour_mirrors
from domain.platform.db import Database
from domain.platform.errors import InvalidInput
from domain.model import Expense, Project
from domain.access.viewer import Viewer
from domain.hours.records import check_in_period, entry_to_change, registering_co_worker
from domain.access.lookup import load_visible
from domain.platform.validation import clean_optional_text, not_null

CURRENCY = re.compile(r"[A-Z]{3}")
NOUN = "expenses"


@dataclass
class ExpenseDraft:
    project_id: int
    date: dt.date
    amount: Decimal
    currency: str = "NOK"
    description: str | None = None
    co_worker_id: int | None = None  # None: the viewer's own expense


# --- pure rules -------------------------------------------------------------------


def clean_amount(value: Decimal | None, *, field: str = "amount") -> Decimal:
    """An amount is more than 0, with at most two decimals (a decimal, never a float)."""
    if value is None or not value.is_finite():
        raise InvalidInput("An amount is required.", field=field)
    if value <= 0:
        raise InvalidInput("The amount must be more than 0.", field=field)
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("An amount has at most two decimals.", field=field)
    if value >= Decimal("1e12"):
        raise InvalidInput("The amount is too large.", field=field)
    return value.quantize(Decimal("0.01"))


def clean_currency(value: str | None, *, field: str = "currency") -> str:
    """An ISO 4217 code: three letters, stored in capitals."""
    code = (value or "").strip().upper()
    if not CURRENCY.fullmatch(code):
        raise InvalidInput("A currency is a three-letter ISO 4217 code, such as NOK or EUR.", field=field)
    return code


def expense_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The validated values an expense edit sets (pure)."""
    values: dict[str, Any] = {}
    if "date" in changes:
        values["date"] = not_null(changes["date"], field="date")
    if "amount" in changes:
        values["amount"] = clean_amount(changes["amount"])
    if "currency" in changes:
        values["currency"] = clean_currency(changes["currency"])
    if "description" in changes:
        values["description"] = clean_optional_text(changes["description"], field="description")
    return values


# --- use cases ---------------------------------------------------------------------


async def create_expense(db: Database, viewer: Viewer, draft: ExpenseDraft) -> Expense:
    async with db.transaction() as session:
        return await create_expense_in(session, viewer, draft)


async def create_expense_in(session: AsyncSession, viewer: Viewer, draft: ExpenseDraft) -> Expense:
    """create_expense inside the caller's transaction (the demo loads everything in one)."""
    values = expense_values({"date": draft.date, "amount": draft.amount, "currency": draft.currency,
                             "description": draft.description})
    project = await load_visible(session, viewer, Project, draft.project_id, field="projectId", noun="project")
    co_worker = await registering_co_worker(session, viewer, project, draft.co_worker_id, noun=NOUN)
    check_in_period(project, values["date"], noun="Expenses")
    expense = Expense(company_id=project.company_id, project_id=project.id, co_worker_id=co_worker.id, **values)
    session.add(expense)
    events.record(session, events.ExpenseAction.CREATED, expense)
    if project.main_project_id is not None:
        await hour_mirrors.write_expense_clone(session, expense)
    return expense


async def update_expense(db: Database, viewer: Viewer, expense_id: int, changes: Mapping[str, Any]) -> Expense:
    """`changes` holds only the fields the caller gave: date, amount, currency, description."""
    values = expense_values(changes)
    async with db.transaction() as session:
        expense, project = await entry_to_change(session, viewer, Expense, expense_id, noun=NOUN, label="expense")
        if "date" in values:
            check_in_period(project, values["date"], noun="Expenses")
        for key, value in values.items():
            setattr(expense, key, value)
        if session.is_modified(expense):
            events.record(session, events.ExpenseAction.UPDATED, expense)
            if project.main_project_id is not None:
                await hour_mirrors.write_expense_clone(session, expense)
    return expense


async def delete_expense(db: Database, viewer: Viewer, expense_id: int) -> int:
    async with db.transaction() as session:
        expense, project = await entry_to_change(session, viewer, Expense, expense_id, noun=NOUN, label="expense")
        if project.main_project_id is not None:
            await hour_mirrors.remove_expense_clone(session, expense.id)
        await session.delete(expense)
        events.record(session, events.ExpenseAction.DELETED, expense)
    return expense_id
