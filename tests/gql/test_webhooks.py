"""Webhooks (issue 20): endpoints managed by admins, signed deliveries in cursor order through the job queue, the
delivery log, and the SSRF guard; a real receiver on 127.0.0.1 verifies every signature with standardwebhooks."""
import asyncio
import contextlib
import datetime as dt

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from domain import model as m
from domain.platform.db import Database
from domain.platform.job_worker import Worker, policy_from
from domain.sharepoint.configuration import SecretBox
from domain.webhooks.addresses import refused_address
from partnergraph.composition import create_app, registry
from tests.factories import add_customer, add_member, add_project, company_with_staff, gid, graphql
from tests.webhook_receiver import Receiver, receiver_server

KEY = Fernet.generate_key().decode()

CREATE = """
mutation Create($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) {
    secret webhookEndpoint { id url eventKinds state project { id } }
    userErrors { field code message }
  }
}
"""
ENDPOINT_ID = "mutation M($input: WebhookEndpointIdInput!) { %s(input: $input) { webhookEndpoint { id state } " \
              "userErrors { field code message } } }"
ROTATE = """
mutation Rotate($input: WebhookEndpointSecretRotateInput!) {
  webhookEndpointSecretRotate(input: $input) { secret webhookEndpoint { previousSecretExpiresAt }
                                               userErrors { field code message } }
}
"""
REPLAY = """
mutation Replay($input: WebhookEndpointReplayInput!) {
  webhookEndpointReplay(input: $input) { webhookEndpoint { id } userErrors { field code message } }
}
"""
ENDPOINTS = """
query Endpoints($companyId: ID!) {
  webhookEndpoints(companyId: $companyId) {
    id state pendingCount failedCount deliveredThrough failingSince
    deliveries(first: 10) { totalCount nodes { eventCursor webhookId succeeded statusCode durationMs error } }
  }
}
"""
RENAME = """
mutation Rename($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id } userErrors { field code message } }
}
"""
PROJECT = "query P($id: ID!) { node(id: $id) { ... on Project { id name hourlyRate } } }"


def hook_settings(settings, **extra):
    return settings.model_copy(update={
        "sharepoint_secret_key": KEY, "webhook_allow_private_addresses": True, "webhook_dispatch_seconds": 0.05,
        "job_poll_seconds": 0.05, "webhook_backoff_seconds": 0.05, "webhook_backoff_max_seconds": 0.2,
        "webhook_timeout_seconds": 2.0, **extra})


@contextlib.asynccontextmanager
async def hooks(db: Database, *, worker: bool = True, **extra):
    """A database handle with the webhook settings, the API on it, and (unless told not to) a worker running its
    job kinds."""
    hooks_db = Database(hook_settings(db.settings, **extra))
    app = create_app(hooks_db.settings, hooks_db)
    runner = Worker(hooks_db, registry(hooks_db.settings), policy_from(hooks_db.settings), poll_seconds=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop) if worker else stop.wait())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            yield client
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await hooks_db.dispose()


@pytest.fixture
async def acme(db):
    company = await company_with_staff(db)
    customer = await add_customer(db, company)
    company.website_id = await add_project(db, company, customer, "Website", leader=company["leader"])
    company.intranet_id = await add_project(db, company, customer, "Intranet", leader=company["leader"])
    return company


async def create_endpoint(client, company, url: str, *, kinds=("PROJECT",), person: str = "admin", **extra) -> dict:
    data = await graphql(client, CREATE, {"input": {"companyId": company.gid, "url": url, "eventKinds": list(kinds),
                                                    **extra}}, token=company[person].token)
    return data["webhookEndpointCreate"]


async def rename(client, company, project_id: int, name: str, *, person: str = "admin") -> None:
    data = await graphql(client, RENAME, {"input": {"id": gid("Project", project_id), "name": name}},
                         token=company[person].token)
    assert data["projectUpdate"]["userErrors"] == []


def names(deliveries) -> list[str]:
    return [d.body["data"]["node"]["name"] for d in deliveries]


def event_ids(deliveries) -> list[int]:
    return [_event_id(d.cursor) for d in deliveries]


