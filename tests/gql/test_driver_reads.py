"""A compiled read's levels run on the read connection's own driver (domain.platform.driver_reads): each kept
statement's SQL text and parameter order are learned once from what SQLAlchemy sent, then sent straight to
asyncpg / aiosqlite, its rows processed by SQLAlchemy's own result processors. The answer is byte for byte the
general executor's and SQLAlchemy's, and every statement is still seen (and counted) by the engine's listeners."""
import contextlib
import json

import httpx
from sqlalchemy import event

from bench.operations import HOURS_REPORT, PROJECT_PAGE, TIMESHEET
from domain.platform import driver_reads
from gql.compiled.execution import checking
from partnergraph.composition import create_app

from tests.factories import add_customer, company_with_staff, gid
from tests.gql.test_read_round_trips import seeded


@contextlib.contextmanager
def statements_sent(db):
    """(statement, sent on the driver) for each statement the request's engine hands on; the execution check's
    own second run left out. A statement run through SQLAlchemy has a DBAPI cursor; one sent on the driver none."""
    seen: list[tuple[str, bool]] = []

    def listen(_conn, cursor, statement, *_args):
        if not checking.get():
            seen.append((statement, cursor is None))

    event.listen(db.engine.sync_engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", listen)


async def answer(client, query, variables, token) -> tuple[str, str]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    return response.text, response.headers.get("x-sql-statements")


async def test_a_warm_compiled_read_runs_its_levels_on_the_driver_and_answers_as_the_general_executor(db):
    # given a project page, a timesheet and an hours report to read, and the app counting its statements per request
    acme, project_id = await seeded(db)
    employee = acme["employee"]
    reads = [(PROJECT_PAGE, {"id": gid("Project", project_id)}, acme["admin"].token),
             (TIMESHEET, {"id": gid("CoWorker", employee.co_worker_id), "from": "2026-03-02", "to": "2026-03-08"},
              employee.token),
             (HOURS_REPORT, {"filter": {"projectId": gid("Project", project_id), "from": "2026-01-01",
                                        "to": "2026-12-31"}}, acme["admin"].token)]
    settings = db.settings.model_copy(update={"report_sql_statements": True, "rate_limit": False})
    compiled_app = create_app(settings, db)
    general_app = create_app(settings.model_copy(update={"compiled_execution": False}), db)
    transport = httpx.ASGITransport
    async with httpx.AsyncClient(transport=transport(app=compiled_app), base_url="http://testserver") as compiled, \
            httpx.AsyncClient(transport=transport(app=general_app), base_url="http://testserver") as general:
        for query, variables, token in reads:
            # when each is read compiled: a first time (SQLAlchemy runs each level, its text is learned), then again
            first, _count = await answer(compiled, query, variables, token)
            with statements_sent(db) as statements:
                again, count = await answer(compiled, query, variables, token)
            reference, _count = await answer(general, query, variables, token)

            # then the warm read's levels (every SELECT but the sign-in's: the report's totals too) went to the
            # driver, every one of them seen by the engine's listeners and counted in X-SQL-Statements, and both
            # answers are the general executor's, byte for byte
            on_driver = [statement for statement, driver in statements if driver]
            assert len(on_driver) >= 2, statements  # a level's to-one relations are joined into its SELECT
            assert not [statement for statement, driver in statements if not driver
                        and statement.lstrip().upper().startswith("SELECT") and "api_tokens" not in statement], \
                statements  # (the sign-in's: this app runs without its viewer cache)
            assert all(statement.lstrip().upper().startswith("SELECT") for statement in on_driver), on_driver
            assert int(count) == len(statements), (count, statements)
            assert json.loads(again) == json.loads(first) == json.loads(reference)
            assert again == reference


@contextlib.asynccontextmanager
async def unlimited_client(db):
    """A client of an app without the rate limit, whose `throttleStatus` would differ from one answer to the next."""
    app = create_app(db.settings.model_copy(update={"rate_limit": False}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def test_without_the_driver_the_same_statements_run_through_sqlalchemy_with_the_same_answer(db, monkeypatch):
    async with unlimited_client(db) as client:
        await read_without_the_driver(db, client, monkeypatch)


async def read_without_the_driver(db, client, monkeypatch):
    # given a project page read once on the driver
    acme, project_id = await seeded(db)
    variables = {"id": gid("Project", project_id)}
    await answer(client, PROJECT_PAGE, variables, acme["admin"].token)
    on_driver, _count = await answer(client, PROJECT_PAGE, variables, acme["admin"].token)

    # when no driver is known (every kept statement then runs through the session)
    monkeypatch.setattr(driver_reads, "DRIVERS", ())
    for kept in list(driver_reads._KEPT.values()):
        monkeypatch.setattr(kept, "forms", {})
    with statements_sent(db) as statements:
        through_sqlalchemy, _count = await answer(client, PROJECT_PAGE, variables, acme["admin"].token)

    # then SQLAlchemy ran them all, and the answer is the same bytes
    assert statements and not [statement for statement, driver in statements if driver], statements
    assert through_sqlalchemy == on_driver


NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Customer { name } } }"


async def test_in_lists_of_three_and_four_keys_are_one_statement_with_the_rows_asked_for(db):
    # given four customers
    acme = await company_with_staff(db)
    ids = [gid("Customer", await add_customer(db, acme, name=f"Customer {n}")) for n in range(4)]

    async with unlimited_client(db) as client:
        # when the admin asks for three of them, then for all four (each twice: the second on the driver)
        texts = []
        for asked in (ids[:3], ids):
            await answer(client, NODES, {"ids": asked}, acme["admin"].token)
            with statements_sent(db) as statements:
                body, _count = await answer(client, NODES, {"ids": asked}, acme["admin"].token)
            texts.append({statement for statement, driver in statements if driver})

            # then each answer has exactly the customers asked for, in order (the padded list repeats the last key)
            assert [node["id"] for node in json.loads(body)["data"]["nodes"]] == asked

    # and the three keys were sent as the four's statement: one SQL text for both lengths
    assert texts[0] and texts[0] == texts[1], texts


TYPED = """
query Typed($id: ID!) {
  node(id: $id) {
    ... on Project {
      createdAt status hourlyRate
      activities(first: 10) { nodes { number name active createdAt } }
      timeRecords(first: 10) { nodes { date hours status createdAt updatedAt activity { active } } }
    }
  }
}
"""


async def test_dates_datetimes_decimals_enums_and_booleans_from_the_driver_are_sqlalchemys(db):
    # given a project with time records (dates, decimal hours, a status, timestamps) and an activity
    acme, project_id = await seeded(db)
    variables = {"id": gid("Project", project_id)}
    general_app = create_app(db.settings.model_copy(update={"rate_limit": False, "compiled_execution": False}), db)

    async with unlimited_client(db) as client, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=general_app), base_url="http://testserver") as general:
        # when its admin reads their typed fields compiled, warm (on the driver), and on the general executor
        await answer(client, TYPED, variables, acme["admin"].token)
        with statements_sent(db) as statements:
            compiled, _count = await answer(client, TYPED, variables, acme["admin"].token)
        reference, _count = await answer(general, TYPED, variables, acme["admin"].token)

    # then the levels came from the driver, and every value is serialised as from SQLAlchemy's rows, byte for byte
    assert [statement for statement, driver in statements if driver], statements
    records = json.loads(compiled)["data"]["node"]["timeRecords"]["nodes"]
    assert len(records) == 8 and all(record["createdAt"] and record["hours"] for record in records)
    assert compiled == reference
