"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scale-out).

A database outage (domain.platform.errors.is_outage) leaves every session as DatabaseUnavailable, and the
connection it happened on, with every other one the pool held, is replaced by a new one at its next use.

A request's reads (SharedReads) share one connection, taken at the first read and given back when the request
ends (a mutation's as soon as no read waits for it, so that it never holds one while it waits for a write
connection), and run as autocommit reads: no BEGIN, no ROLLBACK, no ping, only the SELECTs themselves reach the
database. Each statement sees what was committed when it runs, as each loader batch's own transaction saw before.
So a SELECT that finds its connection dead (no ping found it out beforehand) is run once more on a fresh one
(ReadSession); a second failure is the outage.
"""
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from domain.platform.errors import DatabaseUnavailable, is_outage
from domain.platform.settings import Settings

log = logging.getLogger("partnergraph.db")

# How long a new PostgreSQL connection may take before the database counts as unreachable (asyncpg's own is 60 s).
CONNECT_TIMEOUT_SECONDS = 5


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None: not SQLite, or an in-memory database)."""
    database = make_url(url).database if is_sqlite(url) else None
    return Path(database) if database and database != ":memory:" else None


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if not is_sqlite(url):
        engine = create_async_engine(url, pool_size=10, max_overflow=20,
                                     connect_args={"timeout": CONNECT_TIMEOUT_SECONDS})
        _invalidate_on_outage(engine)
        return engine
    if (path := sqlite_file(url)) is not None:
        # The default ./var/partnergraph.db on a fresh checkout: SQLite makes the file, not its folder.
        path.parent.mkdir(parents=True, exist_ok=True)
    # The most recently used connection first: a quiet server reuses one, whose `PRAGMA data_version` the sign-in
    # cache (domain.access.viewer_cache) has already seen.
    engine = create_async_engine(url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
                                 pool_use_lifo=True)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling would BEGIN (deferred) lazily; we
        # issue BEGIN ourselves so write transactions can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={settings.sqlite_busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _sqlite_begin(conn) -> None:
        # A write transaction takes SQLite's single write lock at BEGIN, so two
        # writers queue on the busy timeout instead of failing with "database is
        # locked" when a read lock cannot be upgraded. Autocommit reads
        # (sqlite_begin None) BEGIN nothing: each SELECT is its own transaction.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode is not None:
            conn.exec_driver_sql(f"BEGIN {mode}")

    _invalidate_on_outage(engine)
    return engine


def _invalidate_on_outage(engine: AsyncEngine) -> None:
    """No ping per checkout: an error that is an outage marks its connection as lost, so SQLAlchemy discards
    it and every connection the pool held before it, and the next checkout connects afresh."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _outage_is_a_disconnect(context) -> None:
        if is_outage(context.original_exception):
            context.is_disconnect = True


def connection_died(error: BaseException) -> bool:
    """Whether a statement failed because its connection is gone (closed, reset, its server process ended), not
    because a live connection or the database took too long: SQLAlchemy then marks it `connection_invalidated`."""
    if not isinstance(error, DBAPIError) or not error.connection_invalidated:
        return False
    orig = error.orig
    return not any(isinstance(candidate, TimeoutError)
                   for candidate in (error, orig, orig.__cause__ if orig is not None else None))


class ReadSession(Session):
    """The session of autocommit reads (each statement its own transaction, nothing to lose): a SELECT whose
    connection turns out dead, as a pooled connection whose server process ended while it was idle, is run once
    more on a fresh connection; a second failure is the outage it is. Write sessions never retry: whether a
    write that lost its connection was committed cannot be known here."""

    def _execute_internal(self, statement, params=None, **kwargs):  # type: ignore[override]
        try:
            return super()._execute_internal(statement, params, **kwargs)
        except DBAPIError as error:
            if not connection_died(error) or not getattr(statement, "is_select", False):
                raise
            log.warning("a read's connection was dead (%s); reading again on a fresh one",
                        str(error.orig).splitlines()[0] if str(error.orig) else type(error.orig).__name__)
        # The invalidated connection goes (the pool drops every one older with it); the next statement takes a new one.
        self.rollback()
        return super()._execute_internal(statement, params, **kwargs)


@contextmanager
def outage_as_unavailable() -> Iterator[None]:
    """An outage raised in the block leaves it as DatabaseUnavailable; any other error as it is."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as error:
        if is_outage(error):
            raise DatabaseUnavailable(error) from error
        raise