async def logged(db, company) -> list[int]:
    """The ids of the company's project events in the log, in cursor order."""
    async with db.read() as session:
        return list(await session.scalars(select(m.Event.id).where(m.Event.company_id == company.id)
                                          .order_by(m.Event.id)))


async def test_each_event_arrives_once_in_cursor_order_signed_with_the_secret_shown_at_creation(db, acme):
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url)
        assert created["userErrors"] == [] and created["secret"].startswith("whsec_")
        assert created["webhookEndpoint"]["state"] == "ACTIVE"
        receiver.secrets = [created["secret"]]
        for n in range(5):
            await rename(client, acme, acme.website_id, f"Website {n}")

        deliveries = await receiver.wait_for(5)
        await asyncio.sleep(0.3)  # nothing more comes

    assert len(receiver.received) == 5 and all(d.verified for d in deliveries)
    assert event_ids(deliveries) == await logged(db, acme)  # each once, in cursor order
    assert len(set(d.webhook_id for d in deliveries)) == 5
    # The node as it is at delivery (as a subscription's): the last name, or an earlier one if sent before it.
    assert names(deliveries)[-1] == "Website 4"
    first = deliveries[0].body
    assert first["type"] == "project.updated" and first["data"]["action"] == "UPDATED"
    assert first["data"]["nodeId"] == gid("Project", acme.website_id) == first["data"]["node"]["id"]
    assert first["data"]["node"]["hourlyRate"] == "1500.00" and first["data"]["occurredAt"]


def _event_id(cursor: str) -> int:
    import base64
    return int(base64.urlsafe_b64decode(cursor).decode().removeprefix("event:"))


async def test_a_receiver_answering_500_three_times_gets_each_event_accepted_once_in_order(db, acme):
    async with receiver_server(Receiver(statuses=[500, 500, 500])) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url)
        receiver.secrets = [created["secret"]]
        for n in range(3):
            await rename(client, acme, acme.website_id, f"Website {n}")

        accepted = await receiver.wait_for(3)
        await asyncio.sleep(0.3)
        log = (await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme["admin"].token))

    assert [d.status for d in receiver.received] == [500, 500, 500, 200, 200, 200]
    assert all(d.verified for d in receiver.received)
    assert event_ids(accepted) == await logged(db, acme)
    # Every attempt of the first event carried its one webhook-id.
    assert len({d.webhook_id for d in receiver.received[:4]}) == 1
    [endpoint] = log["webhookEndpoints"]
    assert (endpoint["failedCount"], endpoint["pendingCount"], endpoint["failingSince"]) == (3, 0, None)
    attempts = endpoint["deliveries"]
    assert attempts["totalCount"] == 6
    assert [a["statusCode"] for a in attempts["nodes"]] == [200, 200, 200, 500, 500, 500]
    assert attempts["nodes"][-1]["error"].startswith("HTTP 500: nope") and len(attempts["nodes"][-1]["error"]) < 1100
    assert attempts["nodes"][0]["eventCursor"] == endpoint["deliveredThrough"]


async def test_company_a_endpoint_never_gets_company_b_events_nor_what_its_creator_may_not_read(db, acme):
    birch = await company_with_staff(db, "birch")
    birch_project = await add_project(db, birch, await add_customer(db, birch), "Birch site")
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url)
        receiver.secrets = [created["secret"]]
        await rename(client, birch, birch_project, "Birch renamed")
        await rename(client, acme, acme.website_id, "Website as admin")
        await receiver.wait_for(1)
        # The creator is no longer an admin: an employee, member of Website only.
        async with db.transaction() as session:
            await session.execute(update(m.CoWorker).where(m.CoWorker.id == acme["admin"].co_worker_id)
                                  .values(role=m.Role.EMPLOYEE))
        await add_member(db, acme.website_id, acme["admin"])
        await rename(client, acme, acme.intranet_id, "Intranet hidden", person="leader")
        await rename(client, acme, acme.website_id, "Website as employee", person="leader")
        await receiver.wait_for(2)
        await asyncio.sleep(0.3)
        seen_by_creator = await graphql(client, PROJECT, {"id": gid("Project", acme.website_id)},
                                        token=acme["admin"].token)

    assert names(receiver.received) == ["Website as admin", "Website as employee"]
    assert all(d.verified for d in receiver.received)
    assert receiver.received[0].body["data"]["node"]["hourlyRate"] == "1500.00"
    assert receiver.received[1].body["data"]["node"]["hourlyRate"] is None  # as the creator reads it now
    assert seen_by_creator["node"]["hourlyRate"] is None


