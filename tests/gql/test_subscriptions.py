"""Subscriptions over graphql-transport-ws at /graphql, against a real server: sign-in, delivery, access, resume."""
import asyncio

import pytest
from sqlalchemy import select

from domain.events import log as events
from domain import model as m
from domain.access.tokens import revoke_token
from gql.http import websocket as connection
from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid
from tests.live_server import http_graphql, live_server, ws_client

LATEST = "{ latestEventCursor }"

TIME_RECORDS = """
subscription Hours($after: String, $companyId: ID, $projectId: ID) {
  timeRecordChanged(after: $after, companyId: $companyId, projectId: $projectId) {
    cursor action occurredAt nodeId
    node { id hours status coWorker { id } project { id name } }
  }
}
"""

PROJECTS = """
subscription Projects($after: String, $projectId: ID) {
  projectChanged(after: $after, projectId: $projectId) {
    cursor action nodeId subjectId
    node { id name status }
    subject { id ... on Activity { name } ... on Milestone { name } ... on CoWorker { email } }
  }
}
"""

FILES = """
subscription Files($after: String) {
  fileChanged(after: $after) { cursor action nodeId node { id name } }
}
"""

REGISTER = """
mutation Register($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id } userErrors { field code message } }
}
"""

CHANGE_HOURS = """
mutation Change($input: TimeRecordUpdateInput!) {
  timeRecordUpdate(input: $input) { timeRecord { id } userErrors { field code message } }
}
"""

DELETE_HOURS = """
mutation Delete($input: TimeRecordDeleteInput!) {
  timeRecordDelete(input: $input) { deletedId userErrors { field code message } }
}
"""

APPROVE = """
mutation Approve($input: TimeRecordsApproveInput!) {
  timeRecordsApprove(input: $input) { timeRecords { id } userErrors { field code message } }
}
"""

RENAME_PROJECT = """
mutation Rename($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id } userErrors { field code message } }
}
"""

ADD_MEMBER = """
mutation Add($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) { project { id } userErrors { field code message } }
}
"""

CREATE_ACTIVITY = """
mutation Create($input: ActivityCreateInput!) {
  activityCreate(input: $input) { activity { id } userErrors { field code message } }
}
"""

DELETE_ACTIVITY = """
mutation Delete($input: ActivityDeleteInput!) {
  activityDelete(input: $input) { deletedId userErrors { field code message } }
}
"""

UPDATE_MILESTONE = """
mutation Update($input: MilestoneUpdateInput!) {
  milestoneUpdate(input: $input) { milestone { id } userErrors { field code message } }
}
"""


@pytest.fixture
async def acme(db):
    """acme with two projects: Website (the employee and the external co-worker are members) and Intranet (none)."""
    company = await company_with_staff(db)
    customer_id = await add_customer(db, company)
    company.website_id = await add_project(db, company, customer_id, "Website", leader=company["leader"],
                                           members=[company["employee"], company["external"]])
    company.intranet_id = await add_project(db, company, customer_id, "Intranet", leader=company["leader"],
                                            members=[company["colleague"]])
    async with db.read() as session:
        company.activity = {
            pid: await session.scalar(select(m.Activity.id).where(m.Activity.project_id == pid).order_by(m.Activity.id))
            for pid in (company.website_id, company.intranet_id)
        }
        company.milestone_id = await session.scalar(
            select(m.Milestone.id).where(m.Milestone.project_id == company.website_id))
    return company


@pytest.fixture
async def server(db):
    async with live_server(db) as running:
        yield running


def hours_input(acme, project_id: int, hours: str = "2", day: str = "2026-03-02") -> dict:
    return {"input": {"projectId": gid("Project", project_id), "activityId": gid("Activity", acme.activity[project_id]),
                      "date": day, "hours": hours}}


async def register(server, acme, person: str, project_id: int, hours: str = "2", day: str = "2026-03-02") -> str:
    data = await http_graphql(server, REGISTER, hours_input(acme, project_id, hours, day), token=acme[person].token)
    assert data["timeRecordCreate"]["userErrors"] == []
    return data["timeRecordCreate"]["timeRecord"]["id"]


