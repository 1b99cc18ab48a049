"""WebSocket connections (graphql-transport-ws): sign-in in `connection_init`, a context per connection.

Browsers cannot set headers on a WebSocket, so the bearer token travels in the `connection_init`
payload: `{"Authorization": "Bearer <token>"}` (also `authorization`, `{"token": "<token>"}`, or
`{"headers": {"Authorization": ...}}`). A missing, malformed, unknown, expired or revoked token
closes the socket with 4403 Forbidden, as the protocol recommends. The token is checked again
every REAUTH_SECONDS while events are delivered: a revoked token or a removed co-worker stops
receiving within that time (the socket is closed with 4403).

A subscription never sends an error of its own making: a database outage while events are read or
resolved is retried from the stream's cursor (domain.events.feed, gql.delivery) with nothing sent
meanwhile. A stream that cannot continue (the outage lasted longer than the stream's patience, or the
retention purge passed its cursor) closes the socket with INTERRUPTED (4503, "service unavailable"):
the client subscribes again with `after` the last cursor it received, and misses nothing. Any other
error in a streamed result reaches the client masked, as over HTTP: a message and an error id.
"""
import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.http.base import BaseView
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.execution import PreExecutionError

from domain.platform.db import Database
from domain.platform.errors import DomainError
from domain.events.feed import EventFeed, StreamInterrupted, purge_periodically
from domain.access.viewer import ANONYMOUS, Viewer
from domain.platform.settings import Settings
from gql.context import Context
from gql.errors import fault, masked
from gql.delivery import FANOUT, OPERATION_ID, Delivery
from gql.loaders import Loaders

log = logging.getLogger("partnergraph.events")

REAUTH_SECONDS = 10.0
# The close code of a stream that cannot continue: 4000-4999 is the application's range, and graphql-transport-ws
# uses 4400, 4401, 4403, 4406, 4408, 4409, 4429, 4500, 4504, 4004 and 4005, not this one.
INTERRUPTED = 4503
INTERRUPTED_REASON = "Service unavailable: subscribe again with after: your last cursor"


def token_of(params: Any) -> str | None:
    """The bearer token of a `connection_init` payload, or None when it carries none we accept."""
    if not isinstance(params, dict):
        return None
    headers = params.get("headers") if isinstance(params.get("headers"), dict) else {}
    for source in (params, headers):
        for key, value in source.items():
            if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
                scheme, _, token = value.strip().partition(" ")
                return (token.strip() or None) if scheme.lower() == "bearer" else None
    token = params.get("token")
    return (token.strip() or None) if isinstance(token, str) else None


class ConnectionClosed(Exception):
    """The connection's sign-in is no longer valid; the socket has been closed."""


@dataclass
class ConnectionContext(Context):
    """The context of one WebSocket connection: every operation on it shares it (Strawberry's design)."""

    feed: EventFeed | None = None
    delivery: Delivery | None = None
    websocket: WebSocket | None = None
    connection_params: dict | None = None
    token: str | None = None
    signed_in_at: float = 0.0

    def sign_in(self, viewer: Viewer, token: str) -> None:
        self.viewer, self.token, self.signed_in_at = viewer, token, time.monotonic()
        self.refresh_loaders()

    def refresh_loaders(self) -> None:
        """Loaders cache what they load: a long-lived connection needs fresh ones per operation and delivery."""
        self.loaders = Loaders.for_request(self.db, self.viewer)

    async def current_viewer(self) -> Viewer:
        """The viewer, checked against the database again when the last check is older than REAUTH_SECONDS."""
        if time.monotonic() - self.signed_in_at >= REAUTH_SECONDS:
            assert self.delivery is not None and self.token is not None
            viewer = await self.delivery.viewer(self.token, max_age=REAUTH_SECONDS)
            if viewer is None or not viewer.authenticated:
                if self.websocket is not None:
                    with contextlib.suppress(Exception):
                        await self.websocket.close(code=4403, reason="Forbidden")
                raise ConnectionClosed("The token is no longer valid.")
            self.viewer, self.signed_in_at = viewer, time.monotonic()
        return self.viewer


class TransportWSHandler(BaseGraphQLTransportWSHandler):
    """Strawberry's graphql-transport-ws handler; each operation's task knows its id (gql.delivery.Fanout
    writes a subscription's `next` messages with it)."""

    async def run_operation(self, operation) -> None:
        OPERATION_ID.set(operation.id)  # (in the operation's own task)
        await super().run_operation(operation)


