"""The internal invoicing basis (SPEC §4): a secondary project's hours (and cloned shared expenses) over a period,
priced at the secondary's rates, or at the main project's when its price model follows the main project.

The partner company reads it for its secondary project, as what it invoices (RECEIVABLE); the main company
for its main project and one partner company, as what it is invoiced (PAYABLE). Either side needs the right to
see rates in its own company (domain.access.policy.can_see_rates). The hours are always the partner's own
records (the sources): they are what is invoiced, and their mirrors hold the same values.
"""
import datetime as dt
import enum
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.access.lookup import load_visible
from domain.access.policy import can_see_rates
from domain.access.viewer import Viewer
from domain.invoicing import rates
from domain.model import (
    Activity, CoWorker, Expense, HourStatus, InternalInvoice, InternalInvoiceLine, InternalInvoiceStatus,
    InvoiceLineKind, Project, ProjectMember, TimeRecord, User,
)
from domain.platform.db import Database
from domain.platform.errors import Forbidden, InvalidInput, NotFound
from domain.projects.secondary import secondary_project_of

MAX_DAYS = 3 * 366  # a basis covers at most about three years


class Direction(enum.StrEnum):
    RECEIVABLE = "RECEIVABLE"  # the partner company's view: what it invoices
    PAYABLE = "PAYABLE"  # the main company's view: what it is invoiced


@dataclass(frozen=True)
class Basis:
    direction: Direction
    secondary_project_id: int
    main_project_id: int
    seller_company_id: int
    buyer_company_id: int
    date_from: dt.date
    date_to: dt.date
    lines: list[rates.BasisLine]

    @property
    def totals(self) -> list[rates.KindTotal]:
        return rates.totals(self.lines)

    @property
    def grand_total(self):
        return rates.grand_total(self.lines)


def check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_from > date_to:
        raise InvalidInput("The period ends before it starts.", field="to")
    if (date_to - date_from).days > MAX_DAYS:
        raise InvalidInput(f"A period covers at most {MAX_DAYS} days.", field="to")


# --- the rates and entries of a secondary project ------------------------------------------


@dataclass(frozen=True)
class Pricing:
    """A secondary project's rate card, and how its own activity and co-worker ids key into it."""

    card: rates.RateCard
    # From the main project's card: the secondary's activity -> the main activity it copies, and the partner's
    # co-worker -> their external record in the main company. None: the secondary's own card, keyed as it is.
    activity_key: dict[int, int | None] | None = None
    co_worker_key: dict[int, int | None] | None = None

    def keys(self, activity_id: int, co_worker_id: int) -> tuple[int | None, int | None]:
        if self.activity_key is None or self.co_worker_key is None:
            return activity_id, co_worker_id
        return self.activity_key.get(activity_id), self.co_worker_key.get(co_worker_id)


async def card_of(session: AsyncSession, project: Project) -> rates.RateCard:
    """A project's own rates (rates.RateCard), keyed by its activities and its members' co-worker ids."""
    activities = dict((await session.execute(
        select(Activity.id, Activity.hourly_rate).where(Activity.project_id == project.id))).all())
    members = dict((await session.execute(
        select(ProjectMember.co_worker_id, ProjectMember.hourly_rate).where(ProjectMember.project_id == project.id)
    )).all())
    return rates.RateCard(project.price_model, project.hourly_rate, activities, members, project.fixed_price)


async def pricing_of(session: AsyncSession, secondary: Project) -> Pricing:
    if not secondary.price_model_from_main:
        return Pricing(await card_of(session, secondary))
    copied_from = dict((await session.execute(
        select(Activity.id, Activity.source_activity_id).where(Activity.project_id == secondary.id))).all())
    main = await session.get(Project, secondary.main_project_id)
    card = await card_of(session, main)
    # The person's external co-worker record in the main company stands for them on the main project.
    home = aliased(CoWorker)
    externals = dict((await session.execute(
        select(home.id, CoWorker.id).join(CoWorker, CoWorker.user_id == home.user_id)
        .where(home.company_id == secondary.company_id, CoWorker.company_id == main.company_id))).all())
    return Pricing(card, copied_from, externals)


def _activity_label(number: str | None, name: str) -> str:
    return f"{number} {name}" if number else name


def hour_query(secondary_id: int, *, date_from: dt.date | None, date_to: dt.date,
               statuses: Collection[HourStatus] | None) -> Select:
    query = (
        select(TimeRecord.id, TimeRecord.date, TimeRecord.hours, TimeRecord.co_worker_id, TimeRecord.activity_id,
               Activity.number, Activity.name.label("activity_name"), User.name.label("co_worker_name"))
        .join(Activity, Activity.id == TimeRecord.activity_id)
        .join(CoWorker, CoWorker.id == TimeRecord.co_worker_id)
        .join(User, User.id == CoWorker.user_id)
        .where(TimeRecord.project_id == secondary_id, TimeRecord.source_record_id.is_(None),
               TimeRecord.date <= date_to)
        .order_by(TimeRecord.id)
    )
    if date_from is not None:
        query = query.where(TimeRecord.date >= date_from)
    if statuses is not None:
        query = query.where(TimeRecord.status.in_(list(statuses)))
    return query


