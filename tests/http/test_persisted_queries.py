"""Persisted queries: Apollo's automatic persisted queries (by SHA-256, stored in the database for every
process), and the mode where only stored queries run."""
import hashlib
import json

from sqlalchemy import func, select

from domain.model import PersistedQuery
from domain.platform.persisted_queries import save_query
from tests.factories import company_with_staff
from tests.http.apps import client_for

VIEWER = "query Viewer { viewer { email } }"
CUSTOMER_CREATE = 'mutation { customerCreate(input: {companyId: "x", name: "y"}) { userErrors { code } } }'


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def apq(query_hash: str, query: str | None = None) -> dict:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": query_hash}}}
    return {**body, "query": query} if query is not None else body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def stored(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(PersistedQuery))


async def test_an_unknown_hash_asks_for_the_query_then_the_hash_alone_runs_it(db):
    acme = await company_with_staff(db)
    headers = bearer(acme["admin"].token)
    async with client_for(db) as client:
        unknown = await client.post("/graphql", json=apq(sha256(VIEWER)), headers=headers)
        registered = await client.post("/graphql", json=apq(sha256(VIEWER), VIEWER), headers=headers)
        by_hash = await client.post("/graphql", json=apq(sha256(VIEWER)), headers=headers)

    assert unknown.status_code == 200  # application/json: Apollo's clients read the error and retry
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert registered.json()["data"] == {"viewer": {"email": acme["admin"].email}}
    assert by_hash.json()["data"] == {"viewer": {"email": acme["admin"].email}}
    assert await stored(db) == 1


async def test_a_stored_query_is_known_to_every_process_and_runs_over_get(db):
    acme = await company_with_staff(db)
    async with client_for(db) as first_process:
        await first_process.post("/graphql", json=apq(sha256(VIEWER), VIEWER), headers=bearer(acme["admin"].token))
    async with client_for(db) as second_process:  # another app: nothing shared but the database
        response = await second_process.get(
            "/graphql", params={"extensions": json.dumps(apq(sha256(VIEWER))["extensions"])},
            headers={"Accept": "application/graphql-response+json", **bearer(acme["admin"].token)},
        )
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": {"email": acme["admin"].email}}


async def test_an_unknown_hash_is_404_for_graphql_response_json_clients(db):
    async with client_for(db) as client:
        response = await client.get(
            "/graphql", params={"extensions": json.dumps(apq("0" * 64)["extensions"])},
            headers={"Accept": "application/graphql-response+json"},
        )
    assert response.status_code == 404
    assert "data" not in response.json()


async def test_a_hash_that_does_not_match_the_query_is_refused_and_nothing_is_stored(db):
    async with client_for(db) as client:
        response = await client.post("/graphql", json=apq(sha256("{ something { else } }"), VIEWER),
                                     headers={"Accept": "application/graphql-response+json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert await stored(db) == 0


async def test_a_malformed_persisted_query_extension_is_refused(db):
    async with client_for(db) as client:
        for extension in ({"version": 2, "sha256Hash": sha256(VIEWER)}, {"version": 1, "sha256Hash": "abc"}, "x"):
            response = await client.post("/graphql", json={"query": VIEWER, "extensions": {"persistedQuery": extension}})
            assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_INVALID", extension


async def test_an_invalid_document_is_never_stored(db):
    invalid = "{ viewer { shoeSize } }"
    async with client_for(db) as client:
        response = await client.post("/graphql", json=apq(sha256(invalid), invalid))
    assert response.json()["errors"][0]["message"].startswith("Cannot query field 'shoeSize'")
    assert await stored(db) == 0


async def test_a_persisted_mutation_by_hash_over_get_is_405(db):
    await save_query(db, CUSTOMER_CREATE, source="cli")
    async with client_for(db) as client:
        response = await client.get("/graphql", params={
            "extensions": json.dumps(apq(sha256(CUSTOMER_CREATE))["extensions"])
        }, headers={"Accept": "application/json"})
    assert response.status_code == 405


async def test_in_persisted_only_mode_only_stored_queries_run_by_hash_or_as_the_same_text(db):
    acme = await company_with_staff(db)
    headers = {"Accept": "application/graphql-response+json", **bearer(acme["admin"].token)}
    await save_query(db, VIEWER, source="cli")
    other = "{ companies { totalCount } }"
    async with client_for(db, persisted_queries="only") as client:
        by_hash = await client.post("/graphql", json=apq(sha256(VIEWER)), headers=headers)
        as_text = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
        free_form = await client.post("/graphql", json={"query": other}, headers=headers)
        registration = await client.post("/graphql", json=apq(sha256(other), other), headers=headers)

    assert by_hash.json()["data"] == as_text.json()["data"] == {"viewer": {"email": acme["admin"].email}}
    for refused in (free_form, registration):
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        assert "data" not in refused.json()
    assert await stored(db) == 1  # nothing was registered by a request
