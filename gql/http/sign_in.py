"""Bearer-token sign-in shared by the HTTP routes (/graphql, file downloads, invoice CSV)."""
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.platform.db import Database, Reads
from domain.access.viewer import Viewer
from domain.access.viewer_cache import ViewerCache
from domain.access.tokens import viewer_for_token
from gql.ids import parse_global_id

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


async def sign_in(db: Database, headers: Headers, *, reads: Reads | None = None,
                  cache: ViewerCache | None = None) -> Viewer | JSONResponse:
    """The viewer of a request (anonymous without an Authorization header), or the 401 to answer with; read on
    the request's connection `reads` when given, or taken from the process's `cache` of viewers."""
    token = bearer_token(headers.get("authorization"))
    viewer = None if token == "" else await viewer_for_token(db, token, reads=reads, cache=cache)
    if viewer is None:
        message = "The bearer token is unknown, expired or revoked." if token else \
            "Send `Authorization: Bearer <token>`; credentials of another kind are refused."
        return unauthenticated(message)
    return viewer


def not_found(thing: str) -> JSONResponse:
    """The 404 of a route for one node: missing, or not the caller's to read (the same answer for both)."""
    return JSONResponse({"errors": [{"message": f"No such {thing}.", "extensions": {"code": "NOT_FOUND"}}]},
                        status_code=404)


async def signed_in_node(db: Database, request: Request, *, param: str, type_name: str, thing: str,
                         doing: str) -> tuple[Viewer, int] | JSONResponse:
    """The signed-in viewer of a route for one node and the database id of the `type_name` global id in the path
    parameter `param`; or the answer: 401 for a refused token or an anonymous caller, 404 for another id."""
    viewer = await sign_in(db, request.headers)
    if isinstance(viewer, JSONResponse):
        return viewer
    if not viewer.authenticated:
        return sign_in_required(doing)
    parsed = parse_global_id(request.path_params[param])
    if parsed is None or parsed[0] != type_name:
        return not_found(thing)
    return viewer, parsed[1]