async def latest(server, token: str) -> str:
    return (await http_graphql(server, LATEST, token=token))["latestEventCursor"]


async def test_a_subscriber_receives_hours_registered_over_http_with_cursor_action_time_and_node(server, acme):
    async with ws_client(server, token=acme["admin"].token) as admin:
        await admin.subscribe(TIME_RECORDS, {"after": await latest(server, acme["admin"].token)})
        record_id = await register(server, acme, "employee", acme.website_id, "3.5")

        event = (await admin.next_data())["timeRecordChanged"]
    assert event["action"] == "CREATED" and event["nodeId"] == record_id and event["cursor"]
    assert event["occurredAt"].endswith("+00:00")
    assert event["node"] == {"id": record_id, "hours": "3.50", "status": "NOT_APPROVED",
                             "coWorker": {"id": acme["employee"].gid},
                             "project": {"id": gid("Project", acme.website_id), "name": "Website"}}


async def test_changes_deletes_and_approvals_arrive_in_order_and_a_deleted_node_is_null(server, acme):
    after = await latest(server, acme["leader"].token)
    kept = await register(server, acme, "employee", acme.website_id, "2")
    dropped = await register(server, acme, "employee", acme.website_id, "1", day="2026-03-03")
    await http_graphql(server, CHANGE_HOURS, {"input": {"id": kept, "hours": "4"}}, token=acme["employee"].token)
    await http_graphql(server, DELETE_HOURS, {"input": {"id": dropped}}, token=acme["employee"].token)
    await http_graphql(server, APPROVE, {"input": {"ids": [kept]}}, token=acme["leader"].token)
    async with ws_client(server, token=acme["leader"].token) as leader:
        await leader.subscribe(TIME_RECORDS, {"after": after})  # replayed, so every node is in its final state
        received = [(await leader.next_data())["timeRecordChanged"] for _ in range(5)]
    assert [(e["action"], e["nodeId"]) for e in received] == [
        ("CREATED", kept), ("CREATED", dropped), ("UPDATED", kept), ("DELETED", dropped), ("APPROVED", kept)]
    # The node is the record as it is when delivered; a deleted one is null, its id stays in nodeId.
    assert [e["node"] and e["node"]["status"] for e in received] == \
        ["APPROVED", None, "APPROVED", None, "APPROVED"]
    assert len({e["cursor"] for e in received}) == 5


async def test_each_subscriber_gets_only_the_events_it_may_read(server, acme, db):
    """The employee sees their own hours, the external co-worker theirs, an admin of another company nothing."""
    other = await company_with_staff(db, "other-co")
    after = await latest(server, acme["admin"].token)
    async with ws_client(server, token=acme["employee"].token) as employee, \
            ws_client(server, token=acme["external"].token) as external, \
            ws_client(server, token=other["admin"].token) as stranger:
        for client in (employee, external, stranger):
            await client.subscribe(TIME_RECORDS, {"after": after})
        colleague_record = await register(server, acme, "colleague", acme.intranet_id)
        external_record = await register(server, acme, "external", acme.website_id)
        employee_record = await register(server, acme, "employee", acme.website_id)

        assert (await employee.next_data())["timeRecordChanged"]["nodeId"] == employee_record
        assert (await external.next_data())["timeRecordChanged"]["nodeId"] == external_record
        assert await stranger.nothing_within(0.5)
        assert await employee.nothing_within(0.2) and await external.nothing_within(0.2)
    assert colleague_record


