"""timeRecordCreate, timeRecordUpdate and timeRecordDelete through HTTP."""
import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from domain import model as m
from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid, graphql

CREATE = """
mutation Create($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) {
    timeRecord { id date hours description status coWorker { id } project { id } activity { id } }
    userErrors { field message code }
  }
}
"""

UPDATE = """
mutation Update($input: TimeRecordUpdateInput!) {
  timeRecordUpdate(input: $input) {
    timeRecord { id date hours description activity { id } }
    userErrors { field message code }
  }
}
"""

DELETE = """
mutation Delete($input: TimeRecordDeleteInput!) {
  timeRecordDelete(input: $input) { deletedId userErrors { field message code } }
}
"""

DAY = "2026-03-02"


@pytest.fixture
async def acme(db):
    """acme with a project led by its leader, with the employee and the external co-worker as members."""
    company = await company_with_staff(db)
    customer_id = await add_customer(db, company)
    project_id = await add_project(
        db, company, customer_id, leader=company["leader"], members=[company["employee"], company["external"]]
    )
    async with db.read() as session:
        activities = list(await session.scalars(
            select(m.Activity.id).where(m.Activity.project_id == project_id).order_by(m.Activity.id)
        ))
    company.project_id, company.activity_ids = project_id, activities
    company.project, company.activity = gid("Project", project_id), gid("Activity", activities[0])
    return company


def entry(acme, hours="7.5", **more):
    return {"input": {"projectId": acme.project, "activityId": acme.activity, "date": DAY, "hours": hours, **more}}


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def _stored_hours(db, co_worker_id: int) -> Decimal:
    async with db.read() as session:
        total = await session.scalar(select(func.sum(m.TimeRecord.hours)).where(m.TimeRecord.co_worker_id == co_worker_id))
        return Decimal(total or 0)


async def _count_records(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(m.TimeRecord.id)))


async def test_a_member_registers_their_own_hours(db, client, acme):
    data = await graphql(client, CREATE, entry(acme, "7.25", description=" Design "), token=acme["employee"].token)
    payload = data["timeRecordCreate"]
    assert payload["userErrors"] == []
    record = payload["timeRecord"]
    assert (record["date"], record["hours"], record["description"], record["status"]) == (
        DAY, "7.25", "Design", "NOT_APPROVED")
    assert record["coWorker"]["id"] == acme["employee"].gid
    assert record["activity"]["id"] == acme.activity


async def test_an_external_member_registers_their_own_hours(db, client, acme):
    data = await graphql(client, CREATE, entry(acme), token=acme["external"].token)
    assert data["timeRecordCreate"]["userErrors"] == []


async def test_the_project_leader_and_an_admin_register_for_a_member_but_an_employee_may_not(db, client, acme):
    for who in ("leader", "admin"):
        data = await graphql(client, CREATE, entry(acme, "1", coWorkerId=acme["employee"].gid), token=acme[who].token)
        assert data["timeRecordCreate"]["timeRecord"]["coWorker"]["id"] == acme["employee"].gid
    data = await graphql(client, CREATE, entry(acme, "1", coWorkerId=acme["external"].gid),
                         token=acme["employee"].token)
    assert errors(data, "timeRecordCreate") == [("coWorkerId", "FORBIDDEN")]


async def test_a_project_leader_may_not_register_for_others_on_another_leaders_project(db, client, acme):
    other_project = await add_project(db, acme, await add_customer(db, acme, "Other"), "Other",
                                      members=[acme["employee"]])
    async with db.read() as session:
        activity = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == other_project).limit(1))
    data = await graphql(client, CREATE, {"input": {
        "projectId": gid("Project", other_project), "activityId": gid("Activity", activity), "date": DAY,
        "hours": "1", "coWorkerId": acme["employee"].gid,
    }}, token=acme["leader"].token)
    assert errors(data, "timeRecordCreate") == [("coWorkerId", "FORBIDDEN")]


async def test_only_project_members_register_hours(db, client, acme):
    hidden = await graphql(client, CREATE, entry(acme), token=acme["colleague"].token)
    assert errors(hidden, "timeRecordCreate") == [("projectId", "NOT_FOUND")]
    admin_not_member = await graphql(client, CREATE, entry(acme), token=acme["admin"].token)
    assert errors(admin_not_member, "timeRecordCreate") == [("projectId", "NOT_PROJECT_MEMBER")]
    for_non_member = await graphql(client, CREATE, entry(acme, coWorkerId=acme["colleague"].gid),
                                   token=acme["leader"].token)
    assert errors(for_non_member, "timeRecordCreate") == [("coWorkerId", "NOT_PROJECT_MEMBER")]
    assert await _count_records(db) == 0


