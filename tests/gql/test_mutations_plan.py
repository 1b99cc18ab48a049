"""Activities and milestones of a project through HTTP: create, update, delete."""
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid, graphql

ACTIVITY_CREATE = """
mutation Create($input: ActivityCreateInput!) {
  activityCreate(input: $input) { activity { id number name active project { id } } userErrors { field message code } }
}
"""

ACTIVITY_UPDATE = """
mutation Update($input: ActivityUpdateInput!) {
  activityUpdate(input: $input) { activity { id number name active } userErrors { field message code } }
}
"""

ACTIVITY_DELETE = """
mutation Delete($input: ActivityDeleteInput!) {
  activityDelete(input: $input) { deletedId userErrors { field message code } }
}
"""

MILESTONE_CREATE = """
mutation Create($input: MilestoneCreateInput!) {
  milestoneCreate(input: $input) { milestone { id name dueDate completed shownInPlan } userErrors { field message code } }
}
"""

MILESTONE_UPDATE = """
mutation Update($input: MilestoneUpdateInput!) {
  milestoneUpdate(input: $input) { milestone { id name dueDate completed } userErrors { field message code } }
}
"""

MILESTONE_DELETE = """
mutation Delete($input: MilestoneDeleteInput!) {
  milestoneDelete(input: $input) { deletedId userErrors { field message code } }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def _seed(db):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    led = await add_project(db, acme, customer_id, leader=acme["leader"], members=[acme["employee"]])
    not_led = await add_project(db, acme, customer_id, "Not led", members=[acme["employee"]])
    return acme, led, not_led


async def _first(db, model, project_id: int) -> int:
    async with db.read() as session:
        return await session.scalar(select(model.id).where(model.project_id == project_id).order_by(model.id).limit(1))


async def _count(db, model) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(model.id)))


async def test_the_leader_creates_renames_and_deactivates_an_activity(db, client):
    acme, led, _ = await _seed(db)
    created = await graphql(client, ACTIVITY_CREATE, {"input": {"projectId": gid("Project", led), "name": "Testing",
                                                                "number": "3"}}, token=acme["leader"].token)
    activity = created["activityCreate"]["activity"]
    assert (activity["name"], activity["number"], activity["active"]) == ("Testing", "3", True)
    updated = await graphql(client, ACTIVITY_UPDATE, {"input": {"id": activity["id"], "name": "QA", "number": None,
                                                                "active": False}}, token=acme["leader"].token)
    assert updated["activityUpdate"] == {"activity": {"id": activity["id"], "number": None, "name": "QA",
                                                      "active": False}, "userErrors": []}


async def test_an_activity_with_hours_cannot_be_deleted_but_can_be_deactivated(db, client):
    acme, led, _ = await _seed(db)
    await add_time_records(db, acme, led, acme["employee"])
    activity = gid("Activity", await _first(db, m.Activity, led))
    refused = await graphql(client, ACTIVITY_DELETE, {"input": {"id": activity}}, token=acme["admin"].token)
    assert refused["activityDelete"]["deletedId"] is None
    [error] = refused["activityDelete"]["userErrors"]
    assert (error["field"], error["code"]) == ("id", "HAS_HOURS")
    assert "deactivate" in error["message"]
    deactivated = await graphql(client, ACTIVITY_UPDATE, {"input": {"id": activity, "active": False}},
                                token=acme["admin"].token)
    assert deactivated["activityUpdate"]["activity"]["active"] is False


async def test_an_activity_without_hours_is_deleted(db, client):
    acme, led, _ = await _seed(db)
    activity = gid("Activity", await _first(db, m.Activity, led))
    before = await _count(db, m.Activity)
    data = await graphql(client, ACTIVITY_DELETE, {"input": {"id": activity}}, token=acme["leader"].token)
    assert data["activityDelete"] == {"deletedId": activity, "userErrors": []}
    assert await _count(db, m.Activity) == before - 1


async def test_the_plan_of_a_project_is_managed_by_admins_and_its_own_leader_only(db, client):
    acme, led, not_led = await _seed(db)
    activity, milestone = gid("Activity", await _first(db, m.Activity, not_led)), gid("Milestone", await _first(db, m.Milestone, not_led))
    cases = [("leader", "FORBIDDEN"), ("employee", "FORBIDDEN"), ("colleague", "NOT_FOUND"), ("external", "NOT_FOUND")]
    for who, code in cases:
        token = acme[who].token
        for operation, name, variables in (
            (ACTIVITY_CREATE, "activityCreate", {"projectId": gid("Project", not_led), "name": "X"}),
            (MILESTONE_CREATE, "milestoneCreate", {"projectId": gid("Project", not_led), "name": "X", "dueDate": "2026-09-01"}),
        ):
            data = await graphql(client, operation, {"input": variables}, token=token)
            assert errors(data, name) == [("projectId", code)], (who, name)
        for operation, name, variables in (
            (ACTIVITY_UPDATE, "activityUpdate", {"id": activity, "name": "X"}),
            (ACTIVITY_DELETE, "activityDelete", {"id": activity}),
            (MILESTONE_UPDATE, "milestoneUpdate", {"id": milestone, "name": "X"}),
            (MILESTONE_DELETE, "milestoneDelete", {"id": milestone}),
        ):
            data = await graphql(client, operation, {"input": variables}, token=token)
            assert errors(data, name) == [("id", code)], (who, name)
    data = await graphql(client, ACTIVITY_UPDATE, {"input": {"id": activity, "name": "By admin"}},
                         token=acme["admin"].token)
    assert data["activityUpdate"]["activity"]["name"] == "By admin"


async def test_another_companys_admin_cannot_touch_the_plan(db, client):
    acme, led, _ = await _seed(db)
    other = await company_with_staff(db, "other")
    token = other["admin"].token
    activity, milestone = gid("Activity", await _first(db, m.Activity, led)), gid("Milestone", await _first(db, m.Milestone, led))
    for operation, name, variables, field in (
        (ACTIVITY_CREATE, "activityCreate", {"projectId": gid("Project", led), "name": "X"}, "projectId"),
        (ACTIVITY_UPDATE, "activityUpdate", {"id": activity, "name": "X"}, "id"),
        (ACTIVITY_DELETE, "activityDelete", {"id": activity}, "id"),
        (MILESTONE_CREATE, "milestoneCreate", {"projectId": gid("Project", led), "name": "X", "dueDate": "2026-09-01"}, "projectId"),
        (MILESTONE_UPDATE, "milestoneUpdate", {"id": milestone, "name": "X"}, "id"),
        (MILESTONE_DELETE, "milestoneDelete", {"id": milestone}, "id"),
    ):
        data = await graphql(client, operation, {"input": variables}, token=token)
        assert errors(data, name) == [(field, "NOT_FOUND")], name


async def test_blank_names_and_bad_ids_are_refused_and_nothing_is_written(db, client):
    acme, led, _ = await _seed(db)
    activities, milestones = await _count(db, m.Activity), await _count(db, m.Milestone)
    token = acme["admin"].token
    blank = await graphql(client, ACTIVITY_CREATE, {"input": {"projectId": gid("Project", led), "name": "  "}}, token=token)
    assert errors(blank, "activityCreate") == [("name", "INVALID_INPUT")]
    long_number = await graphql(client, ACTIVITY_CREATE, {"input": {"projectId": gid("Project", led), "name": "X",
                                                                    "number": "9" * 21}}, token=token)
    assert errors(long_number, "activityCreate") == [("number", "INVALID_INPUT")]
    wrong_type = await graphql(client, MILESTONE_CREATE, {"input": {"projectId": gid("Customer", 1), "name": "X",
                                                                    "dueDate": "2026-09-01"}}, token=token)
    assert errors(wrong_type, "milestoneCreate") == [("projectId", "NOT_FOUND")]
    malformed = await graphql(client, MILESTONE_CREATE, {"input": {"projectId": "UHJvamVjdDp4", "name": "X",
                                                                   "dueDate": "2026-09-01"}}, token=token)
    assert errors(malformed, "milestoneCreate") == [("projectId", "INVALID_INPUT")]
    assert (await _count(db, m.Activity), await _count(db, m.Milestone)) == (activities, milestones)


async def test_the_leader_plans_completes_and_deletes_a_milestone(db, client):
    acme, led, _ = await _seed(db)
    token = acme["leader"].token
    created = await graphql(client, MILESTONE_CREATE, {"input": {"projectId": gid("Project", led), "name": "Go live",
                                                                 "dueDate": "2026-09-01"}}, token=token)
    milestone = created["milestoneCreate"]["milestone"]
    assert (milestone["name"], milestone["dueDate"], milestone["completed"], milestone["shownInPlan"]) == (
        "Go live", "2026-09-01", False, True)
    updated = await graphql(client, MILESTONE_UPDATE, {"input": {"id": milestone["id"], "completed": True}}, token=token)
    assert updated["milestoneUpdate"]["milestone"] == {**{k: milestone[k] for k in ("id", "name", "dueDate")},
                                                       "completed": True}
    cleared = await graphql(client, MILESTONE_UPDATE, {"input": {"id": milestone["id"], "dueDate": None}}, token=token)
    assert errors(cleared, "milestoneUpdate") == [("dueDate", "INVALID_INPUT")]
    deleted = await graphql(client, MILESTONE_DELETE, {"input": {"id": milestone["id"]}}, token=token)
    assert deleted["milestoneDelete"] == {"deletedId": milestone["id"], "userErrors": []}
