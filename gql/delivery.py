"""Delivering events to many subscriptions at once: the access work is shared by subscribers who are the same viewer.

Every subscription decides, at delivery, whether its subscriber may read each event's node, by loading
the node through loaders built for that subscriber (domain.access.policy's read rules). A thousand subscribers
of one change would make a thousand identical queries when many of them are the same person (an
integration that opens several subscriptions, a team's dashboards): the first subscription to deliver a
batch for a viewer does the work, the others of the same viewer await its result and use the same
freshly built loaders for their envelopes. Results are shared for SHARE_SECONDS only, so a node is
never older than that when it is delivered. Re-checking a connection's token is shared in the same way.

An event's fields are resolved after the subscription has yielded it (GraphQL executes the selection per
event): EventExecution runs that again, after a pause, when the database failed under a field, so the
client gets each event whole or, after STREAM_PATIENCE_SECONDS, not at all (the stream is interrupted).

A change is rendered once per (viewer, document, variables), not once per subscription: the execution of an
event's selection is shared (`Delivery.rendered`) by every subscription whose answer cannot differ from it,
those with the same `rendering_key`: the same viewer (identity and memberships) and the same loaders (the ones
that decided the batch's visibility, so the same nodes), the same document, operation and variables (`after`
included), and the same event. Each subscription then only sends the shared result. Renderings are shared for
SHARE_SECONDS, like the decisions they stand on.

A subscription's task ends only when it is cancelled (the client completed it or went away): a CancelledError
that reaches it otherwise (a future some other task cancelled) is a fault (`stray_cancellation_is_a_fault`),
which the client receives as one, instead of a stream that stops with nothing sent, not even `complete`.
"""
import asyncio
import contextlib
import contextvars
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Iterator
from typing import Any

from graphql import ExecutionResult, OperationDefinitionNode, OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.events import log as domain_events
from domain.events.feed import Backoff
from domain.platform.errors import is_outage
from domain.platform.db import Database
from domain.model import Event, EventKind
from domain.access.viewer import Viewer
from domain.access.tokens import viewer_for_token
from gql.loaders import Loaders

SHARE_SECONDS = 2.0
# How many of a change's per-viewer reads (visibility checks, compiled renderings) run at once: each holds a pooled
# connection, and twenty viewers at once took the pool past its size (domain.platform.db: 10), so every change
# opened and closed overflow connections (a PostgreSQL backend each).
PARALLEL_READS = 8
LOADER_NAMES = {EventKind.PROJECT: "project_by_id", EventKind.TIME_RECORD: "time_record_by_id",
                EventKind.FILE: "file_by_id", EventKind.CUSTOMER: "customer_by_id", EventKind.EXPENSE: "expense_by_id",
                EventKind.INTERNAL_INVOICE: "internal_invoice_by_id"}

Delivered = tuple[Loaders, list[tuple[Event, Any]]]
# How subscription events were answered in this process: "executed" (the selection ran), "fanned out" (a
# rendering's serialised `next` message written straight to a subscription's socket). Tests read it.
RENDERINGS: Counter[str] = Counter()
# Set in a subscription operation's task: the operation's id (gql.http.websocket's handler), the executor that
# subscribed (EventExecution.build_resolve_info, read by the subscription's resolver at once) and the
# subscription's Fanout (read by gql.http.websocket.ConnectionOperations for each result it streams).
OPERATION_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("operation_id", default=None)
SUBSCRIBING: contextvars.ContextVar["EventExecution | None"] = contextvars.ContextVar("subscribing", default=None)
FANOUT: contextvars.ContextVar["Fanout | None"] = contextvars.ContextVar("fanout", default=None)
# A `next` message as WebSocket messages are encoded (gql.http.websocket.TextMessages: Strawberry's
# strawberry.http.base.BaseView.encode_json).
_SEPARATORS = (",", ":")


def viewer_key(viewer: Viewer) -> Hashable:
    """Viewers that are equal see the same things; one that cannot be hashed shares with nobody."""
    try:
        hash(viewer)
    except TypeError:
        return id(viewer)
    return viewer


def _failed(task: asyncio.Task) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


