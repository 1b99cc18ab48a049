"""Limits against abusive queries: depth, aliases, tokens and cost, checked before anything runs; the cost
reported in `extensions.cost`; a per-token rate limit over cost."""
import pytest
from pydantic import ValidationError

from domain.platform.settings import Settings
from tests.factories import add_customer, add_project, company_with_staff
from tests.http.apps import client_for

GRAPHQL_RESPONSE = "application/graphql-response+json"
PROJECTS = "{ projects(first: 20) { nodes { name } } }"  # requests 21 points


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE}


def nested(levels: int) -> str:
    """Projects of the customer of projects of…: depth 2 + 3 per level."""
    inner = "name"
    for _ in range(levels):
        inner = f"customer {{ projects(first: 1) {{ nodes {{ {inner} }} }} }}"
    return f"{{ projects(first: 1) {{ nodes {{ {inner} }} }} }}"


async def test_a_query_deeper_than_the_limit_is_refused_before_it_runs(db):
    acme = await company_with_staff(db)
    async with client_for(db, max_query_depth=5) as client:
        allowed = await client.post("/graphql", json={"query": nested(1)}, headers=bearer(acme["admin"].token))
        refused = await client.post("/graphql", json={"query": nested(2)}, headers=bearer(acme["admin"].token))
    assert allowed.status_code == 200
    assert refused.status_code == 422
    assert "exceeds maximum operation depth of 5" in refused.json()["errors"][0]["message"]
    assert "data" not in refused.json()


async def test_more_aliases_than_the_limit_are_refused(db):
    query = "{ " + " ".join(f"a{i}: viewer {{ email }}" for i in range(4)) + " }"
    async with client_for(db, max_query_aliases=3) as client:
        response = await client.post("/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "4 aliases found. Allowed: 3"


async def test_a_document_longer_in_tokens_than_the_limit_is_not_even_parsed(db):
    query = "{ viewer { " + "email " * 50 + "} }"
    async with client_for(db, max_query_tokens=40) as client:
        response = await client.post("/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert "Document contains more than 40 tokens" in response.json()["errors"][0]["message"]


async def test_a_query_dearer_than_the_maximum_cost_is_refused_with_its_cost_and_runs_nothing(db):
    acme = await company_with_staff(db)
    query = "{ projects(first: 100) { nodes { members(first: 100) { nodes { coWorker { email } } } } } }"
    async with client_for(db) as client:
        response = await client.post("/graphql", json={"query": query}, headers=bearer(acme["admin"].token))
    assert response.status_code == 422
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "requestedQueryCost": 1 + 100 * (1 + 1 + 100 * 2),
                                   "maximumQueryCost": 1000}
    assert body["extensions"]["cost"]["actualQueryCost"] is None


async def test_the_response_reports_the_requested_and_actual_cost_and_the_throttle_state(db):
    acme = await company_with_staff(db)
    customer = await add_customer(db, acme)
    await add_project(db, acme, customer, "Website")
    await add_project(db, acme, customer, "Intranet")
    async with client_for(db, rate_limit_points=500, rate_limit_restore_per_second=0.001) as client:
        response = await client.post("/graphql", json={"query": PROJECTS}, headers=bearer(acme["admin"].token))
    assert response.status_code == 200
    cost = response.json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 21
    assert cost["actualQueryCost"] == 3  # the connection and its two projects
    assert cost["maximumQueryCost"] == 1000
    # The bucket was charged the actual cost only: what was requested and not used came back.
    assert cost["throttleStatus"] == {"maximumAvailable": 500, "currentlyAvailable": 497, "restoreRate": 0.001}


async def test_a_token_over_its_rate_limit_gets_429_throttled_with_the_time_to_wait(db):
    acme = await company_with_staff(db)
    admin, leader = acme["admin"].token, acme["leader"].token
    async with client_for(db, rate_limit_points=30, rate_limit_restore_per_second=2) as client:
        # Each query takes 21 points up front and gives back 20 (it finds nothing), so it costs 1.
        for _ in range(9):
            assert (await client.post("/graphql", json={"query": PROJECTS}, headers=bearer(admin))).status_code == 200
        dear = "{ projects(first: 40) { nodes { name } } }"  # 41 points: more than the bucket ever holds now
        refused = await client.post("/graphql", json={"query": dear}, headers=bearer(admin))
        other_token = await client.post("/graphql", json={"query": PROJECTS}, headers=bearer(leader))

    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "THROTTLED"
    wait = error["extensions"]["retryAfter"]
    assert 5 < wait <= 20.5  # (41 - about 21 available) points at 2 a second
    assert refused.headers["retry-after"] == str(int(-(-wait // 1)))
    assert "data" not in refused.json()
    assert other_token.status_code == 200  # buckets are per token


async def test_throttling_is_429_for_application_json_clients_too(db):
    acme = await company_with_staff(db)
    headers = {**bearer(acme["admin"].token), "Accept": "application/json"}
    async with client_for(db, rate_limit_points=5, rate_limit_restore_per_second=1) as client:
        response = await client.post("/graphql", json={"query": PROJECTS}, headers=headers)
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["code"] == "THROTTLED"


async def test_with_the_rate_limit_off_nothing_is_throttled_and_no_throttle_state_is_reported(db):
    acme = await company_with_staff(db)
    async with client_for(db, rate_limit=False, rate_limit_points=5) as client:
        response = await client.post("/graphql", json={"query": PROJECTS}, headers=bearer(acme["admin"].token))
    assert response.status_code == 200
    assert "throttleStatus" not in response.json()["extensions"]["cost"]


def test_a_bucket_smaller_than_the_dearest_allowed_query_is_a_configuration_error():
    with pytest.raises(ValidationError, match="RATE_LIMIT_POINTS must be at least"):
        Settings(_env_file=None, rate_limit_points=999, max_query_cost=1000)
    assert Settings(_env_file=None, rate_limit=False, rate_limit_points=1).rate_limit is False
