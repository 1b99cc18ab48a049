"""GraphQL over HTTP, as the GraphQL Foundation's spec describes it, on Strawberry's ASGI view.

- Responses are `application/graphql-response+json` when the client prefers it (Accept), otherwise
  `application/json`; a client that accepts neither gets 406.
- With `application/json` every GraphQL response is 200, as the spec asks for that media type. With
  `application/graphql-response+json` a request that failed before execution has no `data` and a 4xx:
  400 when it cannot be parsed (JSON, parameters, GraphQL syntax), 422 when it parsed but is invalid
  (validation, variable coercion, a limit such as depth or cost; the issue asked for 422 where the
  spec's current draft says 400, see README), 404/400/403 for persisted-query refusals.
- A mutation over GET is 405 (with `Allow: POST`); a POST body that is not JSON (or a multipart
  upload, when enabled) is 415; a throttled query is 429 with `Retry-After`, one that met a database outage
  503 with `Retry-After` (SERVICE_UNAVAILABLE, gql.errors), and an anonymous one that
  only asks for what needs a sign-in 401 with `WWW-Authenticate` (gql.protection.anonymous), whatever
  the media type.
- A JSON array of operations (a batch) is refused with 400 and a message saying to send one operation per
  request: nothing of it runs, and the cost and rate limit stay per operation.
- HTTP-level refusals are JSON `{"errors": [{"message"}]}` in the negotiated media type, not plain text.
- Bodies are compact JSON in UTF-8, made by gql.http.json_body (orjson) for the view and the lean path alike.
"""
import hashlib
import math
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from domain.access.tokens import PREFIX as API_TOKEN_PREFIX
from gql.http.graphiql import graphiql_page
from gql.http.json_body import json_body
from gql.http.media_types import GRAPHQL_RESPONSE_JSON, JSON, request_media_type, response_media_type
from gql.protection.anonymous import UNAUTHENTICATED
from gql.protection.rate_limit import RateLimiter, Throttle
from gql.http.sign_in import CHALLENGE

# Request errors (no `data`) answered with application/graphql-response+json, by error code.
STATUS_BY_CODE = {
    "PERSISTED_QUERY_NOT_FOUND": 404,
    "PERSISTED_QUERY_HASH_MISMATCH": 400,
    "PERSISTED_QUERY_INVALID": 400,
    "PERSISTED_QUERY_REQUIRED": 403,
    "INTERNAL_SERVER_ERROR": 500,
}
# Statuses that hold for application/json too: they are not about the GraphQL request itself.
STATUS_FOR_ANY_MEDIA_TYPE = {"THROTTLED": 429, UNAUTHENTICATED: 401, "INTERNAL_SERVER_ERROR": 500,
                             "SERVICE_UNAVAILABLE": 503}
# A document that parsed but is not valid for the schema (the choice; the spec's draft says 400).
INVALID_REQUEST_STATUS = 422
BATCH_REFUSED = "Send one GraphQL operation per request: a JSON array of operations (a batch) is not accepted."


class HTTPError(HTTPException):
    def __init__(self, status_code: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code, reason)
        self.headers = headers or {}


def error_response(status: int, message: str, media_type: str, headers: dict[str, str] | None = None) -> Response:
    body = json_body({"errors": [{"message": message}]})
    return Response(body, status_code=status, headers={"content-type": f"{media_type}; charset=utf-8", **(headers or {})})


def is_request_error(result: ExecutionResult) -> bool:
    """The request failed before execution (nothing ran): no data, and no error belongs to a field."""
    return result.data is None and bool(result.errors) and all(not e.path for e in result.errors)


def _codes(errors: list[GraphQLError]) -> list[str]:
    return [str((e.extensions or {}).get("code")) for e in errors]


def response_status(result: ExecutionResult, media_type: str) -> int:
    if not is_request_error(result):
        return 200
    codes = _codes(result.errors or [])
    for code in codes:
        if code in STATUS_FOR_ANY_MEDIA_TYPE:
            return STATUS_FOR_ANY_MEDIA_TYPE[code]
    if media_type != GRAPHQL_RESPONSE_JSON:
        return 200
    if any(isinstance(e, GraphQLSyntaxError) for e in result.errors or []):
        return 400
    for code in codes:
        if code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return INVALID_REQUEST_STATUS


