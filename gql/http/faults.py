"""Faults outside GraphQL execution (sign-in, a route's own code): a 500 with an id, the traceback in the log;
a database outage there is a 503 with Retry-After; a client gone before its request arrived is no fault."""
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.platform.errors import DatabaseUnavailable
from gql.errors import log_fault, unavailable


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


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """A database outage outside GraphQL execution (sign-in, a download): 503 with Retry-After and one log line.
    Registered by its class, so Starlette answers it without re-raising it to uvicorn (which would log it again
    and drop the keep-alive connection)."""
    answer = unavailable(error, where=f"{request.method} {request.url.path}")
    return JSONResponse({"errors": [answer.formatted]}, status_code=503,
                        headers={"Retry-After": str(DatabaseUnavailable.retry_after_seconds)})


async def client_gone(request: Request, error: Exception) -> Response:
    """The client disconnected before its request's body arrived (Starlette's ClientDisconnect): nobody reads the
    answer and the server did nothing wrong, so nothing is logged. Registered by its class, as
    database_unavailable; the 400 it answers is dropped by the server, the connection being closed."""
    return Response(status_code=400)
