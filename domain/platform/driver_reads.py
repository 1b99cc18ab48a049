"""Kept SELECTs read on the read connection's own driver (asyncpg, aiosqlite), without SQLAlchemy's work per
execution (its cache key walk of the statement, the expansion of IN lists into the SQL text, parameter and result
set-up, the greenlet bridge).

A statement its caller builds once and runs again and again (gql.compiled.run: each level's SELECT, kept per
plan and access shape) is registered with `keep`. For each tuple of lengths of its expanding (IN) parameters,
its first run goes through the session as any statement does, and what SQLAlchemy sent the driver then (the final
SQL text and the parameters in their order) is worked out once more from the statement's own compiled form: only
when both are the same is the layout kept, with the result's keys and SQLAlchemy's own result processors (dates
and datetimes and Decimals on SQLite, enums stored as strings, booleans). Later runs with those lengths send the
kept text, with the parameters put in order by the layout (and SQLAlchemy's bind processors applied), straight to
the driver: on asyncpg as SQLAlchemy's prepared statement (the adapter's own cache of them), on aiosqlite in one
call into its thread. Each row is a named tuple (`row.id` and `row[0]`) of the processed values: the same rows,
keys and values SQLAlchemy gives. IN lists are padded to a power of two by repeating their last element (the same
rows), so a statement has a few texts rather than one per list length.

What stays SQLAlchemy's: the engine's `before_cursor_execute` listeners see every statement sent this way (the
X-SQL-Statements counter, gql.http.sql_statements, and the tests count them). Any error on the driver hands the
statement to the session, which runs it again through SQLAlchemy: a connection found dead is then read again once
on a fresh one (domain.platform.db.ReadSession) and an outage is the outage (outage_as_unavailable). A driver,
parameter style or statement this does not know (literal-execute or escaped parameters, an asyncpg connection in
a transaction) always runs through the session.
"""
import collections
import keyword
import logging
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("partnergraph.db")

DRIVERS = ("asyncpg", "aiosqlite")
# Layouts kept per statement and dialect (one per tuple of IN-list lengths seen); past it, new lengths run through
# the session.
MAX_LAYOUTS = 256
# IN lists up to this long are padded to a power of two (_padded); longer ones are sent as they are.
MAX_PADDED = 1024

_SLICE, _VALUE, _CONSTANT = 0, 1, 2


class _Layout(NamedTuple):
    """How one statement runs on the driver for one tuple of expanding-parameter lengths."""
    sql: str
    parts: tuple  # (_SLICE, name, start, stop, processor) | (_VALUE, name, processor) | (_CONSTANT, value)
    row: type  # the named tuple of the result's keys
    processors: tuple[tuple[int, Callable], ...]  # (column position, SQLAlchemy's result processor)


class _Form:
    """A kept statement compiled for one dialect, with its layouts by lengths (None: through the session)."""
    __slots__ = ("compiled", "expanding", "layouts")

    def __init__(self, compiled: Any) -> None:
        self.compiled = compiled
        self.expanding = tuple(sorted({bind.key for bind in compiled.post_compile_params}))
        self.layouts: dict[tuple, _Layout | None] = {}

    def lengths(self, values: dict) -> tuple:
        return tuple(len(values[name]) if name in values else -1 for name in self.expanding)

    def learn(self, result: Any, values: dict) -> _Layout | None:
        """The layout of what SQLAlchemy just sent the driver for `values`, if this module would send the same."""
        raw = result if isinstance(result, CursorResult) else getattr(result, "raw", None)
        context = getattr(raw, "context", None)
        if not isinstance(raw, CursorResult) or context is None:
            return None
        metadata = raw._metadata
        processors = list(getattr(metadata, "_processors", None) or ())
        keys = list(result.keys())
        if getattr(metadata, "_tuplefilter", None) is not None or len(keys) != len(processors) \
                or len(set(keys)) != len(keys) \
                or not all(key.isidentifier() and not key.startswith("_") and not keyword.iskeyword(key)
                           for key in keys):
            return None
        compiled = self.compiled
        state = compiled.construct_expanded_state(values)
        element_of = {key: (name, index) for name, expanded in state.parameter_expansion.items()
                      for index, key in enumerate(expanded)}
        parts: list = []
        for key in state.positiontup or ():
            processor = state.processors[key] if key in state.processors else compiled._bind_processors.get(key)
            if processor is not None and not callable(processor):
                return None
            element = element_of.get(key)
            if element is not None and element[0] in values:
                name, index = element
                last = parts[-1] if parts else None
                if last is not None and last[0] == _SLICE and last[1] == name and last[3] == index \
                        and last[4] is processor:
                    last[3] = index + 1
                else:
                    parts.append([_SLICE, name, index, index + 1, processor])
            elif element is None and key in values:
                parts.append((_VALUE, key, processor))
            else:
                value = state.parameters[key]
                parts.append((_CONSTANT, value if processor is None else processor(value)))
        layout = _Layout(state.statement, tuple(tuple(part) for part in parts), collections.namedtuple("Row", keys),
                         tuple((index, p) for index, p in enumerate(processors) if p is not None))
        sent = context.parameters[0] if context.parameters else ()
        if layout.sql != context.statement or _arguments(layout, values) != list(sent):
            return None
        return layout


