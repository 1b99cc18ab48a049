"""The shared-project rules that need no database: what a secondary project may not edit itself."""
import datetime as dt

import pytest

from domain import model as m
from domain.platform.errors import InheritedFromMain, integrity_error
from domain.projects.cascade import inherited_changes, refuse_inherited_edit
from domain.projects.service import FIELD_NAMES


def test_a_secondary_may_not_change_what_it_inherits_but_may_change_its_own_prices():
    changes = {"name": "X", "start_date": dt.date(2026, 1, 1), "hourly_rate": 1, "storage": "CLOUD"}
    assert inherited_changes(changes, price_model_from_main=False) == ["name", "start_date"]


def test_a_secondary_following_the_main_price_model_may_not_change_its_prices_either():
    changes = {"hourly_rate": 1, "fixed_price": 2, "price_model": "FIXED", "storage": "CLOUD"}
    assert inherited_changes(changes, price_model_from_main=True) == ["hourly_rate", "fixed_price", "price_model"]


def test_the_refusal_names_the_first_inherited_field_as_the_input_calls_it():
    secondary = m.Project(main_project_id=1, price_model_from_main=False)
    with pytest.raises(InheritedFromMain) as refused:
        refuse_inherited_edit(secondary, {"storage": "CLOUD", "end_date": None}, field_names=FIELD_NAMES)
    assert (refused.value.code, refused.value.field) == ("INHERITED_FROM_MAIN", "endDate")


def test_a_main_or_ordinary_project_edits_everything():
    refuse_inherited_edit(m.Project(main_project_id=None), {"name": "X"}, field_names=FIELD_NAMES)


@pytest.mark.parametrize("message", [
    'duplicate key value violates unique constraint "uq_projects_main_project_id_company_id"',
    "UNIQUE constraint failed: projects.main_project_id, projects.company_id",
])
def test_a_second_secondary_project_for_one_company_is_a_conflict_to_retry(message):
    error = integrity_error(message)
    assert (error.code, error.field) == ("CONFLICT", "coWorkerId")
