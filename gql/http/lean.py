"""The lean answer: a query whose document already ran compiled (gql.compiled) is answered again without
Strawberry's view and extensions or graphql-core's execution context, with every per-request check they make.

What a document's first compiled answer proved holds for every later request with the same text and operation
name in this app (parsing, graphql-core's validation, the depth, alias and token limits, the operation being a
query, its plan): those are looked up. What depends on the request is done again, by the same functions the
extensions use: the variables' coercion (graphql-core's), the over-long texts (gql.protection.text_limits), the
requested cost and its maximum (gql.protection.cost), the rate limit (gql.protection.rate_limit), the compiled run
(gql.compiled.run), the actual cost, and the media type. Anything that would not be a plain 200 (a bad variable,
a text too long, too dear, throttled, a plan handing the request back, any error) leaves the request to the full
path, which gives its own answer: the lean answer is only ever the full path's 200.

Only signed-in, single-operation requests as JSON (POST) or query parameters (GET) without `extensions.persistedQuery`
are answered here, and not when only persisted queries run. With PARTNERGRAPH_EXECUTION_CHECK on, each lean answer
is compared, byte for byte, with the full path's (whose compiled run is itself checked against graphql-core's).
"""
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from graphql import GraphQLSchema
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.responses import Response

from gql.compiled.execution import RUNS, Compiled, ExecutionMismatch, checked
from gql.compiled.run import Fallback, Run
from gql.context import Context
from gql.errors import fault
from gql.http.json_body import json_body
from gql.http.media_types import JSON, request_media_type, response_media_type
from gql.protection.cost import actual_cost_of, requested_cost, requested_cost_key
from gql.protection.query_cost import cost_extension
from gql.protection.rate_limit import RateLimiter, Throttle
from gql.protection.text_limits import over_long_texts
from gql.protection.validation import CACHE_SIZE

# The documents known to run compiled, and per document the requested costs of the last few variable shapes.
COSTS_PER_DOCUMENT = 32


class LeanQuery:
    def __init__(self, compiled: Compiled, schema: GraphQLSchema, operation_name: str | None) -> None:
        self.compiled, self.schema, self.operation_name = compiled, schema, operation_name
        self._costs: OrderedDict[tuple, int] = OrderedDict()
        self.actual_cost = actual_cost_of(schema, compiled.document, operation_name)

    def requested_cost(self, variables: Mapping[str, Any]) -> int:
        key = requested_cost_key(variables)
        cost = self._costs.get(key)
        if cost is None:
            cost = self._costs[key] = requested_cost(self.schema, self.compiled.document, self.operation_name,
                                                     variables)
            if len(self._costs) > COSTS_PER_DOCUMENT:
                self._costs.popitem(last=False)
        return cost


