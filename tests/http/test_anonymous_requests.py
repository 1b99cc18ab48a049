"""Anonymous requests (no Authorization header): the schema is open to them, company data is not.

A request for nothing but what needs a sign-in is 401 UNAUTHENTICATED with no `data`; introspection, a
gateway's `_service`, GraphiQL and /health stay open; in a mix, only the fields that need a sign-in fail."""
import hashlib

import pytest
from sqlalchemy import func, select

from domain.model import Customer, PersistedQuery
from gql.protection.anonymous import needs_sign_in
from gql.schema import schema
from tests.factories import add_customer, company_with_staff, gid, graphql

GRAPHQL_RESPONSE = "application/graphql-response+json"
CUSTOMERS = "{ customers(first: 5) { nodes { name } } }"
CUSTOMER_CREATE = 'mutation($c: ID!) { customerCreate(input: {companyId: $c, name: "Anon"}) { userErrors { code } } }'


async def customer_count(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Customer))


def assert_refused_with_401(response, *fields: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer realm="partnergraph"'
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer <token>" in error["message"]
    assert all(f"`{field}`" in error["message"] for field in fields)


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
async def test_an_anonymous_list_query_is_401_unauthenticated_with_no_data(db, client, accept):
    acme = await company_with_staff(db)
    await add_customer(db, acme)
    response = await client.post("/graphql", json={"query": CUSTOMERS}, headers={"Accept": accept})
    assert_refused_with_401(response, "customers")
    assert response.headers["content-type"].startswith(accept)


@pytest.mark.parametrize("query, fields", [
    ("{ viewer { email } }", ["viewer"]),
    ("{ latestEventCursor }", ["latestEventCursor"]),
    ('{ node(id: "UHJvamVjdDox") { id } }', ["node"]),
    ('{ _entities(representations: [{__typename: "Project", id: "UHJvamVjdDox"}]) { __typename } }', ["_entities"]),
    ("{ companies { totalCount } projects { totalCount } }", ["companies", "projects"]),
    ("query { ...Lists } fragment Lists on Query { ... on Query { timeRecords { totalCount } } }", ["timeRecords"]),
], ids=["viewer", "latestEventCursor", "node", "_entities", "two-lists", "through-fragments"])
async def test_every_kind_of_company_read_is_refused_to_anonymous_requests(db, client, query, fields):
    assert_refused_with_401(await client.post("/graphql", json={"query": query}), *fields)


async def test_an_anonymous_query_over_get_is_refused_too(db, client):
    response = await client.get("/graphql", params={"query": CUSTOMERS}, headers={"Accept": GRAPHQL_RESPONSE})
    assert_refused_with_401(response, "customers")


async def test_the_same_query_with_a_token_answers_as_before(db, client):
    acme = await company_with_staff(db)
    await add_customer(db, acme, "Fjordkraft AS")
    data = await graphql(client, CUSTOMERS, token=acme["admin"].token)
    assert data == {"customers": {"nodes": [{"name": "Fjordkraft AS"}]}}


async def test_introspection_and_the_federation_sdl_answer_anonymous_requests(db, client):
    for query in ("{ __typename }", '{ __type(name: "Project") { name } }',
                  "{ __schema { queryType { name } } }", "{ _service { sdl } }"):
        response = await client.post("/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 200, query
        assert "errors" not in response.json(), query
        assert response.json()["data"], query


async def test_in_a_mix_with_introspection_only_the_company_field_fails(db, client):
    acme = await company_with_staff(db)
    body = (await client.post("/graphql", json={
        "query": "query($id: ID!) { __type(name: \"Project\") { name } node(id: $id) { id } }",
        "variables": {"id": acme.gid},
    })).json()
    assert body["data"] == {"__type": {"name": "Project"}, "node": None}
    [error] = body["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["node"], "UNAUTHENTICATED")
    assert "Authorization: Bearer <token>" in error["message"]


async def test_in_a_mix_a_non_null_company_field_nulls_the_data_as_graphql_has_it(db, client):
    response = await client.post("/graphql", json={"query": "{ __typename customers { totalCount } }"})
    assert response.status_code == 200  # it ran: the error belongs to a field
    body = response.json()
    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["customers"], "UNAUTHENTICATED")]


async def test_an_anonymous_mutation_is_refused_and_writes_nothing(db, client):
    acme = await company_with_staff(db)
    variables = {"c": acme.gid}
    refused = await client.post("/graphql", json={"query": CUSTOMER_CREATE, "variables": variables})
    assert_refused_with_401(refused, "customerCreate")

    mixed = CUSTOMER_CREATE.replace("{ customerCreate", "{ __typename customerCreate")
    body = (await client.post("/graphql", json={"query": mixed, "variables": variables})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await customer_count(db) == 0


async def test_an_invalid_anonymous_document_gets_its_validation_errors_first(db, client):
    response = await client.post("/graphql", json={"query": "{ customers { shoeSize } }"},
                                 headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 422
    assert "shoeSize" in response.json()["errors"][0]["message"]


async def test_an_anonymous_persisted_query_for_company_data_is_refused_and_not_stored(db, client):
    sha256 = hashlib.sha256(CUSTOMERS.encode()).hexdigest()
    response = await client.post("/graphql", json={
        "query": CUSTOMERS, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}},
    })
    assert_refused_with_401(response, "customers")
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(PersistedQuery)) == 0


async def test_graphiql_and_health_stay_open(db, client):
    page = await client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert (await client.get("/health")).json() == {"status": "ok"}


async def test_an_anonymous_file_download_is_401_not_a_missing_file(db, client):
    response = await client.get(f"/files/{gid('File', 1)}/content")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_only_introspection_and_the_federation_sdl_are_open_of_the_root_fields():
    roots = [schema._schema.query_type, schema._schema.mutation_type, schema._schema.subscription_type]
    open_fields = {name for root in roots for name in root.fields if not needs_sign_in(name)}
    assert open_fields == {"_service"}  # the other open names are introspection's, not the schema's own
