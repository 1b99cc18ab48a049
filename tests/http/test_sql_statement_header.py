"""PARTNERGRAPH_REPORT_SQL_STATEMENTS: each /graphql answer says how many SQL statements its request ran (for
bench/api.py); off by default."""
import contextlib

import httpx
import pytest

from partnergraph.composition import create_app
from tests.factories import add_customer, add_project, company_with_staff
from tests.gql.test_statement_count import counting_statements

PROJECTS = """
query { projects(first: 10) { nodes { name customer { name } leader { name } members(first: 5) { nodes { coWorker { name } } } } } }
"""


@contextlib.asynccontextmanager
async def client_of(db, *, report: bool):
    app = create_app(db.settings.model_copy(update={"report_sql_statements": report}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def acme(db):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    for name in ("Website", "Intranet"):
        await add_project(db, acme, customer_id, name, leader=acme["leader"], members=[acme["employee"]])
    return acme


async def post(client, token):
    return await client.post("/graphql", json={"query": PROJECTS}, headers={"Authorization": f"Bearer {token}"})


async def test_each_answer_carries_the_statements_its_request_ran(db, acme):
    # given a server that reports statements
    async with client_of(db, report=True) as client:
        await post(client, acme["admin"].token)  # warm: the first request may load what later ones reuse
        # when the admin reads projects with nested relations, twice
        with counting_statements(db) as ran:
            first = await post(client, acme["admin"].token)
        second = await post(client, acme["admin"].token)
    # then the header counts this request's statements, BEGIN left out, and the same each time
    assert first.status_code == 200 and "errors" not in first.json()
    expected = len([s for s in ran if not s.startswith("BEGIN")])
    assert expected > 3
    assert int(first.headers["x-sql-statements"]) == expected
    assert int(second.headers["x-sql-statements"]) == expected


async def test_a_refused_token_is_counted_too(db, acme):
    async with client_of(db, report=True) as client:
        response = await post(client, "pgt_unknown")
    assert response.status_code == 401
    assert int(response.headers["x-sql-statements"]) >= 1  # the token lookup


async def test_no_header_unless_switched_on(db, acme):
    async with client_of(db, report=False) as client:
        response = await post(client, acme["admin"].token)
    assert response.status_code == 200
    assert "x-sql-statements" not in response.headers
