"""Faults outside GraphQL execution (sign-in, a route's own code): a 500 with an id, the traceback in the log."""
from starlette.requests import Request
from starlette.responses import JSONResponse

from gql.errors import log_fault


async def masked_fault(request: Request, error: Exception) -> JSONResponse:
    error_id = log_fault(error, where=f"{request.method} {request.url.path}")
    return JSONResponse(
        {"errors": [{"message": f"Internal server error (id {error_id}).",
                     "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}}]},
        status_code=500,
    )


async def sign_in_unavailable(request: Request, error: Exception) -> JSONResponse:
    """The OIDC issuer cannot be reached, so a JWT cannot be checked now: try again, it is not the token's fault."""
    return JSONResponse(
        {"errors": [{"message": f"Sign-in is unavailable for now: {error}",
                     "extensions": {"code": "SIGN_IN_UNAVAILABLE"}}]},
        status_code=503, headers={"Retry-After": "30"},
    )
