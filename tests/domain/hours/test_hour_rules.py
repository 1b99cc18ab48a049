"""The rules on hours (SPEC §4): decimals above 0, two decimals, 24 a day (locking: test_hour_mirror_rules)."""
import datetime as dt
from decimal import Decimal

import pytest

from domain.platform.errors import DayOver24Hours, InvalidInput
from domain.hours.records import check_day_total
from domain.platform.validation import clean_hours

DAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize("hours", ["0", "-0.5", "0.001", "24.01", "Infinity", "NaN"])
def test_hours_outside_the_rules_are_refused(hours):
    with pytest.raises(InvalidInput) as refused:
        clean_hours(Decimal(hours))
    assert refused.value.field == "hours"


def test_hours_keep_two_decimals():
    assert str(clean_hours(Decimal("7.5"))) == "7.50"
    assert clean_hours(Decimal("0.01")) == Decimal("0.01")
    assert clean_hours(Decimal("24")) == Decimal(24)


def test_a_day_may_be_filled_to_exactly_24_hours_but_not_beyond():
    check_day_total(Decimal("16"), Decimal("8"), DAY)
    with pytest.raises(DayOver24Hours) as refused:
        check_day_total(Decimal("16"), Decimal("8.01"), DAY)
    assert refused.value.field == "hours"
    assert "2026-03-02" in refused.value.message