class KeptSelect:
    __slots__ = ("statement", "forms", "__weakref__")

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self.forms: dict[tuple, _Form | None] = {}

    def form(self, dialect: Dialect) -> _Form | None:
        key = (type(dialect), dialect.server_version_info)
        if key in self.forms:
            return self.forms[key]
        form = None
        if dialect.driver in DRIVERS:
            compiled = self.statement.compile(dialect=dialect)
            if compiled.positional and not compiled.literal_execute_params and not compiled.escaped_bind_names:
                form = _Form(compiled)
        self.forms[key] = form
        return form


_KEPT: "weakref.WeakKeyDictionary[Any, KeptSelect]" = weakref.WeakKeyDictionary()


def keep(statement: Any) -> Any:
    """Registers a SELECT its caller keeps and runs many times (DriverReads then runs it on the driver)."""
    if statement not in _KEPT:
        _KEPT[statement] = KeptSelect(statement)
    return statement


def _padded(values: dict, expanding: tuple[str, ...]) -> dict:
    """The values with each IN list of 3 to MAX_PADDED elements made as long as the next power of two by repeating
    its last element: `x IN (1, 2, 3, 3)` is `x IN (1, 2, 3)` (and NOT IN likewise), and a statement then has a
    few texts (layouts, prepared statements, SQLite's statement cache) instead of one per list length."""
    padded = None
    for name in expanding:
        sequence = values.get(name)
        if sequence is None:
            continue
        length = len(sequence)
        size = 1 << (length - 1).bit_length() if length > 2 else length
        if size == length or size > MAX_PADDED:
            continue
        if padded is None:
            padded = dict(values)
        listed = list(sequence)
        padded[name] = listed + [listed[-1]] * (size - length)
    return values if padded is None else padded


def _arguments(layout: _Layout, values: dict) -> list:
    arguments: list = []
    for part in layout.parts:
        kind = part[0]
        if kind == _SLICE:
            _kind, name, start, stop, processor = part
            sequence = values[name]
            if not isinstance(sequence, (list, tuple)):
                sequence = list(sequence)
            chunk = sequence[start:stop]
            arguments.extend(chunk if processor is None else map(processor, chunk))
        elif kind == _VALUE:
            value, processor = values[part[1]], part[2]
            arguments.append(value if processor is None else processor(value))
        else:
            arguments.append(part[1])
    return arguments


class DriverReads:
    """One read session's kept SELECTs, run on its connection's driver."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._connection: Connection | None = None

    async def rows(self, statement: Any, values: dict) -> list:
        """The statement's rows for these parameter values, as SQLAlchemy would give them."""
        kept = _KEPT.get(statement)
        if kept is None:
            return list(await self.session.execute(statement, values))
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated:
            connection = self._connection = (await self.session.connection()).sync_connection
        form = kept.form(connection.dialect)
        if form is None:
            return list(await self.session.execute(statement, values))
        try:
            values = _padded(values, form.expanding)
            lengths = form.lengths(values)
        except TypeError:  # a value that is no list where the statement expands one: SQLAlchemy's to judge
            return list(await self.session.execute(statement, values))
        layout = form.layouts.get(lengths, False)
        if layout is False:
            result = await self.session.execute(statement, values)
            if len(form.layouts) < MAX_LAYOUTS:
                form.layouts[lengths] = form.learn(result, values)
            return list(result)
        if layout is None:
            return list(await self.session.execute(statement, values))
        try:
            return await self._on_driver(connection, layout, values)
        except Exception as error:  # noqa: BLE001 - SQLAlchemy runs it again: its retry of a dead connection, its errors
            log.debug("a kept read failed on the driver (%r); SQLAlchemy runs it again", error)
            self._connection = None
            return list(await self.session.execute(statement, values))

    @staticmethod
    async def _on_driver(connection: Connection, layout: _Layout, values: dict) -> list:
        arguments = _arguments(layout, values)
        adapted = connection.connection.dbapi_connection
        driver = adapted.driver_connection
        dialect = connection.dialect
        asyncpg = dialect.driver == "asyncpg"
        if asyncpg and (not adapted.autocommit or adapted._transaction is not None):
            raise _NotHere  # a transaction SQLAlchemy's adapter would run it in
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, None, layout.sql, arguments, None, False)
        if asyncpg:
            async with adapted._execute_mutex:
                prepared, _attributes = await adapted._prepare(layout.sql, dialect._invalidate_schema_cache_asof)
                records = await prepared.fetch(*arguments)
        else:
            records = await driver.execute_fetchall(layout.sql, arguments)
        make = layout.row._make
        if not layout.processors:
            return [make(record) for record in records]
        rows = []
        processors = layout.processors
        for record in records:
            values_of = list(record)
            for index, processor in processors:
                values_of[index] = processor(values_of[index])
            rows.append(make(values_of))
        return rows


class _NotHere(Exception):
    """This statement is SQLAlchemy's to run."""
