"""One change is rendered once per (viewer, document, variables) and sent to every identical subscription, over
real WebSockets: identical subscriptions get identical payloads from one execution; another viewer, another
document or other variables get a rendering of their own, and never one made for someone else."""
import asyncio
import contextlib
import json
from decimal import Decimal

import pytest

from domain import model as m
from gql import delivery
from tests.factories import gid
from tests.gql.test_subscriptions import RENAME_PROJECT, acme, latest, server  # noqa: F401 (fixtures)
from tests.live_server import http_graphql, ws_client

PROJECTS = """
subscription Projects($after: String, $projectId: ID) {
  projectChanged(after: $after, projectId: $projectId) {
    cursor action nodeId node { id name hourlyRate leader { id } }
  }
}
"""
# The same selection in another document: a rendering of its own.
PROJECTS_AGAIN = PROJECTS.replace("cursor action", "action cursor")


@pytest.fixture
async def rated(acme, db):  # noqa: F811
    """acme's Website has an hourly rate, which its admin and leader see and its members do not."""
    async with db.transaction() as session:
        (await session.get(m.Project, acme.website_id)).hourly_rate = Decimal("95")
    return acme


async def raw_next(client, timeout: float = 10.0) -> tuple[str, dict]:
    """The next `next` message's operation id and its payload as sent (parsed from the raw text)."""
    while True:
        message = json.loads(await asyncio.wait_for(client.ws.recv(), timeout))
        if message.get("type") == "ping":
            continue
        assert message["type"] == "next", message
        return message["id"], message["payload"]


async def rename(server, acme, name: str) -> None:  # noqa: F811
    data = await http_graphql(server, RENAME_PROJECT, {"input": {"id": gid("Project", acme.website_id), "name": name}},
                              token=acme["admin"].token)
    assert data["projectUpdate"]["userErrors"] == []


async def test_identical_subscriptions_of_one_viewer_get_identical_payloads_from_one_execution(server, rated):  # noqa: F811
    after = await latest(server, rated["admin"].token)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(ws_client(server, token=rated["admin"].token)) for _ in range(4)]
        for client in clients:
            await client.subscribe(PROJECTS, {"after": after})
        await clients[0].subscribe(PROJECTS, {"after": after})  # twice on one connection
        before = delivery.RENDERINGS["executed"]
        await rename(server, rated, "Website 2")
        received = [await raw_next(clients[0])] + [await raw_next(client) for client in clients]
        executed = delivery.RENDERINGS["executed"] - before
        for client in clients:
            assert await client.nothing_within(0.2)
    payloads = [payload for _, payload in received]
    assert all(payload == payloads[0] for payload in payloads)
    assert sorted(operation for operation, _ in received[:2]) == ["1", "2"]  # each subscription its own id
    event = payloads[0]["data"]["projectChanged"]
    assert event["node"] == {"id": gid("Project", rated.website_id), "name": "Website 2", "hourlyRate": "95.00",
                             "leader": {"id": rated["leader"].gid}}
    assert executed == 1


