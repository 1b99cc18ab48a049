"""CORS for single-page apps: the configured origins may call /graphql from a browser, no other may."""
from tests.http.apps import client_for

APP = "https://app.example.com"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}


async def test_a_configured_origin_passes_the_preflight_and_reads_the_response(db):
    async with client_for(db, cors_origins=[APP, "http://localhost:5173"]) as client:
        preflight = await client.options("/graphql", headers={"Origin": APP, **PREFLIGHT})
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": APP})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers  # bearer tokens, never cookies
    assert response.headers["access-control-allow-origin"] == APP
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()


async def test_another_origin_is_refused_at_the_preflight_and_gets_no_cors_headers(db):
    async with client_for(db, cors_origins=[APP]) as client:
        preflight = await client.options("/graphql", headers={"Origin": "https://evil.example", **PREFLIGHT})
        response = await client.post("/graphql", json={"query": "{ __typename }"},
                                     headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in response.headers


async def test_without_configured_origins_no_origin_is_allowed(db):
    async with client_for(db, cors_origins=[]) as client:
        preflight = await client.options("/graphql", headers={"Origin": APP, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 405  # no CORS: OPTIONS is just a method /graphql does not serve


async def test_origins_are_read_from_a_comma_separated_setting():
    from domain.platform.settings import Settings

    settings = Settings(_env_file=None, cors_origins=f"{APP}/, http://localhost:5173")
    assert settings.cors_origins == [APP, "http://localhost:5173"]