@pytest.mark.parametrize("hours, message", [
    ("0", "Hours must be more than 0."),
    ("-1", "Hours must be more than 0."),
    ("1.125", "Hours have at most two decimals."),
    ("24.5", "A day has at most 24 hours."),
    ("NaN", "Hours are required."),
])
async def test_hours_must_be_above_zero_with_at_most_two_decimals(db, client, acme, hours, message):
    data = await graphql(client, CREATE, entry(acme, hours), token=acme["employee"].token)
    assert data["timeRecordCreate"]["userErrors"] == [{"field": "hours", "message": message, "code": "INVALID_INPUT"}]
    assert await _count_records(db) == 0


async def test_a_day_holds_at_most_24_hours_across_records(db, client, acme):
    first = await graphql(client, CREATE, entry(acme, "16"), token=acme["employee"].token)
    assert first["timeRecordCreate"]["userErrors"] == []
    second = await graphql(client, CREATE, entry(acme, "8.01"), token=acme["employee"].token)
    assert second["timeRecordCreate"]["userErrors"] == [{
        "field": "hours", "code": "DAY_OVER_24_HOURS",
        "message": "2026-03-02 already holds 16.00 hours; 8.01 more would pass 24.",
    }]
    exactly_full = await graphql(client, CREATE, entry(acme, "8"), token=acme["employee"].token)
    assert exactly_full["timeRecordCreate"]["userErrors"] == []
    other_person = await graphql(client, CREATE, entry(acme, "8"), token=acme["external"].token)
    assert other_person["timeRecordCreate"]["userErrors"] == []
    assert await _stored_hours(db, acme["employee"].co_worker_id) == Decimal(24)


async def test_ten_concurrent_registrations_of_three_hours_never_pass_24_in_a_day(db, client, acme):
    results = await asyncio.gather(*(
        graphql(client, CREATE, entry(acme, "3"), token=acme["employee"].token) for _ in range(10)
    ))
    accepted = [r for r in results if r["timeRecordCreate"]["timeRecord"] is not None]
    refused = [r["timeRecordCreate"]["userErrors"][0]["code"] for r in results if r not in accepted]
    assert len(accepted) == 8
    assert refused == ["DAY_OVER_24_HOURS"] * 2
    assert await _stored_hours(db, acme["employee"].co_worker_id) == Decimal(24)


async def test_the_activity_must_be_an_active_one_of_that_project(db, client, acme):
    other_project = await add_project(db, acme, await add_customer(db, acme, "Other"), "Other")
    async with db.transaction() as session:
        foreign_activity = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == other_project))
        await session.execute(update(m.Activity).where(m.Activity.id == acme.activity_ids[1]).values(active=False))
    wrong = await graphql(client, CREATE, entry(acme, activityId=gid("Activity", foreign_activity)),
                          token=acme["employee"].token)
    assert errors(wrong, "timeRecordCreate") == [("activityId", "NOT_FOUND")]
    inactive = await graphql(client, CREATE, entry(acme, activityId=gid("Activity", acme.activity_ids[1])),
                             token=acme["employee"].token)
    assert errors(inactive, "timeRecordCreate") == [("activityId", "INVALID_INPUT")]
    malformed = await graphql(client, CREATE, entry(acme, activityId="QWN0aXZpdHk6"), token=acme["employee"].token)
    assert errors(malformed, "timeRecordCreate") == [("activityId", "INVALID_INPUT")]
    unknown = await graphql(client, CREATE, entry(acme, activityId=gid("Activity", 999999)),
                            token=acme["employee"].token)
    assert errors(unknown, "timeRecordCreate") == [("activityId", "NOT_FOUND")]


async def test_a_closed_project_takes_no_more_hours(db, client, acme):
    [record] = await add_time_records(db, acme, acme.project_id, acme["employee"])
    async with db.transaction() as session:
        await session.execute(update(m.Project).values(status=m.ProjectStatus.CLOSED))
    data = await graphql(client, CREATE, entry(acme), token=acme["employee"].token)
    assert errors(data, "timeRecordCreate") == [("projectId", "PROJECT_CLOSED")]
    data = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", record), "hours": "1"}},
                         token=acme["employee"].token)
    assert errors(data, "timeRecordUpdate") == [("id", "PROJECT_CLOSED")]


async def test_a_user_of_another_company_cannot_touch_its_hours(db, client, acme):
    other = await company_with_staff(db, "other")
    [record] = await add_time_records(db, acme, acme.project_id, acme["employee"])
    create = await graphql(client, CREATE, entry(acme), token=other["admin"].token)
    assert errors(create, "timeRecordCreate") == [("projectId", "NOT_FOUND")]
    for_their_person = await graphql(client, CREATE, entry(acme, coWorkerId=other["employee"].gid),
                                     token=acme["admin"].token)
    assert errors(for_their_person, "timeRecordCreate") == [("coWorkerId", "NOT_FOUND")]
    change = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", record), "hours": "1"}},
                           token=other["admin"].token)
    assert errors(change, "timeRecordUpdate") == [("id", "NOT_FOUND")]
    delete = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", record)}}, token=other["admin"].token)
    assert errors(delete, "timeRecordDelete") == [("id", "NOT_FOUND")]
    assert await _stored_hours(db, acme["employee"].co_worker_id) == Decimal("7.5")


