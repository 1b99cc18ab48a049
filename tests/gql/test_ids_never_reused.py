"""A deleted row's id is never handed out again, on SQLite as on PostgreSQL (issue 19 item 5c): an integrator or an
export that kept a time record's global id never finds other hours under it."""
from sqlalchemy import select

from domain import model as m
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.gql.test_mutations_hours import CREATE, DELETE


async def test_a_deleted_time_records_id_is_not_given_to_the_next_one(db, client):
    company = await company_with_staff(db)
    project_id = await add_project(db, company, await add_customer(db, company), members=[company["employee"]])
    async with db.read() as session:
        activity_id = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == project_id).limit(1))
    given = {"input": {"projectId": gid("Project", project_id), "activityId": gid("Activity", activity_id),
                       "date": "2026-03-02", "hours": "2"}}
    token = company["employee"].token

    first = (await graphql(client, CREATE, given, token=token))["timeRecordCreate"]["timeRecord"]["id"]
    deleted = await graphql(client, DELETE, {"input": {"id": first}}, token=token)
    assert deleted["timeRecordDelete"] == {"deletedId": first, "userErrors": []}
    second = (await graphql(client, CREATE, given, token=token))["timeRecordCreate"]["timeRecord"]["id"]

    assert second != first
    found = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": first}, token=token)
    assert found["node"] is None
