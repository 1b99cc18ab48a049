"""PostgreSQL going away under load (issue 21, item 3): while the server's backends are terminated and the cluster
is stopped and started again, every answer is a 200 or a 503 with Retry-After and SERVICE_UNAVAILABLE, never a
500; each 503 is one log line; the keep-alive connections stay up; /ready follows the database; and afterwards
the same server answers again. On a cluster of this test's own, which it stops and starts."""
import asyncio
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from domain.platform.db import Database
from domain.platform.job_worker import OUTAGE_PAUSE_MAX_SECONDS
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from tests.factories import company_with_staff, gid
from tests.pg_cluster import start_cluster
from tests.server_processes import servers

CLIENTS = 6
READ = "{ viewer { email } customers(first: 5) { nodes { name } } }"
WRITE = """mutation($input: CustomerCreateInput!) {
  customerCreate(input: $input) { customer { id } userErrors { code } }
}"""


@pytest.fixture
def own_cluster():
    cluster = start_cluster()
    if cluster is None or not cluster.pg_ctl:
        pytest.skip("needs PostgreSQL's binaries to stop and start a cluster of its own")
    yield cluster
    cluster.stop()


async def terminate_backends(url: str) -> int:
    """Ends every other session on the database, as an administrator (or a crash) would."""
    admin = create_async_engine(url, poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            return len((await connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))).all())
    finally:
        await admin.dispose()


async def test_killed_backends_and_a_restarted_database_are_503s_with_retry_after_never_500s(own_cluster, tmp_path):
    # given a migrated database with a company, and a server on it
    db = Database(Settings(database_url=own_cluster.url, files_dir=tmp_path / "files", _env_file=None))
    await upgrade(db.engine)
    company = await company_with_staff(db)
    token = company["admin"].token
    await db.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    answers: list[httpx.Response] = []
    transport_errors: list[Exception] = []

    with servers(own_cluster.url, 1, tmp_path, env={"PARTNERGRAPH_JOB_POLL_SECONDS": "0.2"}) as [server]:
        client = httpx.AsyncClient(base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=CLIENTS))
        stop = asyncio.Event()

        async def load(n: int) -> None:
            count = 0
            while not stop.is_set() and count < 2000:
                count += 1
                customer = {"companyId": gid("Company", company.id), "name": f"Kunde {n}-{count}"}
                body = {"query": READ} if count % 3 else {"query": WRITE, "variables": {"input": customer}}
                try:
                    answers.append(await client.post("/graphql", json=body, headers=headers))
                except httpx.TransportError as error:
                    transport_errors.append(error)
                await asyncio.sleep(0.01)

        try:
            loads = [asyncio.create_task(load(n)) for n in range(CLIENTS)]
            # when the server's backends are terminated twice while requests run
            await asyncio.sleep(0.5)
            assert await terminate_backends(own_cluster.url) > 0
            await asyncio.sleep(0.5)
            await terminate_backends(own_cluster.url)
            await asyncio.sleep(0.5)
            # and the database is stopped for a while and started again
            await asyncio.to_thread(own_cluster.halt)
            await asyncio.sleep(1)
            while_down = await client.get("/ready")
            await asyncio.to_thread(own_cluster.resume)
            deadline = time.monotonic() + 30
            while (ready := await client.get("/ready")).status_code != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)
            stop.set()
            await asyncio.gather(*loads)
            # then the same server answers again
            after = await client.post("/graphql", json={"query": READ}, headers=headers)
        finally:
            stop.set()
            await client.aclose()
        # the worker tries again when its back-off ends (doubling from the poll interval while the database was
        # down, at most OUTAGE_PAUSE_MAX_SECONDS): wait for that try before reading what it said
        deadline = time.monotonic() + OUTAGE_PAUSE_MAX_SECONDS + 5
        while "trying again with back-off" in (log := server.log.read_text()) \
                and "the database answers again" not in log and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        log = server.log.read_text()

    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {200, 503}, (statuses, [a.text for a in answers if a.status_code not in (200, 503)][:3])
    assert statuses[503] > 0, "the database was stopped for a second: some request met that"
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] == "5"
            assert [e["extensions"]["code"] for e in answer.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
        else:
            assert "errors" not in answer.json(), answer.text
    # and no connection was reset: the answers kept coming on the client's keep-alive connections
    assert transport_errors == []
    # and /ready followed the database
    assert while_down.status_code == 503 and ready.status_code == 200
    assert after.status_code == 200 and "errors" not in after.json()
    # and the log has one line per 503, and no masked fault or exception that escaped to uvicorn
    assert log.count("database unavailable at") == statuses[503], log[-3000:]
    assert "unexpected error" not in log and "Exception in ASGI application" not in log, log[-3000:]
    # and the server's worker said it once when the database went away, once when it came back
    assert 1 <= log.count("trying again with back-off") == log.count("the database answers again"), log[-3000:]
