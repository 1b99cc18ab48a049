"""SQL statements per HTTP request, reported in an `X-SQL-Statements` header when
PARTNERGRAPH_REPORT_SQL_STATEMENTS is on (for bench/api.py: statements per request at any data size).

The count lives in a context variable set for the request: loaders and services run in tasks and
greenlets that copy the request's context, so their statements count too, while the event feed's and
the job worker's (their own tasks, started outside any request) do not. `BEGIN` is left out: SQLite
issues it as a statement of its own (domain/platform/db.py) and PostgreSQL's driver does not, so counts compare
across the two databases. Nor are the statements of the execution check's second run (gql.compiled.execution).
"""
import contextvars
import weakref

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Message, Send

from gql.compiled.execution import checking

HEADER = b"x-sql-statements"
_counter: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("sql_statements", default=None)
_counted_engines: "weakref.WeakSet" = weakref.WeakSet()  # several apps on one engine (tests) count once


def count_statements_of(engine: AsyncEngine) -> None:
    """Counts every statement `engine` runs into the current request's counter (if any)."""
    if engine.sync_engine in _counted_engines:
        return
    _counted_engines.add(engine.sync_engine)

    def count(_conn, _cursor, statement: str, *_args) -> None:
        counter = _counter.get()
        if counter is not None and not statement.startswith("BEGIN") and not checking.get():
            counter[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)


def counting_request(send: Send) -> Send:
    """Starts this request's count (call it in the request's own task) and returns a `send` that puts
    the count in the response headers: statements run once the headers are out are not counted."""
    counter = [0]
    _counter.set(counter)

    async def send_with_count(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (HEADER, str(counter[0]).encode())]}
        await send(message)

    return send_with_count
