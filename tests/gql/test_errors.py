"""Top-level errors: request problems are shown as they are, unexpected faults are masked with an id."""
import logging

from gql.schema.companies.types import Company
from tests.factories import company_with_staff, graphql

COMPANIES = "{ companies { edges { node { name } } } }"
TIME_RECORD_CREATE = """
mutation($input: TimeRecordCreateInput!) { timeRecordCreate(input: $input) { userErrors { field code } } }
"""


async def test_an_unexpected_fault_is_masked_and_logged_with_the_same_id(db, client, monkeypatch, caplog):
    acme = await company_with_staff(db)

    def broken(cls, row):
        raise RuntimeError("secret internals: connection string postgres://x")

    monkeypatch.setattr(Company, "from_row", classmethod(broken))
    with caplog.at_level(logging.ERROR, logger="partnergraph.errors"):
        body = await graphql(client, COMPANIES, token=acme["admin"].token, expect_errors=True)

    error = body["errors"][0]
    assert "secret" not in error["message"]
    error_id = error["extensions"]["errorId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error_id in error["message"]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "secret internals" in str(logged[0].exc_info[1])


async def test_a_malformed_decimal_variable_is_a_request_error_not_a_server_fault(db, client):
    acme = await company_with_staff(db)
    variables = {"input": {"projectId": "x", "activityId": "y", "date": "2026-03-02", "hours": "abc"}}
    body = await graphql(client, TIME_RECORD_CREATE, variables, token=acme["admin"].token, expect_errors=True)
    assert "data" not in body or body["data"] is None
    assert "Internal server error" not in body["errors"][0]["message"]
    assert "hours" in body["errors"][0]["message"]


async def test_malformed_graphql_is_a_graphql_error_never_a_500(db, client):
    acme = await company_with_staff(db)
    response = await client.post(
        "/graphql", json={"query": "{ companies { "}, headers={"Authorization": f"Bearer {acme['admin'].token}"}
    )
    assert response.status_code < 500
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")


async def test_credentials_that_are_not_a_bearer_token_are_refused_with_401(db, client):
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc"):
        response = await client.post("/graphql", json={"query": COMPANIES}, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")
