"""Across server processes: a change made through one process reaches subscribers connected to another."""
import asyncio
import contextlib
import os
import socket
import sys
import time

import httpx

from tests.gql.test_subscriptions import REGISTER, TIME_RECORDS, acme, hours_input  # noqa: F401 (fixture)
from tests.live_server import LiveServer, http_graphql, ws_client


@contextlib.asynccontextmanager
async def server_process(db, *, poll_seconds: float, tmp_path):
    """`uvicorn partnergraph.composition:create_app` in a process of its own, on the test's database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": db.settings.database_url,
        "PARTNERGRAPH_EVENT_POLL_SECONDS": str(poll_seconds),
        "PARTNERGRAPH_FILES_DIR": str(tmp_path / f"files-{port}"),
    }
    # Its log goes to a file, not a pipe nobody reads while it runs (a full pipe would stall the server).
    log = tmp_path / f"server-{port}.log"
    with log.open("w") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "partnergraph.composition:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", env=env, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as client:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                if process.returncode is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the server process did not start: {log.read_text()[-2000:]}")
                await asyncio.sleep(0.1)
        yield LiveServer("127.0.0.1", port, None)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_hours_registered_through_one_process_reach_a_subscriber_of_another(db, acme, tmp_path):
    # On PostgreSQL the poll is 30 s, so only NOTIFY can deliver within the deadline; SQLite has no NOTIFY
    # and relies on the poll (another process on the same file cannot wake this one).
    poll, deadline = (30.0, 5.0) if not db.sqlite else (0.2, 5.0)
    async with server_process(db, poll_seconds=poll, tmp_path=tmp_path) as first, \
            server_process(db, poll_seconds=poll, tmp_path=tmp_path) as second:
        after = (await http_graphql(first, "{ latestEventCursor }", token=acme["admin"].token))["latestEventCursor"]
        async with ws_client(first, token=acme["admin"].token) as subscriber:
            await subscriber.subscribe(TIME_RECORDS, {"after": after})
            # Long enough for the first process to be LISTENing, so its catch-up read at LISTEN time is
            # not what delivers the event: NOTIFY is.
            await asyncio.sleep(0.5)
            started = time.monotonic()
            data = await http_graphql(second, REGISTER, hours_input(acme, acme.website_id), token=acme["employee"].token)
            event = (await subscriber.next_data(timeout=deadline))["timeRecordChanged"]
            elapsed = time.monotonic() - started
    assert event["nodeId"] == data["timeRecordCreate"]["timeRecord"]["id"]
    assert elapsed < deadline

