"""The periods of a recurring series, and which are due (pure rules, no database)."""
import datetime as dt

import pytest

from domain.model import Recurrence
from domain.platform.errors import InvalidInput
from domain.task_series.periods import Period, due_periods, following, period_start
from domain.task_series.service import MAX_CATCH_UP, check_periods

D = dt.date


def test_a_period_starts_on_monday_the_first_of_the_month_the_quarter_or_the_year():
    day = D(2026, 8, 13)  # a Thursday
    assert period_start(Recurrence.WEEKLY, day) == D(2026, 8, 10)
    assert period_start(Recurrence.MONTHLY, day) == D(2026, 8, 1)
    assert period_start(Recurrence.QUARTERLY, day) == D(2026, 7, 1)
    assert period_start(Recurrence.YEARLY, day) == D(2026, 1, 1)


def test_the_next_period_crosses_months_and_years():
    assert following(Recurrence.WEEKLY, D(2026, 12, 28)) == D(2027, 1, 4)
    assert following(Recurrence.MONTHLY, D(2026, 12, 1)) == D(2027, 1, 1)
    assert following(Recurrence.QUARTERLY, D(2026, 10, 1)) == D(2027, 1, 1)
    assert following(Recurrence.YEARLY, D(2026, 1, 1)) == D(2027, 1, 1)


def test_labels_name_the_iso_week_the_month_the_quarter_and_the_year():
    # 2026-12-28 is a Monday of ISO week 53 of 2026; 2024-12-30 is in ISO week 1 of 2025
    assert (Period(Recurrence.WEEKLY, D(2026, 12, 28)).label, Period(Recurrence.WEEKLY, D(2024, 12, 30)).label) == (
        "2026-W53", "2025-W01")
    assert Period(Recurrence.MONTHLY, D(2026, 3, 1)).label == "2026-03"
    assert (Period(Recurrence.QUARTERLY, D(2026, 10, 1)).label, Period(Recurrence.QUARTERLY, D(2026, 10, 1)).end) == (
        "2026-Q4", D(2026, 12, 31))
    assert (Period(Recurrence.YEARLY, D(2026, 1, 1)).label, Period(Recurrence.YEARLY, D(2026, 1, 1)).number) == (
        "2026", 1)


def test_the_due_periods_run_from_the_first_to_today_not_past_the_last():
    first = D(2026, 1, 1)
    assert due_periods(Recurrence.MONTHLY, first, None, D(2026, 3, 15)) == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert due_periods(Recurrence.MONTHLY, first, D(2026, 2, 1), D(2026, 3, 15)) == [D(2026, 1, 1), D(2026, 2, 1)]
    assert due_periods(Recurrence.MONTHLY, D(2026, 4, 1), None, D(2026, 3, 15)) == []


def test_the_last_period_may_not_come_before_the_first_nor_may_too_many_tasks_be_due_at_once():
    on = D(2026, 12, 3)
    assert check_periods(Recurrence.MONTHLY, D(2026, 1, 20), D(2026, 1, 31), on=on) == (D(2026, 1, 1), D(2026, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        check_periods(Recurrence.MONTHLY, D(2026, 2, 1), D(2026, 1, 31), on=on)
    assert refused.value.field == "lastPeriod"
    with pytest.raises(InvalidInput) as refused:
        check_periods(Recurrence.WEEKLY, on - dt.timedelta(weeks=MAX_CATCH_UP), None, on=on)
    assert refused.value.field == "firstPeriod"
    assert check_periods(Recurrence.WEEKLY, on - dt.timedelta(weeks=MAX_CATCH_UP - 1), None, on=on)[1] is None
