"""Subscriptions through database outages and server restarts (PostgreSQL): every event once, in order, no error.

What a client receives is kept as the raw text of each message, and nothing of it may look like SQL or a driver's
message. The server's database backends are terminated while it delivers; a server process is stopped and another
started while a client follows; PostgreSQL is stopped for longer than a stream's patience.
"""
import asyncio
import contextlib
import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.access.tokens import viewer_for_token
from domain.events import feed
from domain.hours.records import TimeRecordDraft, create_time_record
from domain.platform.errors import DatabaseUnavailable
from gql.http import websocket as connection
from gql.ids import to_global_id
from gql.schema.events.subscriptions import decode_cursor, encode_cursor
from tests.gql.test_subscriptions import LATEST, TIME_RECORDS, acme  # noqa: F401 (fixture)
from tests.gql.test_subscriptions_processes import server_process
from tests.live_server import http_graphql, live_server, ws_client
from tests.pg_cluster import start_server, stop_server

# What must never reach a client: statements, parameters, the ORM's or the driver's words.
INTERNALS = ("select ", "insert ", "update ", "[sql", "[parameters", "sqlalchemy", "asyncpg", "psycopg", "sqlstate",
             "traceback", "time_records", "event_log", "connection was closed", "terminating connection")


@pytest.fixture(autouse=True)
async def postgresql_only(db):
    if db.sqlite:
        pytest.skip("backends, NOTIFY and server restarts are PostgreSQL's")
    yield
    # The test's pool held connections that were cut too: the next test starts from new ones.
    await db.engine.dispose()


class Recorder:
    """Reads a client's messages, keeping each one's raw text."""

    def __init__(self, client) -> None:
        self.client = client
        self.raw: list[str] = []

    async def message(self, timeout: float = 30.0) -> dict:
        while True:
            raw = await asyncio.wait_for(self.client.ws.recv(), timeout)
            self.raw.append(raw)
            message = json.loads(raw)
            if message.get("type") != "ping":
                return message

    async def events(self, count: int) -> list[dict]:
        return [await self.message() for _ in range(count)]


def assert_whole_and_clean(messages: list[dict], raw: list[str]) -> None:
    for message in messages:
        assert message["type"] == "next" and "errors" not in message["payload"], message
    leaked = [text for text in raw if any(word in text.lower() for word in INTERNALS)]
    assert leaked == []


def node_ids(messages: list[dict]) -> list[str]:
    return [message["payload"]["data"]["timeRecordChanged"]["nodeId"] for message in messages]


def cursor_ids(messages: list[dict]) -> list[int]:
    return [decode_cursor(message["payload"]["data"]["timeRecordChanged"]["cursor"]) for message in messages]


class Writer:
    """Registers hours through the service on the test's own connections, one record a day (no day fills up)."""

    def __init__(self, db, acme) -> None:
        self.db, self.acme, self.written = db, acme, 0
        self.viewer = None

    async def register(self) -> str:
        self.viewer = self.viewer or await viewer_for_token(self.db, self.acme["employee"].token)
        draft = TimeRecordDraft(project_id=self.acme.website_id, activity_id=self.acme.activity[self.acme.website_id],
                                date=dt.date(2026, 1, 5) + dt.timedelta(days=self.written), hours=Decimal("0.5"))
        for attempt in range(5):
            try:
                record = await create_time_record(self.db, self.viewer, draft)
                break
            except DatabaseUnavailable:
                # A pooled connection of ours was terminated too: nothing was written (no write was under way
                # when it was), and the pool has dropped it.
                if attempt == 4:
                    raise
        self.written += 1
        return to_global_id("TimeRecord", record.id)