async def test_a_deleted_record_is_announced_only_to_those_who_could_read_it(server, acme):
    record_id = await register(server, acme, "colleague", acme.intranet_id)
    after = await latest(server, acme["admin"].token)
    async with ws_client(server, token=acme["employee"].token) as employee, \
            ws_client(server, token=acme["admin"].token) as admin:
        await employee.subscribe(TIME_RECORDS, {"after": after})
        await admin.subscribe(TIME_RECORDS, {"after": after})
        await http_graphql(server, DELETE_HOURS, {"input": {"id": record_id}}, token=acme["colleague"].token)
        own = await register(server, acme, "employee", acme.website_id)

        assert [(await admin.next_data())["timeRecordChanged"]["action"] for _ in range(2)] == ["DELETED", "CREATED"]
        # The employee never saw the colleague's record: the first thing they get is their own.
        assert (await employee.next_data())["timeRecordChanged"]["nodeId"] == own


async def test_project_changes_name_what_they_were_about(server, acme):
    website, token = gid("Project", acme.website_id), acme["leader"].token
    after = await latest(server, token)
    await http_graphql(server, RENAME_PROJECT, {"input": {"id": website, "name": "Website 2"}}, token=token)
    await http_graphql(server, RENAME_PROJECT, {"input": {"id": website, "name": "Website 2"}}, token=token)
    await http_graphql(server, ADD_MEMBER, {"input": {"projectId": website, "coWorkerId": acme["colleague"].gid}},
                       token=token)
    created = await http_graphql(server, CREATE_ACTIVITY, {"input": {"projectId": website, "name": "Testing"}},
                                 token=token)
    activity = created["activityCreate"]["activity"]["id"]
    await http_graphql(server, DELETE_ACTIVITY, {"input": {"id": activity}}, token=token)
    await http_graphql(server, UPDATE_MILESTONE,
                       {"input": {"id": gid("Milestone", acme.milestone_id), "completed": True}}, token=token)
    async with ws_client(server, token=token) as leader:
        await leader.subscribe(PROJECTS, {"after": after})
        received = [(await leader.next_data())["projectChanged"] for _ in range(5)]
        assert await leader.nothing_within(0.3)  # the second, identical rename changed nothing
    assert [(e["action"], e["node"]["name"]) for e in received] == [
        ("UPDATED", "Website 2"), ("MEMBER_ADDED", "Website 2"), ("ACTIVITY_CREATED", "Website 2"),
        ("ACTIVITY_DELETED", "Website 2"), ("MILESTONE_UPDATED", "Website 2")]
    assert [e["subjectId"] for e in received] == [
        None, acme["colleague"].gid, activity, activity, gid("Milestone", acme.milestone_id)]
    assert [e["subject"] for e in received] == [
        None, {"id": acme["colleague"].gid, "email": acme["colleague"].email}, None, None,
        {"id": gid("Milestone", acme.milestone_id), "name": "Milestone 1"}]


async def test_filters_limit_events_to_one_project_or_one_company(server, acme):
    token = acme["admin"].token
    after = await latest(server, token)
    async with ws_client(server, token=token) as admin:
        await admin.subscribe(TIME_RECORDS, {"after": after, "projectId": gid("Project", acme.intranet_id)})
        await admin.subscribe(TIME_RECORDS, {"after": after, "companyId": acme.gid})
        await register(server, acme, "employee", acme.website_id)
        intranet = await register(server, acme, "colleague", acme.intranet_id)

        messages = [await admin.receive() for _ in range(3)]
    by_operation: dict[str, list[str]] = {}
    for message in messages:
        by_operation.setdefault(message["id"], []).append(message["payload"]["data"]["timeRecordChanged"]["nodeId"])
    assert len(by_operation["1"]) == 1 and by_operation["1"] == [intranet]
    assert len(by_operation["2"]) == 2


