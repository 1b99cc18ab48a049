"""Which hourly rate prices an hour, and the lines of an invoicing basis (pure rules, no database).

The rate of an hour on a project is the first one set of: its activity's rate, the co-worker's rate as a member
of the project, the project's hourly rate. None set: the hour has no rate and an amount of 0 (the basis says so).
A project whose price model is FIXED is invoiced by its fixed price, not by the hour: its hours are listed
without a rate (amount 0) and the fixed price is one FIXED_PRICE line, taken by the first internal invoice.
Amounts are hours times rate, rounded half up to the cent per line; totals add the lines' amounts.
"""
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from domain.model import InvoiceLineKind, PriceModel

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CURRENCY = "NOK"  # internal invoices are in the companies' currency; expenses in another one are left out


@dataclass(frozen=True)
class RateCard:
    """The rates of one project, keyed as the hours to price are: activity ids and co-worker ids of that project."""

    price_model: PriceModel
    project_rate: Decimal | None
    activity_rates: Mapping[int, Decimal | None] = field(default_factory=dict)
    member_rates: Mapping[int, Decimal | None] = field(default_factory=dict)
    fixed_price: Decimal | None = None

    def rate(self, activity_id: int | None, co_worker_id: int | None) -> Decimal | None:
        if self.price_model == PriceModel.FIXED:
            return None
        return self.hourly_rate(activity_id, co_worker_id)

    def hourly_rate(self, activity_id: int | None, co_worker_id: int | None) -> Decimal | None:
        """The rate by the rule above, whatever the price model (a fixed-price project's hours valued by its rates)."""
        for found in (self.activity_rates.get(activity_id), self.member_rates.get(co_worker_id), self.project_rate):
            if found is not None:
                return found
        return None


def amount(hours: Decimal, rate: Decimal | None) -> Decimal:
    return ZERO if rate is None else (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass(frozen=True)
class HourEntry:
    """One time record to price: the person and activity as named on the invoice, and the keys into a RateCard."""

    co_worker_name: str
    activity_name: str
    date: dt.date
    hours: Decimal
    rate_activity_id: int | None
    rate_co_worker_id: int | None


@dataclass(frozen=True)
class ExpenseEntry:
    co_worker_name: str
    date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class BasisLine:
    kind: InvoiceLineKind
    co_worker_name: str | None
    activity_name: str | None
    month: dt.date | None
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    entry_count: int


@dataclass(frozen=True)
class KindTotal:
    kind: InvoiceLineKind
    hours: Decimal | None
    amount: Decimal


def hour_lines(entries: Iterable[HourEntry], card: RateCard) -> list[BasisLine]:
    """Per co-worker, activity, month and rate: the hours, the rate and the amount (sorted by those keys)."""
    groups: dict[tuple, list[Decimal]] = {}
    for e in entries:
        rate = card.rate(e.rate_activity_id, e.rate_co_worker_id)
        groups.setdefault((e.co_worker_name, e.activity_name, month_of(e.date), rate), []).append(e.hours)
    lines = []
    for (name, activity, month, rate), hours in sorted(groups.items(), key=lambda g: (g[0][:3], g[0][3] or ZERO)):
        total = sum(hours, Decimal(0))
        lines.append(BasisLine(InvoiceLineKind.HOURS, name, activity, month, total, rate, amount(total, rate),
                               len(hours)))
    return lines


def expense_lines(entries: Iterable[ExpenseEntry]) -> list[BasisLine]:
    """Per co-worker and month: the shared expenses' amounts."""
    groups: dict[tuple, list[Decimal]] = {}
    for e in entries:
        groups.setdefault((e.co_worker_name, month_of(e.date)), []).append(e.amount)
    return [BasisLine(InvoiceLineKind.EXPENSES, name, None, month, None, None, sum(amounts, ZERO), len(amounts))
            for (name, month), amounts in sorted(groups.items())]


def fixed_price_line(card: RateCard) -> BasisLine | None:
    if card.price_model != PriceModel.FIXED or card.fixed_price is None:
        return None
    return BasisLine(InvoiceLineKind.FIXED_PRICE, None, None, None, None, None, card.fixed_price, 0)


def totals(lines: Iterable[BasisLine]) -> list[KindTotal]:
    """One total per kind of line present, in the order HOURS, EXPENSES, FIXED_PRICE."""
    lines = list(lines)
    found = []
    for kind in InvoiceLineKind:
        of_kind = [line for line in lines if line.kind == kind]
        if of_kind:
            hours = sum((line.hours for line in of_kind), Decimal(0)) if kind == InvoiceLineKind.HOURS else None
            found.append(KindTotal(kind, hours, sum((line.amount for line in of_kind), ZERO)))
    return found


def grand_total(lines: Iterable[BasisLine]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)
