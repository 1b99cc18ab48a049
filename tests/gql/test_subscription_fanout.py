"""An event's rendering is compiled where the planner covers its selection, and a clean rendering is serialised
once and written as it is to every identical subscription's socket, over real WebSockets on both databases."""
import asyncio
import contextlib
import json

from gql import delivery
from gql.compiled import execution
from gql.schema.events import subscriptions
from tests.factories import gid
from tests.gql.test_subscription_renderings import PROJECTS, rated, raw_next, rename  # noqa: F401 (fixture)
from tests.gql.test_subscriptions import PROJECTS as PROJECTS_WITH_SUBJECT
from tests.gql.test_subscriptions import acme, latest, server  # noqa: F401 (fixtures)
from tests.live_server import ws_client

RICH = """
subscription Rich($after: String) {
  projectChanged(after: $after) {
    __typename cursor action occurredAt nodeId subjectId
    ... on ProjectEvent { when: occurredAt }
    node {
      __typename id name status hourlyRate isSecondary
      leader { id name email } customer { id name }
      activities(first: 5) { nodes { id name } }
    }
  }
}
"""


async def raw_frame(client, timeout: float = 10.0) -> str:
    """The next `next` message's raw text."""
    while True:
        raw = await asyncio.wait_for(client.ws.recv(), timeout)
        if json.loads(raw).get("type") == "next":
            return raw


async def test_identical_subscriptions_get_byte_identical_frames_from_one_serialisation(server, rated, monkeypatch):  # noqa: F811
    after = await latest(server, rated["admin"].token)
    serialised = []
    dumps = json.dumps

    def counting(value, *args, **kwargs):
        if isinstance(value, dict) and "projectChanged" in value:
            serialised.append(1)
        return dumps(value, *args, **kwargs)

    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(ws_client(server, token=rated["admin"].token)) for _ in range(3)]
        for client in clients:
            await client.subscribe(PROJECTS, {"after": after})
        await rename(server, rated, "Website 2")  # a subscription's first event goes the general way
        first = [await raw_frame(client) for client in clients]
        before = dict(delivery.RENDERINGS)
        monkeypatch.setattr(json, "dumps", counting)
        await rename(server, rated, "Website 3")
        second = [await raw_frame(client) for client in clients]
        monkeypatch.setattr(json, "dumps", dumps)
        for client in clients:
            assert await client.nothing_within(0.2)
    assert first[0] == first[1] == first[2]
    assert second[0] == second[1] == second[2]
    assert delivery.RENDERINGS["fanned out"] - before.get("fanned out", 0) == 3
    assert delivery.RENDERINGS["executed"] - before.get("executed", 0) == 1
    assert len(serialised) == 1  # the data of the three messages: serialised once
    # The same message the general way would make: the same keys, the same extensions, encoded as Strawberry does.
    general, fanned = json.loads(first[0]), json.loads(second[0])
    assert second[0] == json.dumps(fanned, separators=(",", ":"))
    assert list(fanned) == list(general) == ["id", "type", "payload"]
    assert list(fanned["payload"]) == list(general["payload"])
    assert fanned["payload"]["extensions"] == general["payload"]["extensions"]
    assert fanned["payload"]["data"]["projectChanged"]["node"] == {
        "id": gid("Project", rated.website_id), "name": "Website 3", "hourlyRate": "95.00",
        "leader": {"id": rated["leader"].gid}}


