"""Tasks (taskCreate, taskUpdate) and the task board across partner-group companies (SPEC §2.7)."""
from sqlalchemy import func, select, update

from domain import model as m
from domain.access.tokens import create_token
from tests.factories import add_customer, add_person, add_project, company_with_staff, gid, graphql
from tests.partner_seeds import enable_partners, group_of_companies

TASK_CREATE = """
mutation Create($input: TaskCreateInput!) {
  taskCreate(input: $input) {
    task { id number name status dueDate project { name } activity { name } assignee { name } company { databaseName } }
    userErrors { field message code }
  }
}
"""

TASK_UPDATE = """
mutation Update($input: TaskUpdateInput!) {
  taskUpdate(input: $input) { task { id name status assignee { name } activity { name } } userErrors { field code } }
}
"""

BOARD = """
query Board($companyIds: [ID!], $status: TaskStatus) {
  taskBoard(companyIds: $companyIds, status: $status) {
    totalCount
    nodes { name status company { databaseName } project { name } }
  }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def first_activity(db, project_id) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.min(m.Activity.id)).where(m.Activity.project_id == project_id))


async def task_count(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(m.Task))


async def create_task(client, company, token, name, **fields) -> dict:
    data = await graphql(client, TASK_CREATE, {"input": {"companyId": company.gid, "name": name, **fields}}, token=token)
    assert data["taskCreate"]["userErrors"] == [], data
    return data["taskCreate"]["task"]


# --- taskCreate and taskUpdate --------------------------------------------------------


async def test_a_project_leader_creates_numbered_tasks_and_an_activity_brings_its_project(db, client):
    acme = await company_with_staff(db)
    project = await add_project(db, acme, await add_customer(db, acme), "Website", members=[acme["employee"]])
    activity = gid("Activity", await first_activity(db, project))
    token = acme["leader"].token
    first = await create_task(client, acme, token, "Draft the plan", activityId=activity, assigneeId=acme["employee"].gid,
                              dueDate="2026-12-01")
    second = await create_task(client, acme, token, "Unassigned idea")
    assert {k: v for k, v in first.items() if k != "id"} == {
        "number": 1, "name": "Draft the plan", "status": "OPEN", "dueDate": "2026-12-01", "project": {"name": "Website"},
        "activity": {"name": "Activity 1"}, "assignee": {"name": "Employee"}, "company": {"databaseName": "acme"},
    }
    assert (second["number"], second["assignee"], second["project"]) == (2, None, None)


async def test_an_employee_creates_tasks_for_themself_and_changes_only_their_own(db, client):
    acme = await company_with_staff(db)
    token = acme["employee"].token
    mine = await create_task(client, acme, token, "Book the venue")
    assert mine["assignee"] == {"name": "Employee"}
    data = await graphql(client, TASK_CREATE, {"input": {
        "companyId": acme.gid, "name": "For you", "assigneeId": acme["colleague"].gid}}, token=token)
    assert errors(data, "taskCreate") == [("assigneeId", "FORBIDDEN")]

    data = await graphql(client, TASK_UPDATE, {"input": {"id": mine["id"], "status": "DONE"}}, token=token)
    assert data["taskUpdate"]["task"]["status"] == "DONE"
    data = await graphql(client, TASK_UPDATE, {"input": {"id": mine["id"], "assigneeId": acme["colleague"].gid}},
                         token=token)
    assert errors(data, "taskUpdate") == [("assigneeId", "FORBIDDEN")]

    # the leader hands it to the colleague; from then on it is no longer the employee's to change
    data = await graphql(client, TASK_UPDATE, {"input": {"id": mine["id"], "assigneeId": acme["colleague"].gid}},
                         token=acme["leader"].token)
    assert data["taskUpdate"]["task"]["assignee"] == {"name": "Colleague"}
    data = await graphql(client, TASK_UPDATE, {"input": {"id": mine["id"], "name": "Mine again"}}, token=token)
    assert errors(data, "taskUpdate") == [("id", "NOT_FOUND")]
    assert await task_count(db) == 1


async def test_bad_task_input_is_refused_naming_the_field_and_nothing_is_written(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    website = await add_project(db, acme, await add_customer(db, acme), "Website")
    intranet = await add_project(db, acme, await add_customer(db, acme), "Intranet")
    foreign = await add_project(db, other, await add_customer(db, other), "Foreign")
    token = acme["admin"].token
    cases = [
        ({"name": "  "}, ("name", "INVALID_INPUT")),
        ({"name": "x", "projectId": gid("Project", website), "activityId": gid("Activity", await first_activity(db, intranet))},
         ("activityId", "INVALID_INPUT")),
        ({"name": "x", "projectId": gid("Project", foreign)}, ("projectId", "NOT_FOUND")),
        ({"name": "x", "assigneeId": other["employee"].gid}, ("assigneeId", "NOT_FOUND")),
        ({"name": "x", "projectId": "not-an-id"}, ("projectId", "INVALID_INPUT")),
    ]
    for fields, expected in cases:
        data = await graphql(client, TASK_CREATE, {"input": {"companyId": acme.gid, **fields}}, token=token)
        assert errors(data, "taskCreate") == [expected], fields
    data = await graphql(client, TASK_CREATE, {"input": {"companyId": other.gid, "name": "x"}}, token=token)
    assert errors(data, "taskCreate") == [("companyId", "NOT_FOUND")]
    assert await task_count(db) == 0


# --- the task board --------------------------------------------------------------------


async def board_group(db, client, *, share_tasks=True):
    """acme and birch in a group; acme's employee Kari is also an external co-worker of birch. Tasks for
    Kari in both, and one for someone else in each."""
    (acme, birch), group_id = await group_of_companies(db, ("acme", "birch"), share_tasks=share_tasks)
    kari = acme["employee"]
    in_birch = await add_person(db, birch, "kari_in_birch", m.Role.EXTERNAL, home=acme, email=kari.email)
    await create_task(client, acme, acme["admin"].token, "Acme: write report", assigneeId=kari.gid)
    await create_task(client, acme, acme["admin"].token, "Acme: not Kari's", assigneeId=acme["colleague"].gid)
    birch_project = await add_project(db, birch, await add_customer(db, birch), "Bridge")
    await create_task(client, birch, birch["admin"].token, "Birch: review drawings", assigneeId=in_birch.gid,
                      projectId=gid("Project", birch_project))
    await create_task(client, birch, birch["admin"].token, "Birch: not Kari's", assigneeId=birch["employee"].gid)
    return acme, birch, kari, group_id


async def board(client, token, **variables) -> list[tuple[str, str]]:
    data = await graphql(client, BOARD, variables, token=token)
    nodes = data["taskBoard"]["nodes"]
    assert data["taskBoard"]["totalCount"] == len(nodes)
    return [(n["company"]["databaseName"], n["name"]) for n in nodes]


async def test_the_board_shows_the_viewers_tasks_across_the_group_companies_that_share_tasks(db, client):
    # given Kari signed in to acme only (her token is limited to acme)
    acme, birch, kari, _ = await board_group(db, client)

    # then her board holds her tasks in acme and, shared, in birch
    assert await board(client, kari.token) == [("acme", "Acme: write report"), ("birch", "Birch: review drawings")]
    # filtered by company: "all" (null), one, or a chosen set
    assert await board(client, kari.token, companyIds=[birch.gid]) == [("birch", "Birch: review drawings")]
    assert await board(client, kari.token, companyIds=[acme.gid]) == [("acme", "Acme: write report")]
    assert len(await board(client, kari.token, companyIds=[acme.gid, birch.gid])) == 2
    assert await board(client, kari.token, status="DONE") == []
    # the shared task shows its company, but not birch's project, which acme's token does not reach
    data = await graphql(client, BOARD, {"companyIds": [birch.gid]}, token=kari.token)
    assert data["taskBoard"]["nodes"][0]["project"] is None


async def test_with_task_sharing_off_in_either_company_the_board_keeps_to_the_signed_in_company(db, client):
    acme, birch, kari, _ = await board_group(db, client)
    for off, on in ((birch, acme), (acme, birch)):
        async with db.transaction() as session:
            await session.execute(update(m.Company).where(m.Company.id == off.id).values(share_tasks=False))
            await session.execute(update(m.Company).where(m.Company.id == on.id).values(share_tasks=True))
        assert await board(client, kari.token) == [("acme", "Acme: write report")]


async def test_a_company_outside_the_group_shares_no_tasks_and_leaving_ends_the_sharing(db, client):
    acme, birch, kari, _ = await board_group(db, client)
    outsider = await company_with_staff(db, "outsider")
    await enable_partners(db, outsider, share_tasks=True)
    in_outsider = await add_person(db, outsider, "kari_outside", m.Role.EXTERNAL, home=acme, email=kari.email)
    await create_task(client, outsider, outsider["admin"].token, "Outsider: task", assigneeId=in_outsider.gid)
    assert [c for c, _ in await board(client, kari.token)] == ["acme", "birch"]
    # asking for the outsider's tasks by company gives nothing either
    assert await board(client, kari.token, companyIds=[outsider.gid]) == []

    leave = "mutation($id: ID!) { partnerGroupLeave(input: {companyId: $id}) { userErrors { code } } }"
    await graphql(client, leave, {"id": birch.gid}, token=birch["admin"].token)
    assert await board(client, kari.token) == [("acme", "Acme: write report")]


async def test_a_token_for_all_of_a_persons_companies_shows_all_their_tasks(db, client):
    acme, birch, kari, _ = await board_group(db, client, share_tasks=False)
    everywhere, _ = await create_token(db, db.settings, email=kari.email)
    assert [c for c, _ in await board(client, everywhere)] == ["acme", "birch"]