class Reads(Protocol):
    """Where reads get a session: the Database (a session per block) or one request's SharedReads."""

    def read(self) -> "contextlib.AbstractAsyncContextManager[AsyncSession]": ...


class Database:
    """The engine and the kinds of session the app uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sqlite = is_sqlite(settings.database_url)
        write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.sqlite else self.engine
        self._write_sessions = async_sessionmaker(write_engine, expire_on_commit=False)
        # Autocommit reads: SQLite's connections already run without pysqlite's own transactions (isolation_level
        # None), so not BEGINning is enough; asyncpg needs AUTOCOMMIT, or it opens a transaction per connection.
        autocommit = self.engine.execution_options(sqlite_begin=None) if self.sqlite else \
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._autocommit_sessions = async_sessionmaker(autocommit, expire_on_commit=False, autoflush=False,
                                                       sync_session_class=ReadSession)
        # A read session's transaction gives nothing on PostgreSQL that autocommit does not (READ COMMITTED takes a
        # snapshot per statement either way) but a BEGIN and a ROLLBACK; on SQLite it keeps one snapshot.
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False) if self.sqlite else \
            self._autocommit_sessions

    def shared_reads(self) -> "SharedReads":
        """One request's reads: one connection, taken at the first read, given back by SharedReads.close()."""
        return SharedReads(self._autocommit_sessions)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short-lived read session of its own (a request's loaders share one: shared_reads)."""
        with outage_as_unavailable():
            async with self._sessions() as session:
                yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits when the block ends, rolls back on any error."""
        with outage_as_unavailable():
            async with self._write_sessions() as session, session.begin():
                yield session

    async def reachable(self, timeout: float) -> bool:
        """Whether `SELECT 1` answers within `timeout` seconds (the readiness check)."""
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return False
        except Exception as error:
            if is_outage(error):
                return False
            raise
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


class SharedReads:
    """The reads of one request on one connection, one at a time.

    A connection runs one statement at a time (asyncpg refuses a second), and a request's loaders run their
    batches concurrently: the lock takes them in turn (the batches of one tick are already one statement each).
    The session is emptied after each block, so a row is read afresh by the next statement (a mutation earlier
    in the request may have changed it) and what a block returns is detached, as from a session of its own.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._waiting = 0
        self._hold = True

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._session is None:
                self._session = self._sessions()
            session = self._session
            try:
                with outage_as_unavailable():
                    yield session
            except (asyncio.CancelledError, DatabaseUnavailable):
                # After an outage or a statement cancelled half-way the connection may be unusable: the next read
                # takes a new one. invalidate() discards it without a ROLLBACK or any other statement.
                self._session = None
                with contextlib.suppress(Exception):
                    await session.invalidate()
                raise
            finally:
                session.expunge_all()
            if not self._hold and not self._waiting:
                await self._give_back()
        finally:
            self._lock.release()

    async def writes_follow(self) -> None:
        """The request writes (a mutation): from now on the connection goes back to the pool whenever no read is
        waiting for it. A request holding a read connection while it waits for a write connection could otherwise
        leave a busy pool with every connection held by requests that wait for one more."""
        async with self._lock:
            self._hold = False
            await self._give_back()

    async def close(self) -> None:
        """Gives the connection back to the pool (the request has ended)."""
        async with self._lock:
            await self._give_back()

    async def _give_back(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.close()
        except Exception:
            # A connection that cannot be given back cleanly is discarded instead.
            with contextlib.suppress(Exception):
                await session.invalidate()
