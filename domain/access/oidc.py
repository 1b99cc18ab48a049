"""Sign-in with OpenID Connect bearer JWTs (single-page apps): validated against the issuer's keys and
mapped to a user by email.

The issuer is PARTNERGRAPH_OIDC_ISSUER; its discovery document (`<issuer>/.well-known/openid-configuration`)
names the JWKS, whose keys PyJWT's client caches (PARTNERGRAPH_OIDC_JWKS_CACHE_SECONDS) and fetches again
when a token names a key it does not know (key rotation). A token must be signed with an asymmetric
algorithm by one of those keys, be unexpired, name this issuer and the audience
PARTNERGRAPH_OIDC_AUDIENCE, and carry an email (claim PARTNERGRAPH_OIDC_EMAIL_CLAIM) that is not marked
unverified and belongs to a user. Users are never created from a token.
"""
import asyncio
import json
import urllib.request
from functools import lru_cache
from typing import Any

import jwt
from sqlalchemy import select

from domain.platform.db import Database
from domain.model import CoWorker, User
from domain.access.people import normalise_email
from domain.access.viewer import Membership, Viewer
from domain.platform.settings import Settings

# Asymmetric only: a symmetric (HS*) or unsigned ("none") token could be forged by anyone holding the JWKS.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
LEEWAY_SECONDS = 30
FETCH_TIMEOUT_SECONDS = 5


class TokenRefused(Exception):
    """The JWT is not one this server accepts; the message says why (the client may show it)."""


class IssuerUnreachable(Exception):
    """The issuer's discovery document or keys could not be fetched, so no JWT can be checked now."""


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


def _fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - the configured issuer
        return json.load(response)


class OidcVerifier:
    """One per issuer and process: keeps the discovery result and the JWKS cache between requests."""

    def __init__(self, issuer: str, audience: str, email_claim: str, jwks_cache_seconds: int) -> None:
        self.issuer, self.audience, self.email_claim = issuer, audience, email_claim
        self.jwks_cache_seconds = jwks_cache_seconds
        self._keys: jwt.PyJWKClient | None = None
        self._discovery = asyncio.Lock()

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    async def keys(self) -> jwt.PyJWKClient:
        async with self._discovery:
            if self._keys is None:
                try:
                    configuration = await asyncio.to_thread(_fetch_json, self.discovery_url)
                except (OSError, ValueError) as error:
                    raise IssuerUnreachable(f"The sign-in provider's configuration could not be read: {error}") from error
                if not isinstance(configuration, dict) or configuration.get("issuer") != self.issuer \
                        or not isinstance(configuration.get("jwks_uri"), str):
                    raise IssuerUnreachable("The sign-in provider's configuration names another issuer or no jwks_uri.")
                self._keys = jwt.PyJWKClient(
                    configuration["jwks_uri"], cache_jwk_set=self.jwks_cache_seconds > 0,
                    lifespan=max(self.jwks_cache_seconds, 1), timeout=FETCH_TIMEOUT_SECONDS,
                )
            return self._keys

    async def claims(self, token: str) -> dict[str, Any]:
        keys = await self.keys()
        try:
            signing_key = await asyncio.to_thread(keys.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError as error:
            raise IssuerUnreachable(f"The sign-in provider's keys could not be read: {error}") from error
        except jwt.PyJWKClientError as error:
            raise TokenRefused("The token is not signed by a key of the sign-in provider.") from error
        except jwt.InvalidTokenError as error:
            raise TokenRefused(f"The token is malformed: {error}") from error
        try:
            return jwt.decode(
                token, signing_key.key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                leeway=LEEWAY_SECONDS, options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenRefused("The token has expired.") from error
        except jwt.InvalidAudienceError as error:
            raise TokenRefused("The token is for another audience.") from error
        except jwt.InvalidIssuerError as error:
            raise TokenRefused("The token is from another issuer.") from error
        except jwt.InvalidTokenError as error:
            raise TokenRefused(f"The token is not valid: {error}") from error

    def email_of(self, claims: dict[str, Any]) -> str:
        email = claims.get(self.email_claim)
        if not isinstance(email, str) or "@" not in email:
            raise TokenRefused(f"The token has no email (claim `{self.email_claim}`).")
        if claims.get("email_verified") is False:
            raise TokenRefused("The token's email is not verified.")
        return normalise_email(email)


@lru_cache
def _verifier(issuer: str, audience: str, email_claim: str, jwks_cache_seconds: int) -> OidcVerifier:
    return OidcVerifier(issuer, audience, email_claim, jwks_cache_seconds)


def verifier_for(settings: Settings) -> OidcVerifier | None:
    if not settings.oidc_issuer:
        return None
    return _verifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_email_claim,
                     settings.oidc_jwks_cache_seconds)


async def viewer_for_jwt(db: Database, token: str) -> Viewer:
    """The viewer a valid JWT stands for: its email's user, with every active co-worker record.
    Raises TokenRefused (answer 401) or IssuerUnreachable (answer 503)."""
    verifier = verifier_for(db.settings)
    if verifier is None:
        raise TokenRefused("Sign-in with JWTs is not configured here; use an API token.")
    email = verifier.email_of(await verifier.claims(token))
    async with db.read() as session:
        user = await session.scalar(select(User).where(User.email == email))
        if user is None:
            raise TokenRefused(f"No user has the email {email}.")
        rows = await session.execute(
            select(CoWorker.company_id, CoWorker.id, CoWorker.role)
            .where(CoWorker.user_id == user.id, CoWorker.active.is_(True))
        )
        memberships = tuple(Membership(c, w, r) for c, w, r in rows)
    return Viewer(user_id=user.id, email=user.email, name=user.name, is_operator=user.is_operator,
                  memberships=memberships)