def retry_after(result: ExecutionResult) -> str | None:
    for error in result.errors or []:
        seconds = (error.extensions or {}).get("retryAfter")
        if isinstance(seconds, (int, float)):
            return str(max(1, math.ceil(seconds)))
    return None


def status_headers(result: ExecutionResult, status: int) -> dict[str, str]:
    """The headers a status comes with: `Retry-After` for a throttled request, the challenge for a 401."""
    if status == 401:
        return CHALLENGE
    wait = retry_after(result)
    return {"retry-after": wait} if wait else {}


class GraphQLOverHTTP(GraphQL):
    """Strawberry's view with the spec's media types and status codes. The app's endpoint subclasses it
    (and sets `settings`); the rate limiter is this process's, one per endpoint."""

    settings: Any
    _rate_limiter: RateLimiter | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        response = await self.answer(Request(scope, receive))
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        adapter = self.request_adapter_class(request)
        if self.should_render_graphql_ide(adapter) or self._get_stream_transport_from_headers(request.headers):
            media_type = JSON  # the IDE page, or a streaming transport that negotiates for itself
        else:
            media_type = response_media_type(request.headers.get("accept"))
            if media_type is None:
                return error_response(
                    406, f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}: the response is in one of them.", JSON
                )
        request.state.media_type = media_type
        try:
            response = await self.run(request)
        except HTTPException as error:
            return error_response(error.status_code, error.reason, media_type, getattr(error, "headers", None))
        status = getattr(request.state, "graphql_status", None)
        if status is not None and not isinstance(response, (StreamingResponse, HTMLResponse)):
            response.status_code = status
            response.headers["content-type"] = f"{media_type}; charset=utf-8"
            response.headers.update(getattr(request.state, "status_headers", {}))
        return response

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            media_type = request_media_type(request.content_type)
            accepted = [JSON, *(["multipart/form-data"] if self.multipart_uploads_enabled else [])]
            if media_type not in accepted:
                raise HTTPError(
                    415, f"Send the request body as {' or '.join(accepted)}; its Content-Type was "
                    f"{media_type or 'missing'}.",
                )
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item.operation_name, (str, type(None))):
                raise HTTPError(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return data

    def _validate_batch_request(self, request_data: list[GraphQLRequestData], protocol: Any) -> None:
        raise HTTPError(400, BATCH_REFUSED)

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Any, context: Any,
                             root_value: Any, request_data: GraphQLRequestData) -> ExecutionResult:
        # (The lean path's check runs this path as its reference without the rate limit: gql.http.lean.)
        if hasattr(context, "throttle") and getattr(self, "settings", None) is not None and self.settings.rate_limit \
                and not getattr(request.state, "unthrottled", False):
            context.throttle = Throttle(self.rate_limiter, client_key(request))
        try:
            return await super().execute_single(
                request=request, request_adapter=request_adapter, sub_response=sub_response, context=context,
                root_value=root_value, request_data=request_data,
            )
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError) and request_adapter.method == "GET":
                raise HTTPError(405, "Mutations are sent with POST, never GET.", {"allow": "POST"}) from error
            raise

    def encode_json(self, data: object) -> bytes:
        """A response body (Strawberry's default is `json.dumps`; WebSocket messages keep it: gql.http.websocket)."""
        return json_body(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        body = await super().process_result(request, result)
        if is_request_error(result):
            body.pop("data", None)  # the spec: no `data` entry when nothing was executed
        request.state.graphql_status = response_status(result, request.state.media_type)
        request.state.status_headers = status_headers(result, request.state.graphql_status)
        return body

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_page(), headers={"cache-control": "no-cache"})

    @property
    def rate_limiter(self) -> RateLimiter:
        if self._rate_limiter is None:
            self._rate_limiter = RateLimiter(self.settings.rate_limit_points, self.settings.rate_limit_restore_per_second)
        return self._rate_limiter


def client_key(request: Request) -> str:
    """Whose bucket a request draws from: its API token; its user when signed in with a JWT (which is
    renewed often); its address when anonymous."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith(API_TOKEN_PREFIX):
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None and viewer.authenticated:
        return f"user:{viewer.user_id}"
    return "address:" + (request.client.host if request.client else "unknown")
