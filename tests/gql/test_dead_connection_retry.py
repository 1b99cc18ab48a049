"""A read whose pooled connection died while it was idle (its PostgreSQL backend terminated between two requests)
is read again, once, on a fresh connection: the request answers 200, not 503 (issue 17, item 1). No ping per
checkout finds a dead connection beforehand; the failed statement does."""
import asyncio
import logging

import httpx
import pytest
from sqlalchemy import event, text

from bench.operations import PROJECT_PAGE
from domain.platform.db import Database
from gql.app import create_app

from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid, graphql

READ = "{ viewer { email } customers(first: 5) { nodes { name } } }"
WRITE = """mutation($input: CustomerCreateInput!) {
  customerCreate(input: $input) { customer { name } userErrors { code } }
}"""


@pytest.fixture
async def app_db(db):
    """A Database of the app's own on the test database, whose PostgreSQL backends the test knows by pid."""
    if db.sqlite:
        pytest.skip("SQLite has no server process that could end under a connection")
    own = Database(db.settings)
    own.backend_pids = []

    @event.listens_for(own.engine.sync_engine, "connect")
    def _remember_pid(dbapi_connection, _record) -> None:
        own.backend_pids.append(dbapi_connection.driver_connection.get_server_pid())

    yield own
    await own.dispose()


async def terminate(db: Database, pids: list[int]) -> int:
    async with db.engine.connect() as connection:
        ended = (await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": pids})).all()
    return len(ended)


async def test_a_read_on_a_connection_whose_backend_was_terminated_is_read_again_on_a_fresh_one(db, app_db, caplog):
    # given a company with a customer, and a server that has answered once (its connection back in the pool)
    acme = await company_with_staff(db)
    await add_customer(db, acme)
    app = create_app(app_db.settings, app_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        first = await graphql(client, READ, token=acme["admin"].token)
        assert len(first["customers"]["nodes"]) == 1

        # when PostgreSQL ends every backend of the server's pool while it is idle
        assert await terminate(db, app_db.backend_pids) >= 1
        before = len(app_db.backend_pids)

        # then the next request answers as the first did, on a fresh connection, with one warning logged
        with caplog.at_level(logging.WARNING, logger="partnergraph.db"):
            again = await graphql(client, READ, token=acme["admin"].token)
        assert again == first
        assert len(app_db.backend_pids) > before
        assert [r for r in caplog.records if "reading again on a fresh one" in r.getMessage()]

        # and a mutation after such an ending is no 503 either: its reads retry, its write takes a live connection
        await terminate(db, app_db.backend_pids)
        # (its sign-in reads first, so the pool has dropped the dead connections before the write takes one)
        done = await graphql(client, WRITE, {"input": {"companyId": gid("Company", acme.id), "name": "Globex"}},
                             token=acme["admin"].token)
        assert done["customerCreate"] == {"customer": {"name": "Globex"}, "userErrors": []}


async def test_a_compiled_read_on_the_driver_whose_backend_was_terminated_is_read_again_on_a_fresh_one(
        db, app_db, caplog):
    # given a project page the server has read twice (its levels' statements learned, then sent on the driver)
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, leader=acme["leader"], members=[acme["employee"]])
    await add_time_records(db, acme, project_id, acme["employee"], count=3)
    variables = {"id": gid("Project", project_id)}
    app = create_app(app_db.settings, app_db)
    # The sign-in cache runs (as in a served app), so the read's first statement is a level's, sent on the driver.
    async with app.state.viewers.running(), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await asyncio.wait_for(app.state.viewers.listening.wait(), 10)
        first = await graphql(client, PROJECT_PAGE, variables, token=acme["admin"].token)
        assert await graphql(client, PROJECT_PAGE, variables, token=acme["admin"].token) == first
        assert len(first["node"]["timeRecords"]["nodes"]) == 3

        # when PostgreSQL ends every backend of the server's pool while it is idle
        assert await terminate(db, app_db.backend_pids) >= 1
        before = len(app_db.backend_pids)

        # then the next read's first statement on the driver fails, SQLAlchemy runs it again and finds the
        # connection dead, and reads it once more on a fresh connection: the same answer, one warning
        with caplog.at_level(logging.WARNING, logger="partnergraph.db"):
            again = await graphql(client, PROJECT_PAGE, variables, token=acme["admin"].token)
        assert again == first
        assert len(app_db.backend_pids) > before
        assert len([r for r in caplog.records if "reading again on a fresh one" in r.getMessage()]) == 1
