"""The pure rules of internal invoicing (domain.invoicing.rates): which rate prices an hour, the lines and totals."""
import datetime as dt
from decimal import Decimal

from domain.invoicing import rates
from domain.model import InvoiceLineKind, PriceModel

CARD = rates.RateCard(PriceModel.HOURLY, Decimal("900.00"), {1: Decimal("1000.00"), 2: None}, {7: Decimal("950.00")})


def entry(activity: int, co_worker: int, day: str, hours: str, name: str = "Kari") -> rates.HourEntry:
    return rates.HourEntry(name, f"Activity {activity}", dt.date.fromisoformat(day), Decimal(hours), activity,
                           co_worker)


def test_the_activity_rate_comes_before_the_member_rate_and_that_before_the_project_rate():
    assert CARD.rate(1, 7) == Decimal("1000.00")
    assert CARD.rate(2, 7) == Decimal("950.00")
    assert CARD.rate(2, 8) == Decimal("900.00")
    assert rates.RateCard(PriceModel.HOURLY, None).rate(1, 7) is None


def test_a_fixed_price_card_prices_no_hour_but_still_values_hours_by_its_rates():
    fixed = rates.RateCard(PriceModel.FIXED, Decimal("900.00"), fixed_price=Decimal("50000.00"))
    assert fixed.rate(1, 7) is None and fixed.hourly_rate(1, 7) == Decimal("900.00")
    assert rates.fixed_price_line(fixed).amount == Decimal("50000.00")
    assert rates.fixed_price_line(CARD) is None


def test_hours_are_summed_per_co_worker_activity_and_month_then_priced_and_rounded_half_up_per_line():
    lines = rates.hour_lines([entry(2, 8, "2026-03-02", "0.25"), entry(2, 8, "2026-03-30", "0.01"),
                              entry(1, 7, "2026-04-01", "1.5"), entry(2, 8, "2026-04-01", "2")],
                             rates.RateCard(PriceModel.HOURLY, Decimal("333.33"), {1: Decimal("1000.00")}))
    assert [(line.activity_name, line.month, line.hours, line.rate, line.amount, line.entry_count)
            for line in lines] == [
        ("Activity 1", dt.date(2026, 4, 1), Decimal("1.5"), Decimal("1000.00"), Decimal("1500.00"), 1),
        ("Activity 2", dt.date(2026, 3, 1), Decimal("0.26"), Decimal("333.33"), Decimal("86.67"), 2),
        ("Activity 2", dt.date(2026, 4, 1), Decimal("2"), Decimal("333.33"), Decimal("666.66"), 1),
    ]
    assert rates.totals(lines) == [rates.KindTotal(InvoiceLineKind.HOURS, Decimal("3.76"), Decimal("2253.33"))]
    assert rates.grand_total(lines) == Decimal("2253.33")


def test_expenses_are_summed_per_co_worker_and_month_and_totalled_apart_from_hours():
    lines = rates.expense_lines([rates.ExpenseEntry("Kari", dt.date(2026, 3, 5), Decimal("100.10")),
                                 rates.ExpenseEntry("Kari", dt.date(2026, 3, 9), Decimal("0.90"))])
    assert [(line.kind, line.amount, line.entry_count) for line in lines] == [
        (InvoiceLineKind.EXPENSES, Decimal("101.00"), 2)]
    hours = rates.hour_lines([entry(1, 7, "2026-03-02", "1")], CARD)
    assert rates.totals(hours + lines) == [rates.KindTotal(InvoiceLineKind.HOURS, Decimal("1"), Decimal("1000.00")),
                                           rates.KindTotal(InvoiceLineKind.EXPENSES, None, Decimal("101.00"))]