async def test_pausing_holds_deliveries_and_resuming_sends_the_backlog_in_order(db, acme):
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url)
        receiver.secrets = [created["secret"]]
        endpoint = {"input": {"id": created["webhookEndpoint"]["id"]}}
        paused = await graphql(client, ENDPOINT_ID % "webhookEndpointPause", endpoint, token=acme["admin"].token)
        assert paused["webhookEndpointPause"]["webhookEndpoint"]["state"] == "PAUSED"
        for n in range(3):
            await rename(client, acme, acme.website_id, f"Website {n}")
        await asyncio.sleep(0.5)
        assert receiver.received == []
        waiting = await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme["admin"].token)
        assert waiting["webhookEndpoints"][0]["pendingCount"] == 3

        resumed = await graphql(client, ENDPOINT_ID % "webhookEndpointResume", endpoint, token=acme["admin"].token)
        assert resumed["webhookEndpointResume"]["webhookEndpoint"]["state"] == "ACTIVE"
        await receiver.wait_for(3)

    assert event_ids(receiver.received) == await logged(db, acme)
    assert names(receiver.received) == ["Website 2"] * 3  # each as it is when the backlog is sent
    assert all(d.verified for d in receiver.received)


async def test_a_replay_sends_the_events_again_with_their_webhook_ids(db, acme):
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url)
        receiver.secrets = [created["secret"]]
        for n in range(3):
            await rename(client, acme, acme.website_id, f"Website {n}")
        first = await receiver.wait_for(3)
        replay = await graphql(client, REPLAY, {"input": {"id": created["webhookEndpoint"]["id"],
                                                          "after": first[0].cursor}}, token=acme["admin"].token)
        assert replay["webhookEndpointReplay"]["userErrors"] == []
        again = await receiver.wait_for(5)

    assert [d.webhook_id for d in again[3:]] == [d.webhook_id for d in first[1:]]
    assert all(d.verified for d in again)


async def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new_one(db, acme):
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url)
        old = created["secret"]
        endpoint_id = created["webhookEndpoint"]["id"]
        rotated = await graphql(client, ROTATE, {"input": {"id": endpoint_id}}, token=acme["admin"].token)
        new = rotated["webhookEndpointSecretRotate"]["secret"]
        assert new != old and rotated["webhookEndpointSecretRotate"]["webhookEndpoint"]["previousSecretExpiresAt"]
        receiver.secrets = [old]
        await rename(client, acme, acme.website_id, "Signed by both")
        [during] = await receiver.wait_for(1)

        again = await graphql(client, ROTATE, {"input": {"id": endpoint_id, "overlapSeconds": 0}},
                              token=acme["admin"].token)
        newest = again["webhookEndpointSecretRotate"]["secret"]
        receiver.secrets = [newest]
        await rename(client, acme, acme.website_id, "Signed by the newest")
        after = (await receiver.wait_for(2))[1]

    assert during.signed_with(old) and during.signed_with(new) and not during.signed_with(newest)
    assert after.signed_with(newest) and not after.signed_with(new) and not after.signed_with(old)
    async with db.read() as session:
        row = await session.scalar(select(m.WebhookEndpoint))
    assert "whsec_" not in row.secret_encrypted and SecretBox(KEY).open(row.secret_encrypted) == newest


CREATE_CUSTOMER = """
mutation C($input: CustomerCreateInput!) { customerCreate(input: $input) { customer { id } userErrors { code } } }
"""
CREATE_EXPENSE = """
mutation E($input: ExpenseCreateInput!) { expenseCreate(input: $input) { expense { id } userErrors { code message } } }
"""
DELETE_EXPENSE = """
mutation D($input: ExpenseDeleteInput!) { expenseDelete(input: $input) { deletedId userErrors { code } } }
"""