async def test_a_client_that_resumes_after_its_last_cursor_gets_what_it_missed_then_live_events(server, acme):
    token = acme["admin"].token
    async with ws_client(server, token=token) as first:
        await first.subscribe(TIME_RECORDS, {"after": await latest(server, token)})
        await register(server, acme, "employee", acme.website_id, "1", "2026-03-02")
        last_seen = (await first.next_data())["timeRecordChanged"]["cursor"]

    missed = [await register(server, acme, "employee", acme.website_id, "1", f"2026-03-0{day}") for day in (3, 4, 5)]
    async with ws_client(server, token=token) as again:
        await again.subscribe(TIME_RECORDS, {"after": last_seen})
        replayed = [(await again.next_data())["timeRecordChanged"]["nodeId"] for _ in range(3)]
        live = await register(server, acme, "employee", acme.website_id, "1", "2026-03-06")
        assert (await again.next_data())["timeRecordChanged"]["nodeId"] == live
        assert await again.nothing_within(0.3)
    assert replayed == missed


async def test_a_subscription_without_a_cursor_starts_from_now(server, acme):
    await register(server, acme, "employee", acme.website_id, "1", "2026-03-02")
    async with ws_client(server, token=acme["admin"].token) as admin:
        await admin.subscribe(TIME_RECORDS)
        await asyncio.sleep(0.3)  # without a cursor, "now" is when the server has registered the subscription
        fresh = await register(server, acme, "employee", acme.website_id, "1", "2026-03-03")
        assert (await admin.next_data())["timeRecordChanged"]["nodeId"] == fresh


async def test_file_events_reach_those_who_may_read_the_file(server, acme, db):
    after = await latest(server, acme["admin"].token)
    async with ws_client(server, token=acme["employee"].token) as employee:
        await employee.subscribe(FILES, {"after": after})
        async with db.transaction() as session:  # as the file services record them
            hidden = m.File(company_id=acme.id, name="intranet.pdf", size=1, content_type="application/pdf",
                            sha256="0" * 64, project_id=acme.intranet_id)
            shown = m.File(company_id=acme.id, name="website.pdf", size=1, content_type="application/pdf",
                           sha256="0" * 64, project_id=acme.website_id)
            session.add_all([hidden, shown])
            events.record(session, events.FileAction.UPLOADED, hidden)
            events.record(session, events.FileAction.UPLOADED, shown)
        event = (await employee.next_data())["fileChanged"]
    assert (event["action"], event["node"]) == ("UPLOADED", {"id": gid("File", shown.id), "name": "website.pdf"})


@pytest.mark.parametrize("payload", [
    None,
    {"Authorization": "Bearer pgt_unknown"},
    {"Authorization": "Basic YWRtaW46c2VjcmV0"},
    {"token": ""},
    {"headers": {"Authorization": "Bearer "}},
], ids=["no-payload", "unknown-token", "basic", "empty-token", "empty-bearer"])
async def test_a_connection_without_a_valid_bearer_token_is_closed_with_4403(server, payload):
    async with ws_client(server, payload, expect_ack=False) as client:
        assert await client.close_code() == 4403


async def test_a_revoked_token_is_refused_and_the_other_payload_spellings_are_accepted(server, acme, db):
    token = acme["admin"].token
    for payload in ({"authorization": f"bearer {token}"}, {"token": token},
                    {"headers": {"Authorization": f"Bearer {token}"}}):
        async with ws_client(server, payload):
            pass
    async with db.read() as session:
        token_id = await session.scalar(select(m.ApiToken.id).where(m.ApiToken.user_id == acme["admin"].user_id))
    await revoke_token(db, token_id)
    async with ws_client(server, token=token, expect_ack=False) as client:
        assert await client.close_code() == 4403


async def test_subscribing_before_connection_init_is_closed_with_4401(server):
    from websockets.asyncio.client import connect

    from tests.live_server import PROTOCOL, ProtocolClient

    async with connect(server.ws_url, subprotocols=[PROTOCOL]) as ws:
        client = ProtocolClient(ws)
        await client.subscribe(TIME_RECORDS)
        assert await client.close_code() == 4401


