"""The reconciliation diff (domain.hours.reconciliation_rules) as pure rules, without a database."""
import datetime as dt
from dataclasses import replace
from decimal import Decimal

from domain.hours.reconciliation_rules import (
    DiscrepancyKind,
    Mirror,
    Person,
    SideTotal,
    Source,
    compare,
    orphan,
    reconciliation,
)
from domain.model import HourStatus

DAY = dt.date(2026, 3, 2)
SOURCE = Source(id=1, partner_company_id=2, user_id=7, date=DAY, hours=Decimal("7.50"), description="Survey",
                status=HourStatus.NOT_APPROVED, mirror_activity_id=10, mirror_co_worker_id=20)
MIRROR = Mirror(id=5, source_record_id=1, activity_id=10, co_worker_id=20, date=DAY, hours=Decimal("7.50"),
                description="Survey", status=HourStatus.NOT_APPROVED)


def kinds(found) -> list[DiscrepancyKind]:
    return [d.kind for d in found]


def test_a_mirror_identical_to_its_source_is_no_discrepancy():
    assert compare(SOURCE, MIRROR) == []


def test_a_mirror_with_another_status_is_still_identical_each_company_approves_its_own():
    assert compare(SOURCE, replace(MIRROR, status=HourStatus.APPROVED)) == []


def test_a_source_without_a_mirror_is_a_missing_mirror_never_locked():
    [found] = compare(replace(SOURCE, status=HourStatus.APPROVED), None)
    assert (found.kind, found.source_id, found.mirror_id, found.locked) == (DiscrepancyKind.MISSING_MIRROR, 1, None,
                                                                           False)
    assert found.source_value == "7.50"


def test_each_differing_value_is_its_own_discrepancy_with_both_values():
    mirror = replace(MIRROR, hours=Decimal("6"), date=DAY + dt.timedelta(days=1), activity_id=11, co_worker_id=21,
                     description=None)
    found = compare(SOURCE, mirror)
    assert kinds(found) == [DiscrepancyKind.HOURS_DIFFER, DiscrepancyKind.DATE_DIFFER, DiscrepancyKind.ACTIVITY_DIFFER,
                            DiscrepancyKind.CO_WORKER_DIFFER, DiscrepancyKind.DESCRIPTION_DIFFER]
    assert [(d.source_value, d.mirror_value) for d in found] == [
        ("7.50", "6.00"), ("2026-03-02", "2026-03-03"), ("10", "11"), ("20", "21"), ("Survey", None)]


def test_a_pair_with_either_side_approved_or_invoiced_is_locked():
    differing = replace(MIRROR, hours=Decimal("1"))
    assert not compare(SOURCE, differing)[0].locked
    assert compare(replace(SOURCE, status=HourStatus.APPROVED), differing)[0].locked
    assert compare(SOURCE, replace(differing, status=HourStatus.INVOICED))[0].locked


def test_an_orphan_is_locked_when_it_is_approved():
    assert not orphan(MIRROR, partner_company_id=2, user_id=7).locked
    assert orphan(replace(MIRROR, status=HourStatus.APPROVED), partner_company_id=2, user_id=7).locked


def test_a_project_balances_when_nothing_differs_and_each_persons_hours_are_equal():
    people = {7: Person("Ola", 20), 8: Person("Kari", 21)}
    found = reconciliation(
        1, DAY, DAY, people=people, discrepancies=[],
        main_totals=[SideTotal(2, 7, Decimal("7.50")), SideTotal(3, 8, Decimal("2.00"))],
        secondary_totals=[SideTotal(2, 7, Decimal("7.50")), SideTotal(3, 8, Decimal("2.00"))],
    )
    assert found.balanced
    assert [(p.partner_company_id, p.name, p.co_worker_id, p.main_hours, p.balanced) for p in found.people] == [
        (2, "Ola", 20, Decimal("7.50"), True), (3, "Kari", 21, Decimal("2.00"), True)]
    assert found.main_hours == found.secondary_hours == Decimal("9.50")


def test_a_discrepancy_unbalances_its_person_and_the_project_and_a_person_with_only_a_discrepancy_is_listed():
    missing = compare(replace(SOURCE, user_id=9), None)
    found = reconciliation(
        1, DAY, DAY, people={7: Person("Ola", 20)}, discrepancies=missing,
        main_totals=[SideTotal(2, 7, Decimal("7.50"))], secondary_totals=[SideTotal(2, 7, Decimal("7.50"))],
    )
    assert not found.balanced
    assert [(p.user_id, p.balanced, len(p.discrepancies)) for p in found.people] == [(7, True, 0), (9, False, 1)]


def test_unequal_totals_unbalance_even_without_a_listed_discrepancy():
    found = reconciliation(1, DAY, DAY, people={}, discrepancies=[], main_totals=[SideTotal(2, 7, Decimal("1"))],
                           secondary_totals=[])
    assert not found.balanced
    assert (found.people[0].main_hours, found.people[0].secondary_hours) == (Decimal("1.00"), Decimal("0.00"))


def test_a_period_must_end_after_it_starts_and_last_at_most_five_years():
    import pytest

    from domain.platform.errors import InvalidInput
    from domain.hours.reconciliation import check_period

    check_period(DAY, DAY)
    check_period(DAY, DAY.replace(year=2031))
    for date_to in (DAY - dt.timedelta(days=1), DAY.replace(year=2032)):
        with pytest.raises(InvalidInput) as refused:
            check_period(DAY, date_to)
        assert refused.value.field == "to"
