"""The cost extension: refuses a query dearer than the maximum before it runs, charges the client's rate
limit, and reports the cost in the response's `extensions.cost`."""
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions import SchemaExtension

from gql.protection.cost import actual_cost, requested_cost
from gql.protection.limits import settings_of
from gql.protection.rate_limit import Throttle
from gql.protection.validation import per_request

MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
THROTTLED = "THROTTLED"


class QueryCost(SchemaExtension):
    def __init__(self) -> None:
        self.requested: int | None = None
        self.actual: int | None = None
        self.available: float | None = None

    @property
    def throttle(self) -> Throttle | None:
        return getattr(self.execution_context.context, "throttle", None)

    def on_operation(self) -> Iterator[None]:
        extension, execution_context = self, self.execution_context
        maximum = settings_of(execution_context).max_query_cost

        @per_request
        class MaxQueryCost(ValidationRule):
            """Counts the requested cost while the document is validated, so a dear query fails validation."""

            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                cost = requested_cost(
                    context.schema, context.document, execution_context.operation_name, execution_context.variables
                )
                extension.requested = cost
                if cost > maximum:
                    context.report_error(GraphQLError(
                        f"This query may cost {cost} points and at most {maximum} may run at once: ask for fewer "
                        "items (`first`) or fewer nested lists.",
                        extensions={"code": MAX_COST_EXCEEDED, "requestedQueryCost": cost, "maximumQueryCost": maximum},
                    ))

        execution_context.validation_rules = (*execution_context.validation_rules, MaxQueryCost)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        throttle, cost = self.throttle, self.requested or 0
        if throttle is not None:
            decision = throttle.limiter.take(throttle.key, cost)
            self.available = decision.available
            if not decision.allowed:
                # A result set here is returned instead of executing (Strawberry's short-circuit for extensions).
                self.execution_context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                    f"Throttled: this query needs {cost} points and {int(decision.available)} are available; "
                    f"try again in {decision.retry_after:g} seconds.",
                    extensions={"code": THROTTLED, "retryAfter": decision.retry_after},
                )])
                yield
                return
        yield
        result = self.execution_context.result
        document = self.execution_context.graphql_document
        if result is not None and document is not None:
            self.actual = actual_cost(
                self.execution_context.schema._schema, document, self.execution_context.operation_name,
                getattr(result, "data", None),
            )
            if throttle is not None:
                self.available = throttle.limiter.give_back(throttle.key, cost - self.actual)

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        return cost_extension(self.requested, self.actual, settings_of(self.execution_context).max_query_cost,
                              self.throttle, self.available)


def cost_extension(requested: int, actual: int | None, maximum: int, throttle: Throttle | None,
                   available: float | None) -> dict[str, Any]:
    """The response's `extensions.cost`: requested, actual and maximum cost, and the client's bucket."""
    cost: dict[str, Any] = {"requestedQueryCost": requested, "actualQueryCost": actual, "maximumQueryCost": maximum}
    if throttle is not None:
        available = available if available is not None else throttle.limiter.available(throttle.key)
        cost["throttleStatus"] = {
            "maximumAvailable": throttle.limiter.capacity,
            "currentlyAvailable": int(available),
            "restoreRate": throttle.limiter.restore_rate,
        }
    return {"cost": cost}
