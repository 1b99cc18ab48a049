"""The schema's executor: a query the planner covers runs compiled (gql.compiled.run); anything else, and any
request the compiled run hands back (Fallback), runs on graphql-core's general executor, which stays the
reference. With `execution_check` on, every compiled answer is compared with the reference's, byte for byte.
"""
import contextlib
import contextvars
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, OperationDefinitionNode, OperationType

from domain.platform.db import SharedReads
from gql.compiled.plan import Plan, Plans, compile_event_plan, compile_plan
from gql.compiled.run import Fallback, Run
from gql.delivery import RENDERINGS, Delivery, EventExecution, outage_in
from gql.errors import fault

log = logging.getLogger("partnergraph.compiled")

_plans = Plans()
_event_plans = Plans()  # of subscriptions' event selections
# Set while the check runs a compiled query again on the general executor: those statements are the check's,
# not the request's (the X-SQL-Statements header and the tests' statement counts leave them out).
checking: contextvars.ContextVar[bool] = contextvars.ContextVar("execution_check", default=False)
# How queries ran in this process, by way: "compiled", "unplanned", "handed back" (tests print them); a
# subscription's event renderings: "event compiled", "event unplanned", "event handed back".
RUNS: Counter[str] = Counter()
# How many pairs of runs (compiled, general) the check makes before it calls a difference a mismatch.
CHECK_ATTEMPTS = 3


@dataclass(frozen=True)
class Compiled:
    """A query that ran compiled: its document, the operation that ran, and its plan."""
    document: DocumentNode
    operation: OperationDefinitionNode
    plan: Plan


class ExecutionMismatch(Exception):
    """The compiled execution answered differently from the general executor."""


def _json(result: ExecutionResult) -> str:
    return json.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or ()]})


def _same(compiled: ExecutionResult, reference: ExecutionResult) -> bool:
    return _json(compiled) == _json(reference)


def _mismatch(what: str) -> Callable[[ExecutionResult, ExecutionResult], ExecutionResult]:
    def answer(compiled: ExecutionResult, reference: ExecutionResult) -> ExecutionResult:
        error = ExecutionMismatch(f"{what} {_json(compiled)[:2000]} != reference {_json(reference)[:2000]}")
        return ExecutionResult(None, [fault(error, where="compiled execution")])
    return answer


async def checked(compiled: Any, *, again: Callable[[], Awaitable[Any]], reference: Callable[[], Awaitable[Any]],
                  same: Callable[[Any, Any], bool], outage: Callable[[Any], bool], general: Callable[[], Awaitable[Any]],
                  mismatch: Callable[[Any, Any], Any], repeats: Callable[[Any], bool] = lambda _reference: False) -> Any:
    """The compiled answer, once the reference (the general way) has given the same; `mismatch`'s answer otherwise.

    The two run one after the other, each statement seeing what is committed when it runs, so a write committed in
    between can make them differ: a difference is only a mismatch when it shows again in CHECK_ATTEMPTS pairs of
    runs, the compiled way run `again` each time (fresh loaders; None when it cannot run: `general` answers). A
    reference that met an outage is the answer (the database went away between the two: nothing to compare, and the
    request meets the outage as any other would); a reference whose errors a run again would repeat ends it.
    The reference's statements are the check's (`checking`), not the request's."""
    for attempt in range(CHECK_ATTEMPTS):
        if attempt:
            compiled = await again()
            if compiled is None:
                return await general()
        token = checking.set(True)
        try:
            answer = await reference()
        finally:
            checking.reset(token)
        if outage(answer):
            return answer
        if same(compiled, answer):
            return compiled
        if repeats(answer):
            break
    return mismatch(compiled, answer)


def _has_outage(result: ExecutionResult) -> bool:
    return outage_in(result) is not None


def _has_errors(result: ExecutionResult) -> bool:
    return bool(result.errors)  # (the executor keeps the errors it collected: a run again would repeat them)