class Delivery:
    """One per server process (per GraphQL endpoint), shared by all its WebSocket connections."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._batches: dict[tuple, tuple[float, asyncio.Task]] = {}
        self._viewers: dict[str, tuple[float, asyncio.Task]] = {}
        self._renderings: dict[Hashable, tuple[float, asyncio.Task]] = {}
        self._renderings_swept = time.monotonic()
        self._texts: dict[Hashable, tuple[ExecutionResult, str]] = {}
        self._envelopes: dict[tuple, tuple[float, list, list]] = {}
        self._reads: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    @property
    def reads(self) -> asyncio.Semaphore:
        """Held by each of a change's per-viewer reads (PARALLEL_READS at once), one per event loop."""
        loop = asyncio.get_running_loop()
        if self._reads is None or self._reads[0] is not loop:
            self._reads = (loop, asyncio.Semaphore(PARALLEL_READS))
        return self._reads[1]

    async def viewer(self, token: str, *, max_age: float) -> Viewer | None:
        """The viewer the token stands for now, looked up at most once per `max_age` for all connections.

        With max_age 0 only a lookup still running is shared: a crowd connecting at once costs one lookup,
        and a token revoked a moment ago is never accepted from an earlier answer.
        """
        viewer = await self._shared(self._viewers, token, max_age, lambda: viewer_for_token(self.db, token))
        if viewer is None:
            self._viewers.pop(token, None)  # a refusal is not remembered: the token may be created a moment later
        return viewer

    async def visible(self, viewer: Viewer, batch: list[Event]) -> Delivered:
        """Fresh loaders for `viewer`, and the events of `batch` they may read now with their nodes.

        A node they cannot see is left out; a deleted one (None) is kept if they could read it as it last was.
        """
        key = (viewer_key(viewer), tuple(row.id for row in batch))
        return await self._shared(self._batches, key, SHARE_SECONDS, lambda: self._check(viewer, batch))

    async def _check(self, viewer: Viewer, batch: list[Event]) -> Delivered:
        async with self.reads:
            return await self._checked(viewer, batch)

    async def _checked(self, viewer: Viewer, batch: list[Event]) -> Delivered:
        loaders = Loaders.for_request(self.db, viewer)
        # Gathered, so the loads of each kind meet in one batch (one statement per kind).
        nodes = await asyncio.gather(*(getattr(loaders, LOADER_NAMES[row.kind]).load(row.node_id) for row in batch))
        visible: list[tuple[Event, Any]] = []
        if all(node is not None for node in nodes):  # (most batches: no read session needed)
            return loaders, list(zip(batch, nodes))
        async with self.db.read() as session:
            for row, node in zip(batch, nodes):
                if node is not None:
                    visible.append((row, node))
                elif not await domain_events.node_exists(session, row) and \
                        await domain_events.deleted_node_visible(session, viewer, row):
                    visible.append((row, None))
        return loaders, visible

    async def rendered(self, key: Hashable, render: Callable[[], Awaitable[ExecutionResult]]) -> ExecutionResult:
        """The event's result for every subscription with this `rendering_key`: executed by the first, sent by all.

        The execution runs in a task of its own, so a subscription that goes away does not take it from the others
        (and an outage is retried there once for all of them). A rendering is of one event: once too old to share
        it is forgotten (every SHARE_SECONDS), with the loaders it holds."""
        now = time.monotonic()
        if now - self._renderings_swept > SHARE_SECONDS:
            self._renderings_swept = now
            for stale in [k for k, (at, task) in self._renderings.items() if now - at > SHARE_SECONDS and task.done()]:
                del self._renderings[stale]
            for stale in [k for k in self._texts if k not in self._renderings]:
                del self._texts[stale]
            for stale in [k for k, (at, _, _) in self._envelopes.items() if now - at > SHARE_SECONDS]:
                del self._envelopes[stale]
        return await self._shared(self._renderings, key, SHARE_SECONDS, render)

    def envelopes(self, visible: list[tuple[Event, Any]], make: Callable[[Event, Any], Any]) -> list:
        """The events of a `visible` result as `make` wraps them, made once for every subscription that shares the
        result (the same viewer's): one object per event, which is also what their renderings are keyed by."""
        key = (id(visible), make)
        found = self._envelopes.get(key)
        if found is None or found[1] is not visible:
            found = self._envelopes[key] = (time.monotonic(), visible, [make(row, node) for row, node in visible])
        return found[2]

    def data_text(self, key: Hashable, result: ExecutionResult) -> str:
        """The JSON of a rendering's data, made once for every subscription that sends it."""
        found = self._texts.get(key)
        if found is None or found[0] is not result:
            found = self._texts[key] = (result, json.dumps(result.data, separators=_SEPARATORS))
        return found[1]

    async def _shared(self, entries: dict, key: Hashable, max_age: float, compute) -> Any:
        now = time.monotonic()
        if len(entries) > 1000:  # forget what is too old to share, now and then
            for stale in [k for k, (at, _) in entries.items() if now - at > max_age]:
                del entries[stale]
        found = entries.get(key)
        if found is None or (now - found[0] > max_age and found[1].done()) or _failed(found[1]):
            found = (now, asyncio.ensure_future(compute()))
            entries[key] = found
        if found[1].done():  # (most subscribers of a crowd: no future of their own to wait on)
            return found[1].result()
        # shield: one subscriber going away must not cancel the work others are waiting for.
        return await asyncio.shield(found[1])