async def terminate_other_backends(killer) -> int:
    """pg_terminate_backend for every backend of the database but this connection's; how many there were."""
    result = await killer.execute(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"))
    return result.scalar_one()


async def test_backends_terminated_during_delivery_lose_repeat_and_break_nothing(db, acme, tmp_path):
    writer, count = Writer(db, acme), 40
    rng = random.Random(21)
    async with server_process(db, poll_seconds=1.0, tmp_path=tmp_path) as server:
        after = (await http_graphql(server, LATEST, token=acme["admin"].token))["latestEventCursor"]
        async with ws_client(server, token=acme["admin"].token) as client, \
                db.engine.connect() as killer:
            killer = await killer.execution_options(isolation_level="AUTOCOMMIT")
            await client.subscribe(TIME_RECORDS, {"after": after})
            recorder = Recorder(client)
            receiving = asyncio.create_task(recorder.events(count))
            created, terminated = [], 0
            for _ in range(count):
                created.append(await writer.register())
                # At varying moments of the delivery that the write has just set off.
                await asyncio.sleep(rng.uniform(0, 0.03))
                terminated += await terminate_other_backends(killer)
            messages = await receiving
            assert await client.nothing_within(1.0)
    assert terminated >= count  # the server's connections (its reader, its LISTEN, its deliveries) were cut
    assert_whole_and_clean(messages, recorder.raw)
    assert node_ids(messages) == created
    assert cursor_ids(messages) == sorted(set(cursor_ids(messages)))


async def test_a_client_resuming_with_after_on_a_restarted_server_gets_the_rest_once(db, acme, tmp_path):
    writer = Writer(db, acme)
    created = [await writer.register() for _ in range(30)]
    async with server_process(db, poll_seconds=1.0, tmp_path=tmp_path) as first:
        before = None
        async with ws_client(first, token=acme["admin"].token) as client:
            # Everything from before the first event: the server is replaying when it is stopped.
            await client.subscribe(TIME_RECORDS, {"after": encode_cursor(0)})
            recorder = Recorder(client)
            received = await recorder.events(10)
            before = received[-1]["payload"]["data"]["timeRecordChanged"]["cursor"]
    # The server is gone; changes go on meanwhile.
    created += [await writer.register() for _ in range(10)]
    async with server_process(db, poll_seconds=1.0, tmp_path=tmp_path) as second:
        async with ws_client(second, token=acme["admin"].token) as client:
            await client.subscribe(TIME_RECORDS, {"after": before})
            resumed = Recorder(client)
            rest = await resumed.events(len(created) - 10)
            created += [await writer.register()]
            rest += await resumed.events(1)
            assert await client.nothing_within(1.0)
    assert_whole_and_clean(received + rest, recorder.raw + resumed.raw)
    assert node_ids(received + rest) == created


async def test_an_outage_longer_than_a_streams_patience_closes_it_with_4503_and_after_resumes_it(
        db, acme, monkeypatch):
    async with db.read() as session:
        data_directory = (await session.execute(text("SHOW data_directory"))).scalar_one()
    monkeypatch.setattr(feed, "STREAM_PATIENCE_SECONDS", 1.0)
    writer = Writer(db, acme)
    async with live_server(db) as server:
        async with ws_client(server, token=acme["admin"].token) as client:
            await client.subscribe(TIME_RECORDS, {"after": await _latest(server, acme)})
            recorder = Recorder(client)
            first = await writer.register()
            [event] = await recorder.events(1)
            await asyncio.to_thread(stop_server, data_directory)
            try:
                code = await client.close_code(timeout=30)
            finally:
                await asyncio.to_thread(start_server, data_directory)
        assert code == connection.INTERRUPTED
        last = event["payload"]["data"]["timeRecordChanged"]["cursor"]
        # Back again: the client subscribes with `after` its last cursor and misses nothing.
        later = await _registered_when_reachable(writer)
        async with ws_client(server, token=acme["admin"].token) as client:
            await client.subscribe(TIME_RECORDS, {"after": last})
            resumed = Recorder(client)
            [again] = await resumed.events(1)
    assert_whole_and_clean([event, again], recorder.raw + resumed.raw)
    assert node_ids([event, again]) == [first, later]


async def _latest(server, acme) -> str:
    return (await http_graphql(server, LATEST, token=acme["admin"].token))["latestEventCursor"]


async def _registered_when_reachable(writer: Writer) -> str:
    for _ in range(50):
        with contextlib.suppress(DatabaseUnavailable):
            return await writer.register()
        await asyncio.sleep(0.2)
    raise AssertionError("the database did not come back")


async def test_a_fault_in_delivery_reaches_the_client_as_a_message_and_an_error_id_only(db, acme, monkeypatch):
    """A database error that is not an outage (here the subscriber's token check, cancelled while it waits for a
    lock) is a fault: masked, never its SQL. Before, an error raised by the stream itself had no path and went
    out as its text, statement and parameters included."""
    monkeypatch.setattr(connection, "REAUTH_SECONDS", 0.0)  # every delivery checks the token again
    writer = Writer(db, acme)
    await writer.register()  # (the writer's own sign-in, before the lock)
    async with live_server(db) as server, db.engine.connect() as locker:
        async with ws_client(server, token=acme["admin"].token) as client:
            await client.subscribe(TIME_RECORDS, {"after": await _latest(server, acme)})
            recorder = Recorder(client)
            transaction = await locker.begin()
            await locker.execute(text("LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE"))
            await writer.register()
            cancelled = await _cancel_a_blocked_statement(locker)
            await transaction.rollback()
            message = await recorder.message()
            final = await recorder.message()
    assert cancelled
    assert message["type"] == "next"
    [error] = message["payload"]["errors"]
    assert error["message"] == f"Internal server error (id {error['extensions']['errorId']})."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "errorId": error["extensions"]["errorId"]}
    assert final["type"] == "complete"
    leaked = [raw for raw in recorder.raw if any(word in raw.lower() for word in (*INTERNALS, "api_tokens", "cancel"))]
    assert leaked == []


async def _cancel_a_blocked_statement(locker) -> bool:
    """Cancels the first statement of another backend that waits for a lock; whether there was one within 10 s."""
    for _ in range(100):
        cancelled = await locker.scalar(text(
            "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"))
        if cancelled:
            return True
        await asyncio.sleep(0.1)
    return False
