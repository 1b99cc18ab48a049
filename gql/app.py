"""The Starlette application: /graphql (GraphiQL in a browser), bearer-token sign-in, /health (liveness) and
/ready (readiness: the database answers)."""
import contextlib
import gc
from collections.abc import Iterator

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from domain.files.content_store import ContentStore
from domain.platform.db import Database
from domain.platform.errors import DatabaseUnavailable
from domain.platform.jobs import Registry
from domain.access.oidc import IssuerUnreachable
from domain.access.viewer import Viewer
from domain.access.viewer_cache import ViewerCache
from domain.platform.settings import Settings, get_settings
from gql.http.websocket import WebSocketSubscriptions
from gql.context import Context
from gql.http.file_content import file_content_endpoint, sweep_file_storage
from gql.http.internal_invoice_csv import internal_invoice_csv_endpoint
from gql.background_jobs import in_process_worker
from gql.http.cors import cors_middleware
from gql.http.faults import client_gone, database_unavailable, masked_fault, sign_in_unavailable
from gql.http.graphiql import STATIC as GRAPHIQL_ASSETS
from gql.http.sql_statements import count_statements_of, counting_request
from gql.http.view import GraphQLOverHTTP, client_key
from gql.schema import schema
from gql.http.lean import LeanQueries  # (after the schema: text_limits and the schema import each other)
from gql.http.sign_in import sign_in
from gql.http.uploads import MultipartUploads

# How long /ready waits for `SELECT 1` before it calls the database unavailable.
READY_TIMEOUT_SECONDS = 2


class GraphQLEndpoint(WebSocketSubscriptions, MultipartUploads, GraphQLOverHTTP):
    """Strawberry's ASGI view with our sign-in in front: a bad token is refused before any GraphQL runs;
    without a token the request is anonymous and may only read the schema (gql.protection.anonymous).
    Multipart requests (file uploads) are streamed to the content store by gql.http.uploads."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None, multipart_uploads_enabled=True)
        self.db, self.settings = db, settings
        self.files = ContentStore.from_settings(settings)
        # The process's signed-in viewers by token hash; kept exact while `viewers.running()` (the app's lifespan).
        self.viewers = ViewerCache(db, settings.viewer_cache_size)
        self.setup_subscriptions(db, settings)
        # Queries already known to run compiled are answered without Strawberry's machinery (gql.http.lean).
        self.lean = LeanQueries(schema._schema, settings, super().answer, lambda: self.rate_limiter, client_key,
                                self._get_stream_transport_from_headers)
        if settings.report_sql_statements:
            count_statements_of(db.engine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.settings.report_sql_statements:
                send = counting_request(send)
            # The request's reads, sign-in first, share one connection, given back when the answer is sent.
            reads = self.db.shared_reads()
            try:
                viewer = await sign_in(self.db, Request(scope).headers, reads=reads, cache=self.viewers)
                if not isinstance(viewer, Viewer):
                    await viewer(scope, receive, send)  # the 401 of a refused token
                    return
                scope.setdefault("state", {}).update(viewer=viewer, reads=reads)
                await super().__call__(scope, receive, send)
            finally:
                await reads.close()
            return
        await super().__call__(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        context = self._context(request)
        lean = await self.lean.answer(request, context)
        if lean is not None:
            return lean
        response = await super().answer(request)
        self.lean.learn(request, getattr(request.state, "context", None), response)
        return response

    def _context(self, request: Request) -> Context:
        return Context(db=self.db, settings=self.settings, viewer=request.state.viewer, files=self.files,
                       reads=request.state.reads)

    async def get_context(self, request, response) -> Context:  # type: ignore[override]
        if request.scope["type"] == "websocket":
            return self.connection_context(request)
        request.state.context = context = self._context(request)
        return context


@contextlib.contextmanager
def tuned_collector(young_threshold: int) -> Iterator[None]:
    """While the server runs: what startup loaded is frozen out of the cyclic collector's passes, and a young
    collection waits for `young_threshold` new objects (0: Python's defaults). Undone when the server stops."""
    if not young_threshold:
        yield
        return
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def create_app(settings: Settings | None = None, db: Database | None = None, *,
               job_kinds: Registry | None = None) -> Starlette:
    """The app; the server's own worker runs `job_kinds` (none: no worker). partnergraph.composition.create_app
    is the app as served, with every job kind of this build."""
    settings = settings or get_settings()
    db = db or Database(settings)
    endpoint = GraphQLEndpoint(db, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await sweep_file_storage(db, endpoint.files)
        async with endpoint.viewers.running(), endpoint.event_delivery(), \
                in_process_worker(db, settings, job_kinds):
            with tuned_collector(settings.gc_young_threshold):
                yield
        await db.dispose()

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> Response:
        """For load balancers: 200 while the database answers, 503 (with Retry-After) while it does not."""
        if await db.reachable(timeout=READY_TIMEOUT_SECONDS):
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable", "reason": "the database does not answer"}, status_code=503,
                            headers={"Retry-After": str(DatabaseUnavailable.retry_after_seconds)})

    async def root(_request: Request) -> Response:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
            Route("/health", health),
            Route("/ready", ready),
            Route("/files/{file_id}/content", file_content_endpoint(db, endpoint.files), methods=["GET"]),
            Route("/internal-invoices/{invoice_id}/lines.csv", internal_invoice_csv_endpoint(db), methods=["GET"]),
            Mount("/static/graphiql", StaticFiles(directory=GRAPHIQL_ASSETS), name="graphiql-assets"),
            Route("/", root),
        ],
        lifespan=lifespan,
        middleware=cors_middleware(settings),
        exception_handlers={IssuerUnreachable: sign_in_unavailable, DatabaseUnavailable: database_unavailable,
                            ClientDisconnect: client_gone, Exception: masked_fault},
    )
    app.state.db = db
    app.state.settings = settings
    app.state.viewers = endpoint.viewers
    app.state.lean = endpoint.lean
    return app