async def test_other_viewers_documents_and_variables_get_renderings_of_their_own(server, rated):  # noqa: F811
    """The admin sees the rate, the member does not; a co-worker who may not see the project gets nothing."""
    after = await latest(server, rated["admin"].token)
    website = gid("Project", rated.website_id)
    async with ws_client(server, token=rated["admin"].token) as admin, \
            ws_client(server, token=rated["admin"].token) as admin_again, \
            ws_client(server, token=rated["employee"].token) as employee, \
            ws_client(server, token=rated["employee"].token) as employee_again, \
            ws_client(server, token=rated["colleague"].token) as colleague:
        subscriptions = [(admin, PROJECTS, {"after": after}), (admin_again, PROJECTS, {"after": after}),
                         (employee, PROJECTS, {"after": after}), (employee_again, PROJECTS, {"after": after}),
                         (colleague, PROJECTS, {"after": after}),
                         (admin, PROJECTS, {"after": after, "projectId": website}),
                         (admin, PROJECTS_AGAIN, {"after": after})]
        for client, document, variables in subscriptions:
            await client.subscribe(document, variables)
        before = delivery.RENDERINGS["executed"]
        await rename(server, rated, "Website 2")
        by_admin = dict([await raw_next(admin) for _ in range(3)])
        again = await raw_next(admin_again)
        by_employee, by_employee_again = await raw_next(employee), await raw_next(employee_again)
        assert await colleague.nothing_within(0.5)
        executed = delivery.RENDERINGS["executed"] - before
    rate = {operation: payload["data"]["projectChanged"]["node"]["hourlyRate"] for operation, payload in by_admin.items()}
    assert rate == {"1": "95.00", "2": "95.00", "3": "95.00"}
    assert again[1] == by_admin["1"]
    assert by_employee[1] == by_employee_again[1] != by_admin["1"]
    assert by_employee[1]["data"]["projectChanged"]["node"]["hourlyRate"] is None
    assert list(by_admin["3"]["data"]["projectChanged"]) == ["action", "cursor", "nodeId", "node"]
    # The admin's plain subscription (shared by two connections), its filtered one, its other document, and the
    # employee's (shared by two): four executions for six deliveries.
    assert executed == 4


async def test_a_subscription_that_completes_stops_receiving_while_identical_ones_go_on(server, rated):  # noqa: F811
    after = await latest(server, rated["admin"].token)
    async with ws_client(server, token=rated["admin"].token) as staying, \
            ws_client(server, token=rated["admin"].token) as leaving:
        await staying.subscribe(PROJECTS, {"after": after})
        operation = await leaving.subscribe(PROJECTS, {"after": after})
        await rename(server, rated, "Website 2")
        assert (await raw_next(staying))[1] == (await raw_next(leaving))[1]
        await leaving.send({"id": operation, "type": "complete"})
        await asyncio.sleep(0.2)
        await rename(server, rated, "Website 3")
        assert (await raw_next(staying))[1]["data"]["projectChanged"]["node"]["name"] == "Website 3"
        assert await leaving.nothing_within(0.5)


async def test_a_rendering_is_shared_by_its_key_and_forgotten_once_too_old_to_share(db, monkeypatch):
    shared, executions = delivery.Delivery(db), []

    async def render():
        executions.append(1)
        await asyncio.sleep(0.01)
        return f"rendering {len(executions)}"

    assert await asyncio.gather(*(shared.rendered("key", render) for _ in range(10))) == ["rendering 1"] * 10
    assert await shared.rendered("another key", render) == "rendering 2"
    assert await shared.rendered("key", render) == "rendering 1"
    monkeypatch.setattr(delivery, "SHARE_SECONDS", 0.0)
    assert await shared.rendered("key", render) == "rendering 3"
    assert list(shared._renderings) == ["key"]  # the other one, too old, is forgotten


async def test_subscriptions_resuming_from_different_cursors_keep_their_own_events_and_cursors(server, rated):  # noqa: F811
    """The same viewer and document with another `after`: each gets what follows its own cursor, once, in order."""
    token = rated["admin"].token
    early = await latest(server, token)
    await rename(server, rated, "Website 2")
    late = await latest(server, token)
    async with ws_client(server, token=token) as from_early, ws_client(server, token=token) as from_late:
        await from_early.subscribe(PROJECTS, {"after": early})
        await from_late.subscribe(PROJECTS, {"after": late})
        missed = (await raw_next(from_early))[1]["data"]["projectChanged"]
        await rename(server, rated, "Website 3")
        early_live = (await raw_next(from_early))[1]["data"]["projectChanged"]
        late_live = (await raw_next(from_late))[1]["data"]["projectChanged"]
        assert await from_early.nothing_within(0.3) and await from_late.nothing_within(0.1)
    assert missed["cursor"] == late and missed["node"]["name"] in ("Website 2", "Website 3")
    assert early_live["cursor"] == late_live["cursor"] != late
    assert early_live["node"]["name"] == late_live["node"]["name"] == "Website 3"
