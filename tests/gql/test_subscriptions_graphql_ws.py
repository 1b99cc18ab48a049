"""A real external client: the npm `graphql-ws` package (tests/js) subscribes to a running server."""
import asyncio
import json
import shutil
from pathlib import Path

import pytest

from gql.schema.events.subscriptions import encode_cursor
from tests.gql.test_subscriptions import REGISTER, acme, hours_input, latest  # noqa: F401 (fixture)
from tests.live_server import http_graphql, live_server

JS = Path(__file__).resolve().parents[1] / "js"
SUBSCRIBER = JS / "graphql_ws_subscriber.mjs"

HOURS = """
subscription Hours($after: String) {
  timeRecordChanged(after: $after) { cursor action nodeId node { id hours } }
}
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (.ci/run installs it)")


@pytest.fixture(autouse=True)
def graphql_ws_installed():
    if not (JS / "node_modules" / "graphql-ws").is_dir():
        pytest.fail("the npm packages of tests/js are missing: run `npm ci` in tests/js (.ci/run does)")


@pytest.fixture
async def server(db):
    async with live_server(db) as running:
        yield running


class Subscriber:
    """The node process and the JSON lines it prints."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, server, token: str, *, after: str, count: int) -> "Subscriber":
        config = {"url": server.ws_url, "token": token, "query": HOURS, "variables": {"after": after}, "count": count}
        process = await asyncio.create_subprocess_exec(
            "node", str(SUBSCRIBER), json.dumps(config), cwd=JS,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def line(self, timeout: float = 20) -> dict:
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not raw:
            stderr = (await self.process.stderr.read()).decode()
            raise AssertionError(f"the node client ended without output: {stderr}")
        return json.loads(raw)

    async def events(self, count: int) -> list[dict]:
        found = []
        while len(found) < count:
            message = await self.line()
            assert "error" not in message, message
            if "next" in message:
                assert "errors" not in message["next"], message
                found.append(message["next"]["data"]["timeRecordChanged"])
        return found

    async def exit_code(self, timeout: float = 20) -> int:
        return await asyncio.wait_for(self.process.wait(), timeout)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def register(server, acme, day: str) -> str:
    data = await http_graphql(server, REGISTER, hours_input(acme, acme.website_id, "1", day),
                              token=acme["employee"].token)
    return data["timeRecordCreate"]["timeRecord"]["id"]


async def test_the_graphql_ws_client_receives_a_change_made_over_http(server, acme):
    subscriber = await Subscriber.start(server, acme["admin"].token, after=await latest(server, acme["admin"].token),
                                        count=1)
    try:
        assert await subscriber.line() == {"connected": True}
        record_id = await register(server, acme, "2026-03-02")
        [event] = await subscriber.events(1)
        assert await subscriber.exit_code() == 0
    finally:
        subscriber.kill()
    assert (event["action"], event["nodeId"], event["node"]) == ("CREATED", record_id, {"id": record_id, "hours": "1.00"})


async def test_a_graphql_ws_client_that_disconnects_and_resumes_with_its_last_cursor_misses_nothing(server, acme):
    token = acme["admin"].token
    first = await Subscriber.start(server, token, after=await latest(server, token), count=2)
    try:
        assert await first.line() == {"connected": True}
        seen = [await register(server, acme, day) for day in ("2026-03-02", "2026-03-03")]
        received = await first.events(2)
        assert await first.exit_code() == 0  # disconnected
    finally:
        first.kill()
    assert [e["nodeId"] for e in received] == seen

    missed = [await register(server, acme, day) for day in ("2026-03-04", "2026-03-05", "2026-03-06")]
    again = await Subscriber.start(server, token, after=received[-1]["cursor"], count=4)
    try:
        replayed = await again.events(3)
        live = await register(server, acme, "2026-03-09")
        [last] = await again.events(1)
        assert await again.exit_code() == 0
    finally:
        again.kill()
    assert [e["nodeId"] for e in replayed] == missed
    assert last["nodeId"] == live
    cursors = [e["cursor"] for e in received + replayed + [last]]
    assert len(set(cursors)) == 6


async def test_the_graphql_ws_client_is_refused_with_4403_for_a_bad_token(server):
    subscriber = await Subscriber.start(server, "pgt_not-a-token", after=encode_cursor(0), count=1)
    try:
        assert await subscriber.line() == {"error": 4403}
        assert await subscriber.exit_code() == 1
    finally:
        subscriber.kill()
