"""Bearer-token sign-in shared by the HTTP routes (/graphql, file downloads)."""
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from domain.platform.db import Database, Reads
from domain.access.viewer import Viewer
from domain.access.tokens import viewer_for_token

# The challenge of every 401: the refused token's, and an anonymous request's that needs a sign-in.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="partnergraph"'}
HOW_TO_SIGN_IN = "send the header `Authorization: Bearer <token>`"


def bearer_token(authorization: str | None) -> str | None:
    """The token of a `Bearer` header; "" for any other or empty credentials, which are refused."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def unauthenticated(message: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return JSONResponse(body, status_code=401, headers=CHALLENGE)


def sign_in_required(what: str) -> JSONResponse:
    """The 401 of an anonymous request for something only a signed-in user gets."""
    return unauthenticated(f"Not signed in: {what} needs a sign-in; {HOW_TO_SIGN_IN}.")


async def sign_in(db: Database, headers: Headers, *, reads: Reads | None = None) -> Viewer | JSONResponse:
    """The viewer of a request (anonymous without an Authorization header), or the 401 to answer with; read on
    the request's connection `reads` when given."""
    token = bearer_token(headers.get("authorization"))
    viewer = None if token == "" else await viewer_for_token(db, token, reads=reads)
    if viewer is None:
        message = "The bearer token is unknown, expired or revoked." if token else \
            "Send `Authorization: Bearer <token>`; credentials of another kind are refused."
        return unauthenticated(message)
    return viewer