class CompiledExecution(EventExecution):
    document: Any = None  # the request's parsed document (build keeps it): what a lean answer is made from

    @classmethod
    def build(cls, schema, document, *args, **kwargs):  # type: ignore[override]
        built = super().build(schema, document, *args, **kwargs)
        if isinstance(built, CompiledExecution):
            built.document = document
        return built

    def execute_operation(self, serially: bool | None = None) -> Any:
        context = self.context_value
        if self.operation.operation == OperationType.MUTATION and isinstance(getattr(context, "reads", None),
                                                                             SharedReads):
            return self._mutation(serially)
        settings = getattr(context, "settings", None)
        if (self.operation.operation != OperationType.QUERY or settings is None or not settings.compiled_execution
                or (self.middleware_manager is not None and self.middleware_manager.middlewares) or not getattr(context.viewer, "authenticated", False)):
            return super().execute_operation(serially)
        plan = _plans.get(self.operation, lambda: compile_plan(
            self.schema, self.fragment_definitions, self.fragments, self.variable_values, self.operation))
        if plan is None:
            RUNS["unplanned"] += 1
            return super().execute_operation(serially)
        return self._compiled(plan, serially, check=settings.execution_check)

    def _render(self, serially: bool | None) -> Any:
        """A subscription event's rendering: compiled when the planner covers its selection (the event object as
        the root), else on the general executor; with `execution_check` on, compared with the general one."""
        context = self.context_value
        settings = getattr(context, "settings", None)
        if (settings is None or not settings.compiled_execution or not getattr(context.viewer, "authenticated", False)
                or (self.middleware_manager is not None and self.middleware_manager.middlewares)):
            return super()._render(serially)
        plan = _event_plans.get(self.operation, lambda: compile_event_plan(
            self.schema, self.fragment_definitions, self.fragments, self.variable_values, self.operation))
        if plan is None:
            RUNS["event unplanned"] += 1
            return super()._render(serially)
        return self._compiled_event(plan, serially, check=settings.execution_check)

    async def _compiled_event(self, plan, serially, *, check: bool) -> ExecutionResult:
        try:
            compiled = ExecutionResult(await self._run_event(plan), None)
        except Exception as error:  # noqa: BLE001 - the general executor gives this event its own answer
            log.debug("compiled execution handed an event back: %r", error)
            RUNS["event handed back"] += 1
            return await super()._render(serially)
        RENDERINGS["executed"] += 1
        RUNS["event compiled"] += 1
        if not check:
            return compiled
        executor = [self]

        async def again() -> ExecutionResult | None:
            executor[0] = self.build_per_event_executor(self.root_value)  # (this one keeps the errors it collected)
            try:
                return ExecutionResult(await self._run_event(plan), None)
            except Exception:  # noqa: BLE001 - as on the first run: the general executor answers
                return None

        return await checked(compiled, again=again, reference=lambda: executor[0]._general(serially), same=_same,
                             outage=_has_outage, repeats=_has_errors, general=lambda: executor[0]._general(serially),
                             mismatch=_mismatch("event compiled"))

    async def _run_event(self, plan) -> Any:
        delivery = getattr(self.context_value, "delivery", None)
        async with delivery.reads if isinstance(delivery, Delivery) else contextlib.nullcontext():
            async with (getattr(self.context_value, "reads", None) or self.context_value.db).read() as session:
                return await Run(self.context_value, self.variable_values, session).event(plan, self.root_value)

    async def _compiled(self, plan, serially, *, check: bool) -> ExecutionResult:
        try:
            data = await self._run(plan)
        except Fallback:
            RUNS["handed back"] += 1
            return await self._reference(serially)
        except Exception as error:  # noqa: BLE001 - the general executor gives this request its own answer
            if not isinstance(error, (GraphQLError,)):
                log.debug("compiled execution handed a request back: %r", error)
            RUNS["handed back"] += 1
            return await self._reference(serially)
        RUNS["compiled"] += 1
        compiled = ExecutionResult(data, None)
        result = await self._checked(plan, serially, compiled) if check else compiled
        if result is compiled:
            # What a later request with this document may be answered from without this machinery (gql.http.lean).
            self.context_value.compiled = Compiled(self.document, self.operation, plan)
        return result

    async def _run(self, plan) -> Any:
        # On the request's one read connection (gql.context.Context.reads) when it has one.
        async with (getattr(self.context_value, "reads", None) or self.context_value.db).read() as session:
            return await Run(self.context_value, self.variable_values, session).data(plan)

    async def _checked(self, plan, serially, compiled: ExecutionResult) -> ExecutionResult:
        async def again() -> ExecutionResult | None:
            self.context_value.forget_loaded()
            try:
                return ExecutionResult(await self._run(plan), None)
            except Exception:  # noqa: BLE001 - as on the first run: the general executor answers
                return None

        return await checked(compiled, again=again, reference=lambda: self._reference(serially), same=_same,
                             outage=_has_outage, repeats=_has_errors, general=lambda: self._reference(serially),
                             mismatch=_mismatch("compiled"))

    async def _mutation(self, serially) -> ExecutionResult:
        # The request's read connection goes back to the pool before the mutation takes a write connection.
        await self.context_value.reads.writes_follow()
        return await self._reference(serially)

    async def _reference(self, serially) -> ExecutionResult:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            result = await result
        return result
