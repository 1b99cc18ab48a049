"""Types of partner finance (SPEC §4): basis lines and totals, internal invoices, the margin of a shared project."""
import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain import model as m
from domain.invoicing import basis as basis_service
from domain.invoicing import invoices as invoice_service
from domain.invoicing import margin as margin_service
from domain.invoicing import rates
from gql.context import Info
from gql.ids import to_global_id
from gql.schema.common import RowNode
from gql.schema.companies.types import Company
from gql.schema.projects.types import Project

InvoiceLineKind = strawberry.enum(m.InvoiceLineKind, description=(
    "HOURS: a co-worker's hours on one activity in one month at one rate. EXPENSES: a co-worker's shared "
    "expenses (cloned to the main project) in one month. FIXED_PRICE: a fixed-price secondary's price."))
InternalInvoiceStatus = strawberry.enum(m.InternalInvoiceStatus, description=(
    "DRAFT: can be cancelled (its hours go back to APPROVED) or made final. FINAL: issued, no longer changes. "
    "CANCELLED: a cancelled draft; it keeps its number and lines, and holds no hours."))
InternalInvoicingDirection = strawberry.enum(basis_service.Direction, name="InternalInvoicingDirection", description=(
    "RECEIVABLE: the partner company's view, what it invoices. PAYABLE: the main company's view, what it is "
    "invoiced."))


def _month(value: dt.date | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m")


@strawberry.type(description="One line of an invoicing basis or of an internal invoice.")
class InternalInvoiceLine:
    kind: InvoiceLineKind
    co_worker_name: str | None
    activity_name: str | None = strawberry.field(description="\"<number> <name>\", or the name without a number.")
    month: str | None = strawberry.field(description="The calendar month, as YYYY-MM.")
    hours: Decimal | None
    rate: Decimal | None = strawberry.field(description="Null on a fixed-price project, or when no rate is set.")
    amount: Decimal
    entry_count: int = strawberry.field(description="How many time records or expenses the line holds.")

    @classmethod
    def of(cls, line) -> "InternalInvoiceLine":
        return cls(kind=line.kind, co_worker_name=line.co_worker_name, activity_name=line.activity_name,
                   month=_month(line.month), hours=line.hours, rate=line.rate, amount=line.amount,
                   entry_count=line.entry_count)


@strawberry.type(description="The total of one kind of line.")
class InternalInvoiceTotal:
    kind: InvoiceLineKind
    hours: Decimal | None = strawberry.field(description="For HOURS; null for the other kinds.")
    amount: Decimal


def _totals(lines) -> list[InternalInvoiceTotal]:
    return [InternalInvoiceTotal(kind=t.kind, hours=t.hours, amount=t.amount) for t in rates.totals(lines)]


@strawberry.type(description="What a partner company invoices the main company for one secondary project over a "
                 "period: hours times the rate that applies, and the cloned shared expenses.")
class InternalInvoicingBasis:
    direction: InternalInvoicingDirection
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    currency: str
    lines: list[InternalInvoiceLine]
    totals: list[InternalInvoiceTotal] = strawberry.field(description="Per kind of line.")
    grand_total: Decimal
    project_id: strawberry.Private[int]
    seller_company_id: strawberry.Private[int]
    buyer_company_id: strawberry.Private[int]

    @classmethod
    def of(cls, found: basis_service.Basis) -> "InternalInvoicingBasis":
        mine = found.secondary_project_id if found.direction == basis_service.Direction.RECEIVABLE \
            else found.main_project_id
        return cls(direction=found.direction, from_=found.date_from, to=found.date_to, currency=rates.CURRENCY,
                   lines=[InternalInvoiceLine.of(line) for line in found.lines], totals=_totals(found.lines),
                   grand_total=found.grand_total, project_id=mine, seller_company_id=found.seller_company_id,
                   buyer_company_id=found.buyer_company_id)

    @strawberry.field(description="Your project: the secondary project (RECEIVABLE) or the main project (PAYABLE).")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="The partner company, which invoices.")
    async def seller_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.seller_company_id)

    @strawberry.field(description="The main company, which is invoiced.")
    async def buyer_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.buyer_company_id)


