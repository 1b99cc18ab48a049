"""Which status changes of hours and expenses are allowed (domain.hours.statuses), without a database."""
import pytest

from domain.model import HourStatus
from domain.hours.statuses import approval_refusal, status_change_refusal

NOT, APPROVED, INVOICED = HourStatus.NOT_APPROVED, HourStatus.APPROVED, HourStatus.INVOICED


@pytest.mark.parametrize("current, new", [
    (NOT, APPROVED), (APPROVED, NOT), (APPROVED, INVOICED), (NOT, NOT), (APPROVED, APPROVED), (INVOICED, INVOICED),
])
def test_approving_un_approving_invoicing_and_repeating_a_status_are_allowed(current, new):
    assert status_change_refusal(current, new, is_admin=False, field="ids.0") is None


def test_hours_are_approved_before_they_are_invoiced():
    refusal = status_change_refusal(NOT, INVOICED, is_admin=True, field="ids.2")
    assert (refusal.code, refusal.field) == ("INVALID_INPUT", "ids.2")


def test_only_an_admin_takes_invoiced_hours_back_to_approved():
    assert status_change_refusal(INVOICED, APPROVED, is_admin=True, field="ids.0") is None
    assert status_change_refusal(INVOICED, APPROVED, is_admin=False, field="ids.0").code == "FORBIDDEN"


def test_invoiced_hours_never_go_straight_back_to_not_approved():
    refusal = status_change_refusal(INVOICED, NOT, is_admin=True, noun="expense", field="ids.0")
    assert refusal.code == "LOCKED"
    assert "Invoiced expenses go back to APPROVED first" in refusal.message


def test_approving_leaves_invoiced_hours_locked_even_for_an_admin_but_approves_approved_ones_again():
    assert approval_refusal(NOT, field="ids.0") is None
    assert approval_refusal(APPROVED, field="ids.0") is None
    refusal = approval_refusal(INVOICED, field="ids.2")
    assert (refusal.code, refusal.field) == ("LOCKED", "ids.2")