class Same:
    """A part of a key that is equal only to itself (and keeps its object alive while the key lives)."""

    __slots__ = ("thing",)

    def __init__(self, thing: object) -> None:
        self.thing = thing

    def __hash__(self) -> int:
        return id(self.thing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.thing is self.thing


def _text_of(value: Any) -> str:
    if type(value).__repr__ is object.__repr__:  # (an address, not a value)
        raise TypeError(f"{type(value).__name__} has no text of its value")
    return repr(value)


def _variables_key(values: dict[str, Any]) -> str | None:
    """The operation's variables as a key part: their JSON, other values (Decimal, dates) by their repr (a variable
    has one type in its document, so equal text is an equal value); None when a value has no such text."""
    try:
        return json.dumps(values, sort_keys=True, default=_text_of)
    except (TypeError, ValueError):
        return None


def subscription_key(operation: OperationDefinitionNode, variable_values: dict[str, Any]) -> tuple | None:
    """The part of a rendering key a subscription holds for its lifetime: the document (its text: an identical
    text from another client is the same document), the operation and the variables; None when the variables
    cannot be told apart by text (no sharing)."""
    location = operation.loc
    document = location.source.body if location is not None else Same(operation)
    variables = _variables_key(variable_values)
    if variables is None:
        return None
    return (document, operation.name.value if operation.name else None, variables)


def event_key(subscription: tuple | None, context: Any, event: Any) -> Hashable | None:
    """What an event's answer depends on: the viewer (equal viewers have the same identity and memberships), the
    loaders that decided the batch's visibility and resolve its fields (one Delivery result: one viewer, one
    batch, one moment), the subscription's part (`subscription_key`) and the event (its cursor, unique per
    event); None when it cannot be told (no sharing)."""
    cursor = getattr(event, "cursor", None)
    loaders = getattr(context, "loaders", None)
    viewer = getattr(context, "viewer", None)
    if subscription is None or not isinstance(cursor, str) or loaders is None or viewer is None:
        return None
    return (viewer_key(viewer), Same(loaders), *subscription, type(event), cursor)


def rendering_key(execution: "EventExecution") -> Hashable | None:
    """The rendering key of an event's execution (`event_key`); None when it cannot be told (no sharing)."""
    return event_key(subscription_key(execution.operation, execution.variable_values), execution.context_value,
                     execution.root_value)


class Fanout:
    """One subscription's way to send a shared rendering as it is: the rendering's data serialised once
    (`Delivery.data_text`) and written, in this subscription's `next` message, straight to its socket from its
    own task, without graphql-core's per-event execution and Strawberry's per-result handling.

    Only a clean result goes this way (no errors: nothing to mask, no outage, nothing to close), and only once
    the subscription's first event has gone the general way, whose message's `extensions` (the cost, the same
    for every event of a subscription over a WebSocket) it then repeats; anything else is handed back (`send`
    answers False) and goes the general way, which finds the same rendering by its key. The subscription's
    stream, cursor, cancellation and patience are untouched: this only replaces how a message is made."""

    def __init__(self, delivery: Delivery, context: Any, executor: "EventExecution", operation_id: str) -> None:
        self.delivery, self.context, self.executor = delivery, context, executor
        self.subscription = subscription_key(executor.operation, executor.variable_values)
        self.prefix = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":{"data":'
        self.suffix: str | None = None  # learnt from the first message sent the general way

    @classmethod
    def of(cls, context: Any) -> "Fanout | None":
        """The Fanout of the subscription being subscribed in this task, or None (not over our WebSocket)."""
        executor, operation_id = SUBSCRIBING.get(), OPERATION_ID.get()
        delivery = getattr(context, "delivery", None)
        if executor is None or operation_id is None or not isinstance(delivery, Delivery) or \
                getattr(context, "websocket", None) is None or executor.context_value is not context:
            return None
        fanout = cls(delivery, context, executor, operation_id)
        FANOUT.set(fanout)
        return fanout

    def learn(self, result: Any) -> None:
        """A clean result the general way sent: its `extensions` are what every later message repeats. A
        throttled context would count each event anew: its messages always go the general way."""
        if self.suffix is not None or getattr(result, "errors", None) or getattr(self.context, "throttle", None):
            return
        extensions = getattr(result, "extensions", None)
        self.suffix = ',"extensions":' + json.dumps(extensions, separators=_SEPARATORS) + "}}" if extensions \
            else "}}"

    async def send(self, event: Any) -> bool:
        """Sends the event's shared rendering; False when it must go the general way instead."""
        if self.suffix is None:
            return False
        key = event_key(self.subscription, self.context, event)
        if key is None:
            return False
        executor = self.executor
        result = await self.delivery.rendered(key, lambda: executor.build_per_event_executor(event)._render(False))
        if result.errors or result.data is None:
            return False  # the general way masks it (or closes the socket for an interrupted stream)
        await self.context.websocket.send_text(self.prefix + self.delivery.data_text(key, result) + self.suffix)
        RENDERINGS["fanned out"] += 1
        return True


class StrayCancellation(Exception):
    """A CancelledError met by a task that nobody cancelled."""


@contextlib.contextmanager
def stray_cancellation_is_a_fault(where: str) -> Iterator[None]:
    """A CancelledError raised in the block while the running task is not being cancelled leaves it as
    StrayCancellation, an error like any other; a real cancellation of the task passes as it is."""
    try:
        yield
    except asyncio.CancelledError as error:
        task = asyncio.current_task()
        if task is None or task.cancelling():
            raise
        raise StrayCancellation(f"{where}: a future this task awaited was cancelled by another") from error


def outage_in(result: ExecutionResult) -> BaseException | None:
    """The database outage one of the result's field errors stands for, if any."""
    return next((error.original_error for error in result.errors or ()
                 if error.original_error is not None and is_outage(error.original_error)), None)


class EventExecution(StrawberryGraphQLCoreExecutionContext):
    """GraphQL execution (the schema's executor class) that executes a subscription event again, after a pause,
    while a database outage fails one of its fields: a part of an event with an error is never sent. Queries
    and mutations run as they always do."""

    def build_resolve_info(self, field_def, field_nodes, parent_type, path):
        if path.prev is None and self.operation.operation == OperationType.SUBSCRIPTION:
            SUBSCRIBING.set(self)  # (the subscription's resolver, called next, takes it: Fanout.of)
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation != OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        delivery = getattr(self.context_value, "delivery", None)
        key = rendering_key(self) if isinstance(delivery, Delivery) else None
        if key is None:
            return self._render(serially)
        return self._shared_rendering(delivery, key, serially)

    async def _shared_rendering(self, delivery: Delivery, key: Hashable, serially: bool | None) -> ExecutionResult:
        with stray_cancellation_is_a_fault("resolving an event"):
            return await delivery.rendered(key, lambda: self._render(serially))

    def _render(self, serially: bool | None) -> Awaitable[ExecutionResult]:
        RENDERINGS["executed"] += 1
        return self._general(serially)

    def _general(self, serially: bool | None) -> Awaitable[ExecutionResult]:
        """The event's result on graphql-core's general executor (retried whole through an outage)."""
        return self._whole(super().execute_operation(serially), serially)

    async def _whole(self, result: Any, serially: bool | None) -> ExecutionResult:
        backoff = Backoff()
        while True:
            if self.is_awaitable(result):
                with stray_cancellation_is_a_fault("resolving an event"):
                    result = await result
            outage = outage_in(result)
            if outage is None:
                return result
            await backoff.retry("resolving an event", outage)  # StreamInterrupted once it has lasted too long
            again = self.build_per_event_executor(self.root_value)  # (a copy with no errors collected)
            result = super(EventExecution, again).execute_operation(serially)