async def test_customer_and_expense_events_are_sent_to_endpoints_of_those_kinds(db, acme):
    await add_member(db, acme.website_id, acme["admin"])
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url, kinds=("CUSTOMER", "EXPENSE"))
        receiver.secrets = [created["secret"]]
        await rename(client, acme, acme.website_id, "Not sent: a project event")
        customer = await graphql(client, CREATE_CUSTOMER, {"input": {"companyId": acme.gid, "name": "Havbris AS"}},
                                 token=acme["admin"].token)
        expense = await graphql(client, CREATE_EXPENSE, {"input": {
            "projectId": gid("Project", acme.website_id), "date": "2026-03-02", "amount": "120.50",
            "description": "Ferry"}}, token=acme["admin"].token)
        assert expense["expenseCreate"]["userErrors"] == []
        expense_id = expense["expenseCreate"]["expense"]["id"]
        await receiver.wait_for(2)
        await graphql(client, DELETE_EXPENSE, {"input": {"id": expense_id}}, token=acme["admin"].token)
        deliveries = await receiver.wait_for(3)
        await asyncio.sleep(0.3)

    assert [d.body["type"] for d in receiver.received] == ["customer.created", "expense.created", "expense.deleted"]
    assert all(d.verified for d in deliveries)
    assert deliveries[0].body["data"]["node"]["name"] == "Havbris AS"
    assert deliveries[0].body["data"]["nodeId"] == customer["customerCreate"]["customer"]["id"]
    assert deliveries[1].body["data"]["nodeId"] == expense_id
    assert deliveries[1].body["data"]["node"]["amount"] == "120.50"  # sent before the delete
    assert deliveries[2].body["data"]["node"] is None and deliveries[2].body["data"]["nodeId"] == expense_id


UPDATE = """
mutation U($input: WebhookEndpointUpdateInput!) {
  webhookEndpointUpdate(input: $input) { webhookEndpoint { id url eventKinds description project { id } }
                                         userErrors { field code } }
}
"""
DELETE = """
mutation D($input: WebhookEndpointIdInput!) { webhookEndpointDelete(input: $input) { deletedId userErrors { code } } }
"""


async def test_an_update_narrows_the_endpoint_to_one_project_and_a_deleted_endpoint_gets_nothing(db, acme):
    async with receiver_server(Receiver()) as receiver, hooks(db) as client:
        created = await create_endpoint(client, acme, receiver.url, kinds=("FILE",))
        endpoint_id = created["webhookEndpoint"]["id"]
        receiver.secrets = [created["secret"]]
        updated = await graphql(client, UPDATE, {"input": {
            "id": endpoint_id, "eventKinds": ["PROJECT"], "projectId": gid("Project", acme.intranet_id),
            "description": "Intranet only"}}, token=acme["admin"].token)
        assert updated["webhookEndpointUpdate"] == {"userErrors": [], "webhookEndpoint": {
            "id": endpoint_id, "url": receiver.url, "eventKinds": ["PROJECT"], "description": "Intranet only",
            "project": {"id": gid("Project", acme.intranet_id)}}}
        refused = await graphql(client, UPDATE, {"input": {"id": endpoint_id, "projectId": gid("Project", 999)}},
                                token=acme["admin"].token)
        assert refused["webhookEndpointUpdate"]["userErrors"] == [{"field": "projectId", "code": "NOT_FOUND"}]
        await rename(client, acme, acme.website_id, "Website: not sent")
        await rename(client, acme, acme.intranet_id, "Intranet: sent")
        [delivery] = await receiver.wait_for(1)
        deleted = await graphql(client, DELETE, {"input": {"id": endpoint_id}}, token=acme["admin"].token)
        assert deleted["webhookEndpointDelete"] == {"deletedId": endpoint_id, "userErrors": []}
        await rename(client, acme, acme.intranet_id, "Intranet: after the delete")
        await asyncio.sleep(0.5)
        listed = await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme["admin"].token)

    assert delivery.body["data"]["nodeId"] == gid("Project", acme.intranet_id) and delivery.verified
    assert len(receiver.received) == 1 and listed["webhookEndpoints"] == []
    async with db.read() as session:
        assert list(await session.scalars(select(m.WebhookAttempt))) == []