async def test_a_member_edits_their_hours_partially_and_null_clears_the_description(db, client, acme):
    created = await graphql(client, CREATE, entry(acme, "2", description="Draft"), token=acme["employee"].token)
    record = created["timeRecordCreate"]["timeRecord"]["id"]
    data = await graphql(client, UPDATE, {"input": {
        "id": record, "hours": "3.5", "description": None, "activityId": gid("Activity", acme.activity_ids[1]),
    }}, token=acme["employee"].token)
    assert data["timeRecordUpdate"]["userErrors"] == []
    changed = data["timeRecordUpdate"]["timeRecord"]
    assert (changed["hours"], changed["description"], changed["date"]) == ("3.50", None, DAY)
    assert changed["activity"]["id"] == gid("Activity", acme.activity_ids[1])


async def test_an_edit_keeps_the_day_within_24_hours_counting_the_other_records(db, client, acme):
    await add_time_records(db, acme, acme.project_id, acme["employee"], hours=Decimal("20"))
    [other_day] = await add_time_records(db, acme, acme.project_id, acme["employee"], start=dt.date(2026, 3, 3),
                                         hours=Decimal("5"))
    moved = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", other_day), "date": DAY}},
                          token=acme["employee"].token)
    assert errors(moved, "timeRecordUpdate") == [("hours", "DAY_OVER_24_HOURS")]
    grown_in_place = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", other_day), "hours": "24"}},
                                   token=acme["employee"].token)
    assert grown_in_place["timeRecordUpdate"]["userErrors"] == []


async def test_approved_and_invoiced_hours_are_locked(db, client, acme):
    approved, invoiced = await add_time_records(db, acme, acme.project_id, acme["employee"], count=2)
    async with db.transaction() as session:
        await session.execute(update(m.TimeRecord).where(m.TimeRecord.id == approved).values(status=m.HourStatus.APPROVED))
        await session.execute(update(m.TimeRecord).where(m.TimeRecord.id == invoiced).values(status=m.HourStatus.INVOICED))
    for record in (approved, invoiced):
        change = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", record), "hours": "1"}},
                               token=acme["admin"].token)
        assert errors(change, "timeRecordUpdate") == [("id", "LOCKED")]
        delete = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", record)}}, token=acme["admin"].token)
        assert errors(delete, "timeRecordDelete") == [("id", "LOCKED")]
    assert await _count_records(db) == 2


async def test_a_member_deletes_their_hours_but_not_a_colleagues(db, client, acme):
    [mine] = await add_time_records(db, acme, acme.project_id, acme["employee"])
    [theirs] = await add_time_records(db, acme, acme.project_id, acme["external"])
    refused = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", theirs)}}, token=acme["employee"].token)
    assert errors(refused, "timeRecordDelete") == [("id", "NOT_FOUND")]  # other people's hours are not visible
    deleted = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", mine)}}, token=acme["employee"].token)
    assert deleted["timeRecordDelete"] == {"deletedId": gid("TimeRecord", mine), "userErrors": []}
    by_leader = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", theirs)}}, token=acme["leader"].token)
    assert by_leader["timeRecordDelete"]["userErrors"] == []
    assert await _count_records(db) == 0


async def test_a_removed_member_can_no_longer_change_their_hours_but_the_leader_can(db, client, acme):
    [record] = await add_time_records(db, acme, acme.project_id, acme["employee"])
    async with db.transaction() as session:
        member = await session.scalar(select(m.ProjectMember).where(
            m.ProjectMember.co_worker_id == acme["employee"].co_worker_id))
        await session.delete(member)
    own = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", record), "hours": "1"}},
                        token=acme["employee"].token)
    assert errors(own, "timeRecordUpdate") == [("id", "NOT_PROJECT_MEMBER")]
    leader = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", record), "hours": "1"}},
                           token=acme["leader"].token)
    assert leader["timeRecordUpdate"]["timeRecord"]["hours"] == "1.00"


async def test_no_hours_are_registered_for_an_inactive_co_worker(db, client, acme):
    async with db.transaction() as session:
        await session.execute(update(m.CoWorker).where(m.CoWorker.id == acme["employee"].co_worker_id).values(active=False))
    data = await graphql(client, CREATE, entry(acme, coWorkerId=acme["employee"].gid), token=acme["leader"].token)
    assert errors(data, "timeRecordCreate") == [("coWorkerId", "INVALID_INPUT")]
    assert await _count_records(db) == 0