async def test_an_event_selection_runs_compiled_and_answers_as_the_general_executor(server, rated):  # noqa: F811
    """The suite runs with the execution check on: each compiled rendering is compared with the general one, and a
    difference would reach the client as an error."""
    after = await latest(server, rated["admin"].token)
    before = dict(execution.RUNS)
    async with ws_client(server, token=rated["admin"].token) as admin, \
            ws_client(server, token=rated["employee"].token) as employee:
        await admin.subscribe(RICH, {"after": after})
        await employee.subscribe(RICH, {"after": after})
        await rename(server, rated, "Website 2")
        await rename(server, rated, "Website 3")
        by_admin = [json.loads(await raw_frame(admin))["payload"] for _ in range(2)]
        by_employee = [json.loads(await raw_frame(employee))["payload"] for _ in range(2)]
    assert execution.RUNS["event compiled"] - before.get("event compiled", 0) == 4
    for payload in by_admin + by_employee:
        assert "errors" not in payload, payload
    event = by_admin[1]["data"]["projectChanged"]
    assert event["__typename"] == "ProjectEvent" and event["action"] == "UPDATED" and event["when"] == event["occurredAt"]
    assert event["node"]["__typename"] == "Project" and event["node"]["name"] == "Website 3"
    assert event["node"]["hourlyRate"] == "95.00" and event["node"]["isSecondary"] is False
    assert event["node"]["leader"]["id"] == rated["leader"].gid
    assert by_employee[1]["data"]["projectChanged"]["node"]["hourlyRate"] is None  # the member sees no rate


async def test_a_selection_the_planner_does_not_cover_renders_on_the_general_executor(server, rated):  # noqa: F811
    after = await latest(server, rated["admin"].token)
    before = dict(execution.RUNS)
    async with ws_client(server, token=rated["admin"].token) as admin:
        await admin.subscribe(PROJECTS_WITH_SUBJECT, {"after": after})
        await rename(server, rated, "Website 2")
        await rename(server, rated, "Website 3")
        payloads = [json.loads(await raw_frame(admin))["payload"] for _ in range(2)]
    assert execution.RUNS["event unplanned"] - before.get("event unplanned", 0) == 2
    assert execution.RUNS["event compiled"] == before.get("event compiled", 0)
    assert [p["data"]["projectChanged"]["node"]["name"] for p in payloads] == ["Website 2", "Website 3"]
    assert all(p["data"]["projectChanged"]["subject"] is None and "errors" not in p for p in payloads)



class _Failing:
    """A subject type whose load fails as a fault would."""

    @staticmethod
    async def load(info, pk):
        raise RuntimeError("SELECT secret FROM somewhere")


async def test_a_rendering_with_an_error_goes_the_general_way_masked_and_the_next_is_fanned_out_again(
        server, rated, monkeypatch):  # noqa: F811
    after = await latest(server, rated["admin"].token)
    async with ws_client(server, token=rated["admin"].token) as first, \
            ws_client(server, token=rated["admin"].token) as second:
        for client in (first, second):
            await client.subscribe(PROJECTS_WITH_SUBJECT, {"after": after})
        await rename(server, rated, "Website 2")
        clean = [await raw_frame(client) for client in (first, second)]
        before = dict(delivery.RENDERINGS)
        monkeypatch.setattr(subscriptions, "SUBJECT_TYPES", {"": _Failing})
        await rename(server, rated, "Website 3")
        failed = [await raw_frame(client) for client in (first, second)]
        fanned_out_for_the_error = delivery.RENDERINGS["fanned out"] - before.get("fanned out", 0)
        monkeypatch.setattr(subscriptions, "SUBJECT_TYPES", {})
        await rename(server, rated, "Website 4")
        again = [await raw_frame(client) for client in (first, second)]
    assert "errors" not in json.loads(clean[0])["payload"]
    assert fanned_out_for_the_error == 0
    for raw in failed:
        payload = json.loads(raw)["payload"]
        assert payload["data"]["projectChanged"]["node"]["name"] == "Website 3"
        [error] = payload["errors"]
        assert error["message"] == f"Internal server error (id {error['extensions']['errorId']})."
        assert "secret" not in raw.lower()
    assert again[0] == again[1]
    assert json.loads(again[0])["payload"]["data"]["projectChanged"]["node"]["name"] == "Website 4"
    assert delivery.RENDERINGS["fanned out"] - before.get("fanned out", 0) == 2
