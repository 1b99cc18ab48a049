"""projectMemberAdd and projectMemberRemove through HTTP."""
import asyncio

from sqlalchemy import func, select, update

from domain import model as m
from tests.factories import (
    add_company,
    add_customer,
    add_person,
    add_project,
    add_time_records,
    company_with_staff,
    gid,
    graphql,
)

ADD = """
mutation Add($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) {
    projectMember { coWorker { id } hourlyRate project { id } }
    project { id members { nodes { coWorker { id } } } }
    userErrors { field message code }
  }
}
"""

REMOVE = """
mutation Remove($input: ProjectMemberRemoveInput!) {
  projectMemberRemove(input: $input) {
    project { id }
    removedCoWorkerId
    userErrors { field message code }
  }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def _members(db, project_id: int) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(m.ProjectMember.id)).where(m.ProjectMember.project_id == project_id))


async def _seed(db):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, leader=acme["leader"])
    return acme, project_id


async def test_the_leader_adds_a_co_worker_with_a_project_rate(db, client):
    acme, project_id = await _seed(db)
    project = gid("Project", project_id)
    data = await graphql(client, ADD, {"input": {"projectId": project, "coWorkerId": acme["employee"].gid,
                                                 "hourlyRate": "990"}}, token=acme["leader"].token)
    payload = data["projectMemberAdd"]
    assert payload["userErrors"] == []
    assert payload["projectMember"] == {"coWorker": {"id": acme["employee"].gid}, "hourlyRate": "990.00",
                                        "project": {"id": project}}
    assert payload["project"]["members"]["nodes"] == [{"coWorker": {"id": acme["employee"].gid}}]


async def test_adding_a_member_twice_is_a_user_error(db, client):
    acme, project_id = await _seed(db)
    variables = {"input": {"projectId": gid("Project", project_id), "coWorkerId": acme["employee"].gid}}
    await graphql(client, ADD, variables, token=acme["admin"].token)
    again = await graphql(client, ADD, variables, token=acme["admin"].token)
    assert again["projectMemberAdd"]["userErrors"] == [{
        "field": "coWorkerId", "message": "The co-worker is already a member of the project.", "code": "DUPLICATE",
    }]


async def test_concurrent_adds_of_one_member_give_one_member_and_user_errors(db, client):
    acme, project_id = await _seed(db)
    variables = {"input": {"projectId": gid("Project", project_id), "coWorkerId": acme["employee"].gid}}
    results = await asyncio.gather(*(graphql(client, ADD, variables, token=acme["admin"].token) for _ in range(6)))
    assert sorted(str(errors(r, "projectMemberAdd")) for r in results) == (
        ["[('coWorkerId', 'DUPLICATE')]"] * 5 + ["[]"]
    )
    assert await _members(db, project_id) == 1


async def test_only_active_co_workers_of_the_projects_company_can_be_added(db, client):
    acme, project_id = await _seed(db)
    other = await company_with_staff(db, "other")
    async with db.transaction() as session:
        await session.execute(update(m.CoWorker).where(m.CoWorker.id == acme["colleague"].co_worker_id).values(active=False))
    project = gid("Project", project_id)
    for co_worker, code in ((other["employee"].gid, "NOT_FOUND"), (acme["colleague"].gid, "INVALID_INPUT"),
                            (gid("CoWorker", 999999), "NOT_FOUND"), ("bad id", "INVALID_INPUT")):
        data = await graphql(client, ADD, {"input": {"projectId": project, "coWorkerId": co_worker}},
                             token=acme["admin"].token)
        assert errors(data, "projectMemberAdd") == [("coWorkerId", code)], co_worker
    assert await _members(db, project_id) == 0


async def test_a_co_worker_from_a_company_outside_the_partner_group_is_not_added(db, client):
    acme, project_id = await _seed(db)
    partner = await add_company(db, "partner")
    guest = await add_person(db, acme, "guest", m.Role.EXTERNAL, home=partner)
    data = await graphql(client, ADD, {"input": {"projectId": gid("Project", project_id), "coWorkerId": guest.gid}},
                         token=acme["admin"].token)
    assert errors(data, "projectMemberAdd") == [("coWorkerId", "NOT_IN_PARTNER_GROUP")]
    assert await _members(db, project_id) == 0


async def test_who_may_add_members(db, client):
    acme, project_id = await _seed(db)
    others = await add_project(db, acme, await add_customer(db, acme, "B"), "Not led", members=[acme["employee"]])
    cases = [
        ("leader", others, "FORBIDDEN"),       # sees every project of the company, leads only their own
        ("employee", others, "FORBIDDEN"),     # a member sees the project but does not manage it
        ("employee", project_id, "NOT_FOUND"),  # not a member: the project is not visible
        ("external", project_id, "NOT_FOUND"),
    ]
    for who, project, code in cases:
        data = await graphql(client, ADD, {"input": {"projectId": gid("Project", project),
                                                     "coWorkerId": acme["colleague"].gid}}, token=acme[who].token)
        assert errors(data, "projectMemberAdd") == [("projectId", code)], (who, project)


async def test_an_admin_of_another_company_can_neither_add_nor_remove(db, client):
    acme, project_id = await _seed(db)
    other = await company_with_staff(db, "other")
    project = gid("Project", project_id)
    add = await graphql(client, ADD, {"input": {"projectId": project, "coWorkerId": acme["employee"].gid}},
                        token=other["admin"].token)
    assert errors(add, "projectMemberAdd") == [("projectId", "NOT_FOUND")]
    remove = await graphql(client, REMOVE, {"input": {"projectId": project, "coWorkerId": acme["employee"].gid}},
                           token=other["admin"].token)
    assert errors(remove, "projectMemberRemove") == [("projectId", "NOT_FOUND")]


async def test_removing_a_member_keeps_their_hours(db, client):
    acme, project_id = await _seed(db)
    project = gid("Project", project_id)
    await graphql(client, ADD, {"input": {"projectId": project, "coWorkerId": acme["employee"].gid}},
                  token=acme["leader"].token)
    await add_time_records(db, acme, project_id, acme["employee"], count=2)
    data = await graphql(client, REMOVE, {"input": {"projectId": project, "coWorkerId": acme["employee"].gid}},
                         token=acme["leader"].token)
    assert data["projectMemberRemove"] == {"project": {"id": project}, "removedCoWorkerId": acme["employee"].gid,
                                           "userErrors": []}
    assert await _members(db, project_id) == 0
    async with db.read() as session:
        assert await session.scalar(select(func.count(m.TimeRecord.id))) == 2


async def test_removing_someone_who_is_not_a_member_is_not_found(db, client):
    acme, project_id = await _seed(db)
    data = await graphql(client, REMOVE, {"input": {"projectId": gid("Project", project_id),
                                                    "coWorkerId": acme["employee"].gid}}, token=acme["admin"].token)
    assert errors(data, "projectMemberRemove") == [("coWorkerId", "NOT_FOUND")]
