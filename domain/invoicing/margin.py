"""The margin of a shared project (SPEC §4), for the main company: over a period, the value of the main project's
hours at the main project's rates against the internal cost, what each partner company invoices for its hours
(the internal invoicing basis, every status), per partner company.

The value of an hour is its rate by domain.invoicing.rates (activity, member, project rate), also on a fixed-price
main project, whose hourly rates then say what its hours are worth; hours without a rate are worth 0. A partner's
shared expenses cloned to the main project are worth their amount (re-invoiced as they are), as in its cost.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from domain.access.lookup import load_visible
from domain.access.policy import can_see_rates
from domain.access.viewer import Viewer
from domain.invoicing import basis as invoicing_basis
from domain.invoicing import rates
from domain.model import CoWorker, Expense, Project, TimeRecord
from domain.platform.db import Database
from domain.platform.errors import Forbidden, InvalidInput


@dataclass(frozen=True)
class PartnerMargin:
    company_id: int
    hours: Decimal
    value: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.value - self.cost


@dataclass(frozen=True)
class Margin:
    project_id: int
    date_from: dt.date
    date_to: dt.date
    own_hours: Decimal
    own_value: Decimal
    partners: list[PartnerMargin]

    @property
    def partner_value(self) -> Decimal:
        return sum((p.value for p in self.partners), rates.ZERO)

    @property
    def cost(self) -> Decimal:
        return sum((p.cost for p in self.partners), rates.ZERO)

    @property
    def margin(self) -> Decimal:
        return self.partner_value - self.cost


async def shared_project_margin(db: Database, viewer: Viewer, project_id: int, date_from: dt.date,
                                date_to: dt.date) -> Margin:
    invoicing_basis.check_period(date_from, date_to)
    async with db.read() as session:
        main = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
        if not can_see_rates(viewer, main.company_id):
            raise Forbidden("Only admins and project leaders see rates and amounts.", field="projectId")
        if main.main_project_id is not None:
            raise InvalidInput("A shared project's margin is its main project's; this is a secondary project.",
                               field="projectId")
        card = await invoicing_basis.card_of(session, main)
        rows = (await session.execute(
            select(TimeRecord.hours, TimeRecord.activity_id, TimeRecord.co_worker_id, CoWorker.home_company_id)
            .join(CoWorker, CoWorker.id == TimeRecord.co_worker_id)
            .where(TimeRecord.project_id == main.id, TimeRecord.date >= date_from, TimeRecord.date <= date_to)
        )).all()
        clones = (await session.execute(
            select(Expense.amount, CoWorker.home_company_id).join(CoWorker, CoWorker.id == Expense.co_worker_id)
            .where(Expense.project_id == main.id, Expense.source_expense_id.isnot(None),
                   Expense.currency == rates.CURRENCY, Expense.date >= date_from, Expense.date <= date_to)
        )).all()
        secondaries = list(await session.scalars(
            select(Project).where(Project.main_project_id == main.id).order_by(Project.company_id)))
        costs = {}
        for secondary in secondaries:
            lines = await invoicing_basis.lines_of(session, secondary, date_from=date_from, date_to=date_to,
                                                   statuses=None)
            costs[secondary.company_id] = rates.grand_total(lines)
    hours: dict[int, Decimal] = {}
    value: dict[int, Decimal] = {}
    for r in rows:
        hours[r.home_company_id] = hours.get(r.home_company_id, Decimal(0)) + r.hours
        worth = rates.amount(r.hours, card.hourly_rate(r.activity_id, r.co_worker_id))
        value[r.home_company_id] = value.get(r.home_company_id, rates.ZERO) + worth
    for c in clones:
        value[c.home_company_id] = value.get(c.home_company_id, rates.ZERO) + c.amount
    partners = [PartnerMargin(company_id, hours.get(company_id, Decimal(0)), value.get(company_id, rates.ZERO), cost)
                for company_id, cost in costs.items()]
    own = main.company_id
    return Margin(main.id, date_from, date_to, hours.get(own, Decimal(0)), value.get(own, rates.ZERO), partners)
