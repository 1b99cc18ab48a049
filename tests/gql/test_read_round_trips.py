"""A read sends the database only the SELECTs it needs: the request's reads share one connection, with no BEGIN,
ROLLBACK or ping around them. On PostgreSQL this is counted from PostgreSQL's own statement log."""
import asyncio
import contextlib
import datetime as dt
import os

import httpx
import pytest
from sqlalchemy import event, text

from bench.dataset import generate
from bench.operations import HOURS_REPORT, PROJECT_PAGE, TIMESHEET
from domain.access.tokens import create_token
from domain.platform.db import Database
from gql.app import create_app

from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid, graphql
from tests.http.apps import client_for

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@pytest.fixture
async def logged_db(db):
    """A Database of its own on the test database, whose PostgreSQL sessions log every statement they run."""
    settings = db.settings
    logged = Database(settings)
    if not db.sqlite:
        @event.listens_for(logged.engine.sync_engine, "connect")
        def _log_statements(dbapi_connection, _record) -> None:
            # On asyncpg itself: the adapter's cursor would run it in a transaction that the pool rolls back.
            dbapi_connection.run_async(lambda connection: connection.execute("SET log_statement = 'all'"))
    yield logged
    await logged.dispose()


@contextlib.asynccontextmanager
async def statements_reaching(db: Database, logged: Database):
    """The statements that reach the database in the block: read from PostgreSQL's server log (its cluster's `log`
    file beside the data directory); on SQLite, what the engine hands to sqlite3."""
    seen: list[str] = []
    if logged.sqlite:
        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(logged.engine.sync_engine, "before_cursor_execute", count)
        try:
            yield seen
        finally:
            event.remove(logged.engine.sync_engine, "before_cursor_execute", count)
        return
    async with db.engine.connect() as connection:
        data = await connection.scalar(text("SHOW data_directory"))
    log = os.path.join(os.path.dirname(data), "log")
    if not os.path.exists(log):
        pytest.skip("this PostgreSQL's server log is not readable here (an external PARTNERGRAPH_TEST_POSTGRES_URL)")
    start = os.path.getsize(log)
    sent: list[str] = []

    def count_sent(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(logged.engine.sync_engine, "before_cursor_execute", count_sent)
    try:
        yield seen
    finally:
        event.remove(logged.engine.sync_engine, "before_cursor_execute", count_sent)
    with open(log, encoding="utf-8", errors="replace") as file:
        file.seek(start)
        lines = file.read().splitlines()
    # "LOG:  statement: …" (simple protocol) and "LOG:  execute <name>: …" (asyncpg's prepared statements)
    for line in lines:
        for marker in ("LOG:  statement: ", "LOG:  execute "):
            if marker in line:
                statement = line.split(marker, 1)[1]
                seen.append(statement.split(": ", 1)[1] if marker.endswith("execute ") else statement)
    # What reached PostgreSQL is exactly what the application sent: nothing around it (no BEGIN, ping, ROLLBACK).
    assert len(seen) == len(sent), (seen, sent)


async def seeded(db):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, leader=acme["leader"],
                                   members=[acme["employee"], acme["colleague"]])
    await add_time_records(db, acme, project_id, acme["employee"], count=5)
    await add_time_records(db, acme, project_id, acme["colleague"], count=3)
    return acme, project_id


def selects(statements: list[str]) -> list[str]:
    # SQLite's sign-in cache asks the connection's data_version (domain.access.viewer_cache): a read too.
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA DATA_VERSION"))]


def sign_in_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if "api_tokens" in s]


async def read_twice(logged, db, query, variables, token, *, started=lambda: None):
    # Without the execution check, whose reference runs would add their own statements to the server's log.
    app = create_app(logged.settings.model_copy(update={"execution_check": False}), logged)
    # The sign-in cache's LISTEN connection (PostgreSQL) runs, as in a served app's lifespan.
    async with app.state.viewers.running(), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await asyncio.wait_for(app.state.viewers.listening.wait(), 10)
        started()  # the app has started (its own reads at startup are done)
        first = await graphql(client, query, variables, token=token)  # warm: connections made, statements prepared
        async with statements_reaching(db, logged) as statements:
            again = await graphql(client, query, variables, token=token)
    assert again == first
    # A warm request's viewer comes from the process's cache: no sign-in statement reached the database.
    assert not sign_in_statements(statements), statements
    return again, statements


async def test_a_project_page_sends_only_its_selects(db, logged_db):
    # given a project with a leader, two members and eight time records
    acme, project_id = await seeded(db)

    # when its admin reads the project page (a second time, warm)
    data, statements = await read_twice(logged_db, db, PROJECT_PAGE, {"id": gid("Project", project_id)},
                                        acme["admin"].token)

    # then the page is whole, and only SELECTs reached the database: no BEGIN, ROLLBACK or ping between them
    assert len(data["node"]["timeRecords"]["nodes"]) == 8
    assert len(data["node"]["members"]["nodes"]) == 2
    assert not [s for s in statements if s.lstrip().upper().startswith(TRANSACTION_CONTROL)], statements
    assert statements == selects(statements), statements
    assert not [s for s in statements if s.strip().upper() == "SELECT 1"], statements
    # run compiled: on PostgreSQL one SELECT per level with the rows its to-one relations name read along (the
    # project with its customer and leader, the members with their co-workers, the records with their co-workers
    # and activities); on SQLite, in-process, one per level and relation, and the sign-in cache's data_version
    print(len(statements), "statements for a project page")
    assert len([s for s in statements if not s.startswith("PRAGMA")]) == (8 if logged_db.sqlite else 3), statements


