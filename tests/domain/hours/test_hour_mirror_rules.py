"""The pure rules of mirrored hours and cloned expenses (domain.hours.mirrors), without a database."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from domain.platform.errors import Locked
from domain.hours.mirrors import (
    CloneTarget,
    MirrorTarget,
    check_pair_editable,
    clone_values,
    mirror_differences,
    mirror_values,
    pair_locked,
)
from domain.model import HourStatus

NOT, APPROVED, INVOICED = HourStatus.NOT_APPROVED, HourStatus.APPROVED, HourStatus.INVOICED
TARGET = MirrorTarget(company_id=1, project_id=10, activity_id=100, co_worker_id=1000)
SOURCE = SimpleNamespace(date=dt.date(2026, 3, 2), hours=Decimal("7.50"), description="Survey",
                         company_id=2, project_id=20, activity_id=200, co_worker_id=2000)


@pytest.mark.parametrize("source, mirror, locked", [
    (NOT, None, False), (NOT, NOT, False), (APPROVED, None, True), (INVOICED, NOT, True),
    (NOT, APPROVED, True), (NOT, INVOICED, True), (APPROVED, APPROVED, True),
])
def test_a_pair_is_locked_once_either_side_is_approved_or_invoiced(source, mirror, locked):
    assert pair_locked(source, mirror) is locked


def test_an_unlocked_pair_may_be_edited():
    check_pair_editable(NOT, NOT)
    check_pair_editable(NOT, None)


def test_an_approved_source_refuses_edits_naming_its_status():
    with pytest.raises(Locked, match="approved") as refused:
        check_pair_editable(APPROVED, NOT)
    assert refused.value.field == "id"


@pytest.mark.parametrize("source, mirror", [(APPROVED, None), (INVOICED, None), (INVOICED, NOT), (NOT, APPROVED)])
def test_hours_approved_or_invoiced_on_either_side_cannot_change(source, mirror):
    with pytest.raises(Locked) as refused:
        check_pair_editable(source, mirror, field="id")
    assert refused.value.code == "LOCKED"


def test_a_mirror_invoiced_by_the_main_company_locks_the_source():
    with pytest.raises(Locked, match="main company has invoiced"):
        check_pair_editable(NOT, INVOICED, field="ids.0")


def test_a_mirror_takes_the_sources_day_hours_and_description_in_the_main_companys_places():
    assert mirror_values(SOURCE, TARGET) == {
        "company_id": 1, "project_id": 10, "activity_id": 100, "co_worker_id": 1000,
        "date": dt.date(2026, 3, 2), "hours": Decimal("7.50"), "description": "Survey",
    }


def test_an_identical_mirror_has_no_differences():
    mirror = SimpleNamespace(**mirror_values(SOURCE, TARGET))
    assert mirror_differences(SOURCE, TARGET, mirror) == []


def test_a_mirror_on_another_day_with_other_hours_differs_in_those_columns():
    mirror = SimpleNamespace(**{**mirror_values(SOURCE, TARGET), "date": dt.date(2026, 3, 3), "hours": Decimal("7")})
    assert mirror_differences(SOURCE, TARGET, mirror) == ["date", "hours"]


def test_an_expense_clone_takes_the_amount_and_currency():
    expense = SimpleNamespace(date=dt.date(2026, 3, 2), amount=Decimal("129.90"), currency="EUR", description="Taxi")
    target = CloneTarget(company_id=1, project_id=10, co_worker_id=1000, share_expenses=True)
    assert clone_values(expense, target) == {
        "company_id": 1, "project_id": 10, "co_worker_id": 1000,
        "date": dt.date(2026, 3, 2), "amount": Decimal("129.90"), "currency": "EUR", "description": "Taxi",
    }
