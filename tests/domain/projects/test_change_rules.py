"""What an edit of a project, activity or milestone sets: plain rules, no database."""
import datetime as dt
from decimal import Decimal

import pytest

from domain.platform.errors import HasHours, InUse, InvalidInput
from domain.model import PriceModel, ProjectStatus
from domain.projects.activities import activity_values, deletion_refusal
from domain.projects.milestones import milestone_values
from domain.projects.service import NEW_PROJECT, project_values

CURRENT = {**NEW_PROJECT, "name": "Website", "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 6, 30)}


def field_of(call) -> str | None:
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.field


def test_a_project_edit_sets_only_what_was_given_cleaned():
    assert project_values(CURRENT, {"name": "  Portal ", "hourly_rate": Decimal("1200")}) == {
        "name": "Portal", "hourly_rate": Decimal("1200.00")}


def test_a_new_end_date_is_checked_against_the_kept_start_date_and_the_other_way_round():
    assert field_of(lambda: project_values(CURRENT, {"end_date": dt.date(2025, 12, 31)})) == "endDate"
    assert field_of(lambda: project_values(CURRENT, {"start_date": dt.date(2026, 7, 1)})) == "startDate"
    assert project_values(CURRENT, {"start_date": None}) == {"start_date": None}


def test_a_fixed_price_project_needs_a_price_whether_it_becomes_fixed_or_loses_its_price():
    assert field_of(lambda: project_values(CURRENT, {"price_model": PriceModel.FIXED})) == "fixedPrice"
    fixed = {**CURRENT, "price_model": PriceModel.FIXED, "fixed_price": Decimal(100)}
    assert field_of(lambda: project_values(fixed, {"fixed_price": None})) == "fixedPrice"
    assert project_values(fixed, {"price_model": PriceModel.HOURLY, "fixed_price": None}) == {
        "price_model": PriceModel.HOURLY, "fixed_price": None}


def test_required_project_fields_cannot_be_cleared():
    assert field_of(lambda: project_values(CURRENT, {"status": None})) == "status"
    assert field_of(lambda: project_values(CURRENT, {"name": None})) == "name"
    assert project_values(CURRENT, {"status": ProjectStatus.CLOSED}) == {"status": ProjectStatus.CLOSED}


def test_an_activity_edit_cleans_its_values():
    assert activity_values({"name": " QA ", "number": " ", "active": False}) == {
        "name": "QA", "number": None, "active": False}
    assert field_of(lambda: activity_values({"hourly_rate": Decimal("-1")})) == "hourlyRate"


def test_an_activity_with_hours_anywhere_is_not_deleted_and_the_error_suggests_deactivating():
    refusal = deletion_refusal(hours=3, files=0, tasks=0)
    assert isinstance(refusal, HasHours) and "deactivate" in refusal.message
    assert isinstance(deletion_refusal(hours=0, files=1, tasks=0), InUse)
    assert deletion_refusal(hours=0, files=0, tasks=0) is None


def test_a_milestone_edit_keeps_its_due_date():
    assert milestone_values({"completed": True}) == {"completed": True}
    assert field_of(lambda: milestone_values({"due_date": None})) == "dueDate"
