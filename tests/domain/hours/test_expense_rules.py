"""The input rules of expenses (domain.hours.expenses), without a database."""
import datetime as dt
from decimal import Decimal

import pytest

from domain.platform.errors import InvalidInput
from domain.hours.expenses import clean_amount, clean_currency, expense_values


def test_an_amount_is_kept_with_two_decimals():
    assert clean_amount(Decimal("129.9")) == Decimal("129.90")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("1.005"), Decimal("1e12"), Decimal("NaN"), None])
def test_an_amount_is_more_than_zero_with_at_most_two_decimals(amount):
    with pytest.raises(InvalidInput) as refused:
        clean_amount(amount)
    assert refused.value.field == "amount"


@pytest.mark.parametrize("given, stored", [("NOK", "NOK"), (" eur ", "EUR"), ("sek", "SEK")])
def test_a_currency_is_a_three_letter_code_in_capitals(given, stored):
    assert clean_currency(given) == stored


@pytest.mark.parametrize("given", ["", None, "KR", "EURO", "N0K", "€"])
def test_anything_else_is_not_a_currency(given):
    with pytest.raises(InvalidInput, match="ISO 4217"):
        clean_currency(given)


def test_an_edit_sets_only_what_it_gives_and_may_clear_the_description():
    assert expense_values({"description": "  "}) == {"description": None}
    assert expense_values({"date": dt.date(2026, 3, 2)}) == {"date": dt.date(2026, 3, 2)}


def test_an_edit_cannot_clear_the_date():
    with pytest.raises(InvalidInput) as refused:
        expense_values({"date": None})
    assert refused.value.field == "date"
