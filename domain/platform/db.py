"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scale-out)."""
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from domain.platform.settings import Settings


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None: not SQLite, or an in-memory database)."""
    database = make_url(url).database if is_sqlite(url) else None
    return Path(database) if database and database != ":memory:" else None


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if not is_sqlite(url):
        return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if (path := sqlite_file(url)) is not None:
        # The default ./var/partnergraph.db on a fresh checkout: SQLite makes the file, not its folder.
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000})
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
        # locked" when a read lock cannot be upgraded.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """The engine and the two kinds of session the app uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sqlite = is_sqlite(settings.database_url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.sqlite else self.engine
        self._write_sessions = async_sessionmaker(write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short-lived read session; loaders each take their own (sessions are not shareable)."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits when the block ends, rolls back on any error."""
        async with self._write_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
