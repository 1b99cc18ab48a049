"""Single-page apps sign in with OpenID Connect JWTs: checked against the issuer's JWKS (a key this test
makes, served on 127.0.0.1) and mapped to a user by email."""
import pytest

from tests.factories import company_with_staff
from tests.http.apps import client_for
from tests.http.identity_provider import IdentityProvider, new_key
from tests.http.live_server import free_port

AUDIENCE = "partnergraph-spa"
VIEWER = "{ viewer { email } companies { totalCount } }"


@pytest.fixture
def issuer():
    with IdentityProvider() as provider:
        yield provider


def oidc_client(db, issuer_url: str):
    return client_for(db, oidc_issuer=issuer_url, oidc_audience=AUDIENCE)


async def ask(client, token: str):
    return await client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})


async def test_a_valid_jwt_signs_in_as_the_user_with_its_email_whatever_its_case(db, issuer):
    acme = await company_with_staff(db)
    async with oidc_client(db, issuer.issuer) as client:
        response = await ask(client, issuer.token(email=acme["admin"].email.upper()))
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": {"email": acme["admin"].email}, "companies": {"totalCount": 1}}


async def test_the_issuers_keys_are_fetched_once_and_reused(db, issuer):
    acme = await company_with_staff(db)
    async with oidc_client(db, issuer.issuer) as client:
        for _ in range(5):
            assert (await ask(client, issuer.token(email=acme["admin"].email))).status_code == 200
    assert issuer.requests == ["/.well-known/openid-configuration", "/jwks"]


async def test_tokens_that_are_not_valid_for_this_server_get_401(db, issuer):
    acme = await company_with_staff(db)
    email = acme["admin"].email
    refused = {
        "expired": issuer.token(email=email, expires_in=-120),
        "another audience": issuer.token(email=email, audience="someone-else"),
        "another issuer": issuer.token(email=email, issuer="https://evil.example"),
        "another key": issuer.token(email=email, key=new_key()),
        "an unknown key id": issuer.token(email=email, kid="key-404"),
        "a symmetric algorithm": issuer.token(email=email, key=b"x" * 32, algorithm="HS256"),
        "no email": issuer.token(email=None),
        "an unverified email": issuer.token(email=email, email_verified=False),
        "an email no user has": issuer.token(email="nobody@acme.test"),
        "a tampered payload": issuer.token(email=email)[:-4] + "AAAA",
    }
    async with oidc_client(db, issuer.issuer) as client:
        for reason, token in refused.items():
            response = await ask(client, token)
            assert response.status_code == 401, reason
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", reason


async def test_api_tokens_still_sign_in_when_oidc_is_configured(db, issuer):
    acme = await company_with_staff(db)
    async with oidc_client(db, issuer.issuer) as client:
        response = await ask(client, acme["leader"].token)
    assert response.json()["data"]["viewer"] == {"email": acme["leader"].email}


async def test_a_jwt_is_refused_when_no_issuer_is_configured(db, issuer):
    acme = await company_with_staff(db)
    async with client_for(db) as client:
        response = await ask(client, issuer.token(email=acme["admin"].email))
    assert response.status_code == 401


async def test_an_unreachable_issuer_is_503_sign_in_unavailable_not_a_bad_token(db, issuer):
    acme = await company_with_staff(db)
    async with oidc_client(db, f"http://127.0.0.1:{free_port()}") as client:
        response = await ask(client, issuer.token(email=acme["admin"].email))
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SIGN_IN_UNAVAILABLE"
    assert response.headers["retry-after"]