async def test_a_timesheet_sends_only_its_selects(db, logged_db):
    # given a co-worker with five time records in a week
    acme, _project_id = await seeded(db)
    employee = acme["employee"]

    # when they read their week
    data, statements = await read_twice(
        logged_db, db, TIMESHEET,
        {"id": gid("CoWorker", employee.co_worker_id), "from": "2026-03-02", "to": "2026-03-08"}, employee.token)

    # then the week is whole, and only SELECTs reached the database
    assert len(data["node"]["timeRecords"]["nodes"]) == 5
    assert not [s for s in statements if s.lstrip().upper().startswith(TRANSACTION_CONTROL)], statements
    assert statements == selects(statements), statements
    print(len(statements), "statements for a timesheet")
    # the co-worker, then the records with their projects and activities read along on PostgreSQL (none of the
    # projects is a secondary one, so no main project is read); on SQLite the records, projects and activities
    assert len([s for s in statements if not s.startswith("PRAGMA")]) == (4 if logged_db.sqlite else 2), statements


async def test_an_hours_reports_groups_read_their_co_workers_and_activities_along(db, logged_db):
    # given a project with eight time records of two co-workers
    acme, project_id = await seeded(db)

    # when its admin reads the project's hours report (totals, per co-worker, per activity, per month)
    data, statements = await read_twice(logged_db, db, HOURS_REPORT, {"filter": {
        "projectId": gid("Project", project_id), "from": "2026-01-01", "to": "2026-12-31"}}, acme["admin"].token)

    # then every total is there, each group with what it names
    report = data["hoursReport"]
    assert report["total"]["recordCount"] == 8
    assert sorted(group["recordCount"] for group in report["byCoWorker"]) == [3, 5]
    assert all(group["coWorker"]["name"] for group in report["byCoWorker"])
    assert all(group["activity"]["name"] for group in report["byActivity"])
    assert statements == selects(statements), statements
    # and on PostgreSQL the co-workers and activities came in their groups' statements: one statement per total;
    # on SQLite, in-process, one more each for the co-workers and the activities
    assert len([s for s in statements if not s.startswith("PRAGMA")]) == (6 if logged_db.sqlite else 4), statements


async def test_a_request_takes_one_connection_for_all_its_reads(db, logged_db):
    # given a project page to read
    acme, project_id = await seeded(db)
    checkouts: list[object] = []

    def count_checkouts():
        event.listen(logged_db.engine.sync_engine, "checkout", lambda *args: checkouts.append(args[0]))

    # when it is read
    await read_twice(logged_db, db, PROJECT_PAGE, {"id": gid("Project", project_id)}, acme["admin"].token,
                     started=count_checkouts)

    # then each request (two) checked out one connection, for its sign-in and all its loaders
    assert len(checkouts) == 2, checkouts


async def test_a_partner_co_workers_timesheet_reads_their_main_projects_along(db, logged_db):
    # given the benchmark's data set at a hundredth, and a co-worker with a week of hours on secondary projects
    dataset = await generate(db, factor=0.01, seed=9, write_targets=1)
    async with db.engine.connect() as connection:
        for email, company, co_worker_id in dataset.timesheet_people:
            day = await connection.scalar(text(
                "SELECT t.date FROM time_records t JOIN projects p ON p.id = t.project_id "
                "WHERE t.co_worker_id = :co_worker AND p.main_project_id IS NOT NULL ORDER BY t.date LIMIT 1"),
                {"co_worker": co_worker_id})
            if day is not None:
                break
    assert day is not None
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    token, _ = await create_token(db, db.settings, email=email, company=company, days=1)

    # when they read that week
    data, statements = await read_twice(logged_db, db, TIMESHEET, {
        "id": gid("CoWorker", co_worker_id), "from": day.isoformat(), "to": (day + dt.timedelta(days=6)).isoformat()},
        token)

    # then each record on a secondary project names its main project and that project's company, and on PostgreSQL
    # they came in the records' own statement: the co-worker, then the records with everything they name (on SQLite:
    # the records, their projects, the main projects, their companies and the activities, each by itself)
    linked = [r["project"]["mainProjectLink"] for r in data["node"]["timeRecords"]["nodes"]
              if r["project"]["mainProjectLink"] is not None]
    assert linked and all(link["company"]["name"] for link in linked)
    assert len([s for s in statements if not s.startswith("PRAGMA")]) == (6 if logged_db.sqlite else 2), statements
    # and the answer is the general executor's
    async with client_for(db, compiled_execution=False) as general:
        assert await graphql(general, TIMESHEET, {
            "id": gid("CoWorker", co_worker_id), "from": day.isoformat(),
            "to": (day + dt.timedelta(days=6)).isoformat()}, token=token) == data
