"""A query text is parsed and validated once (gql.protection.validation): later requests with the same text
reuse the verdict, while the cost, which depends on each request's variables, is still counted every time."""
import pytest

from gql.protection import validation
from tests.factories import company_with_staff
from tests.http.apps import client_for

GRAPHQL_RESPONSE = "application/graphql-response+json"
PROJECTS = "query Projects($first: Int!) { projects(first: $first) { nodes { name members(first: 100) { nodes { coWorker { email } } } } } }"
INVALID = "{ projects(first: 5) { nodes { nameOfNothing } } }"


@pytest.fixture
def validations(monkeypatch):
    """How many times graphql-core's validation runs through the cache."""
    calls: list[int] = []
    real = validation.validate_document

    def counting(schema, document, rules):
        calls.append(1)
        return real(schema, document, rules)

    monkeypatch.setattr(validation, "validate_document", counting)
    return calls


async def post(client, query, variables, token):
    return await client.post("/graphql", json={"query": query, "variables": variables},
                             headers={"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE})


async def test_the_same_text_is_validated_once_and_its_cost_counted_from_each_requests_variables(db, validations):
    acme = await company_with_staff(db)
    token = acme["admin"].token
    # a text no other test (nor this one on the other database) sends: the cache outlives the app
    query = PROJECTS.replace("Projects", f"ProjectsValidatedOnce{'OnSqlite' if db.sqlite else 'OnPostgres'}")
    # when it asks for 2, 3 and then 20 projects
    async with client_for(db, max_query_cost=1000) as client:
        small = await post(client, query, {"first": 2}, token)
        again = await post(client, query, {"first": 3}, token)
        dear = await post(client, query, {"first": 20}, token)  # 20 * (1 + 1 + 100 * 2) points
    assert small.status_code == again.status_code == 200
    assert small.json()["extensions"]["cost"]["requestedQueryCost"] < again.json()["extensions"]["cost"]["requestedQueryCost"]
    assert dear.status_code == 422
    assert dear.json()["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert len(validations) == 1


async def test_an_invalid_text_gets_the_same_errors_every_time(db, validations):
    acme = await company_with_staff(db)
    async with client_for(db) as client:
        first = await post(client, INVALID, {}, acme["admin"].token)
        second = await post(client, INVALID, {}, acme["admin"].token)
    assert first.status_code == second.status_code == 422
    assert first.json() == second.json()
    assert "nameOfNothing" in first.json()["errors"][0]["message"]
    assert len(validations) <= 1  # (once, unless an earlier test already sent this text)


async def test_other_limits_validate_the_same_text_again(db, validations):
    inner = "customer { projects(first: 1) { nodes { customer { projects(first: 1) { nodes { name } } } } } }"
    query = f"{{ projects(first: 1) {{ nodes {{ {inner} }} }} }}"  # deeper than 5, not than 12
    acme = await company_with_staff(db)
    async with client_for(db, max_query_depth=12) as client:
        allowed = await post(client, query, {}, acme["admin"].token)
    async with client_for(db, max_query_depth=5) as client:
        refused = await post(client, query, {}, acme["admin"].token)
    assert allowed.status_code == 200
    assert refused.status_code == 422
    assert "exceeds maximum operation depth of 5" in refused.json()["errors"][0]["message"]
