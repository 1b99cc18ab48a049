"""A nested read costs the same number of SQL statements for 10 projects as for 100: loaders batch every level."""
import contextlib
import datetime as dt

import httpx
import pytest
from sqlalchemy import event

from gql.compiled.execution import checking as execution_check
from partnergraph.composition import create_app

from tests.factories import (
    add_customer, add_hours_in_bulk, add_projects_in_bulk, company_with_staff, gid, graphql,
)

PROJECTS_WITH_HOURS = """
query ProjectsWithHours($first: Int!) {
  projects(first: $first) {
    totalCount
    edges {
      node {
        id name customer { name contacts { name } } leader { name }
        members(first: 10) {
          totalCount
          edges {
            node {
              coWorker { name email }
              timeRecords(first: 5) {
                edges { node { id date hours coWorker { name } activity { name } project { name } } }
              }
            }
          }
        }
      }
    }
  }
}
"""


@pytest.fixture
async def client(db):
    """These reads are large on purpose: loader batching is under test here, not the query cost limit
    (tests/http/test_limits.py), so the app allows any cost and has no rate limit."""
    app = create_app(db.settings.model_copy(update={"max_query_cost": 10**9, "rate_limit": False}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


@contextlib.contextmanager
def counting_statements(db, *, skip_begin: bool = False):
    """The SQL statements run inside the block (SQLite's BEGIN left out with `skip_begin`); those of the execution
    check's second run of a query on the general executor (tests/conftest.py turns the check on) are not the
    request's."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not (skip_begin and statement.startswith("BEGIN")) and not execution_check.get():
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def seed_projects(db, acme, customer_id, count, first_number):
    staff = [acme["employee"], acme["colleague"], acme["external"]]
    project_ids = await add_projects_in_bulk(
        db, acme, customer_id, count, members=staff, leader=acme["leader"], first_number=first_number
    )
    await add_hours_in_bulk(db, acme, project_ids, staff, [dt.date(2026, 3, 2), dt.date(2026, 3, 3)])


async def signed_in(client, token):
    """One request first, so that the measured ones all find the viewer in the server's sign-in cache (a request
    that misses it sends one statement more, whatever the data size)."""
    await graphql(client, "{ viewer { email } }", token=token)


async def statements_for(db, client, token, first):
    with counting_statements(db) as statements:
        data = await graphql(client, PROJECTS_WITH_HOURS, {"first": first}, token=token)
    return data, statements


async def test_a_nested_read_costs_as_many_statements_for_100_projects_as_for_10(db, client):
    # given 110 projects, each with three members who each have two time records
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    await seed_projects(db, acme, customer_id, 110, first_number=1000)

    # when an admin reads 10 projects, then 100, with members, their hours, and each record's co-worker and activity
    await signed_in(client, acme["admin"].token)
    small, small_statements = await statements_for(db, client, acme["admin"].token, 10)
    large, large_statements = await statements_for(db, client, acme["admin"].token, 100)

    # then both read everything, with the same statements
    assert len(small["projects"]["edges"]) == 10
    assert len(large["projects"]["edges"]) == 100
    last = large["projects"]["edges"][-1]["node"]
    assert last["members"]["totalCount"] == 3
    assert [len(e["node"]["timeRecords"]["edges"]) for e in last["members"]["edges"]] == [2, 2, 2]
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
    # one statement per loader and level (11 measured; sign-in is cached), plus the sign-in cache's PRAGMA on SQLite
    assert len([s for s in large_statements if s.lstrip().upper().startswith("SELECT")]) <= 15, large_statements


ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Project { id name } ... on Customer { id name } }
}
"""

NODES = """
query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on Project { name } ... on Customer { name } } }
"""


async def test_entities_and_nodes_load_each_type_in_one_batch(db, client):
    # given 40 projects of two customers
    acme = await company_with_staff(db)
    customers = [await add_customer(db, acme, "Fjordkraft AS"), await add_customer(db, acme, "Bergen Bygg AS")]
    project_ids = await add_projects_in_bulk(db, acme, customers[0], 40, first_number=1000)
    token = acme["admin"].token

    def representations(count):
        return [{"__typename": "Project", "id": gid("Project", p)} for p in project_ids[:count]] + [
            {"__typename": "Customer", "id": gid("Customer", c)} for c in customers
        ]

    # when a gateway resolves 2 projects, then 40, and a client asks for the same through `nodes`
    await signed_in(client, token)
    with counting_statements(db) as few:
        few_data = await graphql(client, ENTITIES, {"representations": representations(2)}, token=token)
    with counting_statements(db) as many:
        many_data = await graphql(client, ENTITIES, {"representations": representations(40)}, token=token)
    with counting_statements(db) as by_nodes:
        nodes_data = await graphql(client, NODES, {"ids": [r["id"] for r in representations(40)]}, token=token)

    # then every entity is found, in order, at the same cost: one statement per type
    assert len(few_data["_entities"]) == 4
    assert [e["id"] for e in many_data["_entities"]] == [r["id"] for r in representations(40)]
    assert nodes_data["nodes"] == many_data["_entities"]
    assert len(many) == len(few) == len(by_nodes)


async def test_a_huge_entities_call_is_split_into_bounded_statements_rather_than_failing(db, client):
    # given one project, and a gateway asking for it among 2,500 representations
    acme = await company_with_staff(db)
    project_ids = await add_projects_in_bulk(db, acme, await add_customer(db, acme), 1)
    representations = [{"__typename": "Project", "id": gid("Project", project_ids[0] + i)} for i in range(2500)]

    # when they are resolved
    with counting_statements(db) as statements:
        data = await graphql(client, ENTITIES, {"representations": representations}, token=acme["admin"].token)

    # then the one that exists is found, the rest are null, in three statements of at most 1,000 ids
    assert data["_entities"][0] == {"id": gid("Project", project_ids[0]), "name": "Project 0001"}
    assert data["_entities"][1:] == [None] * 2499
    assert len([s for s in statements if "FROM projects" in s]) == 3
