"""The emulator's fault switches over HTTP (POST/GET/DELETE /_emulator/faults), so a person can reproduce a Graph
fault by hand against `python -m tests.graph_emulator`: tried with real HTTP on 127.0.0.1 and the real msgraph-sdk."""
import httpx
import pytest

from domain.sharepoint.errors import SharePointError
from tests.graph_emulator.server import FAULTS_PATH, is_loopback


async def test_a_fault_posted_over_http_is_listed_then_met_by_the_sdk_as_graph_answers_it(graph, graph_emulator,
                                                                                           sleeps):
    async with httpx.AsyncClient(base_url=graph_emulator.origin) as admin:
        made = await admin.post(FAULTS_PATH, json={"op": "site", "kind": "throttle", "times": 2, "retryAfter": 7})
        assert made.status_code == 201
        assert made.json() == {"op": "site", "kind": "throttle", "times": 2, "retryAfter": 7, "atByte": None,
                               "after": 0}
        assert (await admin.get(FAULTS_PATH)).json()["value"] == [made.json()]

        await graph.site()  # two 429s with Retry-After: 7, then the site

        assert sleeps.waits == [7, 7]
        assert (await admin.get(FAULTS_PATH)).json() == {"value": []}
        # The switches are no Graph operation: never recorded, never faulted.
        assert [op for op, *_ in graph_emulator.calls()] == ["site", "site", "site"]


async def test_unavailable_until_cleared_over_http(graph, graph_emulator):
    async with httpx.AsyncClient(base_url=graph_emulator.origin) as admin:
        assert (await admin.post(FAULTS_PATH, json={"op": "*", "kind": "unavailable", "times": 1000})).status_code == 201
        with pytest.raises(SharePointError) as failed:
            await graph.site()
        assert (failed.value.status, failed.value.transient) == (503, True)
        assert (await admin.delete(FAULTS_PATH)).status_code == 204
        assert (await admin.get(FAULTS_PATH)).json() == {"value": []}
    assert (await graph.site())[0]


@pytest.mark.parametrize("body, field", [
    ({"op": "site", "kind": "explode"}, "kind"),
    ({"kind": "throttle"}, "op"),
    ({"op": "site", "kind": "drop", "times": 0}, "times"),
    ({"op": "site", "kind": "drop", "after": -1}, "after"),
    ({"op": "site", "kind": "drop", "atByte": "half"}, "atByte"),
    ([1, 2], "body"),
])
async def test_a_bad_fault_is_refused_with_400_naming_the_field(graph_emulator, body, field):
    async with httpx.AsyncClient(base_url=graph_emulator.origin) as admin:
        refused = await admin.post(FAULTS_PATH, json=body)
        assert refused.status_code == 400
        assert refused.json()["error"]["message"].lower().startswith(field.lower())
        assert (await admin.get(FAULTS_PATH)).json() == {"value": []}


def test_only_loopback_clients_may_use_the_switches():
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"))
    assert not any(is_loopback(host) for host in ("10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5", "fe80::1", ""))
