"""A database that cannot be reached is an outage, not a fault: which errors count as one, what a session raises,
how the API answers (503, Retry-After, SERVICE_UNAVAILABLE) and how the worker waits. On a SQLite file that
cannot be opened; PostgreSQL's killed backends and restarts are in tests/gql/test_database_outages.py."""
import asyncio
import logging
import shutil
import sqlite3

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.access.viewer import Membership, Viewer
from domain.model import Role
from domain.platform import jobs
from domain.platform.db import Database
from domain.platform.errors import DatabaseUnavailable, is_outage
from domain.platform.job_worker import Worker, policy_from
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from gql.context import Context
from gql.http.media_types import JSON
from gql.http.view import response_status, status_headers
from gql.schema import schema
from partnergraph.composition import create_app
from tests.factories import gid


class FakeAsyncpgError(Exception):
    """What asyncpg's errors carry that the classification reads: the SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(cause: BaseException) -> OperationalError:
    """A SQLAlchemy error around a driver error caused by `cause`, as the asyncpg adapter raises them."""
    driver_error = Exception("driver")
    driver_error.__cause__ = cause
    return OperationalError("SELECT 1", {}, driver_error)


def test_connection_level_errors_are_outages():
    assert is_outage(ConnectionRefusedError(111, "Connect call failed"))
    assert is_outage(ConnectionResetError())
    for sqlstate in ("57P01", "57P02", "57P03", "08006", "08003"):
        assert is_outage(wrapped(FakeAsyncpgError(sqlstate))), sqlstate
    assert is_outage(OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open database file")))
    invalidated = OperationalError("SELECT 1", {}, Exception("connection is closed"), connection_invalidated=True)
    assert is_outage(invalidated)


def test_refusals_and_bugs_are_not_outages():
    assert not is_outage(wrapped(FakeAsyncpgError("40P01")))  # a deadlock: CONFLICT, not an outage
    assert not is_outage(wrapped(FakeAsyncpgError("23505")))
    assert not is_outage(RuntimeError("unable to open database file"))
    # the words in a statement's parameters are the client's, not the driver's
    duplicate = IntegrityError("INSERT", {"name": "unable to open database file"},
                               sqlite3.IntegrityError("UNIQUE constraint failed: customers.name"))
    assert not is_outage(duplicate)


@pytest.fixture
def lost_sqlite(tmp_path):
    """A Database on a SQLite file whose folder is gone (so it cannot be opened), and a way to bring it back."""
    folder = tmp_path / "data"
    database = Database(Settings(database_url=f"sqlite+aiosqlite:///{folder}/lost.db", files_dir=tmp_path / "files",
                                 _env_file=None))
    shutil.rmtree(folder)

    async def restore() -> None:
        folder.mkdir()
        await upgrade(database.engine)

    yield database, restore


async def test_a_session_on_a_database_that_cannot_be_opened_raises_database_unavailable(lost_sqlite):
    database, _ = lost_sqlite
    with pytest.raises(DatabaseUnavailable):
        async with database.read() as session:
            await session.execute(text("SELECT 1"))
    with pytest.raises(DatabaseUnavailable):
        async with database.transaction() as session:
            await session.execute(text("SELECT 1"))
    assert await database.reachable(timeout=2) is False
    await database.dispose()


async def test_the_api_answers_503_with_retry_after_while_the_database_cannot_be_opened_and_recovers(
    lost_sqlite, caplog
):
    database, restore = lost_sqlite
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        with caplog.at_level(logging.WARNING):
            # when a signed-in request comes (its token is looked up in the database) and the probes ask
            refused = await client.post("/graphql", json={"query": "{ __typename }"},
                                        headers={"Authorization": "Bearer pgt_anything"})
            not_ready = await client.get("/ready")
            alive = await client.get("/health")

        # then the request is a 503 with Retry-After and SERVICE_UNAVAILABLE, without internals, logged once
        assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "sqlite" not in refused.text.lower() and "lost.db" not in refused.text
        lines = [r for r in caplog.records if r.name == "partnergraph.errors"]
        assert len(lines) == 1 and lines[0].exc_info is None and "database unavailable at POST /graphql" in \
            lines[0].getMessage()
        # and the load balancer's probe says not ready while the process is alive
        assert (not_ready.status_code, not_ready.headers["retry-after"]) == (503, "5")
        assert alive.status_code == 200

        # when the database is back, the same app answers again
        await restore()
        assert (await client.get("/ready")).status_code == 200
        answered = await client.post("/graphql", json={"query": "{ __typename }"},
                                     headers={"Authorization": "Bearer pgt_anything"})
        assert answered.status_code == 401  # an unknown token: the database was asked, and answered
    await database.dispose()


async def test_an_outage_while_a_query_runs_makes_the_whole_response_a_503_with_retry_after(lost_sqlite, caplog):
    database, _ = lost_sqlite
    viewer = Viewer(user_id=1, email="a@example.com", memberships=(Membership(1, 1, Role.ADMIN),))
    context = Context(db=database, settings=database.settings, viewer=viewer, files=None)  # type: ignore[arg-type]
    query = f'{{ a: node(id: "{gid("Customer", 1)}") {{ id }} b: node(id: "{gid("Project", 1)}") {{ id }} }}'

    with caplog.at_level(logging.WARNING, logger="partnergraph.errors"):
        result = await schema.execute(query, context_value=context)

    # then no field's data and no masked fault: one SERVICE_UNAVAILABLE error, and a 503 with Retry-After
    assert result.data is None
    [error] = result.errors
    assert error.extensions == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 5} and not error.path
    status = response_status(result, JSON)
    assert (status, status_headers(result, status)) == (503, {"retry-after": "5"})
    assert len(caplog.records) == 1 and caplog.records[0].exc_info is None
    await database.dispose()


async def test_the_worker_backs_off_while_the_database_is_away_and_says_so_once_each_way(lost_sqlite, caplog):
    database, restore = lost_sqlite
    ran = asyncio.Event()

    async def note(_db, _job) -> None:
        ran.set()

    kinds = jobs.Registry()
    kinds.register(jobs.JobKind("test.note", note))
    worker = Worker(database, kinds, policy_from(database.settings), concurrency=2, poll_seconds=0.01)
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO, logger="partnergraph.worker"):
        running = asyncio.create_task(worker.run(stop))
        try:
            # when the database stays away for a second while two claim loops poll every 10 ms
            await asyncio.sleep(1)
            down = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
            # and then comes back with a job waiting
            await restore()
            async with database.transaction() as session:
                jobs.enqueue(session, "test.note", {})
            await asyncio.wait_for(ran.wait(), timeout=10)
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=10)

    # then the worker said once that the database was unavailable, with no traceback, backing off meanwhile
    assert len(down) == 1 and "trying again with back-off" in down[0]
    assert worker._outage_pause > 0.1  # doubled past the poll interval: not a try every 10 ms
    # and once that it answers again, and it ran the job
    back = [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()]
    assert len(back) == 1
    assert not [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]
    await database.dispose()