class LeanQueries:
    """The lean path of one app (its settings, its rate limiter); `full` is the full path, the reference."""

    def __init__(self, schema: GraphQLSchema, settings: Any, full: Callable[[Request], Awaitable[Response]],
                 rate_limiter: Callable[[], RateLimiter], client_key: Callable[[Request], str],
                 streaming: Callable[[Any], Any]) -> None:
        self.schema, self.settings, self.full = schema, settings, full
        self.rate_limiter, self.client_key, self.streaming = rate_limiter, client_key, streaming
        self.enabled = settings.compiled_execution and settings.persisted_queries != "only"
        self.known: OrderedDict[tuple[str, str | None], LeanQuery] = OrderedDict()

    # --- which requests ----------------------------------------------------------------------------

    async def _operation(self, request: Request) -> tuple[str, dict, str | None] | None:
        """The request's query, variables and operation name, when it is a single plain operation."""
        if request.method == "GET":
            params = request.query_params
            if "extensions" in params:
                return None
            data: Any = {"query": params.get("query"), "operationName": params.get("operationName")}
            if "variables" in params:
                try:
                    data["variables"] = json.loads(params["variables"])
                except ValueError:
                    return None
        else:
            if request_media_type(request.headers.get("content-type")) != JSON:
                return None
            try:
                data = json.loads(await request.body())
            except ValueError:
                return None
            if not isinstance(data, dict):
                return None
            extensions = data.get("extensions")
            if extensions is not None and (not isinstance(extensions, dict) or "persistedQuery" in extensions):
                return None
        query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, (dict, type(None))) \
                or not isinstance(name, (str, type(None))):
            return None
        return query, variables or {}, name

    async def answer(self, request: Request, context: Context) -> Response | None:
        """The lean answer, or None: the full path answers (and `learn` may then know the document)."""
        if not self.enabled or not context.viewer.authenticated or self.streaming(request.headers):
            return None
        media_type = response_media_type(request.headers.get("accept"))
        operation = await self._operation(request) if media_type is not None else None
        if operation is None:
            return None
        query, variables, name = operation
        request.state.lean_key = key = (query, name)
        known = self.known.get(key)
        if known is None:
            return None
        self.known.move_to_end(key)
        body = await self._run(request, context, known, variables)
        if body is None:
            return None
        if self.settings.execution_check:
            return await self._checked(request, context, known, variables, body, media_type)
        RUNS["lean"] += 1
        return self._response(body, 200, media_type)

    def learn(self, request: Request, context: Context | None, response: Response) -> None:
        """After the full path: a plain request's document that ran compiled to a 200 is known from now on."""
        key = getattr(request.state, "lean_key", None)
        compiled = getattr(context, "compiled", None)
        if key is None or compiled is None or response.status_code != 200 or key in self.known:
            return
        self.known[key] = LeanQuery(compiled, self.schema, key[1])
        if len(self.known) > CACHE_SIZE:
            self.known.popitem(last=False)

    # --- the answer ---------------------------------------------------------------------------------

    async def _run(self, request: Request, context: Context, known: LeanQuery, variables: dict) -> dict | None:
        compiled = known.compiled
        coerced = get_variable_values(self.schema, compiled.operation.variable_definitions or (), variables)
        if isinstance(coerced, list) or over_long_texts(self.schema, compiled.document, variables):
            return None
        requested = known.requested_cost(variables)
        maximum = self.settings.max_query_cost
        if requested > maximum:
            return None
        throttle = available = None
        if self.settings.rate_limit and not getattr(request.state, "unthrottled", False):
            throttle = Throttle(self.rate_limiter(), self.client_key(request))
            decision = throttle.limiter.take(throttle.key, requested)
            if not decision.allowed:
                return None
            available = decision.available
        try:
            async with context.reads.read() as session:
                data = await Run(context, coerced, session).data(compiled.plan)
        except BaseException as error:
            if throttle is not None:
                throttle.limiter.give_back(throttle.key, requested)  # the full path takes it again
            if isinstance(error, Fallback):
                self.known.pop((request.state.lean_key), None)  # known again when it next runs compiled
            if isinstance(error, Exception):
                return None
            raise
        actual = known.actual_cost(data)
        if throttle is not None:
            available = throttle.limiter.give_back(throttle.key, requested - actual)
        return {"data": data, "extensions": cost_extension(requested, actual, maximum, throttle, available)}

    @staticmethod
    def _response(body: Any, status: int, media_type: str) -> Response:
        return Response(json_body(body), status_code=status, headers={"content-type": f"{media_type}; charset=utf-8"})

    async def _checked(self, request: Request, context: Context, known: LeanQuery, variables: dict, body: dict,
                       media_type: str) -> Response:
        """The lean answer once the full path (without the rate limit) has given the same bytes, as
        gql.compiled.execution.checked compares a compiled answer with the general executor's."""
        async def again() -> dict | None:
            context.forget_loaded()
            return await self._run(request, context, known, variables)

        async def reference() -> Response:
            request.state.unthrottled = True
            try:
                return await self.full(request)
            finally:
                request.state.unthrottled = False

        def mismatch(lean: dict, full: Response) -> Response:
            error = ExecutionMismatch(f"lean {json_body(lean)[:2000]!r} != full path {full.body[:2000]!r} "
                                      f"({full.status_code})")
            return self._response({"errors": [fault(error, where="lean execution").formatted]}, 500, media_type)

        answer = await checked(body, again=again, reference=reference, same=_same_bytes,
                               outage=lambda full: full.status_code == 503, general=lambda: self.full(request),
                               mismatch=mismatch)
        if not isinstance(answer, dict):
            return answer
        RUNS["lean"] += 1
        return self._response(answer, 200, media_type)


def _same_bytes(lean: dict, full: Response) -> bool:
    """The full path's 200 is the lean answer's bytes (its cost without the bucket: it ran without the rate limit)."""
    cost = {key: value for key, value in lean["extensions"]["cost"].items() if key != "throttleStatus"}
    return full.status_code == 200 and full.body == json_body({**lean, "extensions": {"cost": cost}})