async def test_a_token_revoked_while_subscribed_stops_deliveries_and_closes_the_socket(server, acme, db, monkeypatch):
    monkeypatch.setattr(connection, "REAUTH_SECONDS", 0.0)
    async with db.read() as session:
        token_id = await session.scalar(select(m.ApiToken.id).where(m.ApiToken.user_id == acme["admin"].user_id))
    async with ws_client(server, token=acme["admin"].token) as admin:
        await admin.subscribe(TIME_RECORDS, {"after": await latest(server, acme["admin"].token)})
        await register(server, acme, "employee", acme.website_id, "1", "2026-03-02")
        assert (await admin.next_data())["timeRecordChanged"]["action"] == "CREATED"
        await revoke_token(db, token_id)
        await register(server, acme, "employee", acme.website_id, "1", "2026-03-03")
        assert await admin.close_code() == 4403


@pytest.mark.parametrize(("variables", "field", "code"), [
    ({"after": "not-a-cursor"}, "after", "INVALID_INPUT"),
    ({"after": "ZXZlbnQ6OTk5OTk="}, "after", "INVALID_INPUT"),  # event:99999, ahead of the log
    ({"projectId": "UHJvamVjdDo5OTk5"}, "projectId", "NOT_FOUND"),  # Project:9999
    ({"companyId": "bm9wZQ=="}, "companyId", "INVALID_INPUT"),
], ids=["malformed-cursor", "cursor-ahead", "unknown-project", "malformed-company"])
async def test_bad_arguments_get_an_error_naming_the_field(server, acme, variables, field, code):
    async with ws_client(server, token=acme["admin"].token) as admin:
        await admin.subscribe(TIME_RECORDS, variables)
        message = await admin.receive()
    assert message["type"] == "error"
    [error] = message["payload"]
    assert (error["extensions"]["field"], error["extensions"]["code"]) == (field, code)


async def test_a_project_the_subscriber_cannot_see_is_not_found(server, acme):
    async with ws_client(server, token=acme["employee"].token) as employee:
        await employee.subscribe(TIME_RECORDS, {"projectId": gid("Project", acme.intranet_id)})
        message = await employee.receive()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"] == {"code": "NOT_FOUND", "field": "projectId"}


async def test_a_cursor_older_than_the_retention_is_refused_with_cursor_expired(server, acme, db):
    import datetime as dt

    from sqlalchemy import update

    first = await latest(server, acme["admin"].token)
    await add_time_records(db, acme, acme.website_id, acme["employee"])  # (no event: written straight to the table)
    for day in ("2026-03-03", "2026-03-04"):
        await register(server, acme, "employee", acme.website_id, "1", day)
    async with db.transaction() as session:
        await session.execute(update(m.Event).values(occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=90)))
    await events.purge(db, older_than=dt.timedelta(days=30))
    async with ws_client(server, token=acme["admin"].token) as admin:
        await admin.subscribe(TIME_RECORDS, {"after": first})
        message = await admin.receive()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}


async def test_the_legacy_graphql_ws_subprotocol_is_not_offered(server):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake

    try:
        async with connect(server.ws_url, subprotocols=["graphql-ws"]) as ws:
            await ws.recv()
    except InvalidHandshake:
        return
    except Exception as closed:  # accepted without a subprotocol, then closed: 4406
        assert getattr(getattr(closed, "rcvd", None), "code", None) == 4406
        return
    raise AssertionError("the legacy subprotocol was accepted")


PROJECT_NAME = "query Name($id: ID!) { node(id: $id) { ... on Project { name } } }"


async def test_queries_over_the_socket_see_fresh_data_each_time(server, acme):
    """Strawberry keeps one context per connection; each operation still gets loaders of its own."""
    website = gid("Project", acme.website_id)
    async with ws_client(server, token=acme["leader"].token) as leader:
        await leader.subscribe(PROJECT_NAME, {"id": website})
        assert (await leader.next_data())["node"] == {"name": "Website"}
        assert (await leader.receive())["type"] == "complete"
        await http_graphql(server, RENAME_PROJECT, {"input": {"id": website, "name": "Website 2"}},
                           token=acme["leader"].token)
        await leader.subscribe(PROJECT_NAME, {"id": website})
        assert (await leader.next_data())["node"] == {"name": "Website 2"}
