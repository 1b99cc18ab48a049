"""Hours and expenses are dated within their project's start and end dates (issue 19 item 5b): outside them
OUTSIDE_PROJECT_PERIOD on `date`, the message naming the period; on creation, on a change of date, and on a
secondary project (the mirror's source) alike, through HTTP."""
import pytest
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.gql.test_expenses import CREATE as EXPENSE_CREATE, UPDATE as EXPENSE_UPDATE
from tests.gql.test_mutations_hours import CREATE, UPDATE
from tests.partner_fixtures import partner_hours_setup

SET_DATES = """
mutation Dates($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { startDate endDate } userErrors { field message code } }
}
"""
PERIOD = "runs from 2026-01-12 to 2026-09-30"


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def set_period(client, admin, project_gid: str, start="2026-01-12", end="2026-09-30") -> None:
    data = await graphql(client, SET_DATES, {"input": {"id": project_gid, "startDate": start, "endDate": end}},
                         token=admin.token)
    assert data["projectUpdate"]["userErrors"] == []


async def count(db, model) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(model))


@pytest.fixture
async def acme(db, client):
    company = await company_with_staff(db)
    project_id = await add_project(db, company, await add_customer(db, company), members=[company["employee"]])
    async with db.read() as session:
        activity_id = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == project_id).limit(1))
    company.project, company.activity = gid("Project", project_id), gid("Activity", activity_id)
    await set_period(client, company["admin"], company.project)
    return company


def hours_on(acme, day: str) -> dict:
    return {"input": {"projectId": acme.project, "activityId": acme.activity, "date": day, "hours": "2"}}


async def test_hours_before_the_start_or_after_the_end_are_refused_naming_the_period(db, client, acme):
    for day in ("2025-01-01", "2026-01-11", "2026-10-01", "2031-01-01"):
        data = await graphql(client, CREATE, hours_on(acme, day), token=acme["employee"].token)
        assert errors(data, "timeRecordCreate") == [("date", "OUTSIDE_PROJECT_PERIOD")]
        message = data["timeRecordCreate"]["userErrors"][0]["message"]
        assert day in message and PERIOD in message
    assert await count(db, m.TimeRecord) == 0


async def test_hours_on_the_first_and_the_last_day_are_accepted(db, client, acme):
    for day in ("2026-01-12", "2026-09-30"):
        data = await graphql(client, CREATE, hours_on(acme, day), token=acme["employee"].token)
        assert data["timeRecordCreate"]["userErrors"] == []


async def test_moving_hours_outside_the_period_is_refused_and_changes_nothing(db, client, acme):
    created = await graphql(client, CREATE, hours_on(acme, "2026-03-02"), token=acme["employee"].token)
    record_id = created["timeRecordCreate"]["timeRecord"]["id"]
    data = await graphql(client, UPDATE, {"input": {"id": record_id, "date": "2026-12-24", "hours": "3"}},
                         token=acme["employee"].token)
    assert errors(data, "timeRecordUpdate") == [("date", "OUTSIDE_PROJECT_PERIOD")]
    async with db.read() as session:
        record = await session.scalar(select(m.TimeRecord))
    assert (record.date.isoformat(), str(record.hours)) == ("2026-03-02", "2.00")


async def test_a_project_without_an_end_date_takes_hours_from_its_start_on(db, client, acme):
    await set_period(client, acme["admin"], acme.project, end=None)
    late = await graphql(client, CREATE, hours_on(acme, "2031-01-01"), token=acme["employee"].token)
    assert late["timeRecordCreate"]["userErrors"] == []
    early = await graphql(client, CREATE, hours_on(acme, "2026-01-11"), token=acme["employee"].token)
    assert errors(early, "timeRecordCreate") == [("date", "OUTSIDE_PROJECT_PERIOD")]
    assert "starts 2026-01-12" in early["timeRecordCreate"]["userErrors"][0]["message"]


async def test_expenses_outside_the_period_are_refused_on_creation_and_on_a_change_of_date(db, client, acme):
    given = {"input": {"projectId": acme.project, "date": "2025-01-01", "amount": "120.00"}}
    refused = await graphql(client, EXPENSE_CREATE, given, token=acme["employee"].token)
    assert errors(refused, "expenseCreate") == [("date", "OUTSIDE_PROJECT_PERIOD")]
    assert PERIOD in refused["expenseCreate"]["userErrors"][0]["message"]
    given["input"]["date"] = "2026-03-02"
    created = await graphql(client, EXPENSE_CREATE, given, token=acme["employee"].token)
    expense_id = created["expenseCreate"]["expense"]["id"]
    moved = await graphql(client, EXPENSE_UPDATE, {"input": {"id": expense_id, "date": "2031-01-01"}},
                          token=acme["employee"].token)
    assert errors(moved, "expenseUpdate") == [("date", "OUTSIDE_PROJECT_PERIOD")]


async def test_partner_hours_outside_the_shared_projects_period_are_refused_and_not_mirrored(db, client):
    family = await partner_hours_setup(db)
    await set_period(client, family.main["admin"], family.main_gid)
    given = {"input": {"projectId": family.secondary_gid,
                       "activityId": gid("Activity", family.secondary_activity_ids[0]),
                       "date": "2031-01-01", "hours": "4"}}
    data = await graphql(client, CREATE, given, token=family.worker.token)
    assert errors(data, "timeRecordCreate") == [("date", "OUTSIDE_PROJECT_PERIOD")]
    assert PERIOD in data["timeRecordCreate"]["userErrors"][0]["message"]
    assert await count(db, m.TimeRecord) == 0