def hour_entries(rows, pricing: Pricing) -> list[rates.HourEntry]:
    return [rates.HourEntry(r.co_worker_name, _activity_label(r.number, r.activity_name), r.date, r.hours,
                            *pricing.keys(r.activity_id, r.co_worker_id))
            for r in rows]


def expense_query(secondary_id: int, *, date_from: dt.date | None, date_to: dt.date,
                  statuses: Collection[HourStatus] | None) -> Select:
    """The secondary's expenses that were cloned to the main project (shared), in the invoicing currency."""
    clone = aliased(Expense)
    query = (
        select(Expense.id, Expense.date, Expense.amount, User.name.label("co_worker_name"))
        .join(CoWorker, CoWorker.id == Expense.co_worker_id)
        .join(User, User.id == CoWorker.user_id)
        .where(Expense.project_id == secondary_id, Expense.date <= date_to, Expense.currency == rates.CURRENCY,
               exists().where(clone.source_expense_id == Expense.id))
        .order_by(Expense.id)
    )
    if date_from is not None:
        query = query.where(Expense.date >= date_from)
    if statuses is not None:
        query = query.where(Expense.status.in_(list(statuses)))
    return query


def expense_entries(rows) -> list[rates.ExpenseEntry]:
    return [rates.ExpenseEntry(r.co_worker_name, r.date, r.amount) for r in rows]


async def fixed_price_taken(session: AsyncSession, secondary_id: int) -> bool:
    """Whether a live internal invoice (draft or final) of the secondary holds its fixed price."""
    return bool(await session.scalar(select(exists().where(
        InternalInvoiceLine.invoice_id == InternalInvoice.id, InternalInvoice.secondary_project_id == secondary_id,
        InternalInvoice.status != InternalInvoiceStatus.CANCELLED,
        InternalInvoiceLine.kind == InvoiceLineKind.FIXED_PRICE))))


def shows_fixed_price(taken: bool, statuses: Collection[HourStatus] | None) -> bool:
    """The fixed price counts as invoiced once an invoice holds it, as not invoiced before."""
    if statuses is None:
        return True
    return HourStatus.INVOICED in statuses if taken else any(s != HourStatus.INVOICED for s in statuses)


async def lines_of(session: AsyncSession, secondary: Project, *, date_from: dt.date, date_to: dt.date,
                   statuses: Collection[HourStatus] | None) -> list[rates.BasisLine]:
    pricing = await pricing_of(session, secondary)
    hours = (await session.execute(
        hour_query(secondary.id, date_from=date_from, date_to=date_to, statuses=statuses))).all()
    expenses = (await session.execute(
        expense_query(secondary.id, date_from=date_from, date_to=date_to, statuses=statuses))).all()
    lines = rates.hour_lines(hour_entries(hours, pricing), pricing.card) + rates.expense_lines(expense_entries(expenses))
    fixed = rates.fixed_price_line(pricing.card)
    if fixed is not None and shows_fixed_price(await fixed_price_taken(session, secondary.id), statuses):
        lines.append(fixed)
    return lines


# --- whose basis ------------------------------------------------------------------------------


async def secondary_for(session: AsyncSession, viewer: Viewer, project_id: int,
                        partner_company_id: int | None) -> tuple[Project, Direction]:
    """The secondary project a basis is about, and from which side the viewer reads it."""
    project = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
    if not can_see_rates(viewer, project.company_id):
        raise Forbidden("Only admins and project leaders see rates and amounts.", field="projectId")
    if project.main_project_id is not None:
        if partner_company_id is not None and partner_company_id != project.company_id:
            raise InvalidInput("A secondary project's basis is its own company's; leave partnerCompanyId out.",
                               field="partnerCompanyId")
        return project, Direction.RECEIVABLE
    if partner_company_id is None:
        raise InvalidInput("For a main project, name the partner company whose hours it is invoiced for.",
                           field="partnerCompanyId")
    secondary = await secondary_project_of(session, project.id, partner_company_id)
    if secondary is None:
        raise NotFound("The project has no secondary project in that company.", field="partnerCompanyId")
    return secondary, Direction.PAYABLE


async def invoicing_basis(db: Database, viewer: Viewer, project_id: int, *, partner_company_id: int | None,
                          date_from: dt.date, date_to: dt.date,
                          statuses: Collection[HourStatus] | None = None) -> Basis:
    check_period(date_from, date_to)
    async with db.read() as session:
        secondary, direction = await secondary_for(session, viewer, project_id, partner_company_id)
        main = await session.get(Project, secondary.main_project_id)
        lines = await lines_of(session, secondary, date_from=date_from, date_to=date_to, statuses=statuses)
    return Basis(direction, secondary.id, main.id, secondary.company_id, main.company_id, date_from, date_to, lines)