@strawberry.type(description="An internal invoice from a partner company to the main company of a shared project; "
                 "its admins and the main company's admins read it.")
class InternalInvoice(RowNode):
    loader = "internal_invoice_by_id"
    id: relay.NodeID[int]
    number: int = strawberry.field(description="From the partner company's INVOICE series (OWN or GROUP).")
    status: InternalInvoiceStatus
    up_to: dt.date = strawberry.field(description="It holds the approved hours and expenses up to this day.")
    currency: str
    total: Decimal
    created_at: dt.datetime
    finalised_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    company_id: strawberry.Private[int]  # the seller
    buyer_company_id: strawberry.Private[int]
    secondary_project_id: strawberry.Private[int]
    main_project_id: strawberry.Private[int]

    @classmethod
    def of(cls, info: Info, found: invoice_service.Invoice) -> "InternalInvoice":
        """The invoice a service returned with its lines: they go to this request's loader, not read again."""
        info.context.loaders.lines_by_invoice.prime(found.invoice.id, found.lines)
        return cls.from_row(found.invoice)

    @strawberry.field
    async def lines(self, info: Info) -> list[InternalInvoiceLine]:
        return [InternalInvoiceLine.of(line) for line in await info.context.loaders.lines_by_invoice.load(self.id)]

    @strawberry.field(description="Per kind of line.")
    async def totals(self, info: Info) -> list[InternalInvoiceTotal]:
        return _totals(await info.context.loaders.lines_by_invoice.load(self.id))

    @strawberry.field(description="Where its lines are downloaded as CSV (with the same bearer token).")
    def csv_url(self) -> str:
        return f"/internal-invoices/{to_global_id('InternalInvoice', self.id)}/lines.csv"

    @strawberry.field(description="The partner company, which invoices.")
    async def seller_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.company_id)

    @strawberry.field(description="The main company, which is invoiced.")
    async def buyer_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.buyer_company_id)

    @strawberry.field(description="The secondary project (null for the main company, which does not see it).")
    async def secondary_project(self, info: Info) -> Project | None:
        return await Project.load(info, self.secondary_project_id)

    @strawberry.field(description="The main project (null for the partner company, which does not see it).")
    async def main_project(self, info: Info) -> Project | None:
        return await Project.load(info, self.main_project_id)


@strawberry.type(description="One partner company's part of a shared project's margin.")
class PartnerMargin:
    hours: Decimal = strawberry.field(description="The partner's hours on the main project (their mirrors).")
    value: Decimal = strawberry.field(description="Those hours at the main project's rates, and the partner's shared "
                                      "expenses cloned to the main project at their amount.")
    cost: Decimal = strawberry.field(description="What the partner invoices for them: its invoicing basis's grand "
                                     "total over the period, every status.")
    margin: Decimal
    company_id: strawberry.Private[int]

    @strawberry.field
    async def company(self, info: Info) -> Company | None:
        return await Company.load(info, self.company_id)


@strawberry.type(description="A main project's value at its own rates against the internal cost, per partner.")
class SharedProjectMargin:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    currency: str
    own_hours: Decimal = strawberry.field(description="The main company's own co-workers' hours.")
    own_value: Decimal = strawberry.field(description="Those hours at the main project's rates.")
    partners: list[PartnerMargin]
    partner_value: Decimal
    cost: Decimal
    margin: Decimal = strawberry.field(description="partnerValue less cost.")
    project_id: strawberry.Private[int]

    @classmethod
    def of(cls, found: margin_service.Margin) -> "SharedProjectMargin":
        return cls(from_=found.date_from, to=found.date_to, currency=rates.CURRENCY, own_hours=found.own_hours,
                   own_value=found.own_value, partner_value=found.partner_value, cost=found.cost,
                   margin=found.margin, project_id=found.project_id,
                   partners=[PartnerMargin(hours=p.hours, value=p.value, cost=p.cost, margin=p.margin,
                                           company_id=p.company_id) for p in found.partners])

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)