class TextMessages(ASGIWebSocketAdapter):
    """Messages go as text frames, encoded as Strawberry encodes them (json.dumps, as gql.delivery's fanned-out
    `next` messages are too): the view's `encode_json` makes HTTP bodies, as bytes (gql.http.json_body), which
    Strawberry's adapter would send as binary frames, which graphql-transport-ws clients do not read."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(BaseView.encode_json(self.view, message))  # type: ignore[arg-type]
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class WebSocketSubscriptions:
    """The GraphQL view's WebSocket side; GraphQLEndpoint mixes it in (gql/app.py)."""

    db: Database
    settings: Settings
    graphql_transport_ws_handler_class = TransportWSHandler
    websocket_adapter_class = TextMessages

    def setup_subscriptions(self, db: Database, settings: Settings) -> None:
        # graphql-transport-ws only: the legacy `graphql-ws` subprotocol is refused (4406 on connect).
        self.protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        self.event_feed = EventFeed(db, poll_seconds=settings.event_poll_seconds)
        self.delivery = Delivery(db)

    def connection_context(self, websocket: WebSocket) -> ConnectionContext:
        return ConnectionContext(db=self.db, settings=self.settings, viewer=ANONYMOUS, files=self.files, feed=self.event_feed,
                                 delivery=self.delivery, websocket=websocket)

    async def on_ws_connect(self, context: ConnectionContext):  # type: ignore[override]
        token = token_of(context.connection_params)
        # A crowd connecting at once (a deploy, a network blip) shares the lookups still running: one
        # sign-in per token, not one per connection.
        viewer = await self.delivery.viewer(token, max_age=0) if token else None
        if viewer is None or not viewer.authenticated:
            raise ConnectionRejectionError()
        context.sign_in(viewer, token)  # type: ignore[arg-type]
        return None  # a plain `connection_ack`

    @contextlib.asynccontextmanager
    async def event_delivery(self) -> AsyncIterator[None]:
        """For the app's lifespan: the hourly retention purge runs while the server does; the feed stops with it."""
        purging = asyncio.create_task(purge_periodically(self.db, retention_days=self.settings.event_retention_days))
        try:
            yield
        finally:
            purging.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await purging
            await self.event_feed.stop()


class ConnectionOperations(SchemaExtension):
    """Over a WebSocket, each operation gets fresh loaders, and streamed results are masked like HTTP ones."""

    def on_operation(self):
        context = self.execution_context.context
        if isinstance(context, ConnectionContext):
            context.refresh_loaders()
        yield

    async def on_stream_result(self, result):
        # MaskedErrors masks around execution; a subscription's events are executed outside it.
        errors = getattr(result, "errors", None)
        if errors and isinstance(result, PreExecutionError):
            result.errors = [masked(error) for error in errors]
        elif errors:
            interrupted = next((e.original_error for e in errors if isinstance(e.original_error, StreamInterrupted)),
                               None)
            if interrupted is not None:
                log.warning("a subscription cannot continue (%s): closing its socket with %s", interrupted, INTERRUPTED)
                # Closed before the result is sent, so nothing of it reaches the client.
                await self._close(INTERRUPTED, INTERRUPTED_REASON)
                result.errors = [GraphQLError(INTERRUPTED_REASON)]
            else:
                result.errors = [_streamed(error) for error in errors]
        else:
            fanout = FANOUT.get()
            if fanout is not None:
                fanout.learn(result)  # what its later messages repeat (gql.delivery.Fanout)
        yield

    async def _close(self, code: int, reason: str) -> None:
        websocket = getattr(self.execution_context.context, "websocket", None)
        if websocket is not None:
            with contextlib.suppress(Exception):
                await websocket.close(code=code, reason=reason)


def _streamed(error: GraphQLError) -> GraphQLError:
    """A streamed result's error, masked. One the stream itself raised has no path (masked() would take it for
    a request error and pass its text): it is a fault, unless it is a domain error meant for the client (or the
    sign-in ending, sent to no one: the socket is closed with 4403)."""
    original = error.original_error
    if error.path or original is None or isinstance(original, (DomainError, ConnectionClosed)):
        return masked(error)
    return fault(original, where="subscription")
