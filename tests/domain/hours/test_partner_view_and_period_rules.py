"""Two pure rules of issue 19: what the partner company's view of a reconciliation leaves out
(reconciliation_rules.as_seen_by_partner), and the project period hours and expenses are dated in
(records.check_in_period)."""
import datetime as dt
from decimal import Decimal

import pytest

from domain.hours.reconciliation_rules import (
    Mirror,
    Person,
    SideTotal,
    Source,
    as_seen_by_partner,
    compare,
    reconciliation,
)
from domain.hours.records import check_in_period
from domain.model import HourStatus, Project
from domain.platform.errors import OutsideProjectPeriod

DAY = dt.date(2026, 3, 2)
SOURCE = Source(id=1, partner_company_id=2, user_id=7, date=DAY, hours=Decimal("7.50"), description="Survey",
                status=HourStatus.NOT_APPROVED, mirror_activity_id=10, mirror_co_worker_id=20)
MIRROR = Mirror(id=5, source_record_id=1, activity_id=11, co_worker_id=21, date=DAY, hours=Decimal("7.00"),
                description="Survey", status=HourStatus.NOT_APPROVED)


def test_the_partner_view_drops_the_main_companys_ids_and_records_but_keeps_hours():
    found = reconciliation(1, DAY, DAY, main_totals=[SideTotal(2, 7, Decimal("7.00"))],
                           secondary_totals=[SideTotal(2, 7, Decimal("7.50"))], discrepancies=compare(SOURCE, MIRROR),
                           people={7: Person("Kari", 20)})
    seen = as_seen_by_partner(found, secondary_project_id=3)
    values = {d.kind.value: (d.source_value, d.mirror_value) for d in seen.discrepancies}
    assert values == {"HOURS_DIFFER": ("7.50", "7.00"), "ACTIVITY_DIFFER": (None, None),
                      "CO_WORKER_DIFFER": (None, None)}
    [person] = seen.people
    assert (person.name, person.co_worker_id, person.main_hours, person.secondary_hours) == (
        "Kari", None, Decimal("7.00"), Decimal("7.50"))
    assert all(d.mirror_value is None for d in person.discrepancies if d.kind.value != "HOURS_DIFFER")
    assert (seen.project_id, seen.main_project_id, found.project_id) == (3, 1, None)


@pytest.mark.parametrize("start, end, day, words", [
    (dt.date(2026, 1, 12), dt.date(2026, 9, 30), dt.date(2025, 1, 1), "runs from 2026-01-12 to 2026-09-30"),
    (dt.date(2026, 1, 12), dt.date(2026, 9, 30), dt.date(2026, 10, 1), "runs from 2026-01-12 to 2026-09-30"),
    (dt.date(2026, 1, 12), None, dt.date(2026, 1, 11), "starts 2026-01-12"),
    (None, dt.date(2026, 9, 30), dt.date(2031, 1, 1), "ends 2026-09-30"),
])
def test_a_date_outside_the_period_is_refused_naming_it(start, end, day, words):
    with pytest.raises(OutsideProjectPeriod) as refused:
        check_in_period(Project(start_date=start, end_date=end), day, noun="Hours")
    assert refused.value.field == "date" and words in str(refused.value) and day.isoformat() in str(refused.value)


@pytest.mark.parametrize("start, end, day", [
    (dt.date(2026, 1, 12), dt.date(2026, 9, 30), dt.date(2026, 1, 12)),
    (dt.date(2026, 1, 12), dt.date(2026, 9, 30), dt.date(2026, 9, 30)),
    (None, None, dt.date(1999, 1, 1)),
])
def test_the_first_and_last_day_and_an_open_period_are_inside(start, end, day):
    check_in_period(Project(start_date=start, end_date=end), day, noun="Hours")
